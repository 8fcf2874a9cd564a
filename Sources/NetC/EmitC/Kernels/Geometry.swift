// C types and helpers shared by the sliding-window kernels (convs and pools) and by everything that ends in
// an epilogue (bias, shortcut operand, ReLU).

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

  static let epilogue = CKernel(
    "netc_epilogue",
    #"""
    /* What a conv, linear or add does to each output plane besides its own sums: start from a bias and a
       shortcut operand, end with ReLU. The shortcut is the identity (stride 1, offset 0, the output's shape) or
       the ResNet paper's option A: subsampled by stride, shifted up by offset channels, zero where no channel
       maps. */
    typedef struct {
      const float *bias;     /* [out_c], or NULL */
      const float *shortcut; /* [batch, channels, height, width], or NULL; may be the output itself */
      int channels, height, width, stride, offset;
      int relu;
    } netc_epilogue;

    /* The shortcut row feeding output row y of channel c in batch item n, to be read every e->stride columns;
       NULL where option A pads with zero channels. */
    static const float *netc_shortcut_row(const netc_epilogue *e, int n, int c, int y) {
      const int source = c - e->offset;
      if (source < 0 || source >= e->channels) return NULL;
      return e->shortcut + (((size_t)n * e->channels + source) * e->height + (size_t)y * e->stride) * e->width;
    }

    """#)

  static let planeStart = CKernel(
    "netc_plane_start", uses: [epilogue],
    #"""
    /* Starts plane (n, c) of an h x w output at bias + shortcut, so a kernel only adds its products. Each element
       is read before it is written, so the shortcut may be the output itself (an in-place residual). */
    static void netc_plane_start(const netc_epilogue *e, int n, int c, int h, int w, float *out) {
      const float bias = e->bias ? e->bias[c] : 0.0f;
      for (int y = 0; y < h; y++) {
        float *row = out + (size_t)y * w;
        const float *source = e->shortcut ? netc_shortcut_row(e, n, c, y) : NULL;
        if (!source)
          for (int x = 0; x < w; x++) row[x] = bias;
        else if (e->stride == 1)
          for (int x = 0; x < w; x++) row[x] = bias + source[x];
        else
          for (int x = 0; x < w; x++) row[x] = bias + source[(size_t)x * e->stride];
      }
    }

    """#)

  static let planeFinish = CKernel(
    "netc_plane_finish", uses: [epilogue, relu],
    #"""
    static void netc_plane_finish(const netc_epilogue *e, float *out, size_t count) {
      if (e->relu) netc_relu(count, out, out);
    }

    """#)
}
