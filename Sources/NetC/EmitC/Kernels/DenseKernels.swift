// Kernels of the ops after the feature maps, and across channels: fully connected layers, softmax and local
// response normalization. They compute in double and round once, as the reference interpreter does.

extension CKernel {
  static let linear = CKernel(
    "netc_linear", uses: [productRow],
    #"""
    /* The shape of a fully connected layer on [batch, in_features]. */
    typedef struct {
      int batch, in_features, out_features, relu;
    } netc_dense;

    /* out = in * weight_t + bias [then ReLU], the weight stored transposed ([in_features, out_features]) at load
       time so the product streams its rows; \#(productColumns) outputs at a time (scratch: as many doubles). */
    static void netc_linear(const netc_dense *d, const float *weight_t, const float *bias, const float *in,
                            double *scratch, float *out) {
      for (int n = 0; n < d->batch; n++)
        for (int o = 0; o < d->out_features; o += \#(productColumns)) {
          const int columns = d->out_features - o < \#(productColumns) ? d->out_features - o : \#(productColumns);
          netc_product_row(columns, d->in_features, in + (size_t)n * d->in_features, weight_t + o,
                           (size_t)d->out_features, scratch);
          for (int j = 0; j < columns; j++) {
            const double value = scratch[j] + (bias ? bias[o + j] : 0.0f);
            out[(size_t)n * d->out_features + o + j] = (float)(d->relu && value < 0.0 ? 0.0 : value);
          }
        }
    }

    """#)

  static let softmax = CKernel(
    "netc_softmax",
    #"""
    /* Softmax over dimension 1 of [batch, channels, inner...], for each batch item and inner position, in
       double; the largest value is subtracted first so exp cannot overflow. out may be in. */
    static void netc_softmax(int batch, int channels, int inner, const float *in, float *out) {
      for (int n = 0; n < batch; n++)
        for (int i = 0; i < inner; i++) {
          const size_t base = (size_t)n * channels * inner + i;
          double largest = in[base], sum = 0.0;
          for (int c = 1; c < channels; c++)
            if (in[base + (size_t)c * inner] > largest) largest = in[base + (size_t)c * inner];
          for (int c = 0; c < channels; c++) sum += exp(in[base + (size_t)c * inner] - largest);
          for (int c = 0; c < channels; c++)
            out[base + (size_t)c * inner] = (float)(exp(in[base + (size_t)c * inner] - largest) / sum);
        }
    }

    """#)

  static let lrn = CKernel(
    "netc_lrn",
    #"""
    /* Local response normalization across channels, the AlexNet paper's formula
       b[c] = a[c] / (k + alpha * sum a[j]^2)^beta (alpha not divided by size) over the channels j from
       c - size / 2 to c + (size - 1) / 2 that exist, PyTorch's window; sums in scratch (plane doubles). */
    typedef struct {
      int batch, channels, plane, size;
      double alpha, beta, k;
    } netc_lrn_shape;

    static void netc_lrn(const netc_lrn_shape *l, const float *restrict in, double *restrict scratch,
                         float *restrict out) {
      for (int n = 0; n < l->batch; n++)
        for (int c = 0; c < l->channels; c++) {
          const float *item = in + (size_t)n * l->channels * l->plane, *x = item + (size_t)c * l->plane;
          float *o = out + ((size_t)n * l->channels + c) * l->plane;
          const int first = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int last = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          for (int i = 0; i < l->plane; i++) scratch[i] = 0.0;
          for (int j = first; j <= last; j++) {
            const float *a = item + (size_t)j * l->plane;
            for (int i = 0; i < l->plane; i++) scratch[i] += (double)a[i] * a[i];
          }
          for (int i = 0; i < l->plane; i++) o[i] = (float)(x[i] / pow(l->k + l->alpha * scratch[i], l->beta));
        }
    }

    """#)
}
