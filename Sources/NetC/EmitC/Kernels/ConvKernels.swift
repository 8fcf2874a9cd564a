// The convolution kernels: direct (any kernel, stride, padding, dilation, groups) and 1x1 as a matrix
// product. Both sum in double in the layer's scratch memory and end in the shared epilogue.

extension CKernel {
  static let conv2dDirect = CKernel(
    "netc_conv2d_direct", uses: [window, windowBounds, epilogue],
    #"""
    /* Adds weight * (the input shifted by one kernel tap) to the sums of an output plane, over the rows and
       columns whose input lies inside the image: padding contributes nothing. For stride 1 the inner loop is
       contiguous in both planes, so it vectorizes. */
    static void netc_conv_tap(const netc_window *c, int ky, int kx, double weight, const float *restrict x,
                              double *restrict sums) {
      const int dy = ky * c->dilation_h - c->pad_h, dx = kx * c->dilation_w - c->pad_w;
      const int y0 = netc_first_inside(dy, c->stride_h), y1 = netc_end_inside(dy, c->stride_h, c->in_h, c->out_h);
      const int x0 = netc_first_inside(dx, c->stride_w), x1 = netc_end_inside(dx, c->stride_w, c->in_w, c->out_w);
      for (int oy = y0; oy < y1; oy++) {
        const float *restrict row = x + (size_t)(oy * c->stride_h + dy) * c->in_w;
        double *restrict out = sums + (size_t)oy * c->out_w;
        if (c->stride_w == 1)
          for (int ox = x0; ox < x1; ox++) out[ox] += weight * row[ox + dx];
        else
          for (int ox = x0; ox < x1; ox++) out[ox] += weight * row[ox * c->stride_w + dx];
      }
    }

    /* Direct convolution; weight is [out_c, in_c / groups, kernel_h, kernel_w], PyTorch's layout. One output
       plane at a time: its sums (out_h * out_w doubles of scratch) stay in cache while every input channel and
       tap adds to them. */
    static void netc_conv2d_direct(const netc_window *c, const float *weight, const float *in,
                                   const netc_epilogue *e, double *scratch, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const int taps = c->kernel_h * c->kernel_w, plane = c->out_h * c->out_w;
      for (int n = 0; n < c->batch; n++)
        for (int oc = 0; oc < c->out_c; oc++) {
          const int first_in = oc / out_per_group * in_per_group;
          for (int i = 0; i < plane; i++) scratch[i] = 0.0;
          for (int ic = 0; ic < in_per_group; ic++) {
            const float *x = in + ((size_t)n * c->in_c + first_in + ic) * c->in_h * c->in_w;
            const float *w = weight + ((size_t)oc * in_per_group + ic) * taps;
            for (int ky = 0; ky < c->kernel_h; ky++)
              for (int kx = 0; kx < c->kernel_w; kx++) netc_conv_tap(c, ky, kx, w[ky * c->kernel_w + kx], x, scratch);
          }
          netc_finish(e, n, oc, c->out_w, 0, plane, scratch, out + ((size_t)n * c->out_c + oc) * plane);
        }
    }

    """#)

  /// Columns of a matrix product summed at a time: the rows of B they span stay in cache across the rows of C.
  static let productColumns = 512

  static let productRow = CKernel(
    "netc_product_row",
    #"""
    /* sums[j] = sum over p < k of a[p] * b[p * stride + j], for j < n: n columns of one row of a matrix
       product, in double. The inner loop streams a contiguous row of b, so it vectorizes. */
    static void netc_product_row(int n, int k, const float *restrict a, const float *restrict b, size_t stride,
                                 double *restrict sums) {
      for (int j = 0; j < n; j++) sums[j] = 0.0;
      for (int p = 0; p < k; p++) {
        const double factor = a[p];
        const float *restrict row = b + (size_t)p * stride;
        for (int j = 0; j < n; j++) sums[j] += factor * row[j];
      }
    }

    """#)

  static let conv2dPointwise = CKernel(
    "netc_conv2d_1x1", uses: [window, epilogue, productRow],
    #"""
    /* 1x1 convolution with stride 1 and no padding: per batch item and group, the matrix product of the weight
       [out, in] and the input channels [in, plane], \#(productColumns) columns at a time (scratch: as many
       doubles). */
    static void netc_conv2d_1x1(const netc_window *c, const float *weight, const float *in,
                                const netc_epilogue *e, double *scratch, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const int plane = c->out_h * c->out_w;
      for (int n = 0; n < c->batch; n++)
        for (int j = 0; j < plane; j += \#(productColumns)) {
          const int columns = plane - j < \#(productColumns) ? plane - j : \#(productColumns);
          for (int oc = 0; oc < c->out_c; oc++) {
            const float *x = in + ((size_t)n * c->in_c + (size_t)(oc / out_per_group) * in_per_group) * plane + j;
            netc_product_row(columns, in_per_group, weight + (size_t)oc * in_per_group, x, (size_t)plane, scratch);
            netc_finish(e, n, oc, c->out_w, j, columns, scratch, out + ((size_t)n * c->out_c + oc) * plane);
          }
        }
    }

    """#)
}
