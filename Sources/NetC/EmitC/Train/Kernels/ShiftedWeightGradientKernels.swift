// The weight gradient of a stride-1 convolution without im2col columns: every tap's dW[o][i] is a sum over the
// output plane of dy[o][p] * x[i][p + shift], read in place from zero-padded copies of dy and x (a ninth of
// im2col's for 3x3), by dot-product tiles whose operands both stream along the plane (no transpose) and whose
// copies stay in cache.

/// The dot-product tiles per vector width: as many accumulators (rows times columns) as the registers hold beside
/// one vector per row and the column's.
struct ShiftedGradientTiles {
  var lanes: Int
  var rows: Int
  var columns: Int

  static let all = [
    ShiftedGradientTiles(lanes: 16, rows: 4, columns: 6), ShiftedGradientTiles(lanes: 8, rows: 3, columns: 3),
    ShiftedGradientTiles(lanes: 4, rows: 3, columns: 3),
  ]
}

extension CKernel {
  static let vectorSum = CKernel(
    "netc_vsum", uses: [vector],
    #"""
    /* The sum of v's lanes, added in a fixed tree (the same on every run). */
    #if NETC_LANES == 16
    static inline float netc_vsum(netc_vec v) { return _mm512_reduce_add_ps(v); }
    #elif NETC_LANES == 8
    static inline float netc_vsum(netc_vec v) {
      __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
      s = _mm_add_ps(s, _mm_movehl_ps(s, s));
      return _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)));
    }
    #else
    static inline float netc_vsum(netc_vec v) { return (v.lane[0] + v.lane[2]) + (v.lane[1] + v.lane[3]); }
    #endif

    """#)

  static let dotProduct = CKernel("netc_dot", uses: [vectorSum], dotTileText + dotTileTables + dotText)

  private static let dotTileText = #"""
    /* C[i][j] = (C when accumulate, else 0) + the sum over p < k of A[i][p] * B_j[p]: A's rows lda apart, and
       B_j input channel j / taps's plane (b_plane apart) shifted to tap j % taps (ky = tap / kernel_w rows of
       row_shift, kx = tap % kernel_w of column_shift). Each lane sums its p in order in float, then netc_vsum
       adds the lanes and C takes their sum in double: every element is computed the same way whatever tile
       computes it, so the result does not depend on how threads split. A tile's columns are a channel's
       neighbouring taps, which read the same cache lines. */
    typedef struct {
      int k, taps, kernel_w;
      size_t lda, b_plane, row_shift, column_shift, ldc;
    } netc_dot_shape;

    #define NETC_DOT_FULL(p, left) netc_vload(p)
    #define NETC_DOT_PART(p, left) netc_vload_part(p, left)
    #define NETC_DOT_STEP(R, C, LOAD)                                                                            \
      {                                                                                                           \
        netc_vec y[R];                                                                                            \
        NETC_UNROLL for (int i = 0; i < R; i++) y[i] = LOAD(a + (size_t)i * d->lda + p, d->k - p);                \
        NETC_UNROLL for (int j = 0; j < C; j++) {                                                                 \
          const netc_vec x = LOAD(column[j] + p, d->k - p);                                                       \
          NETC_UNROLL for (int i = 0; i < R; i++) acc[i][j] = netc_vfma(y[i], x, acc[i][j]);                      \
        }                                                                                                         \
      }
    #define NETC_DOT_TILE(R, C)                                                                                   \
      static void netc_dot_tile_##R##x##C(const netc_dot_shape *d, const float *restrict a,                       \
                                          const float *restrict b, int j0, double *restrict c, int accumulate) {  \
        netc_vec acc[R][C];                                                                                       \
        const float *column[C];                                                                                   \
        NETC_UNROLL for (int j = 0; j < C; j++) {                                                                 \
          const int tap = (j0 + j) % d->taps;                                                                     \
          column[j] = b + (size_t)((j0 + j) / d->taps) * d->b_plane + (size_t)(tap / d->kernel_w) * d->row_shift + \
                      (size_t)(tap % d->kernel_w) * d->column_shift;                                              \
        }                                                                                                         \
        NETC_UNROLL for (int i = 0; i < R; i++) NETC_UNROLL for (int j = 0; j < C; j++) acc[i][j] = netc_vzero(); \
        int p = 0;                                                                                                \
        for (; p + NETC_LANES <= d->k; p += NETC_LANES) NETC_DOT_STEP(R, C, NETC_DOT_FULL)                        \
        if (p < d->k) NETC_DOT_STEP(R, C, NETC_DOT_PART)                                                          \
        NETC_UNROLL for (int i = 0; i < R; i++) NETC_UNROLL for (int j = 0; j < C; j++) {                         \
          double *at = c + (size_t)i * d->ldc + (size_t)(j0 + j);                                                 \
          *at = (accumulate ? *at : 0.0) + (double)netc_vsum(acc[i][j]);                                          \
        }                                                                                                         \
      }

    typedef void (*netc_dot_tile)(const netc_dot_shape *d, const float *restrict a, const float *restrict b, int j0,
                                  double *restrict c, int accumulate);

    """#

  /// Per vector width, the tiles of every size up to the largest and the table `netc_dot_tiles[rows - 1][columns]`.
  private static let dotTileTables: String = {
    var text = ""
    for (index, tiles) in ShiftedGradientTiles.all.enumerated() {
      text += (index == 0 ? "#if" : "#elif") + " NETC_LANES == \(tiles.lanes)\n"
      text += "#define NETC_DOT_MR \(tiles.rows)\n#define NETC_DOT_NR \(tiles.columns)\n"
      let sizes = (1...tiles.rows).map { rows in (1...tiles.columns).map { (rows, $0) } }
      text += sizes.joined().map { "NETC_DOT_TILE(\($0.0), \($0.1))\n" }.joined()
      text += "static const netc_dot_tile netc_dot_tiles[NETC_DOT_MR][NETC_DOT_NR + 1] = {\n"
      text += sizes.map { row in
        CText.wrapped("{NULL,", row.map { "netc_dot_tile_\($0.0)x\($0.1)" }, "},", indent: "    ")
      }.joined().joined(separator: "\n") + "\n};\n"
    }
    return text + "#endif\n\n"
  }()

  private static let dotText = #"""
    /* The dot-product tiles over C[m][n] (n = channels * taps): each dimension cut into tiles of even size, none
       nearly empty. */
    static void netc_dot(const netc_dot_shape *d, int m, int n, const float *a, const float *b, double *c,
                         int accumulate) {
      const int row_tiles = (m + NETC_DOT_MR - 1) / NETC_DOT_MR, column_tiles = (n + NETC_DOT_NR - 1) / NETC_DOT_NR;
      for (int s = 0, i = 0; s < row_tiles; s++) {
        const int rows = (m - i + (row_tiles - s) - 1) / (row_tiles - s);
        for (int t = 0, j = 0; t < column_tiles; t++) {
          const int columns = (n - j + (column_tiles - t) - 1) / (column_tiles - t);
          netc_dot_tiles[rows - 1][columns](d, a + (size_t)i * d->lda, b, j, c + (size_t)i * d->ldc, accumulate);
          j += columns;
        }
        i += rows;
      }
    }

    """#

  static let shiftedGradWeight = CKernel(
    "netc_conv_grad_weight_shifted", uses: [window, dotProduct],
    #"""
    /* Copies channels planes of h x w into planes of height x width, at row top and column left, zeros around. */
    static void netc_place_planes(int channels, int h, int w, const float *restrict from, int height, int width,
                                  int top, int left, float *restrict to) {
      for (int i = 0; i < channels; i++, from += (size_t)h * w, to += (size_t)height * width) {
        memset(to, 0, (size_t)top * width * sizeof(float));
        for (int y = 0; y < h; y++) {
          float *row = to + (size_t)(top + y) * width;
          memset(row, 0, (size_t)left * sizeof(float));
          memcpy(row + left, from + (size_t)y * w, (size_t)w * sizeof(float));
          memset(row + left + w, 0, (size_t)(width - left - w) * sizeof(float));
        }
        memset(to + (size_t)(top + h) * width, 0, (size_t)(height - top - h) * width * sizeof(float));
      }
    }

    /* Whether a convolution's weight gradient reads shifted planes: stride 1, a kernel wider than one pixel or
       padded (a 1x1 unpadded one reads its input in place already), and rows that padding lengthens by a tenth
       at most (measured on the CIFAR ResNets: faster than im2col on 32 x 32 planes, slower on 8 x 8 ones, whose
       padded rows are 10 wide). */
    static int netc_conv_shifts(const netc_window *c) {
      return c->stride_h == 1 && c->stride_w == 1 &&
             (c->kernel_h > 1 || c->kernel_w > 1 || c->pad_h > 0 || c->pad_w > 0) && 20 * c->pad_w <= c->in_w;
    }

    /* One image's floats of the padded copies: dy's out_c planes out_h rows of the padded width, and one group's
       padded input planes. */
    static size_t netc_shifted_image_floats(const netc_window *c) {
      const size_t width = (size_t)c->in_w + 2 * c->pad_w;
      return (size_t)c->out_c * c->out_h * width + (size_t)c->in_c / c->groups * (c->in_h + 2 * c->pad_h) * width;
    }

    /* Images whose copies are made at once: as many as fit in 1 MiB (the tiles run over them in cache). */
    static int netc_shifted_chunk(const netc_window *c) {
      const size_t chunk = ((size_t)1 << 20) / (netc_shifted_image_floats(c) * sizeof(float));
      return chunk < 1 ? 1 : chunk > (size_t)c->batch ? c->batch : (int)chunk;
    }

    /* The weight gradient of a stride-1 convolution over images [n0, n1), for input channels [lo, hi) of every
       group: with dy's rows padded to the width of the zero-padded input (the extra columns 0), output position
       p of a row (oy * width + ox) reads tap (ky, kx) at padded input position p + ky * dilation_h * width + kx
       * dilation_w, so dW[o][i][tap] is a dot product of dy's row o and input row i shifted, over (out_h - 1) *
       width + out_w positions: per image in float lanes (a few dozen terms each on the CIFAR ResNets), over the
       images in double into totals (dW's layout). scratch: netc_shifted_chunk images of
       netc_shifted_image_floats. */
    static void netc_conv_grad_weight_shifted(const netc_window *c, int n0, int n1, int lo, int hi, const float *dy,
                                              const float *x, float *scratch, double *totals) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, channels = hi - lo;
      const int taps = c->kernel_h * c->kernel_w, depth = in_per_group * taps, chunk = netc_shifted_chunk(c);
      const int height = c->in_h + 2 * c->pad_h, width = c->in_w + 2 * c->pad_w;
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      const size_t dy_plane = (size_t)c->out_h * width, x_plane = (size_t)height * width;
      float *gradients = scratch, *inputs = gradients + (size_t)chunk * c->out_c * dy_plane;
      const netc_dot_shape d = {(c->out_h - 1) * width + c->out_w, taps, c->kernel_w, dy_plane, x_plane,
                                (size_t)c->dilation_h * width, (size_t)c->dilation_w, (size_t)depth};
      for (int first = n0; first < n1; first += chunk) {
        const int images = n1 - first < chunk ? n1 - first : chunk;
        netc_place_planes(images * c->out_c, c->out_h, c->out_w, dy + (size_t)first * c->out_c * plane, c->out_h,
                          width, 0, 0, gradients);
        for (int g = 0; g < c->groups; g++) {
          for (int n = 0; n < images; n++)
            netc_place_planes(channels, c->in_h, c->in_w,
                              x + ((size_t)(first + n) * c->in_c + (size_t)(g * in_per_group + lo)) * in_plane,
                              height, width, c->pad_h, c->pad_w, inputs + (size_t)n * channels * x_plane);
          for (int n = 0; n < images; n++)
            netc_dot(&d, out_per_group, channels * taps,
                     gradients + ((size_t)n * c->out_c + (size_t)g * out_per_group) * dy_plane,
                     inputs + (size_t)n * channels * x_plane, totals + (size_t)g * out_per_group * depth + lo * taps,
                     first + n > n0);
        }
      }
    }

    """#)
}
