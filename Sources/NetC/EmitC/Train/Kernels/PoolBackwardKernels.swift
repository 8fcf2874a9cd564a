// The pools' backward kernels, over the same windows as their forward kernels: each output's gradient goes
// to its window's maximum, or spread over its window with the forward's divisor, summed in a double plane.

extension CKernel {
  static let maxPoolGrad = CKernel(
    "netc_maxpool_grad", uses: [window],
    #"""
    /* Each dy goes to its window's maximum in x: the first largest value in row-major order, or the first NaN,
       the element the forward pass returned (padding never wins). Sums per input plane in scratch
       (in_h * in_w doubles). */
    static void netc_maxpool_grad(const netc_window *p, const float *dy, const float *x, double *scratch, float *dx) {
      const size_t in_plane = (size_t)p->in_h * p->in_w;
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *source = x + (size_t)plane * in_plane;
        const float *g = dy + (size_t)plane * p->out_h * p->out_w;
        for (size_t k = 0; k < in_plane; k++) scratch[k] = 0.0;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->stride_h - p->pad_h, y1 = y0 + p->kernel_h < p->in_h ? y0 + p->kernel_h : p->in_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->stride_w - p->pad_w, x1 = x0 + p->kernel_w < p->in_w ? x0 + p->kernel_w : p->in_w;
            size_t best = in_plane;
            float largest = -INFINITY;
            for (int y = y0 < 0 ? 0 : y0; y < y1 && !(best < in_plane && largest != largest); y++)
              for (int xx = x0 < 0 ? 0 : x0; xx < x1; xx++) {
                const size_t at = (size_t)y * p->in_w + xx;
                const float value = source[at];
                if (best == in_plane || value > largest || value != value) {
                  best = at;
                  largest = value;
                  if (value != value) break;
                }
              }
            if (best < in_plane) scratch[best] += g[(size_t)oy * p->out_w + ox];
          }
        }
        float *out = dx + (size_t)plane * in_plane;
        for (size_t k = 0; k < in_plane; k++) out[k] = (float)scratch[k];
      }
    }

    """#)

  static let windowSpread = CKernel(
    "netc_window_spread",
    #"""
    /* Adds share to rows [y0, y1) and columns [x0, x1) of a plane of doubles of width w. */
    static void netc_window_spread(double *plane, int w, int y0, int y1, int x0, int x1, double share) {
      for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) plane[(size_t)y * w + x] += share;
    }

    """#)

  static let averagePoolGrad = CKernel(
    "netc_avgpool_grad", uses: [window, averagePoolSpan, windowSpread],
    #"""
    /* Each dy spread evenly over the inside of its window, divided as the forward pass divided
       (netc_avgpool_span). Sums per plane in scratch (in_h * in_w doubles). */
    static void netc_avgpool_grad(const netc_window *p, int count_include_pad, const float *dy, double *scratch,
                                  float *dx) {
      const size_t in_plane = (size_t)p->in_h * p->in_w;
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *g = dy + (size_t)plane * p->out_h * p->out_w;
        for (size_t k = 0; k < in_plane; k++) scratch[k] = 0.0;
        for (int oy = 0; oy < p->out_h; oy++)
          for (int ox = 0; ox < p->out_w; ox++) {
            const netc_pool_span s = netc_avgpool_span(p, count_include_pad, oy, ox);
            if (s.divisor == 0) continue;
            const double share = (double)g[(size_t)oy * p->out_w + ox] / s.divisor;
            netc_window_spread(scratch, p->in_w, s.y0, s.y1, s.x0, s.x1, share);
          }
        float *out = dx + (size_t)plane * in_plane;
        for (size_t k = 0; k < in_plane; k++) out[k] = (float)scratch[k];
      }
    }

    """#)

  static let adaptiveAveragePoolGrad = CKernel(
    "netc_adaptive_avgpool_grad", uses: [window, windowSpread],
    #"""
    /* Each dy spread evenly over its adaptive window (PyTorch's floor/ceil bounds). */
    static void netc_adaptive_avgpool_grad(const netc_window *p, const float *dy, double *scratch, float *dx) {
      const size_t in_plane = (size_t)p->in_h * p->in_w;
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *g = dy + (size_t)plane * p->out_h * p->out_w;
        for (size_t k = 0; k < in_plane; k++) scratch[k] = 0.0;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->in_h / p->out_h, y1 = ((oy + 1) * p->in_h + p->out_h - 1) / p->out_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->in_w / p->out_w, x1 = ((ox + 1) * p->in_w + p->out_w - 1) / p->out_w;
            const double share = (double)g[(size_t)oy * p->out_w + ox] / ((y1 - y0) * (x1 - x0));
            netc_window_spread(scratch, p->in_w, y0, y1, x0, x1, share);
          }
        }
        float *out = dx + (size_t)plane * in_plane;
        for (size_t k = 0; k < in_plane; k++) out[k] = (float)scratch[k];
      }
    }

    """#)
}
