// Kernels of batch norm in training mode: the batch's statistics with the running-statistics update, the
// normalization with them, and its backward pass. Sums run in double, each result rounds to float once.

extension CKernel {
  static let maps = CKernel(
    "netc_maps",
    #"""
    /* Feature maps [batch, channels, plane] (plane = height * width, or 1 for [batch, features]). */
    typedef struct {
      int batch, channels;
      size_t plane;
    } netc_maps;

    """#)

  static let batchNormStatistics = CKernel(
    "netc_batchnorm_stats", uses: [maps],
    #"""
    /* The batch's mean (stats[c]) and biased variance (stats[channels + c]) per channel, in two passes; and
       PyTorch's running-statistics update, running = (1 - momentum) * running + momentum * batch, with the
       unbiased variance var * n / (n - 1). */
    static void netc_batchnorm_stats(const netc_maps *m, const float *x, double momentum, float *running_mean,
                                     float *running_var, float *stats) {
      const double count = (double)m->batch * (double)m->plane;
      for (int c = 0; c < m->channels; c++) {
        double sum = 0.0, squares = 0.0;
        for (int n = 0; n < m->batch; n++) {
          const float *v = x + ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++) sum += v[i];
        }
        const double mean = sum / count;
        for (int n = 0; n < m->batch; n++) {
          const float *v = x + ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++) squares += (v[i] - mean) * (v[i] - mean);
        }
        const double variance = squares / count;
        stats[c] = (float)mean;
        stats[m->channels + c] = (float)variance;
        running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
        running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * variance * count / (count - 1.0));
      }
    }

    """#)

  static let batchNormTrain = CKernel(
    "netc_batchnorm_train", uses: [maps],
    #"""
    /* out = (x - mean) / sqrt(var + eps) * gamma + beta with the batch's statistics; out may be x. */
    static void netc_batchnorm_train(const netc_maps *m, const float *x, const float *stats, const float *gamma,
                                     const float *beta, double eps, float *out) {
      for (int n = 0; n < m->batch; n++)
        for (int c = 0; c < m->channels; c++) {
          const double mean = stats[c], inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++)
            out[base + i] = (float)((x[base + i] - mean) * inverse * gamma[c] + beta[c]);
        }
    }

    """#)

  static let batchNormGradWeight = CKernel(
    "netc_batchnorm_grad_weight", uses: [maps],
    #"""
    /* dgamma[c] = sum of dy * (x - mean) / sqrt(var + eps) over the batch and the plane. */
    static void netc_batchnorm_grad_weight(const netc_maps *m, const float *dy, const float *x, const float *stats,
                                           double eps, float *dgamma) {
      for (int c = 0; c < m->channels; c++) {
        const double mean = stats[c], inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
        double sum = 0.0;
        for (int n = 0; n < m->batch; n++) {
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++) sum += (double)dy[base + i] * ((x[base + i] - mean) * inverse);
        }
        dgamma[c] = (float)sum;
      }
    }

    """#)

  static let biasGrad = CKernel(
    "netc_bias_grad", uses: [maps],
    #"""
    /* dbias[c] = sum of dy over the batch and the plane: the gradient of a per-channel bias or shift. */
    static void netc_bias_grad(const netc_maps *m, const float *dy, float *dbias) {
      for (int c = 0; c < m->channels; c++) {
        double sum = 0.0;
        for (int n = 0; n < m->batch; n++) {
          const float *g = dy + ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++) sum += g[i];
        }
        dbias[c] = (float)sum;
      }
    }

    """#)

  static let batchNormGradInput = CKernel(
    "netc_batchnorm_grad_input", uses: [maps],
    #"""
    /* dx = gamma / sigma * (dy - (dbeta + xhat * dgamma) / n): through the normalization and the batch's mean and
       variance, which dbeta = sum dy and dgamma = sum dy * xhat summarize. dx may be dy. */
    static void netc_batchnorm_grad_input(const netc_maps *m, const float *dy, const float *x, const float *stats,
                                          const float *gamma, const float *dgamma, const float *dbeta, double eps,
                                          float *dx) {
      const double count = (double)m->batch * (double)m->plane;
      for (int n = 0; n < m->batch; n++)
        for (int c = 0; c < m->channels; c++) {
          const double mean = stats[c], inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
          const double factor = gamma[c] * inverse;
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i++) {
            const double normalized = (x[base + i] - mean) * inverse;
            dx[base + i] = (float)(factor * (dy[base + i] - (dbeta[c] + normalized * dgamma[c]) / count));
          }
        }
    }

    """#)
}
