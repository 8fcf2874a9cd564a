// The convolution's backward kernels: the input gradient scatters weight * dy through every tap into a double
// plane (the forward pass's gather, reversed), the weight gradient sums dy * x over every tap's positions.

extension CKernel {
  static let conv2dGradInput = CKernel(
    "netc_conv2d_grad_input", uses: [window, windowBounds],
    #"""
    /* Adds weight * (dy of one output plane) to the input-plane sums at the positions one kernel tap read. */
    static void netc_conv_tap_back(const netc_window *c, int ky, int kx, double weight, const float *restrict dy,
                                   double *restrict sums) {
      const int dy_ = ky * c->dilation_h - c->pad_h, dx_ = kx * c->dilation_w - c->pad_w;
      const int y0 = netc_first_inside(dy_, c->stride_h), y1 = netc_end_inside(dy_, c->stride_h, c->in_h, c->out_h);
      const int x0 = netc_first_inside(dx_, c->stride_w), x1 = netc_end_inside(dx_, c->stride_w, c->in_w, c->out_w);
      for (int oy = y0; oy < y1; oy++) {
        double *restrict row = sums + (size_t)(oy * c->stride_h + dy_) * c->in_w;
        const float *restrict g = dy + (size_t)oy * c->out_w;
        if (c->stride_w == 1)
          for (int ox = x0; ox < x1; ox++) row[ox + dx_] += weight * g[ox];
        else
          for (int ox = x0; ox < x1; ox++) row[ox * c->stride_w + dx_] += weight * g[ox];
      }
    }

    /* The input gradient of a convolution (weight [out_c, in_c / groups, kernel_h, kernel_w]): one input plane at
       a time, summed in double in scratch (in_h * in_w doubles) over the output channels of its group and every
       tap, then rounded once. */
    static void netc_conv2d_grad_input(const netc_window *c, const float *weight, const float *dy, double *scratch,
                                       float *dx) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const int taps = c->kernel_h * c->kernel_w;
      const size_t in_plane = (size_t)c->in_h * c->in_w, out_plane = (size_t)c->out_h * c->out_w;
      for (int n = 0; n < c->batch; n++)
        for (int ic = 0; ic < c->in_c; ic++) {
          const int group = ic / in_per_group, i = ic % in_per_group;
          for (size_t k = 0; k < in_plane; k++) scratch[k] = 0.0;
          for (int oc = group * out_per_group; oc < (group + 1) * out_per_group; oc++) {
            const float *g = dy + ((size_t)n * c->out_c + oc) * out_plane;
            const float *w = weight + ((size_t)oc * in_per_group + i) * taps;
            for (int ky = 0; ky < c->kernel_h; ky++)
              for (int kx = 0; kx < c->kernel_w; kx++)
                netc_conv_tap_back(c, ky, kx, w[ky * c->kernel_w + kx], g, scratch);
          }
          float *out = dx + ((size_t)n * c->in_c + ic) * in_plane;
          for (size_t k = 0; k < in_plane; k++) out[k] = (float)scratch[k];
        }
    }

    """#)

  static let conv2dGradWeight = CKernel(
    "netc_conv2d_grad_weight", uses: [window, windowBounds],
    #"""
    /* Adds dy * x over the positions one kernel tap read, for one output plane and one input plane, to sums
       per output column (out_w doubles): independent sums, so the loop vectorizes where one sum could not. */
    static void netc_conv_tap_sums(const netc_window *c, int ky, int kx, const float *restrict x,
                                   const float *restrict dy, double *restrict sums) {
      const int dy_ = ky * c->dilation_h - c->pad_h, dx_ = kx * c->dilation_w - c->pad_w;
      const int y0 = netc_first_inside(dy_, c->stride_h), y1 = netc_end_inside(dy_, c->stride_h, c->in_h, c->out_h);
      const int x0 = netc_first_inside(dx_, c->stride_w), x1 = netc_end_inside(dx_, c->stride_w, c->in_w, c->out_w);
      for (int oy = y0; oy < y1; oy++) {
        const float *restrict row = x + (size_t)(oy * c->stride_h + dy_) * c->in_w;
        const float *restrict g = dy + (size_t)oy * c->out_w;
        if (c->stride_w == 1)
          for (int ox = x0; ox < x1; ox++) sums[ox] += (double)g[ox] * row[ox + dx_];
        else
          for (int ox = x0; ox < x1; ox++) sums[ox] += (double)g[ox] * row[ox * c->stride_w + dx_];
      }
    }

    /* The weight gradient of a convolution: each weight's sum over the batch and every position its tap read,
       in double (scratch: out_w doubles), rounded once. */
    static void netc_conv2d_grad_weight(const netc_window *c, const float *dy, const float *x, double *scratch,
                                        float *dw) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups;
      const size_t in_plane = (size_t)c->in_h * c->in_w, out_plane = (size_t)c->out_h * c->out_w;
      for (int oc = 0; oc < c->out_c; oc++) {
        const int first_in = oc / out_per_group * in_per_group;
        for (int i = 0; i < in_per_group; i++)
          for (int ky = 0; ky < c->kernel_h; ky++)
            for (int kx = 0; kx < c->kernel_w; kx++) {
              for (int ox = 0; ox < c->out_w; ox++) scratch[ox] = 0.0;
              for (int n = 0; n < c->batch; n++)
                netc_conv_tap_sums(c, ky, kx, x + ((size_t)n * c->in_c + first_in + i) * in_plane,
                                   dy + ((size_t)n * c->out_c + oc) * out_plane, scratch);
              double sum = 0.0;
              for (int ox = 0; ox < c->out_w; ox++) sum += scratch[ox];
              dw[(((size_t)oc * in_per_group + i) * c->kernel_h + ky) * c->kernel_w + kx] = (float)sum;
            }
      }
    }

    """#)
}
