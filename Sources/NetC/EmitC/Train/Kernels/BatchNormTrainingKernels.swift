// Kernels of batch norm in training mode: the batch's statistics with the running-statistics update, the
// normalization with them, and its backward pass (through a ReLU after it too). The statistics sum in double, as
// PyTorch does (16 double lanes per channel): a ReLU input near 0 takes its sign from them, and one flipped sign
// moves a bias gradient by 1 % (measured on the parity fixture). The backward sums add 16 float partial sums per
// plane (at most a few hundred terms each) in 16 double lanes, as accurate as double sums while the planes
// vectorize. The sums sweep the images in memory order, a block of channels at a time (NETC_SUM_CHANNELS), and
// every kernel computes with netc_vec, the AVX-512 width where the machine has it.

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

  static let planeMoments = CKernel(
    "netc_plane_moments", uses: [sweepVector],
    #"""
    /* Adds to sums[j] the differences v[i] - shift and to squares[j] their squares, in double (both exact), over
       a plane's n elements i of lane j (i % 16 == j). */
    static void netc_plane_moments(const float *restrict v, size_t n, double shift, double *restrict sums,
                                   double *restrict squares) {
      netc_dvec sum[2 * NETC_SUM_VECTORS], square[2 * NETC_SUM_VECTORS];
      const netc_dvec s = netc_dset(shift);
      NETC_UNROLL for (int k = 0; k < 2 * NETC_SUM_VECTORS; k++) {
        sum[k] = netc_dload(sums + k * NETC_LANES / 2);
        square[k] = netc_dload(squares + k * NETC_LANES / 2);
      }
      size_t i = 0;
      for (; i + NETC_SUM_LANES <= n; i += NETC_SUM_LANES)
        NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) {
          const netc_vec x = netc_vload(v + i + k * NETC_LANES);
          const netc_dvec low = netc_dsub(netc_dwiden_low(x), s), high = netc_dsub(netc_dwiden_high(x), s);
          sum[2 * k] = netc_dadd(sum[2 * k], low);
          sum[2 * k + 1] = netc_dadd(sum[2 * k + 1], high);
          square[2 * k] = netc_dfma(low, low, square[2 * k]);
          square[2 * k + 1] = netc_dfma(high, high, square[2 * k + 1]);
        }
      NETC_UNROLL for (int k = 0; k < 2 * NETC_SUM_VECTORS; k++) {
        netc_dstore(sums + k * NETC_LANES / 2, sum[k]);
        netc_dstore(squares + k * NETC_LANES / 2, square[k]);
      }
      for (int j = 0; i < n; i++, j++) {
        const double d = (double)v[i] - shift;
        sums[j] += d;
        squares[j] += d * d;
      }
    }

    """#)

  static let batchNormStatistics = CKernel(
    "netc_batchnorm_stats", uses: [share, maps, planeMoments],
    #"""
    /* The batch's mean (stats[c]) and biased variance (stats[channels + c]) per channel, in one sweep: the sums
       of d = x - shift and d^2 in double, shift being the channel's first element, give mean = shift + E[d]
       and variance = E[d^2] - E[d]^2, which cancels only the digits that (mean - shift)^2 / variance takes of
       double's 16; and PyTorch's running-statistics update, running = (1 - momentum) * running + momentum *
       batch, with the unbiased variance var * n / (n - 1). The team shares out the channels. */
    static void netc_batchnorm_stats(const netc_team *team, const netc_maps *m, const float *x, double momentum,
                                     float *running_mean, float *running_var, float *stats) {
      const double count = (double)m->batch * (double)m->plane;
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (long c0 = first; c0 < end; c0 += NETC_SUM_CHANNELS) {
        const int block = end - c0 < NETC_SUM_CHANNELS ? (int)(end - c0) : NETC_SUM_CHANNELS;
        double shift[NETC_SUM_CHANNELS], sums[NETC_SUM_CHANNELS][NETC_SUM_LANES] = {{0}};
        double squares[NETC_SUM_CHANNELS][NETC_SUM_LANES] = {{0}};
        for (int c = 0; c < block; c++) shift[c] = x[(size_t)(c0 + c) * m->plane];
        for (int n = 0; n < m->batch; n++)
          for (int c = 0; c < block; c++)
            netc_plane_moments(x + ((size_t)n * m->channels + (size_t)(c0 + c)) * m->plane, m->plane, shift[c],
                               sums[c], squares[c]);
        for (int c = 0; c < block; c++) {
          double sum = 0.0, square = 0.0;
          for (int j = 0; j < NETC_SUM_LANES; j++) {
            sum += sums[c][j];
            square += squares[c][j];
          }
          const double offset = sum / count, mean = shift[c] + offset;
          const double variance = square / count - offset * offset > 0.0 ? square / count - offset * offset : 0.0;
          const long at = c0 + c;
          stats[at] = (float)mean;
          stats[m->channels + at] = (float)variance;
          running_mean[at] = (float)((1.0 - momentum) * running_mean[at] + momentum * mean);
          running_var[at] = (float)((1.0 - momentum) * running_var[at] + momentum * variance * count / (count - 1.0));
        }
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

  static let batchNormChannel = CKernel(
    "netc_batchnorm_channel", uses: [maps, batchNormScale, sweepVector],
    #"""
    /* A channel's mean, gamma / sqrt(var + eps) and beta in every lane. Its result is (x - mean) * scale + shift,
       computed as netc_vfma(netc_vsub(x, mean), scale, shift) wherever it is needed (the forward pass, the add
       that applies a batch norm, and the backward kernels' masks of the ReLU after it), so a mask and the ReLU
       it stands for agree bit for bit. */
    typedef struct {
      netc_vec mean, scale, shift;
    } netc_batchnorm_lanes;

    static netc_batchnorm_lanes netc_batchnorm_channel(const netc_maps *m, const float *stats, const float *gamma,
                                                       const float *beta, double eps, int c) {
      const float scale = netc_batchnorm_scale(m, stats, gamma, eps, c);
      const netc_batchnorm_lanes lanes = {netc_vset(stats[c]), netc_vset(scale), netc_vset(beta[c])};
      return lanes;
    }

    """#)

  static let batchNormTrain = CKernel(
    "netc_batchnorm_train", uses: [team, batchNormChannel],
    #"""
    /* out = (x - mean) * (gamma / sqrt(var + eps)) + beta with the batch's statistics, then with relu the ReLU
       of that, in one sweep; out may be x. The team shares out the images. */
    static void netc_batchnorm_train(const netc_team *team, const netc_maps *m, const float *x,
                                     const float *stats, const float *gamma, const float *beta, double eps, int relu,
                                     float *out) {
      for (int n = team->index; n < m->batch; n += team->count)
        for (int c = 0; c < m->channels; c++) {
          const netc_batchnorm_lanes bn = netc_batchnorm_channel(m, stats, gamma, beta, eps, c);
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i += NETC_LANES) {
            const netc_vec centered = netc_vsub(netc_vload_upto(x + base, i, m->plane), bn.mean);
            const netc_vec y = netc_vfma(centered, bn.scale, bn.shift);
            netc_vstore_upto(out + base, i, m->plane, relu ? netc_vrelu(y) : y);
          }
        }
    }

    """#)

  static let planeGradientSums = CKernel(
    "netc_plane_gradient_sums", uses: [sweepVector],
    #"""
    /* Sums over one plane of n elements of g and of g * (x - mean), where g is dy, or with relu, dy where the
       ReLU after the batch norm passes it (its input (x - mean) * scale + shift, as netc_batchnorm_channel
       computes it, is positive) and 0 elsewhere: lane j adds the plane's elements j, j + 16, ... in float, and
       is added to sums[j] (g) or sums[16 + j] (the products) in double. */
    static void netc_plane_gradient_sums(const float *restrict dy, const float *restrict x, float mean, float scale,
                                         float shift, int relu, size_t n, double *restrict sums) {
      netc_vec lane[NETC_SUM_VECTORS], product[NETC_SUM_VECTORS];
      const netc_vec center = netc_vset(mean), a = netc_vset(scale), b = netc_vset(shift);
      NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) lane[k] = product[k] = netc_vzero();
      for (size_t i = 0; i < n; i += NETC_SUM_LANES)
        NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) {
          const size_t at = i + (size_t)k * NETC_LANES;
          const netc_vec d = netc_vload_upto(dy, at, n), centered = netc_vsub(netc_vload_upto(x, at, n), center);
          const netc_vec g = relu ? netc_vkeep(netc_vfma(centered, a, b), d) : d;
          lane[k] = netc_vadd(lane[k], g);
          product[k] = netc_vfma(g, centered, product[k]);
        }
      NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) {
        netc_dadd_lanes(sums + k * NETC_LANES, lane[k]);
        netc_dadd_lanes(sums + NETC_SUM_LANES + k * NETC_LANES, product[k]);
      }
    }

    """#)

  static let batchNormParameterGradients = CKernel(
    "netc_batchnorm_grad_params", uses: [share, maps, batchNormScale, planeGradientSums],
    #"""
    /* dgamma[c] = sum of g * (x - mean) / sqrt(var + eps) and, unless dbeta is NULL, dbeta[c] = sum of g, over
       the batch and the plane, in one sweep over dy and x in memory order: g is dy, or with relu the gradient
       through the ReLU after the batch norm (gamma and beta are read only then). The team shares out the
       channels. */
    static void netc_batchnorm_grad_params(const netc_team *team, const netc_maps *m, const float *dy,
                                           const float *x, const float *stats, const float *gamma, const float *beta,
                                           double eps, int relu, float *dgamma, float *dbeta) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (long c0 = first; c0 < end; c0 += NETC_SUM_CHANNELS) {
        const int block = end - c0 < NETC_SUM_CHANNELS ? (int)(end - c0) : NETC_SUM_CHANNELS;
        double sums[NETC_SUM_CHANNELS][2 * NETC_SUM_LANES] = {{0}};
        float scale[NETC_SUM_CHANNELS], shift[NETC_SUM_CHANNELS];
        for (int c = 0; c < block; c++) {
          scale[c] = relu ? netc_batchnorm_scale(m, stats, gamma, eps, (int)c0 + c) : 0.0f;
          shift[c] = relu ? beta[c0 + c] : 0.0f;
        }
        for (int n = 0; n < m->batch; n++)
          for (int c = 0; c < block; c++) {
            const size_t base = ((size_t)n * m->channels + (size_t)(c0 + c)) * m->plane;
            netc_plane_gradient_sums(dy + base, x + base, stats[c0 + c], scale[c], shift[c], relu, m->plane, sums[c]);
          }
        for (int c = 0; c < block; c++) {
          double sum = 0.0, centered = 0.0;
          for (int j = 0; j < NETC_SUM_LANES; j++) {
            sum += sums[c][j];
            centered += sums[c][NETC_SUM_LANES + j];
          }
          dgamma[c0 + c] = (float)(centered / sqrt(stats[m->channels + c0 + c] + eps));
          if (dbeta) dbeta[c0 + c] = (float)sum;
        }
      }
    }

    """#)

  static let biasGrad = CKernel(
    "netc_bias_grad", uses: [share, maps, sweepVector],
    #"""
    /* dbias[c] = sum of dy over the batch and the plane, in lanes as netc_batchnorm_grad_params adds it: the
       gradient of a per-channel bias or shift. The team shares out the channels. */
    static void netc_bias_grad(const netc_team *team, const netc_maps *m, const float *dy, float *dbias) {
      long first, end;
      netc_share(team, (long)m->channels, &first, &end);
      for (long c0 = first; c0 < end; c0 += NETC_SUM_CHANNELS) {
        const int block = end - c0 < NETC_SUM_CHANNELS ? (int)(end - c0) : NETC_SUM_CHANNELS;
        double sums[NETC_SUM_CHANNELS][NETC_SUM_LANES] = {{0}};
        for (int n = 0; n < m->batch; n++)
          for (int c = 0; c < block; c++) {
            const float *g = dy + ((size_t)n * m->channels + (size_t)(c0 + c)) * m->plane;
            netc_vec lane[NETC_SUM_VECTORS];
            NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) lane[k] = netc_vzero();
            for (size_t i = 0; i < m->plane; i += NETC_SUM_LANES)
              NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++)
                lane[k] = netc_vadd(lane[k], netc_vload_upto(g, i + (size_t)k * NETC_LANES, m->plane));
            NETC_UNROLL for (int k = 0; k < NETC_SUM_VECTORS; k++) netc_dadd_lanes(sums[c] + k * NETC_LANES, lane[k]);
          }
        for (int c = 0; c < block; c++) {
          double sum = 0.0;
          for (int j = 0; j < NETC_SUM_LANES; j++) sum += sums[c][j];
          dbias[c0 + c] = (float)sum;
        }
      }
    }

    """#)

  static let batchNormGradInput = CKernel(
    "netc_batchnorm_grad_input", uses: [team, batchNormChannel],
    #"""
    /* dx = gamma / sigma * (g - (dbeta + xhat * dgamma) / n): through the normalization and the batch's mean and
       variance, which dbeta = sum g and dgamma = sum g * xhat summarize; g is dy, or with relu dy where the ReLU
       after the batch norm passes it (as netc_plane_gradient_sums; beta is read only then) and 0 elsewhere. dx
       may be dy. The team shares out the images. */
    static void netc_batchnorm_grad_input(const netc_team *team, const netc_maps *m, const float *dy,
                                          const float *x, const float *stats, const float *gamma, const float *beta,
                                          const float *dgamma, const float *dbeta, double eps, int relu, float *dx) {
      const double count = (double)m->batch * (double)m->plane;
      for (int n = team->index; n < m->batch; n += team->count)
        for (int c = 0; c < m->channels; c++) {
          const double inverse = 1.0 / sqrt(stats[m->channels + c] + eps);
          const netc_vec factor = netc_vset((float)(gamma[c] * inverse)), offset = netc_vset((float)(dbeta[c] / count));
          const netc_vec slope = netc_vset((float)(-inverse * dgamma[c] / count));
          const netc_vec zero = netc_vzero();
          const netc_batchnorm_lanes bn = relu ? netc_batchnorm_channel(m, stats, gamma, beta, eps, c)
                                               : (netc_batchnorm_lanes){netc_vset(stats[c]), zero, zero};
          const size_t base = ((size_t)n * m->channels + c) * m->plane;
          for (size_t i = 0; i < m->plane; i += NETC_LANES) {
            const netc_vec d = netc_vload_upto(dy + base, i, m->plane);
            const netc_vec centered = netc_vsub(netc_vload_upto(x + base, i, m->plane), bn.mean);
            const netc_vec g = relu ? netc_vkeep(netc_vfma(centered, bn.scale, bn.shift), d) : d;
            const netc_vec through = netc_vmul(factor, netc_vfma(centered, slope, netc_vsub(g, offset)));
            netc_vstore_upto(dx + base, i, m->plane, through);
          }
        }
    }

    """#)
}
