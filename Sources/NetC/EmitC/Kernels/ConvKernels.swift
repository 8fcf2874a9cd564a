// The convolution kernels: direct (any kernel, stride, padding, dilation, groups) and 1x1 as a matrix
// product. Both start each output plane with its epilogue's bias and shortcut and end it with ReLU.

extension CKernel {
  static let conv2dDirect = CKernel(
    "netc_conv2d_direct", uses: [window, windowBounds, planeStart, planeFinish],
    #"""
    /* Adds weight * (the input shifted by one kernel tap) to an output plane, over the rows and columns whose
       input lies inside the image: padding contributes nothing. For stride 1 the inner loop is contiguous in
       both planes, so it vectorizes. */
    static void netc_conv_tap(const netc_window *c, int ky, int kx, float weight, const float *restrict x,
                              float *restrict plane) {
      const int dy = ky * c->dilation_h - c->pad_h, dx = kx * c->dilation_w - c->pad_w;
      const int y0 = netc_first_inside(dy, c->stride_h), y1 = netc_end_inside(dy, c->stride_h, c->in_h, c->out_h);
      const int x0 = netc_first_inside(dx, c->stride_w), x1 = netc_end_inside(dx, c->stride_w, c->in_w, c->out_w);
      for (int oy = y0; oy < y1; oy++) {
        const float *restrict row = x + (size_t)(oy * c->stride_h + dy) * c->in_w;
        float *restrict out = plane + (size_t)oy * c->out_w;
        if (c->stride_w == 1)
          for (int ox = x0; ox < x1; ox++) out[ox] += weight * row[ox + dx];
        else
          for (int ox = x0; ox < x1; ox++) out[ox] += weight * row[ox * c->stride_w + dx];
      }
    }

    /* Direct convolution; weight is [out_c, in_c / groups, kernel_h, kernel_w], PyTorch's layout. One output
       plane at a time, so it stays in cache while every input channel and tap adds to it. */
    static void netc_conv2d_direct(const netc_window *c, const float *weight, const float *in,
                                   const netc_epilogue *e, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const int taps = c->kernel_h * c->kernel_w;
      const size_t in_plane = (size_t)c->in_h * c->in_w, out_plane = (size_t)c->out_h * c->out_w;
      for (int n = 0; n < c->batch; n++)
        for (int oc = 0; oc < c->out_c; oc++) {
          float *plane = out + ((size_t)n * c->out_c + oc) * out_plane;
          const int first_in = oc / out_per_group * in_per_group;
          netc_plane_start(e, n, oc, c->out_h, c->out_w, plane);
          for (int ic = 0; ic < in_per_group; ic++) {
            const float *x = in + ((size_t)n * c->in_c + first_in + ic) * in_plane;
            const float *w = weight + ((size_t)oc * in_per_group + ic) * taps;
            for (int ky = 0; ky < c->kernel_h; ky++)
              for (int kx = 0; kx < c->kernel_w; kx++) netc_conv_tap(c, ky, kx, w[ky * c->kernel_w + kx], x, plane);
          }
          netc_plane_finish(e, plane, out_plane);
        }
    }

    """#)

  static let gemm = CKernel(
    "netc_gemm",
    #"""
    /* C[m x n] += A[m x k] * B[k x n], row-major. Row i of C gathers a[i][p] * (row p of B) for every p: the
       inner loop streams contiguous rows, so it vectorizes; columns go in blocks so the rows of B a block
       reads stay in cache across the rows of C. */
    static void netc_gemm(int m, int n, int k, const float *restrict a, const float *restrict b,
                          float *restrict c) {
      enum { columns = 512 };
      for (int j0 = 0; j0 < n; j0 += columns) {
        const int j1 = n - j0 > columns ? j0 + columns : n;
        for (int i = 0; i < m; i++) {
          float *restrict row = c + (size_t)i * n;
          for (int p = 0; p < k; p++) {
            const float factor = a[(size_t)i * k + p];
            const float *restrict source = b + (size_t)p * n;
            for (int j = j0; j < j1; j++) row[j] += factor * source[j];
          }
        }
      }
    }

    """#)

  static let conv2dPointwise = CKernel(
    "netc_conv2d_1x1", uses: [window, planeStart, planeFinish, gemm],
    #"""
    /* 1x1 convolution with stride 1 and no padding: per batch item and group, a matrix product of the weight
       [out, in] and the input channels [in, plane]. */
    static void netc_conv2d_1x1(const netc_window *c, const float *weight, const float *in,
                                const netc_epilogue *e, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const int plane = c->out_h * c->out_w;
      for (int n = 0; n < c->batch; n++) {
        float *item = out + (size_t)n * c->out_c * plane;
        for (int oc = 0; oc < c->out_c; oc++) netc_plane_start(e, n, oc, c->out_h, c->out_w, item + (size_t)oc * plane);
        for (int g = 0; g < c->groups; g++)
          netc_gemm(out_per_group, plane, in_per_group, weight + (size_t)g * out_per_group * in_per_group,
                    in + ((size_t)n * c->in_c + (size_t)g * in_per_group) * plane,
                    item + (size_t)g * out_per_group * plane);
        for (int oc = 0; oc < c->out_c; oc++) netc_plane_finish(e, item + (size_t)oc * plane, (size_t)plane);
      }
    }

    """#)

  static let linear = CKernel(
    "netc_linear", uses: [relu, gemm],
    #"""
    /* The shape of a fully connected layer on [batch, in_features]. */
    typedef struct {
      int batch, in_features, out_features, relu;
    } netc_dense;

    /* out = in * weight_t + bias [then ReLU], with the weight stored transposed ([in_features, out_features]) at
       load time so the product streams contiguous rows. */
    static void netc_linear(const netc_dense *d, const float *weight_t, const float *bias, const float *in,
                            float *out) {
      for (int n = 0; n < d->batch; n++)
        for (int o = 0; o < d->out_features; o++) out[(size_t)n * d->out_features + o] = bias ? bias[o] : 0.0f;
      netc_gemm(d->batch, d->out_features, d->in_features, in, weight_t, out);
      if (d->relu) netc_relu((size_t)d->batch * d->out_features, out, out);
    }

    """#)
}
