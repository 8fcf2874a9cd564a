// Backward kernels of the parameter-free ops (ReLU, option A shortcut, softmax, LRN), training-mode dropout
// (its mask recomputed from a counter-based hash, the same in the forward and backward pass), and the sum of
// a value's several gradients.

extension CKernel {
  static let reluGrad = CKernel(
    "netc_relu_grad", uses: [share, addTerms],
    #"""
    /* dx = dy where the ReLU's result y is positive, else 0; dx may be dy. The team shares out the elements. */
    static void netc_relu_grad(const netc_team *team, size_t count, const float *dy, const float *y, float *dx) {
      long first, end;
      netc_share(team, (long)count, &first, &end);
      netc_add_terms(first, end, 1, &dy, y, dx);
    }

    """#)

  static let dropout = CKernel(
    "netc_dropout",
    #"""
    /* One step of SplitMix64 as a function of its state: add the golden gamma, then Stafford's mix 13. */
    static uint64_t netc_splitmix(uint64_t state) {
      uint64_t z = state + UINT64_C(0x9E3779B97F4A7C15);
      z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
      z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
      return z ^ (z >> 31);
    }

    /* out = in * scale where element i is kept, else 0: kept when the top 24 bits of the hash chain
       (seed, step, stream, i) reach threshold = ceil(p * 2^24), scale = 1 / (1 - p). The forward pass and the
       backward pass (dy in, dx out) of one step draw the same mask. out may be in. */
    static void netc_dropout(size_t count, uint64_t seed, uint64_t step, uint64_t stream, uint32_t threshold,
                             double scale, const float *in, float *out) {
      const uint64_t base = netc_splitmix(netc_splitmix(netc_splitmix(seed) ^ step) ^ stream);
      for (size_t i = 0; i < count; i++) {
        const uint32_t draw = (uint32_t)(netc_splitmix(base ^ (uint64_t)i) >> 40);
        out[i] = draw >= threshold ? (float)(in[i] * scale) : 0.0f;
      }
    }

    """#)

  static let shortcutGrad = CKernel(
    "netc_shortcut_grad", uses: [team],
    #"""
    /* The gradient of a residual mapping's source [batch, in_c, in_h, in_w] from the gradient dy of its target
       [batch, channels, h, w]: target (c, y, x) came from source (c - offset, y * stride, x * stride), so each
       such source element gets that dy, every other one 0. The team shares out the images. */
    static void netc_shortcut_grad(const netc_team *team, int batch, int channels, int h, int w, int in_c, int in_h,
                                   int in_w, int stride, int offset, const float *dy, float *dx) {
      const size_t item = (size_t)in_c * in_h * in_w;
      for (int n = team->index; n < batch; n += team->count) {
        memset(dx + (size_t)n * item, 0, item * sizeof(float));
        for (int c = 0; c < channels; c++) {
          const int source = c - offset;
          if (source < 0 || source >= in_c) continue;
          for (int y = 0; y < h; y++) {
            const float *g = dy + (((size_t)n * channels + c) * h + y) * w;
            float *row = dx + (((size_t)n * in_c + source) * in_h + (size_t)y * stride) * in_w;
            for (int x = 0; x < w; x++) row[(size_t)x * stride] = g[x];
          }
        }
      }
    }

    """#)

  static let addTerms = CKernel(
    "netc_add_terms", uses: [sweepVector],
    #"""
    /* out[first, end) = the sum of count terms, added in term order in float (for two terms, the float sum is the
       double sum rounded once), and unless y is NULL kept only where y > 0 (a ReLU's gradient, its result y), in
       one sweep; out may be the first term. */
    static void netc_add_terms(long first, long end, int count, const float *const *terms, const float *y,
                               float *out) {
      for (size_t i = (size_t)first; i < (size_t)end; i += NETC_LANES) {
        netc_vec sum = netc_vload_upto(terms[0], i, (size_t)end);
        for (int t = 1; t < count; t++) sum = netc_vadd(sum, netc_vload_upto(terms[t], i, (size_t)end));
        netc_vstore_upto(out, i, (size_t)end, y ? netc_vkeep(netc_vload_upto(y, i, (size_t)end), sum) : sum);
      }
    }

    """#)

  static let accumulate = CKernel(
    "netc_accumulate", uses: [share, addTerms],
    #"""
    /* out = the sum of count terms of size elements (netc_add_terms); out may be the first term. The team shares
       out the elements. */
    static void netc_accumulate(const netc_team *team, size_t size, int count, const float *const *terms,
                                float *out) {
      long first, end;
      netc_share(team, (long)size, &first, &end);
      netc_add_terms(first, end, count, terms, NULL, out);
    }

    """#)

  static let reluGradSum = CKernel(
    "netc_relu_grad_sum", uses: [share, addTerms],
    #"""
    /* dx = the sum of count terms where the ReLU's result y is positive, else 0: netc_accumulate and
       netc_relu_grad in one sweep (netc_add_terms). dx may be the first term. The team shares out the elements. */
    static void netc_relu_grad_sum(const netc_team *team, size_t size, int count, const float *const *terms,
                                   const float *y, float *dx) {
      long first, end;
      netc_share(team, (long)size, &first, &end);
      netc_add_terms(first, end, count, terms, y, dx);
    }

    """#)

  static let softmaxGrad = CKernel(
    "netc_softmax_grad",
    #"""
    /* dx = y * (dy - sum over channels of dy * y) at each batch item and inner position; dx may be dy. */
    static void netc_softmax_grad(int batch, int channels, int inner, const float *dy, const float *y, float *dx) {
      for (int n = 0; n < batch; n++)
        for (int i = 0; i < inner; i++) {
          const size_t base = (size_t)n * channels * inner + i;
          double dot = 0.0;
          for (int c = 0; c < channels; c++) dot += (double)dy[base + (size_t)c * inner] * y[base + (size_t)c * inner];
          for (int c = 0; c < channels; c++) {
            const size_t at = base + (size_t)c * inner;
            dx[at] = (float)(y[at] * (dy[at] - dot));
          }
        }
    }

    """#)

  static let lrnGrad = CKernel(
    "netc_lrn_grad",
    #"""
    /* With b = a * s^-beta and s = k + alpha * (sum of a^2 over the window): dx[j] = dy[j] * s[j]^-beta
       - 2 * alpha * beta * a[j] * (sum over the channels c whose window holds j of dy[c] * a[c] * s[c]^(-beta-1)).
       Per batch item, s and that sum in scratch (2 * channels * plane doubles). */
    typedef struct {
      int batch, channels, plane, size;
      double alpha, beta, k;
    } netc_lrn_grad_shape;

    static void netc_lrn_grad(const netc_lrn_grad_shape *l, const float *dy, const float *x, double *scratch,
                              float *dx) {
      const size_t item = (size_t)l->channels * l->plane;
      double *scales = scratch, *through = scratch + item;
      for (int n = 0; n < l->batch; n++) {
        const float *a = x + (size_t)n * item, *g = dy + (size_t)n * item;
        for (size_t i = 0; i < item; i++) scales[i] = through[i] = 0.0;
        for (int c = 0; c < l->channels; c++) {
          const int first = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int last = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          for (int j = first; j <= last; j++)
            for (int i = 0; i < l->plane; i++) {
              const double value = a[(size_t)j * l->plane + i];
              scales[(size_t)c * l->plane + i] += value * value;
            }
        }
        for (size_t i = 0; i < item; i++) scales[i] = l->k + l->alpha * scales[i];
        for (int c = 0; c < l->channels; c++) {
          const int first = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int last = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          for (int i = 0; i < l->plane; i++) {
            const size_t at = (size_t)c * l->plane + i;
            const double term = g[at] * (double)a[at] * pow(scales[at], -l->beta - 1.0);
            for (int j = first; j <= last; j++) through[(size_t)j * l->plane + i] += term;
          }
        }
        float *out = dx + (size_t)n * item;
        for (size_t i = 0; i < item; i++)
          out[i] = (float)(g[i] * pow(scales[i], -l->beta) - 2.0 * l->alpha * l->beta * a[i] * through[i]);
      }
    }

    """#)
}
