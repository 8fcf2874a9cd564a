// Kernels that map each element on its own (residual add, option A shortcut, inference batch norm), so their
// output may be one of their inputs: the memory planner runs some in place.

extension CKernel {
  static let add = CKernel(
    "netc_add", uses: [shortcut],
    #"""
    /* out = a + shortcut [then ReLU] over a [batch, channels, h, w] output: the residual add a pass did not fuse
       into a conv. A float sum rounds exactly as the interpreter's double one does. out may be a, or an
       identity shortcut. */
    static void netc_add(const netc_shortcut *s, int relu, int batch, int channels, int h, int w, const float *a,
                         float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
          for (int y = 0; y < h; y++) {
            const size_t row = (((size_t)n * channels + c) * h + y) * w;
            const float *source = netc_shortcut_row(s, n, c, y);
            for (int x = 0; x < w; x++) {
              const float value = source ? a[row + x] + source[(size_t)x * s->stride] : a[row + x];
              out[row + x] = relu && value < 0.0f ? 0.0f : value;
            }
          }
    }

    """#)

  static let shortcutA = CKernel(
    "netc_shortcut_a", uses: [shortcut],
    #"""
    /* The option A shortcut on its own: each output plane is its subsampled, channel-shifted input plane, or
       zero where no input channel maps. */
    static void netc_shortcut_a(const netc_shortcut *s, int batch, int channels, int h, int w, float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
          for (int y = 0; y < h; y++) {
            const float *source = netc_shortcut_row(s, n, c, y);
            float *row = out + (((size_t)n * channels + c) * h + y) * w;
            for (int x = 0; x < w; x++) row[x] = source ? source[(size_t)x * s->stride] : 0.0f;
          }
    }

    """#)

  static let scaleShift = CKernel(
    "netc_scale_shift",
    #"""
    /* Inference batch norm, reduced at load time to out = in * scale[c] + shift[c], in double; out may be in. */
    static void netc_scale_shift(int batch, int channels, size_t plane, const double *scale, const double *shift,
                                 const float *in, float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++) {
          const size_t base = ((size_t)n * channels + c) * plane;
          for (size_t i = 0; i < plane; i++) out[base + i] = (float)(in[base + i] * scale[c] + shift[c]);
        }
    }

    """#)
}
