// Kernels of the ops after the feature maps, and across channels: fully connected layers (the matrix-product
// microkernels over panels packed at load), softmax and local response normalization (channels innermost).

extension CKernel {
  static let linear = CKernel(
    "netc_linear", uses: [share, gemm],
    #"""
    /* out[n] = in[n] * weight^T + bias [then ReLU] for [batch, in_features] rows; weight is packed in panels
       [out_features / 16][in_features][16] at load, zero past out_features. Runs of panels are split over the
       team: at batch 1 the layer streams its weights once, each thread its own share. */
    static void netc_linear(int batch, int in_features, int out_features, const float *weight, const float *bias,
                            int relu, const float *in, float *out, const netc_team *team) {
      const int panels = (out_features + NETC_PANEL - 1) / NETC_PANEL;
      const int runs = (panels + NETC_MAX_PANELS - 1) / NETC_MAX_PANELS;
      const size_t panel_stride = (size_t)in_features * NETC_PANEL;
      long first, end;
      netc_share(team, runs, &first, &end);
      for (long run = first; run < end; run++) {
        const int first_panel = (int)run * NETC_MAX_PANELS, first_column = first_panel * NETC_PANEL;
        const int np = panels - first_panel < NETC_MAX_PANELS ? panels - first_panel : NETC_MAX_PANELS;
        const int mr = netc_gemm_kernels[np].rows;
        const int columns = out_features - first_column < np * NETC_PANEL ? out_features - first_column
                                                                          : np * NETC_PANEL;
        const netc_gemm_epilogue e = {NULL, bias ? bias + first_column : NULL, relu};
        for (int r = 0; r < batch; r += mr) {
          const int count = batch - r < mr ? batch - r : mr;
          const float *a[NETC_MAX_ROWS];
          float *c[NETC_MAX_ROWS];
          for (int m = 0; m < count; m++) {
            a[m] = in + (size_t)(r + m) * in_features;
            c[m] = out + (size_t)(r + m) * out_features + first_column;
          }
          netc_gemm_kernels[np].run(count, 1, in_features, a, weight + (size_t)first_panel * panel_stride,
                                    panel_stride, NULL, &e, NULL, c, columns);
        }
      }
    }

    """#)

  static let softmax = CKernel(
    "netc_softmax", uses: [share],
    #"""
    /* Softmax over the channels of each of `rows` rows (pixels, or batch items), channels innermost, in double;
       the largest value is subtracted first so exp cannot overflow. out may be in. Rows are split over the team. */
    static void netc_softmax(long rows, int channels, const float *in, float *out, const netc_team *team) {
      long first, end;
      netc_share(team, rows, &first, &end);
      for (long r = first; r < end; r++) {
        const float *x = in + (size_t)r * channels;
        float *y = out + (size_t)r * channels;
        double largest = x[0], sum = 0.0;
        for (int c = 1; c < channels; c++)
          if (x[c] > largest) largest = x[c];
        for (int c = 0; c < channels; c++) sum += exp(x[c] - largest);
        for (int c = 0; c < channels; c++) y[c] = (float)(exp(x[c] - largest) / sum);
      }
    }

    """#)

  static let lrn = CKernel(
    "netc_lrn", uses: [share],
    #"""
    /* Local response normalization across channels, the AlexNet paper's formula
       b[c] = a[c] / (k + alpha * sum a[j]^2)^beta (alpha not divided by size) over the channels j from
       c - size / 2 to c + (size - 1) / 2 that exist, PyTorch's window; in double. */
    typedef struct {
      int channels, size;
      double alpha, beta, k;
    } netc_lrn_shape;

    static void netc_lrn(const netc_lrn_shape *l, long pixels, const float *restrict in, float *restrict out,
                         const netc_team *team) {
      long first, end;
      netc_share(team, pixels, &first, &end);
      for (long p = first; p < end; p++) {
        const float *x = in + (size_t)p * l->channels;
        float *y = out + (size_t)p * l->channels;
        for (int c = 0; c < l->channels; c++) {
          const int from = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int to = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          double sum = 0.0;
          for (int j = from; j <= to; j++) sum += (double)x[j] * x[j];
          y[c] = (float)(x[c] / pow(l->k + l->alpha * sum, l->beta));
        }
      }
    }

    """#)
}
