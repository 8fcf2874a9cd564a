// Kernels that normalize across channels: local response normalization and softmax.

extension CKernel {
  static let lrn = CKernel(
    "netc_lrn",
    #"""
    /* Local response normalization across channels, the AlexNet paper's formula
       b[c] = a[c] / (k + alpha * sum a[j]^2)^beta (alpha not divided by size) over the channels j from
       c - size / 2 to c + (size - 1) / 2 that exist, PyTorch's window. */
    typedef struct {
      int batch, channels, plane, size;
      float alpha, beta, k;
    } netc_lrn_shape;

    static void netc_lrn(const netc_lrn_shape *l, const float *restrict in, float *restrict out) {
      for (int n = 0; n < l->batch; n++)
        for (int c = 0; c < l->channels; c++) {
          const float *item = in + (size_t)n * l->channels * l->plane, *x = item + (size_t)c * l->plane;
          float *o = out + ((size_t)n * l->channels + c) * l->plane;
          const int first = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int last = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          for (int i = 0; i < l->plane; i++) o[i] = 0.0f;
          for (int j = first; j <= last; j++) {
            const float *a = item + (size_t)j * l->plane;
            for (int i = 0; i < l->plane; i++) o[i] += a[i] * a[i];
          }
          for (int i = 0; i < l->plane; i++) o[i] = x[i] / powf(l->k + l->alpha * o[i], l->beta);
        }
    }

    """#)

  static let softmax = CKernel(
    "netc_softmax",
    #"""
    /* Softmax over dimension 1 of [batch, channels, inner...], for each batch item and inner position; the
       largest value is subtracted first so exp cannot overflow. out may be in. */
    static void netc_softmax(int batch, int channels, int inner, const float *in, float *out) {
      for (int n = 0; n < batch; n++)
        for (int i = 0; i < inner; i++) {
          const size_t base = (size_t)n * channels * inner + i;
          float largest = in[base];
          for (int c = 1; c < channels; c++)
            if (in[base + (size_t)c * inner] > largest) largest = in[base + (size_t)c * inner];
          float sum = 0.0f;
          for (int c = 0; c < channels; c++) {
            const float e = expf(in[base + (size_t)c * inner] - largest);
            out[base + (size_t)c * inner] = e;
            sum += e;
          }
          for (int c = 0; c < channels; c++) out[base + (size_t)c * inner] /= sum;
        }
    }

    """#)
}
