// Pooling kernels with PyTorch's window rules: a window starts at o * stride - pad, reads only the input
// inside it, and (average) divides by the window clipped to the padded input or to the input itself.

extension CKernel {
  static let windowMean = CKernel(
    "netc_window_mean",
    #"""
    /* The mean of rows [y0, y1) and columns [x0, x1) of a plane of width w, divided by divisor. */
    static float netc_window_mean(const float *plane, int w, int y0, int y1, int x0, int x1, int divisor) {
      double sum = 0.0;
      for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) sum += plane[(size_t)y * w + x];
      return divisor > 0 ? (float)(sum / divisor) : 0.0f;
    }

    """#)

  static let maxPool = CKernel(
    "netc_maxpool", uses: [window],
    #"""
    /* Max pooling: padding never wins (PyTorch pads with -infinity) and a NaN in the window wins, as in PyTorch. */
    static void netc_maxpool(const netc_window *p, const float *restrict in, float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *source = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->stride_h - p->pad_h, y1 = y0 + p->kernel_h < p->in_h ? y0 + p->kernel_h : p->in_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->stride_w - p->pad_w, x1 = x0 + p->kernel_w < p->in_w ? x0 + p->kernel_w : p->in_w;
            float largest = -INFINITY;
            for (int y = y0 < 0 ? 0 : y0; y < y1; y++)
              for (int x = x0 < 0 ? 0 : x0; x < x1; x++) {
                const float value = source[(size_t)y * p->in_w + x];
                if (value > largest || value != value) largest = value;
              }
            o[(size_t)oy * p->out_w + ox] = largest;
          }
        }
      }
    }

    """#)

  static let averagePool = CKernel(
    "netc_avgpool", uses: [window, windowMean],
    #"""
    /* Average pooling: the window ends at most pad past the input; count_include_pad divides by that padded
       window, otherwise by the part inside the input (PyTorch's rule, which matters at the edges in ceil mode). */
    static void netc_avgpool(const netc_window *p, int count_include_pad, const float *restrict in,
                             float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *x = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int py0 = oy * p->stride_h - p->pad_h;
          const int py1 = py0 + p->kernel_h < p->in_h + p->pad_h ? py0 + p->kernel_h : p->in_h + p->pad_h;
          const int y0 = py0 < 0 ? 0 : py0, y1 = py1 < p->in_h ? py1 : p->in_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int px0 = ox * p->stride_w - p->pad_w;
            const int px1 = px0 + p->kernel_w < p->in_w + p->pad_w ? px0 + p->kernel_w : p->in_w + p->pad_w;
            const int x0 = px0 < 0 ? 0 : px0, x1 = px1 < p->in_w ? px1 : p->in_w;
            const int divisor = y1 <= y0 || x1 <= x0 ? 0
                              : count_include_pad ? (py1 - py0) * (px1 - px0) : (y1 - y0) * (x1 - x0);
            o[(size_t)oy * p->out_w + ox] = netc_window_mean(x, p->in_w, y0, y1, x0, x1, divisor);
          }
        }
      }
    }

    """#)

  static let adaptiveAveragePool = CKernel(
    "netc_adaptive_avgpool", uses: [window, windowMean],
    #"""
    /* Adaptive average pooling: output o of n averages input indices floor(o * size / n) up to
       ceil((o + 1) * size / n), PyTorch's rule; global average pooling is the 1x1 case. */
    static void netc_adaptive_avgpool(const netc_window *p, const float *restrict in, float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *x = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->in_h / p->out_h, y1 = ((oy + 1) * p->in_h + p->out_h - 1) / p->out_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->in_w / p->out_w, x1 = ((ox + 1) * p->in_w + p->out_w - 1) / p->out_w;
            o[(size_t)oy * p->out_w + ox] = netc_window_mean(x, p->in_w, y0, y1, x0, x1, (y1 - y0) * (x1 - x0));
          }
        }
      }
    }

    """#)
}
