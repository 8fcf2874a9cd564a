// Kernels of batch norm in training mode: the batch's statistics with the running-statistics update, the
// normalization with them, and its backward pass (through a ReLU after it too). The statistics sum in double, as
// PyTorch does (16 partial sums per plane, so the planes vectorize): a ReLU input near 0 takes its sign from them,
// and one flipped sign moves a bias gradient by 1 % (measured on the parity fixture). The backward sums add 16
// float partial sums per plane (at most a few hundred terms each) in 16 double lanes, as accurate as double sums
// while the planes vectorize; the lanes stay apart until a channel's last plane, so small planes cost no more per
// element than large ones.

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

  static let planeLanes = CKernel(
    "netc_plane_lanes",
    #"""
    /* Adds to sums[j] (in double) the float sum of the plane's elements j, j + 16, ... of v: the lanes stay apart
       across planes, so they vectorize. */
    static void netc_plane_lanes(const float *restrict v, size_t n, double *restrict sums) {
      float lane[16] = {0};
      size_t i = 0;
      for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) lane[j] += v[i + j];
      for (int j = 0; i + (size_t)j < n; j++) lane[j] += v[i + j];
      for (int j = 0; j < 16; j++) sums[j] += lane[j];
    }

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

  static let batchNormScale = CKernel(
    "netc_batchnorm_scale", uses: [maps],
    #"""
    /* gamma / sqrt(var + eps) of channel c, rounded to float once: the factor netc_batchnorm_train normalizes by. */
    static float netc_batchnorm_scale(const netc_maps *m, const float *stats, const float *gamma, double eps, int c) {
      return (float)(gamma[c] / sqrt(stats[m->channels + c] + eps));
    }

    """#)

  static let batchNormReLUPasses = CKernel(
    "netc_batchnorm_relu_passes",
    #"""
    /* Whether a ReLU after a batch norm passes the element whose input is mean + centered: its normalized value,
       computed as netc_batchnorm_train computes it, is positive. The backward kernels mask the gradient so
       rather than read the ReLU's result. */
    static int netc_batchnorm_relu_passes(float centered, float scale, float shift) {
      return centered * scale + shift > 0.0f;
    }

    """#)

  static let batchNormTrain = CKernel(
    "netc_batchnorm_train", uses: [team, maps, batchNormScale],
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
          const float mean = stats[c], scale = netc_batchnorm_scale(m, stats, gamma, eps, c), shift = beta[c];
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

  static let planeGradientSums = CKernel(
    "netc_plane_gradient_sums", uses: [batchNormReLUPasses],
    #"""
    /* Sums over one plane of n elements of g and of g * (x - mean), where g is dy, or with relu, dy where the
       ReLU after the batch norm passes it (netc_batchnorm_relu_passes) and 0 elsewhere: lane j adds the plane's
       elements j, j + 16, ... in float, and is added to sums[j] (g) or sums[16 + j] (the products) in double, so
       the lanes stay apart across planes and vectorize. */
    static void netc_plane_gradient_sums(const float *restrict dy, const float *restrict x, float mean, float scale,
                                         float shift, int relu, size_t n, double *restrict sums) {
      float lane[16] = {0}, product[16] = {0};
      size_t i = 0;
      /* Both operands loaded and the mask a bitwise or, not a branch, so the lanes vectorize. */
      for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) {
          const float d = dy[i + j], centered = x[i + j] - mean;
          const float g = (relu == 0) | netc_batchnorm_relu_passes(centered, scale, shift) ? d : 0.0f;
          lane[j] += g;
          product[j] += g * centered;
        }
      for (int j = 0; i + (size_t)j < n; j++) {
        const float d = dy[i + j], centered = x[i + j] - mean;
        const float g = (relu == 0) | netc_batchnorm_relu_passes(centered, scale, shift) ? d : 0.0f;
        lane[j] += g;
        product[j] += g * centered;
      }
      for (int j = 0; j < 16; j++) {
        sums[j] += lane[j];
        sums[16 + j] += product[j];
      }
    }

    """#)

  static let batchNormParameterGradients = CKernel(
    "netc_batchnorm_grad_params", uses: [share, maps, batchNormScale, planeGradientSums],
    #"""
    /* dgamma[c] = sum of g * (x - mean) / sqrt(var + eps) and, unless dbeta is NULL, dbeta[c] = sum of g, over
       the batch and the plane, in one sweep over dy and x: g is dy, or with relu the gradient through the ReLU
       after the batch norm (gamma and beta are read only then). The team shares out the channels. */
    static void netc_batchnorm_grad_params(const netc_team *team, const netc_maps *m, const float *dy,
                                           const float *x, const float *stats, const float *gamma, const float *beta,
                                           double eps, int relu, float *dgamma, float *dbeta) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (int c = (int)first; c < (int)end; c++) {
        const float scale = relu ? netc_batchnorm_scale(m, stats, gamma, eps, c) : 0.0f;
        const float shift = relu ? beta[c] : 0.0f;
        double sums[32] = {0}, sum = 0.0, centered = 0.0;
        for (int n = 0; n < m->batch; n++) {
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          netc_plane_gradient_sums(dy + base, x + base, stats[c], scale, shift, relu, m->plane, sums);
        }
        for (int j = 0; j < 16; j++) {
          sum += sums[j];
          centered += sums[16 + j];
        }
        dgamma[c] = (float)(centered / sqrt(stats[m->channels + c] + eps));
        if (dbeta) dbeta[c] = (float)sum;
      }
    }

    """#)

  static let biasGrad = CKernel(
    "netc_bias_grad", uses: [share, maps, planeLanes],
    #"""
    /* dbias[c] = sum of dy over the batch and the plane, in lanes as netc_batchnorm_grad_params adds it: the
       gradient of a per-channel bias or shift. The team shares out the channels. */
    static void netc_bias_grad(const netc_team *team, const netc_maps *m, const float *dy, float *dbias) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (int c = (int)first; c < (int)end; c++) {
        double sums[16] = {0}, sum = 0.0;
        for (int n = 0; n < m->batch; n++)
          netc_plane_lanes(dy + ((size_t)n * m->channels + c) * m->plane, m->plane, sums);
        for (int j = 0; j < 16; j++) sum += sums[j];
        dbias[c] = (float)sum;
      }
    }

    """#)

  static let batchNormGradInput = CKernel(
    "netc_batchnorm_grad_input", uses: [team, maps, batchNormScale, batchNormReLUPasses],
    #"""
    /* dx = gamma / sigma * (g - (dbeta + xhat * dgamma) / n): through the normalization and the batch's mean and
       variance, which dbeta = sum g and dgamma = sum g * xhat summarize; g is dy, or with relu dy where the ReLU
       after the batch norm passes it (netc_batchnorm_relu_passes; beta is read only then) and 0 elsewhere. dx may
       be dy. The team shares out the images. */
    static void netc_batchnorm_grad_input(const netc_team *team, const netc_maps *m, const float *dy,
                                          const float *x, const float *stats, const float *gamma, const float *beta,
                                          const float *dgamma, const float *dbeta, double eps, int relu, float *dx) {
      const double count = (double)m->batch * (double)m->plane;
      for (int n = team->index; n < m->batch; n += team->count)
        for (int c = 0; c < m->channels; c++) {
          const double inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
          const float mean = stats[c], factor = (float)(gamma[c] * inverse);
          const float offset = (float)(dbeta[c] / count), slope = (float)(inverse * dgamma[c] / count);
          const float scale = relu ? netc_batchnorm_scale(m, stats, gamma, eps, c) : 0.0f;
          const float shift = relu ? beta[c] : 0.0f;
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          const float *restrict v = x + base;
          /* Both cases keep their pointers apart for the compiler, so the planes vectorize. */
          if (dx == dy) {
            float *restrict g = dx + base;
            for (size_t i = 0; i < m->plane; i++) {
              const float d = g[i], centered = v[i] - mean;
              const float kept = (relu == 0) | netc_batchnorm_relu_passes(centered, scale, shift) ? d : 0.0f;
              g[i] = factor * (kept - offset - centered * slope);
            }
          } else {
            const float *restrict g = dy + base;
            float *restrict out = dx + base;
            for (size_t i = 0; i < m->plane; i++) {
              const float d = g[i], centered = v[i] - mean;
              const float kept = (relu == 0) | netc_batchnorm_relu_passes(centered, scale, shift) ? d : 0.0f;
              out[i] = factor * (kept - offset - centered * slope);
            }
          }
        }
    }

    """#)
}
