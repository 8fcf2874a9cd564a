// Vector helpers of the training step's sweeps over activations (batch norm, residual add, ReLU): ragged plane
// ends, the ReLU and its mask, and doubles widened from a float vector for sums that must not round in float.
// Written against `netc_vec`, so AVX-512 runs them 16 lanes wide where clang's own loops stay at 8.

extension CKernel {
  static let sweepVector = CKernel(
    "netc_dvec", uses: [vector],
    #"""
    /* v[i], v[i + 1], ... below n (NETC_LANES of them at most), zeros after; and the store of as many: a plane's
       last vector reads and writes no further than the plane, so every element goes through the same vector
       arithmetic, with no scalar tail. */
    NETC_UNUSED static inline netc_vec netc_vload_upto(const float *v, size_t i, size_t n) {
      return i + NETC_LANES <= n ? netc_vload(v + i) : i < n ? netc_vload_part(v + i, (int)(n - i)) : netc_vzero();
    }
    NETC_UNUSED static inline void netc_vstore_upto(float *v, size_t i, size_t n, netc_vec x) {
      if (i + NETC_LANES <= n) netc_vstore(v + i, x);
      else if (i < n) netc_vstore_part(v + i, x, (int)(n - i));
    }

    /* netc_vrelu: the ReLU, NaN staying NaN (maxps returns its second operand when one is NaN), as netc_relu.
       netc_vkeep(test, v): v where test > 0, else 0 (NaN tests fail): a ReLU's gradient mask.
       netc_dvec: NETC_LANES / 2 doubles, the low and high halves of a float vector widened exactly. */
    #if NETC_LANES == 16
    #define netc_vrelu(v) _mm512_max_ps(_mm512_setzero_ps(), v)
    #define netc_vkeep(test, v) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(test, _mm512_setzero_ps(), _CMP_GT_OQ), v)
    typedef __m512d netc_dvec;
    #define netc_dload(p) _mm512_loadu_pd(p)
    #define netc_dstore(p, v) _mm512_storeu_pd(p, v)
    #define netc_dset(x) _mm512_set1_pd(x)
    #define netc_dadd(a, b) _mm512_add_pd(a, b)
    #define netc_dsub(a, b) _mm512_sub_pd(a, b)
    #define netc_dfma(a, b, c) _mm512_fmadd_pd(a, b, c)
    #define netc_dwiden_low(v) _mm512_cvtps_pd(_mm512_castps512_ps256(v))
    #define netc_dwiden_high(v) _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)))
    #elif NETC_LANES == 8
    #define netc_vrelu(v) _mm256_max_ps(_mm256_setzero_ps(), v)
    #define netc_vkeep(test, v) _mm256_and_ps(_mm256_cmp_ps(test, _mm256_setzero_ps(), _CMP_GT_OQ), v)
    typedef __m256d netc_dvec;
    #define netc_dload(p) _mm256_loadu_pd(p)
    #define netc_dstore(p, v) _mm256_storeu_pd(p, v)
    #define netc_dset(x) _mm256_set1_pd(x)
    #define netc_dadd(a, b) _mm256_add_pd(a, b)
    #define netc_dsub(a, b) _mm256_sub_pd(a, b)
    #define netc_dfma(a, b, c) _mm256_fmadd_pd(a, b, c)
    #define netc_dwiden_low(v) _mm256_cvtps_pd(_mm256_castps256_ps128(v))
    #define netc_dwiden_high(v) _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))
    #else
    NETC_UNUSED static inline netc_vec netc_vrelu(netc_vec v) {
      for (int i = 0; i < 4; i++) v.lane[i] = v.lane[i] < 0.0f ? 0.0f : v.lane[i];
      return v;
    }
    NETC_UNUSED static inline netc_vec netc_vkeep(netc_vec test, netc_vec v) {
      for (int i = 0; i < 4; i++) v.lane[i] = test.lane[i] > 0.0f ? v.lane[i] : 0.0f;
      return v;
    }
    typedef struct {
      double lane[2];
    } netc_dvec;
    NETC_UNUSED static inline netc_dvec netc_dload(const double *p) {
      const netc_dvec v = {{p[0], p[1]}};
      return v;
    }
    NETC_UNUSED static inline void netc_dstore(double *p, netc_dvec v) { memcpy(p, v.lane, sizeof v.lane); }
    NETC_UNUSED static inline netc_dvec netc_dset(double x) {
      const netc_dvec v = {{x, x}};
      return v;
    }
    NETC_UNUSED static inline netc_dvec netc_dadd(netc_dvec a, netc_dvec b) {
      for (int i = 0; i < 2; i++) a.lane[i] += b.lane[i];
      return a;
    }
    NETC_UNUSED static inline netc_dvec netc_dsub(netc_dvec a, netc_dvec b) {
      for (int i = 0; i < 2; i++) a.lane[i] -= b.lane[i];
      return a;
    }
    /* Rounded twice, as netc_vfma. */
    NETC_UNUSED static inline netc_dvec netc_dfma(netc_dvec a, netc_dvec b, netc_dvec c) {
      for (int i = 0; i < 2; i++) {
        const double product = a.lane[i] * b.lane[i];
        c.lane[i] += product;
      }
      return c;
    }
    NETC_UNUSED static inline netc_dvec netc_dwiden_low(netc_vec v) {
      const netc_dvec d = {{v.lane[0], v.lane[1]}};
      return d;
    }
    NETC_UNUSED static inline netc_dvec netc_dwiden_high(netc_vec v) {
      const netc_dvec d = {{v.lane[2], v.lane[3]}};
      return d;
    }
    #endif

    /* Per-channel sums keep NETC_SUM_LANES lanes (lane j adds a plane's elements j, j + 16, ...): the same sums
       at every vector width, NETC_SUM_VECTORS float vectors or twice as many netc_dvecs. */
    #define NETC_SUM_LANES 16
    #define NETC_SUM_VECTORS (NETC_SUM_LANES / NETC_LANES)

    /* sums[0, NETC_LANES) += v's lanes, in double. */
    NETC_UNUSED static inline void netc_dadd_lanes(double *sums, netc_vec v) {
      netc_dstore(sums, netc_dadd(netc_dload(sums), netc_dwiden_low(v)));
      netc_dstore(sums + NETC_LANES / 2, netc_dadd(netc_dload(sums + NETC_LANES / 2), netc_dwiden_high(v)));
    }

    /* Channels a per-channel sum sweeps at once: it reads each image's planes of them in memory order (which
       the prefetchers follow, where a channel's planes lie a whole image apart), their lane sums in L1. */
    #define NETC_SUM_CHANNELS 32

    """#)
}
