// C types and helpers shared by the kernels: the geometry of sliding windows (convs and pools), ReLU, and the
// epilogue that turns a conv's double sums into its float output.

extension CKernel {
  static let window = CKernel(
    "netc_window",
    #"""
    /* The geometry of a conv or pool: an NCHW input and the NCHW output a kernel window sliding over it makes. */
    typedef struct {
      int batch, in_c, in_h, in_w, out_c, out_h, out_w;
      int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
    } netc_window;

    """#)

  static let windowBounds = CKernel(
    "netc_first_inside",
    #"""
    /* The first output index o >= 0 whose input index o * stride + shift is not in the leading padding. */
    static int netc_first_inside(int shift, int stride) {
      return shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    }

    /* One past the last output index o < out whose input index o * stride + shift is inside [0, size). */
    static int netc_end_inside(int shift, int stride, int size, int out) {
      if (size - shift <= 0) return 0;
      const int end = (size - shift + stride - 1) / stride;
      return end < out ? end : out;
    }

    """#)

  static let relu = CKernel(
    "netc_relu",
    #"""
    /* ReLU; out may be in. NaN stays NaN, as in PyTorch. */
    static void netc_relu(size_t count, const float *in, float *out) {
      for (size_t i = 0; i < count; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
    }

    """#)

  static let shortcut = CKernel(
    "netc_shortcut",
    #"""
    /* A residual operand [batch, channels, height, width] and how it maps onto an output: the identity (stride 1,
       offset 0, the output's shape) or the ResNet paper's option A, subsampled by stride and shifted up by
       offset channels, zero where no channel maps. */
    typedef struct {
      const float *data;
      int channels, height, width, stride, offset;
    } netc_shortcut;

    /* The shortcut row feeding output row y of channel c in batch item n, to be read every s->stride columns;
       NULL where option A pads with zero channels. */
    static const float *netc_shortcut_row(const netc_shortcut *s, int n, int c, int y) {
      const int source = c - s->offset;
      if (!s->data || source < 0 || source >= s->channels) return NULL;
      return s->data + (((size_t)n * s->channels + source) * s->height + (size_t)y * s->stride) * s->width;
    }

    """#)

  static let epilogue = CKernel(
    "netc_epilogue", uses: [shortcut],
    #"""
    /* What a conv does to its sums before its single store: scale and shift (bias and batch norm, folded into
       them at load time), add the shortcut, ReLU. */
    typedef struct {
      const double *scale; /* [out_c], or NULL for 1 */
      const double *shift; /* [out_c], or NULL for 0 */
      netc_shortcut shortcut;
      int relu;
    } netc_epilogue;

    static float netc_clamped(double value, double lowest) { return (float)(value < lowest ? lowest : value); }

    /* Stores elements [first, first + count) of output plane (n, c), w wide, from their sums: in double, rounded
       to float once, as the reference interpreter does. Each shortcut element is read just before its output
       element is written, so the shortcut may be the output itself (an in-place residual). */
    static void netc_finish(const netc_epilogue *e, int n, int c, int w, int first, int count,
                            const double *restrict sums, float *plane) {
      const double scale = e->scale ? e->scale[c] : 1.0, shift = e->shift ? e->shift[c] : 0.0;
      const double lowest = e->relu ? 0.0 : -INFINITY; /* clamping at it is ReLU, or nothing; NaN stays */
      for (int done = 0; done < count;) {
        const int y = (first + done) / w, x0 = (first + done) % w;
        const int x1 = count - done < w - x0 ? x0 + count - done : w;
        const float *source = netc_shortcut_row(&e->shortcut, n, c, y);
        const int step = e->shortcut.stride;
        const double *row = sums + done;
        float *out = plane + (size_t)y * w + x0;
        /* One loop per case, so each vectorizes. */
        if (!source)
          for (int x = 0; x < x1 - x0; x++) out[x] = netc_clamped(row[x] * scale + shift, lowest);
        else if (step == 1)
          for (int x = 0; x < x1 - x0; x++) out[x] = netc_clamped(row[x] * scale + shift + source[x0 + x], lowest);
        else
          for (int x = 0; x < x1 - x0; x++)
            out[x] = netc_clamped(row[x] * scale + shift + source[(size_t)(x0 + x) * step], lowest);
        done += x1 - x0;
      }
    }

    """#)
}
