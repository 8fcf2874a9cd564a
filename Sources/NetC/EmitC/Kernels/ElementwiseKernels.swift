// Kernels that map each element on its own (residual add, option A shortcut, inference batch norm), so their
// output may be one of their inputs: the memory planner runs them in place.

extension CKernel {
  static let add = CKernel(
    "netc_add", uses: [epilogue, planeFinish],
    #"""
    /* out = a + shortcut [then ReLU] over a [batch, channels, h, w] output, the shortcut described by e (its bias
       unused): the residual add a pass did not fuse into a conv. out may be a, or an identity shortcut. */
    static void netc_add(const netc_epilogue *e, int batch, int channels, int h, int w, const float *a, float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++) {
          const size_t plane = ((size_t)n * channels + c) * h * w;
          for (int y = 0; y < h; y++) {
            const float *arow = a + plane + (size_t)y * w, *source = netc_shortcut_row(e, n, c, y);
            float *row = out + plane + (size_t)y * w;
            if (!source)
              for (int x = 0; x < w; x++) row[x] = arow[x];
            else if (e->stride == 1)
              for (int x = 0; x < w; x++) row[x] = arow[x] + source[x];
            else
              for (int x = 0; x < w; x++) row[x] = arow[x] + source[(size_t)x * e->stride];
          }
          netc_plane_finish(e, out + plane, (size_t)h * w);
        }
    }

    """#)

  static let shortcutA = CKernel(
    "netc_shortcut_a", uses: [planeStart],
    #"""
    /* The option A shortcut on its own: every output plane is its (subsampled, channel-shifted) shortcut plane,
       zero where no input channel maps. */
    static void netc_shortcut_a(const netc_epilogue *e, int batch, int channels, int h, int w, float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++) netc_plane_start(e, n, c, h, w, out + ((size_t)n * channels + c) * h * w);
    }

    """#)

  static let scaleShift = CKernel(
    "netc_scale_shift",
    #"""
    /* Inference batch norm, reduced at load time to out = in * scale[c] + shift[c]; out may be in. */
    static void netc_scale_shift(int batch, int channels, size_t plane, const float *scale, const float *shift,
                                 const float *in, float *out) {
      for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++) {
          const size_t base = ((size_t)n * channels + c) * plane;
          for (size_t i = 0; i < plane; i++) out[base + i] = in[base + i] * scale[c] + shift[c];
        }
    }

    """#)
}
