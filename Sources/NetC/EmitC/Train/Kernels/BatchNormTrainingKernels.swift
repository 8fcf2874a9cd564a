// Kernels of batch norm in training mode: the batch's statistics with the running-statistics update, the
// normalization with them, and its backward pass. The statistics sum in double, as PyTorch does (16 partial sums
// per plane, so the planes vectorize): a ReLU input near 0 takes its sign from them, and one flipped sign moves a
// bias gradient by 1 % (measured on the parity fixture). The backward sums add 16 float partial sums per plane
// (at most a few hundred terms each) in double, as accurate as double sums while the planes vectorize.

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

  static let planeSumTemplate = CKernel(
    "NETC_PLANE_SUM",
    #"""
    /* A sum over one plane of n floats of term(k): 16 partial sums of type lane_type (lane j adds the terms j,
       j + 16, ...), then the partials and the tail added in double. */
    #define NETC_PLANE_SUM(name, lane_type, parameters, term)                                                     \
      static double name parameters {                                                                             \
        lane_type lane[16] = {0};                                                                                 \
        size_t i = 0;                                                                                             \
        for (; i + 16 <= n; i += 16)                                                                              \
          for (int j = 0; j < 16; j++) lane[j] += term(i + j);                                                    \
        double sum = 0.0;                                                                                         \
        for (int j = 0; j < 16; j++) sum += lane[j];                                                              \
        for (; i < n; i++) sum += term(i);                                                                        \
        return sum;                                                                                               \
      }

    """#)

  static let planeSum = CKernel(
    "netc_plane_sum", uses: [planeSumTemplate],
    #"""
    /* The sum of v over a plane. */
    #define NETC_TERM_VALUE(k) v[k]
    NETC_PLANE_SUM(netc_plane_sum, float, (const float *restrict v, size_t n), NETC_TERM_VALUE)

    """#)

  static let planeCentered = CKernel(
    "netc_plane_centered", uses: [planeSumTemplate],
    #"""
    /* The sum of a * (b - mean) over a plane. */
    #define NETC_TERM_CENTERED(k) (a[k] * (b[k] - mean))
    NETC_PLANE_SUM(netc_plane_centered, float,
                   (const float *restrict a, const float *restrict b, float mean, size_t n), NETC_TERM_CENTERED)

    """#)

  static let planeMoments = CKernel(
    "netc_plane_moments", uses: [planeSumTemplate],
    #"""
    /* The sum of v, and of (v - mean)^2, over a plane, in double. */
    #define NETC_TERM_DOUBLE(k) ((double)v[k])
    NETC_PLANE_SUM(netc_plane_total, double, (const float *restrict v, size_t n), NETC_TERM_DOUBLE)
    #define NETC_TERM_SQUARE(k) (((double)v[k] - mean) * ((double)v[k] - mean))
    NETC_PLANE_SUM(netc_plane_squares, double, (const float *restrict v, double mean, size_t n), NETC_TERM_SQUARE)

    """#)

  static let batchNormStatistics = CKernel(
    "netc_batchnorm_stats", uses: [share, maps, planeMoments],
    #"""
    /* The batch's mean (stats[c]) and biased variance (stats[channels + c]) per channel, in two passes; and
       PyTorch's running-statistics update, running = (1 - momentum) * running + momentum * batch, with the
       unbiased variance var * n / (n - 1). The team shares out the channels. */
    static void netc_batchnorm_stats(const netc_team *team, const netc_maps *m, const float *x, double momentum,
                                     float *running_mean, float *running_var, float *stats) {
      const double count = (double)m->batch * (double)m->plane;
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (long c = first; c < end; c++) {
        double sum = 0.0, squares = 0.0;
        for (int n = 0; n < m->batch; n++)
          sum += netc_plane_total(x + ((size_t)n * m->channels + c) * m->plane, m->plane);
        const double mean = sum / count;
        for (int n = 0; n < m->batch; n++)
          squares += netc_plane_squares(x + ((size_t)n * m->channels + c) * m->plane, mean, m->plane);
        const double variance = squares / count;
        stats[c] = (float)mean;
        stats[m->channels + c] = (float)variance;
        running_mean[c] = (float)((1.0 - momentum) * running_mean[c] + momentum * mean);
        running_var[c] = (float)((1.0 - momentum) * running_var[c] + momentum * variance * count / (count - 1.0));
      }
    }

    """#)

  static let batchNormTrain = CKernel(
    "netc_batchnorm_train", uses: [team, maps],
    #"""
    /* out = (x - mean) * (gamma / sqrt(var + eps)) + beta with the batch's statistics, then with relu the ReLU
       of that (over each plane while it is in cache: the same numbers as netc_relu after, one sweep fewer); out
       may be x (both cases keep their pointers apart for the compiler, so the planes vectorize). The team shares
       out the images. */
    static void netc_batchnorm_train(const netc_team *team, const netc_maps *m, const float *x,
                                     const float *stats, const float *gamma, const float *beta, double eps, int relu,
                                     float *out) {
      for (int n = team->index; n < m->batch; n += team->count)
        for (int c = 0; c < m->channels; c++) {
          const float mean = stats[c], scale = (float)(gamma[c] / sqrt(stats[m->channels + c] + eps)), shift = beta[c];
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          if (out == x) {
            float *restrict v = out + base;
            for (size_t i = 0; i < m->plane; i++) v[i] = (v[i] - mean) * scale + shift;
          } else {
            const float *restrict v = x + base;
            float *restrict y = out + base;
            for (size_t i = 0; i < m->plane; i++) y[i] = (v[i] - mean) * scale + shift;
          }
          if (relu) {
            float *restrict y = out + base;
            for (size_t i = 0; i < m->plane; i++) y[i] = y[i] < 0.0f ? 0.0f : y[i];
          }
        }
    }

    """#)

  static let batchNormGradWeight = CKernel(
    "netc_batchnorm_grad_weight", uses: [share, maps, planeCentered],
    #"""
    /* dgamma[c] = sum of dy * (x - mean) / sqrt(var + eps) over the batch and the plane; the team shares out
       the channels. */
    static void netc_batchnorm_grad_weight(const netc_team *team, const netc_maps *m, const float *dy,
                                           const float *x, const float *stats, double eps, float *dgamma) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (int c = (int)first; c < (int)end; c++) {
        double sum = 0.0;
        for (int n = 0; n < m->batch; n++) {
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          sum += netc_plane_centered(dy + base, x + base, stats[c], m->plane);
        }
        dgamma[c] = (float)(sum / sqrt(stats[m->channels + c] + eps));
      }
    }

    """#)

  static let biasGrad = CKernel(
    "netc_bias_grad", uses: [share, maps, planeSum],
    #"""
    /* dbias[c] = sum of dy over the batch and the plane: the gradient of a per-channel bias or shift. The team
       shares out the channels. */
    static void netc_bias_grad(const netc_team *team, const netc_maps *m, const float *dy, float *dbias) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (int c = (int)first; c < (int)end; c++) {
        double sum = 0.0;
        for (int n = 0; n < m->batch; n++)
          sum += netc_plane_sum(dy + ((size_t)n * m->channels + c) * m->plane, m->plane);
        dbias[c] = (float)sum;
      }
    }

    """#)

  static let batchNormGradInput = CKernel(
    "netc_batchnorm_grad_input", uses: [team, maps],
    #"""
    /* dx = gamma / sigma * (dy - (dbeta + xhat * dgamma) / n): through the normalization and the batch's mean and
       variance, which dbeta = sum dy and dgamma = sum dy * xhat summarize. dx may be dy. The team shares out the
       images. */
    static void netc_batchnorm_grad_input(const netc_team *team, const netc_maps *m, const float *dy,
                                          const float *x, const float *stats, const float *gamma, const float *dgamma,
                                          const float *dbeta, double eps, float *dx) {
      const double count = (double)m->batch * (double)m->plane;
      for (int n = team->index; n < m->batch; n += team->count)
        for (int c = 0; c < m->channels; c++) {
          const double inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
          const float mean = stats[c], factor = (float)(gamma[c] * inverse);
          const float offset = (float)(dbeta[c] / count), slope = (float)(inverse * dgamma[c] / count);
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          const float *restrict v = x + base;
          if (dx == dy) {
            float *restrict g = dx + base;
            for (size_t i = 0; i < m->plane; i++) g[i] = factor * (g[i] - offset - (v[i] - mean) * slope);
          } else {
            const float *restrict g = dy + base;
            float *restrict out = dx + base;
            for (size_t i = 0; i < m->plane; i++) out[i] = factor * (g[i] - offset - (v[i] - mean) * slope);
          }
        }
    }

    """#)
}
