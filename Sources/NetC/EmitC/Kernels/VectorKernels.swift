// The vector type the fast kernels compute with, chosen when the C is compiled: AVX-512 (16 lanes), AVX2 with
// FMA (8 lanes), or a portable 4-lane struct of floats that any C11 compiler builds (and vectorizes as it can).

extension CKernel {
  static let vector = CKernel(
    "netc_vec",
    #"""
    #if defined(__GNUC__)
    #define NETC_UNUSED __attribute__((unused)) /* helpers a given network may not need */
    #else
    #define NETC_UNUSED
    #endif

    /* netc_vec: NETC_LANES floats. Every fast kernel is written once against these operations; the instruction
       set the compiler targets (-march) picks the width. Weights are packed in panels of 16 output channels
       whatever the width, so a model's memory layout does not depend on it. */
    #if defined(__AVX512F__)
    #include <immintrin.h>
    #define NETC_LANES 16
    typedef __m512 netc_vec;
    #define netc_vload(p) _mm512_loadu_ps(p)
    #define netc_vstore(p, v) _mm512_storeu_ps(p, v)
    #define netc_vbroadcast(p) _mm512_set1_ps(*(p))
    #define netc_vset(x) _mm512_set1_ps(x)
    #define netc_vfma(a, b, c) _mm512_fmadd_ps(a, b, c)
    #define netc_vadd(a, b) _mm512_add_ps(a, b)
    #define netc_vsub(a, b) _mm512_sub_ps(a, b)
    #define netc_vmul(a, b) _mm512_mul_ps(a, b)
    #define netc_vmax(a, b) _mm512_max_ps(a, b)
    #define netc_vzero() _mm512_setzero_ps()
    NETC_UNUSED static inline netc_vec netc_vload_part(const float *p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); }
    NETC_UNUSED static inline void netc_vstore_part(float *p, netc_vec v, int n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v); }
    typedef __m512i netc_vindex;
    #define netc_vload_index(p) _mm512_loadu_si512(p)
    NETC_UNUSED static inline netc_vec netc_vpick(const float *p, int span, netc_vindex index) {
      return _mm512_permutexvar_ps(index, span >= NETC_LANES ? netc_vload(p) : netc_vload_part(p, span));
    }
    #elif defined(__AVX2__) && defined(__FMA__)
    #include <immintrin.h>
    #define NETC_LANES 8
    typedef __m256 netc_vec;
    #define netc_vload(p) _mm256_loadu_ps(p)
    #define netc_vstore(p, v) _mm256_storeu_ps(p, v)
    #define netc_vbroadcast(p) _mm256_broadcast_ss(p)
    #define netc_vset(x) _mm256_set1_ps(x)
    #define netc_vfma(a, b, c) _mm256_fmadd_ps(a, b, c)
    #define netc_vadd(a, b) _mm256_add_ps(a, b)
    #define netc_vsub(a, b) _mm256_sub_ps(a, b)
    #define netc_vmul(a, b) _mm256_mul_ps(a, b)
    #define netc_vmax(a, b) _mm256_max_ps(a, b)
    #define netc_vzero() _mm256_setzero_ps()
    NETC_UNUSED static inline __m256i netc_lanes_below(int n) {
      return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    NETC_UNUSED static inline netc_vec netc_vload_part(const float *p, int n) { return _mm256_maskload_ps(p, netc_lanes_below(n)); }
    NETC_UNUSED static inline void netc_vstore_part(float *p, netc_vec v, int n) { _mm256_maskstore_ps(p, netc_lanes_below(n), v); }
    typedef __m256i netc_vindex;
    #define netc_vload_index(p) _mm256_loadu_si256((const __m256i *)(p))
    NETC_UNUSED static inline netc_vec netc_vpick(const float *p, int span, netc_vindex index) {
      return _mm256_permutevar8x32_ps(span >= NETC_LANES ? netc_vload(p) : netc_vload_part(p, span), index);
    }
    #else
    #define NETC_LANES 4
    typedef struct {
      float lane[4];
    } netc_vec;
    NETC_UNUSED static inline netc_vec netc_vload(const float *p) {
      netc_vec v;
      memcpy(v.lane, p, sizeof v.lane);
      return v;
    }
    NETC_UNUSED static inline void netc_vstore(float *p, netc_vec v) { memcpy(p, v.lane, sizeof v.lane); }
    NETC_UNUSED static inline netc_vec netc_vset(float x) {
      const netc_vec v = {{x, x, x, x}};
      return v;
    }
    NETC_UNUSED static inline netc_vec netc_vbroadcast(const float *p) { return netc_vset(*p); }
    NETC_UNUSED static inline netc_vec netc_vzero(void) { return netc_vset(0.0f); }
    /* a * b + c rounded twice, as separate statements so no compiler contracts some copies and not others. */
    NETC_UNUSED static inline netc_vec netc_vfma(netc_vec a, netc_vec b, netc_vec c) {
      for (int i = 0; i < 4; i++) {
        const float product = a.lane[i] * b.lane[i];
        c.lane[i] += product;
      }
      return c;
    }
    NETC_UNUSED static inline netc_vec netc_vadd(netc_vec a, netc_vec b) {
      for (int i = 0; i < 4; i++) a.lane[i] += b.lane[i];
      return a;
    }
    NETC_UNUSED static inline netc_vec netc_vsub(netc_vec a, netc_vec b) {
      for (int i = 0; i < 4; i++) a.lane[i] -= b.lane[i];
      return a;
    }
    NETC_UNUSED static inline netc_vec netc_vmul(netc_vec a, netc_vec b) {
      for (int i = 0; i < 4; i++) a.lane[i] *= b.lane[i];
      return a;
    }
    NETC_UNUSED static inline netc_vec netc_vmax(netc_vec a, netc_vec b) {
      for (int i = 0; i < 4; i++) a.lane[i] = a.lane[i] < b.lane[i] ? b.lane[i] : a.lane[i];
      return a;
    }
    NETC_UNUSED static inline netc_vec netc_vload_part(const float *p, int n) {
      netc_vec v = netc_vzero();
      memcpy(v.lane, p, (size_t)n * sizeof(float));
      return v;
    }
    NETC_UNUSED static inline void netc_vstore_part(float *p, netc_vec v, int n) { memcpy(p, v.lane, (size_t)n * sizeof(float)); }
    typedef struct {
      int lane[4];
    } netc_vindex;
    NETC_UNUSED static inline netc_vindex netc_vload_index(const int *p) {
      netc_vindex v;
      memcpy(v.lane, p, sizeof v.lane);
      return v;
    }
    /* Read straight from memory: a 4-lane vector may need more of a group's inputs than it holds. */
    NETC_UNUSED static inline netc_vec netc_vpick(const float *p, int span, netc_vindex index) {
      netc_vec v;
      for (int i = 0; i < 4; i++) v.lane[i] = index.lane[i] < span ? p[index.lane[i]] : 0.0f;
      return v;
    }
    #endif

    /* netc_vpick(p, span, index): lane i = p[index[i]], where p holds span floats (indices at or past span read
       zero): each lane picks its own input where a broadcast would give all the same. On the vector paths it
       permutes one loaded vector, so every index must be below NETC_LANES. */

    /* Output channels per weight panel, and the vectors one panel row takes. */
    #define NETC_PANEL 16
    #define NETC_PANEL_VECTORS (NETC_PANEL / NETC_LANES)

    #if defined(__GNUC__)
    /* Full unrolling keeps a tile's accumulators in registers; compilers do not always do it on their own. */
    #define NETC_UNROLL _Pragma("GCC unroll 32")
    #else
    #define NETC_UNROLL
    #endif

    """#)
}
