// The matrix-product microkernels every fast conv and fully connected layer runs on: a tile of C, R rows
// (output pixels) by NP panels of 16 columns (output channels), summed in registers over a depth reached through
// row pointers (an indirect, im2col-free product), its epilogue applied before the single store.

/// A register tile: `rows` output pixels by `panels` panels of 16 output channels.
struct GemmTile: Hashable, Sendable {
  var panels: Int
  var rows: Int
}

extension CKernel {
  /// The tiles per vector width, widest first, measured on ResNet layers: AVX-512's 32 registers hold 6x4
  /// panels (24 accumulators, 4 weight vectors, a broadcast); narrower layers take taller tiles so a load feeds
  /// enough FMAs. AVX2's 16 registers hold the classic 6x16 tile; the portable fallback a small one.
  static let gemmTiles: [(lanes: Int, tiles: [GemmTile])] = [
    (16, [GemmTile(panels: 4, rows: 6), GemmTile(panels: 3, rows: 8), GemmTile(panels: 2, rows: 12),
          GemmTile(panels: 1, rows: 14)]),
    (8, [GemmTile(panels: 1, rows: 6)]),
    (4, [GemmTile(panels: 1, rows: 3)]),
  ]

  static let gemm = CKernel("netc_gemm", uses: [gemmEpilogue], gemmTileText + gemmDispatchText)

  static let gemmEpilogue = CKernel(
    "netc_gemm_epilogue", uses: [vector],
    #"""
    /* What a product does to its sums before storing them: per column (output channel) of the tile, scale and
       shift (bias and batch norm folded at load; NULL for 1 and 0), then ReLU. */
    typedef struct {
      const float *scale, *shift;
      int relu;
    } netc_gemm_epilogue;

    /* Stores the sums y of a row's columns [first, first + NETC_LANES) that lie below columns to c, through the
       epilogue (residual: that row's, or NULL). Every product's tile ends here; the sums pass by value, so they
       stay in registers. */
    static inline void netc_store_sums(netc_vec y, const netc_gemm_epilogue *e, const float *residual, float *c,
                                       int first, int columns) {
      const int n = columns - first < NETC_LANES ? columns - first : NETC_LANES;
      if (n <= 0) return;
      if (e->scale) y = netc_vfma(y, netc_vload(e->scale + first), netc_vload(e->shift + first));
      else if (e->shift) y = netc_vadd(y, netc_vload(e->shift + first));
      if (residual)
        y = netc_vadd(y, n == NETC_LANES ? netc_vload(residual + first) : netc_vload_part(residual + first, n));
      if (e->relu) y = netc_vmax(y, netc_vzero());
      if (n == NETC_LANES) netc_vstore(c + first, y);
      else netc_vstore_part(c + first, y, n);
    }

    """#)

  private static let gemmTileText = #"""
    /* C[m][0, columns) for m < R, over NP panels of packed weights b (panel p at b + p * panel_stride, each
       [depth][16]): for each tap t < taps and k < kc, sum a[t * R + m][k] * b[...], in float, in that order
       whatever the tile; then y = sum * scale + shift (or sum + shift, or sum), + residual[m], ReLU, stored to
       c[m]. Row pointers let a conv read its input in place (indirect convolution, no im2col copy). Unless
       next is NULL, the tile also fetches one cache line of weights from next onwards per step of its depth
       into L2: a product too large for the cache gets its next panels from memory while these compute. */
    #define NETC_TILE(R, NP)                                                                                      \
      static void netc_tile_##R##x##NP(int taps, int kc, const float *const *a, const float *b,                   \
                                       size_t panel_stride, const float *next, const netc_gemm_epilogue *e,      \
                                       const float *const *residual, float *const *c, int columns) {             \
        netc_vec acc[R][NP * NETC_PANEL_VECTORS];                                                                 \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int j = 0; j < NP * NETC_PANEL_VECTORS; j++) acc[m][j] = netc_vzero();                 \
        /* The residual is read after the products, long enough for it to come from memory meanwhile. */          \
        if (residual)                                                                                             \
          for (int m = 0; m < R; m++)                                                                             \
            for (int p = 0; p < NP && p * NETC_PANEL < columns; p++) NETC_PREFETCH(residual[m] + p * NETC_PANEL, 3); \
        for (int t = 0; t < taps; t++) {                                                                          \
          const float *row[R];                                                                                    \
          NETC_UNROLL for (int m = 0; m < R; m++) row[m] = a[t * R + m];                                          \
          /* Two loops, so that the test is not paid on every step. */                                            \
          if (next)                                                                                               \
            for (int k = 0; k < kc; k++, b += NETC_PANEL, next += NETC_PANEL) {                                   \
              NETC_PREFETCH(next, 2);                                                                             \
              NETC_TILE_STEP(R, NP)                                                                               \
            }                                                                                                     \
          else                                                                                                    \
            for (int k = 0; k < kc; k++, b += NETC_PANEL) {                                                       \
              NETC_TILE_STEP(R, NP)                                                                               \
            }                                                                                                     \
        }                                                                                                         \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int j = 0; j < NP * NETC_PANEL_VECTORS; j++)                                           \
            netc_store_sums(acc[m][j], e, residual ? residual[m] : NULL, c[m], j * NETC_LANES, columns);          \
      }

    /* One step k of the depth: the panels' weights at b, times row[m][k], into the accumulators. */
    #define NETC_TILE_STEP(R, NP)                                                                                 \
      netc_vec w[NP * NETC_PANEL_VECTORS];                                                                        \
      NETC_UNROLL for (int p = 0; p < NP; p++)                                                                    \
        NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++)                                                  \
          w[p * NETC_PANEL_VECTORS + v] = netc_vload(b + p * panel_stride + v * NETC_LANES);                      \
      NETC_UNROLL for (int m = 0; m < R; m++) {                                                                   \
        const netc_vec x = netc_vbroadcast(row[m] + k);                                                           \
        NETC_UNROLL for (int j = 0; j < NP * NETC_PANEL_VECTORS; j++) acc[m][j] = netc_vfma(x, w[j], acc[m][j]);  \
      }

    typedef void (*netc_gemm_function)(int rows, int taps, int kc, const float *const *a, const float *b,
                                       size_t panel_stride, const float *next, const netc_gemm_epilogue *e,
                                       const float *const *residual, float *const *c, int columns);

    /* Fetches the cache line at p ahead of its reads: into L2 (locality 2) or L1 (3). */
    #if defined(__GNUC__)
    #define NETC_PREFETCH(p, locality) __builtin_prefetch(p, 0, locality)
    #else
    #define NETC_PREFETCH(p, locality) ((void)(p))
    #endif

    """#

  /// Per vector width, a tile function for every row count up to the tile's, a dispatcher per panel count that
  /// picks by rows, and the table `netc_gemm_kernels[np]` of dispatchers with their full row counts.
  private static let gemmDispatchText: String = {
    var text = ""
    for (index, (lanes, tiles)) in gemmTiles.enumerated() {
      text += (index == 0 ? "#if" : "#elif") + " NETC_LANES == \(lanes)\n"
      text += "#define NETC_MAX_PANELS \(tiles.map(\.panels).max()!)\n"
      text += "#define NETC_MAX_ROWS \(tiles.map(\.rows).max()!)\n"
      for tile in tiles.sorted(by: { $0.panels < $1.panels }) {
        text += (1...tile.rows).map { "NETC_TILE(\($0), \(tile.panels))\n" }.joined()
        text += """
          static void netc_gemm_\(tile.panels)(int rows, int taps, int kc, const float *const *a, const float *b,
                                  size_t panel_stride, const float *next, const netc_gemm_epilogue *e,
                                  const float *const *residual, float *const *c, int columns) {
            switch (rows) {

          """
        for rows in (1...tile.rows).reversed() {
          text += "  case \(rows): netc_tile_\(rows)x\(tile.panels)(taps, kc, a, b, panel_stride, next, e, residual, "
          text += "c, columns); break;\n"
        }
        text += "  }\n}\n"
      }
      let byPanels = Dictionary(uniqueKeysWithValues: tiles.map { ($0.panels, $0.rows) })
      let entries = (1...tiles.map(\.panels).max()!).map { panels in
        byPanels[panels].map { "{netc_gemm_\(panels), \($0)}" } ?? "{NULL, 0}"
      }
      text += "static const struct {\n  netc_gemm_function run;\n  int rows;\n}"
      text += " netc_gemm_kernels[NETC_MAX_PANELS + 1] = {{NULL, 0}, " + entries.joined(separator: ", ") + "};\n"
    }
    return text + "#endif\n\n"
  }()
}
