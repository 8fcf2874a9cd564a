// Kernels that map elements one to one (ReLU, residual add, option A shortcut, inference batch norm), so their
// output may be one of their inputs, and the layout changes at the edges of the forward pass: the caller's
// tensors are NCHW, every value inside is NHWC (channels innermost, the vector dimension of the fast kernels).

extension CKernel {
  static let relu = CKernel(
    "netc_relu", uses: [share],
    #"""
    /* ReLU; out may be in. NaN stays NaN, as in PyTorch. Elements are split over the team. */
    static void netc_relu(long count, const float *in, float *out, const netc_team *team) {
      long first, end;
      netc_share(team, count, &first, &end);
      for (long i = first; i < end; i++) out[i] = in[i] < 0.0f ? 0.0f : in[i];
    }

    """#)

  static let add = CKernel(
    "netc_add", uses: [shortcutPixel, share],
    #"""
    /* out[c] = a[c] + the shortcut at this pixel (zero outside its channels), then ReLU, for c < count; out may
       be a. The add rounds exactly as the interpreter's double one does. */
    static void netc_add_pixel(const netc_shortcut *s, int relu, int n, int y, int x, int count, const float *a,
                               float *out) {
      const int first = s->offset < count ? s->offset : count;
      const int last = s->offset + s->channels < count ? s->offset + s->channels : count;
      const float *source = netc_shortcut_pixel(s, n, y, x);
      const float lowest = relu ? 0.0f : -INFINITY; /* clamping at it is ReLU, or nothing; NaN stays */
      for (int c = 0; c < first; c++) out[c] = a[c] < lowest ? lowest : a[c];
      for (int c = first; c < last; c++) {
        const float value = a[c] + source[c - s->offset];
        out[c] = value < lowest ? lowest : value;
      }
      for (int c = last; c < count; c++) out[c] = a[c] < lowest ? lowest : a[c];
    }

    /* out = a + shortcut [then ReLU] over an NHWC output [batch, h, w, channels]: a residual add no conv took in
       its epilogue. out may be a, or an identity shortcut. Pixels are split over the team. */
    static void netc_add(const netc_shortcut *s, int relu, int batch, int h, int w, int channels, const float *a,
                         float *out, const netc_team *team) {
      long first, end;
      netc_share(team, (long)batch * h * w, &first, &end);
      for (long p = first; p < end; p++) {
        const int x = (int)(p % w), y = (int)(p / w % h), n = (int)(p / w / h);
        netc_add_pixel(s, relu, n, y, x, channels, a + (size_t)p * channels, out + (size_t)p * channels);
      }
    }

    """#)

  static let shortcutA = CKernel(
    "netc_shortcut_a", uses: [shortcutPixel, share],
    #"""
    /* The option A shortcut on its own: each output pixel holds its subsampled input pixel's channels shifted
       up by the offset, zero where no input channel maps. */
    static void netc_shortcut_a(const netc_shortcut *s, int batch, int h, int w, int channels, float *out,
                                const netc_team *team) {
      long first, end;
      netc_share(team, (long)batch * h * w, &first, &end);
      for (long p = first; p < end; p++) {
        const int x = (int)(p % w), y = (int)(p / w % h), n = (int)(p / w / h);
        const float *source = netc_shortcut_pixel(s, n, y, x);
        float *o = out + (size_t)p * channels;
        for (int c = 0; c < channels; c++)
          o[c] = c >= s->offset && c - s->offset < s->channels ? source[c - s->offset] : 0.0f;
      }
    }

    """#)

  static let scaleShift = CKernel(
    "netc_scale_shift", uses: [share],
    #"""
    /* Inference batch norm, reduced at load time to out = in * scale[c] + shift[c] over rows of channels; out
       may be in. Rows are split over the team. */
    static void netc_scale_shift(long rows, int channels, const float *scale, const float *shift, const float *in,
                                 float *out, const netc_team *team) {
      long first, end;
      netc_share(team, rows, &first, &end);
      for (long r = first; r < end; r++)
        for (int c = 0; c < channels; c++) {
          const size_t i = (size_t)r * channels + c;
          out[i] = in[i] * scale[c] + shift[c];
        }
    }

    """#)

  static let transpose = CKernel(
    "netc_transpose", uses: [share],
    #"""
    /* For each of `batch` items, a [rows][columns] matrix stored as its [columns][rows] transpose: NCHW to NHWC
       with rows = channels and columns = pixels, NHWC to NCHW the other way round. Items' rows are split over
       the team. */
    static void netc_transpose(int batch, int rows, int columns, const float *restrict in, float *restrict out,
                               const netc_team *team) {
      long first, end;
      netc_share(team, (long)batch * rows, &first, &end);
      for (long i = first; i < end; i++) {
        const long n = i / rows, r = i % rows;
        const float *source = in + (size_t)i * columns;
        float *target = out + (size_t)n * rows * columns + (size_t)r;
        for (int c = 0; c < columns; c++) target[(size_t)c * rows] = source[c];
      }
    }

    """#)
}
