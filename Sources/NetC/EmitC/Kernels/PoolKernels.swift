// Pooling kernels with PyTorch's window rules: a window starts at o * stride - pad, reads only the input
// inside it, and (average) divides by the window clipped to the padded input or to the input itself. Values are
// NHWC, so each output pixel pools all its channels at once along contiguous memory.

extension CKernel {
  static let windowMean = CKernel(
    "netc_window_mean", uses: [window],
    #"""
    /* The channel means, in double, of rows [y0, y1) and columns [x0, x1) of batch item n's input, divided by
       divisor (0: an empty window, zeros), into out[0, in_c); 256 channels at a time, summed along pixels. */
    static void netc_window_mean(const netc_window *p, int n, int y0, int y1, int x0, int x1, int divisor,
                                 const float *in, float *out) {
      double sums[256];
      for (int c0 = 0; c0 < p->in_c; c0 += 256) {
        const int count = p->in_c - c0 < 256 ? p->in_c - c0 : 256;
        for (int c = 0; c < count; c++) sums[c] = 0.0;
        for (int y = y0; y < y1; y++)
          for (int x = x0; x < x1; x++) {
            const float *pixel = in + (((size_t)n * p->in_h + y) * p->in_w + x) * p->in_c + c0;
            for (int c = 0; c < count; c++) sums[c] += pixel[c];
          }
        for (int c = 0; c < count; c++) out[c0 + c] = divisor > 0 ? (float)(sums[c] / divisor) : 0.0f;
      }
    }

    """#)

  static let maxPool = CKernel(
    "netc_maxpool", uses: [window, share],
    #"""
    /* Max pooling: padding never wins (PyTorch pads with -infinity) and a NaN in the window wins, as in PyTorch.
       Output pixels are split over the team. */
    static void netc_maxpool(const netc_window *p, const float *restrict in, float *restrict out,
                             const netc_team *team) {
      long first, end;
      netc_share(team, (long)p->batch * p->out_h * p->out_w, &first, &end);
      for (long i = first; i < end; i++) {
        const int ox = (int)(i % p->out_w), oy = (int)(i / p->out_w % p->out_h), n = (int)(i / p->out_w / p->out_h);
        const int y0 = oy * p->stride_h - p->pad_h, y1 = y0 + p->kernel_h < p->in_h ? y0 + p->kernel_h : p->in_h;
        const int x0 = ox * p->stride_w - p->pad_w, x1 = x0 + p->kernel_w < p->in_w ? x0 + p->kernel_w : p->in_w;
        float *o = out + (size_t)i * p->in_c;
        for (int c = 0; c < p->in_c; c++) o[c] = -INFINITY;
        for (int y = y0 < 0 ? 0 : y0; y < y1; y++)
          for (int x = x0 < 0 ? 0 : x0; x < x1; x++) {
            const float *pixel = in + (((size_t)n * p->in_h + y) * p->in_w + x) * p->in_c;
            for (int c = 0; c < p->in_c; c++)
              if (pixel[c] > o[c] || pixel[c] != pixel[c]) o[c] = pixel[c];
          }
      }
    }

    """#)

  static let averagePoolSpan = CKernel(
    "netc_avgpool_span", uses: [window],
    #"""
    /* The input rows [y0, y1) and columns [x0, x1) that output (oy, ox) of an average pool averages, and what
       it divides them by (0 when the window holds no input): the window ends at most pad past the input;
       count_include_pad divides by that padded window, otherwise by the part inside the input (PyTorch's rule,
       which matters at the edges in ceil mode). */
    typedef struct {
      int y0, y1, x0, x1, divisor;
    } netc_pool_span;

    static netc_pool_span netc_avgpool_span(const netc_window *p, int count_include_pad, int oy, int ox) {
      const int py0 = oy * p->stride_h - p->pad_h;
      const int py1 = py0 + p->kernel_h < p->in_h + p->pad_h ? py0 + p->kernel_h : p->in_h + p->pad_h;
      const int px0 = ox * p->stride_w - p->pad_w;
      const int px1 = px0 + p->kernel_w < p->in_w + p->pad_w ? px0 + p->kernel_w : p->in_w + p->pad_w;
      netc_pool_span s;
      s.y0 = py0 < 0 ? 0 : py0;
      s.y1 = py1 < p->in_h ? py1 : p->in_h;
      s.x0 = px0 < 0 ? 0 : px0;
      s.x1 = px1 < p->in_w ? px1 : p->in_w;
      s.divisor = s.y1 <= s.y0 || s.x1 <= s.x0 ? 0
                : count_include_pad ? (py1 - py0) * (px1 - px0) : (s.y1 - s.y0) * (s.x1 - s.x0);
      return s;
    }

    """#)

  static let averagePool = CKernel(
    "netc_avgpool", uses: [window, averagePoolSpan, windowMean, share],
    #"""
    /* Average pooling (netc_avgpool_span's windows); output pixels are split over the team. */
    static void netc_avgpool(const netc_window *p, int count_include_pad, const float *restrict in,
                             float *restrict out, const netc_team *team) {
      long first, end;
      netc_share(team, (long)p->batch * p->out_h * p->out_w, &first, &end);
      for (long i = first; i < end; i++) {
        const int ox = (int)(i % p->out_w), oy = (int)(i / p->out_w % p->out_h), n = (int)(i / p->out_w / p->out_h);
        const netc_pool_span s = netc_avgpool_span(p, count_include_pad, oy, ox);
        netc_window_mean(p, n, s.y0, s.y1, s.x0, s.x1, s.divisor, in, out + (size_t)i * p->in_c);
      }
    }

    """#)

  static let adaptiveAveragePool = CKernel(
    "netc_adaptive_avgpool", uses: [window, windowMean, share],
    #"""
    /* Adaptive average pooling: output o of n averages input indices floor(o * size / n) up to
       ceil((o + 1) * size / n), PyTorch's rule; global average pooling is the 1x1 case. */
    static void netc_adaptive_avgpool(const netc_window *p, const float *restrict in, float *restrict out,
                                      const netc_team *team) {
      long first, end;
      netc_share(team, (long)p->batch * p->out_h * p->out_w, &first, &end);
      for (long i = first; i < end; i++) {
        const int ox = (int)(i % p->out_w), oy = (int)(i / p->out_w % p->out_h), n = (int)(i / p->out_w / p->out_h);
        const int y0 = oy * p->in_h / p->out_h, y1 = ((oy + 1) * p->in_h + p->out_h - 1) / p->out_h;
        const int x0 = ox * p->in_w / p->out_w, x1 = ((ox + 1) * p->in_w + p->out_w - 1) / p->out_w;
        netc_window_mean(p, n, y0, y1, x0, x1, (y1 - y0) * (x1 - x0), in, out + (size_t)i * p->in_c);
      }
    }

    """#)
}
