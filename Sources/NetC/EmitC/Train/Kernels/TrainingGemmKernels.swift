// The matrix product the training step's convolutions run on (forward, input gradient and weight gradient are
// all C = A * B over row-major matrices), and the copies that turn a convolution into one: im2col, its
// scatter-add inverse col2im, and a transpose of matrices inside larger ones.

/// The training product's register tiles per vector width: the tallest tile two vectors wide (the product's
/// columns), and one vector wide (for products 16 columns wide or narrower on AVX-512), each as many accumulators
/// as the registers hold beside the B row and the broadcast A value; measured on the CIFAR ResNets' products.
struct TrainingGemmTiles {
  var lanes: Int
  var wide: Int
  var narrow: Int

  static let all = [
    TrainingGemmTiles(lanes: 16, wide: 12, narrow: 16), TrainingGemmTiles(lanes: 8, wide: 6, narrow: 12),
    TrainingGemmTiles(lanes: 4, wide: 4, narrow: 8),
  ]
}

extension CKernel {
  static let trainingGemm = CKernel("netc_train_gemm", uses: [vector], trainingGemmTileText + trainingGemmText)

  private static let trainingGemmTileText = #"""
    /* The terms of a product's sums: rows runs of steps each, along which A's elements are a_step apart and B's
       rows ldb apart; the runs start a_row apart in A and b_row in B. A matrix product has one run of k steps
       along A's rows; a convolution's weight gradient reads the input itself as A, one run per output row, and
       skips the positions where its im2col columns would hold padding (those terms are 0). */
    typedef struct {
      int rows, steps;
      size_t a_step, a_row, b_row;
    } netc_walk;

    /* C[R][columns] = (C when accumulate, else 0) + A[R][k] * B[k][columns] for columns <= V vectors, the k
       terms walked: every element summed in the walk's order by one netc_vfma per term whatever tile computes
       it (edge lanes masked), so the result depends neither on how a product is tiled nor on how threads split
       it. */
    #define NETC_TRAIN_TILE(R, V)                                                                                 \
      static void netc_train_tile_##R##x##V(const netc_walk *walk, const float *restrict a, size_t lda,           \
                                            const float *restrict b, size_t ldb, float *restrict c, size_t ldc,   \
                                            int columns, int accumulate) {                                        \
        netc_vec acc[R][V];                                                                                       \
        int lanes[V];                                                                                             \
        /* columns > (V - 1) lanes, so every vector has 1 lane or more; the bound says so to the compiler. */     \
        NETC_UNROLL for (int v = 0; v < V; v++) {                                                                 \
          const int left = columns - v * NETC_LANES;                                                              \
          lanes[v] = left < 1 ? 1 : left;                                                                         \
        }                                                                                                         \
        NETC_UNROLL for (int i = 0; i < R; i++)                                                                   \
          NETC_UNROLL for (int v = 0; v < V; v++) {                                                               \
            const float *at = c + (size_t)i * ldc + v * NETC_LANES;                                               \
            acc[i][v] = !accumulate             ? netc_vzero()                                                    \
                        : lanes[v] >= NETC_LANES ? netc_vload(at)                                                 \
                                                 : netc_vload_part(at, lanes[v]);                                 \
          }                                                                                                       \
        for (int y = 0; y < walk->rows; y++) {                                                                    \
          const float *restrict p = a + y * walk->a_row, *restrict q = b + y * walk->b_row;                      \
          for (int s = 0; s < walk->steps; s++, p += walk->a_step, q += ldb) {                                    \
            netc_vec w[V];                                                                                        \
            NETC_UNROLL for (int v = 0; v < V; v++)                                                               \
              w[v] = lanes[v] >= NETC_LANES ? netc_vload(q + v * NETC_LANES)                                      \
                                            : netc_vload_part(q + v * NETC_LANES, lanes[v]);                      \
            NETC_UNROLL for (int i = 0; i < R; i++) {                                                             \
              const netc_vec x = netc_vbroadcast(p + (size_t)i * lda);                                            \
              NETC_UNROLL for (int v = 0; v < V; v++) acc[i][v] = netc_vfma(x, w[v], acc[i][v]);                  \
            }                                                                                                     \
          }                                                                                                       \
        }                                                                                                         \
        NETC_UNROLL for (int i = 0; i < R; i++)                                                                   \
          NETC_UNROLL for (int v = 0; v < V; v++) {                                                               \
            if (lanes[v] >= NETC_LANES) netc_vstore(c + (size_t)i * ldc + v * NETC_LANES, acc[i][v]);             \
            else netc_vstore_part(c + (size_t)i * ldc + v * NETC_LANES, acc[i][v], lanes[v]);                     \
          }                                                                                                       \
      }

    typedef void (*netc_train_tile)(const netc_walk *walk, const float *restrict a, size_t lda,
                                    const float *restrict b, size_t ldb, float *restrict c, size_t ldc, int columns,
                                    int accumulate);

    """#

  /// Per vector width, the tiles of every height and the table `netc_train_tiles[vectors - 1][rows]`.
  private static let trainingGemmTileTables: String = {
    var text = ""
    for (index, tiles) in TrainingGemmTiles.all.enumerated() {
      text += (index == 0 ? "#if" : "#elif") + " NETC_LANES == \(tiles.lanes)\n"
      text += "#define NETC_TRAIN_MR \(tiles.wide)\n#define NETC_TRAIN_MR_NARROW \(tiles.narrow)\n"
      for (vectors, height) in [(1, tiles.narrow), (2, tiles.wide)] {
        text += (1...height).map { "NETC_TRAIN_TILE(\($0), \(vectors))\n" }.joined()
      }
      let row = { (vectors: Int, height: Int) in
        CText.wrapped("{NULL,", (1...height).map { "netc_train_tile_\($0)x\(vectors)" }, "},", indent: "    ")
      }
      text += "static const netc_train_tile netc_train_tiles[2][NETC_TRAIN_MR_NARROW + 1] = {\n"
      text += (row(1, tiles.narrow) + row(2, tiles.wide)).joined(separator: "\n") + "\n};\n"
    }
    return text + "#endif\n\n"
  }()

  private static let trainingGemmText = trainingGemmTileTables + #"""
    /* C[m][n] = (C when accumulate, else 0) + A[m][k] * B[k][n], the k terms walked; row-major with leading
       dimensions lda, ldb, ldc. Column blocks of two vectors outermost (one for the last block when that is
       enough): the block of B stays in cache for every row tile; the tiles of a block share its rows evenly, so
       none is left nearly empty. */
    static void netc_train_gemm_walk(int m, int n, const netc_walk *walk, const float *a, size_t lda,
                                     const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
      for (int j = 0; j < n; j += 2 * NETC_LANES) {
        const int columns = n - j < 2 * NETC_LANES ? n - j : 2 * NETC_LANES, vectors = columns > NETC_LANES ? 2 : 1;
        const int tallest = vectors == 2 ? NETC_TRAIN_MR : NETC_TRAIN_MR_NARROW;
        const int tiles = (m + tallest - 1) / tallest;
        for (int t = 0, i = 0; t < tiles; t++) {
          const int rows = (m - i + (tiles - t) - 1) / (tiles - t);
          netc_train_tiles[vectors - 1][rows](walk, a + (size_t)i * lda, lda, b + j, ldb, c + (size_t)i * ldc + j,
                                              ldc, columns, accumulate);
          i += rows;
        }
      }
    }

    /* C[m][n] = (C when accumulate, else 0) + A[m][k] * B[k][n], the k terms in order. */
    static void netc_train_gemm(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb,
                                float *c, size_t ldc, int accumulate) {
      const netc_walk walk = {1, k, 1, 0, 0};
      netc_train_gemm_walk(m, n, &walk, a, lda, b, ldb, c, ldc, accumulate);
    }

    """#
}

extension CKernel {
  static let tapRows = CKernel(
    "netc_tap_rows", uses: [window, windowBounds],
    #"""
    /* The output rows [*y0, *y1) and columns [*x0, *x1) where tap (ky, kx) reads inside the input; and whether,
       the convolution having stride 1 and equal widths, output position p reads input position p + *shift
       there (so a tap's whole row of columns is one contiguous run of the plane, edge columns aside). */
    static int netc_tap_rows(const netc_window *c, int ky, int kx, int *y0, int *y1, int *x0, int *x1,
                             ptrdiff_t *shift) {
      const int dy = ky * c->dilation_h - c->pad_h, dx = kx * c->dilation_w - c->pad_w;
      *y0 = netc_first_inside(dy, c->stride_h);
      *y1 = netc_end_inside(dy, c->stride_h, c->in_h, c->out_h);
      *x0 = netc_first_inside(dx, c->stride_w);
      *x1 = netc_end_inside(dx, c->stride_w, c->in_w, c->out_w);
      *shift = (ptrdiff_t)dy * c->in_w + dx;
      return c->stride_h == 1 && c->stride_w == 1 && c->in_w == c->out_w && *y0 < *y1 && *x0 < *x1;
    }

    /* Zeroes the columns outside [x0, x1) of rows [y0, y1) of a plane out_w wide. */
    static void netc_zero_edges(float *plane, int out_w, int y0, int y1, int x0, int x1) {
      for (int oy = y0; oy < y1; oy++) {
        float *row = plane + (size_t)oy * out_w;
        for (int ox = 0; ox < x0; ox++) row[ox] = 0.0f;
        for (int ox = x1; ox < out_w; ox++) row[ox] = 0.0f;
      }
    }

    """#)

  static let im2col = CKernel(
    "netc_im2col", uses: [tapRows],
    #"""
    /* The rows a convolution's product reads, ld floats apart: row (i, ky, kx) holds, for every output position,
       the value of input channel i (of `channels` planes at x) that tap (ky, kx) reads there, 0 in the padding. A
       stride-1 tap copies one contiguous run and zeroes the edge columns it wrapped into. */
    static void netc_im2col(const netc_window *c, int channels, const float *restrict x, float *restrict col,
                            size_t ld) {
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      for (int i = 0; i < channels; i++)
        for (int ky = 0; ky < c->kernel_h; ky++)
          for (int kx = 0; kx < c->kernel_w; kx++) {
            float *restrict row = col + ((size_t)(i * c->kernel_h + ky) * c->kernel_w + kx) * ld;
            const float *restrict in = x + (size_t)i * in_plane;
            int y0, y1, x0, x1;
            ptrdiff_t shift;
            if (netc_tap_rows(c, ky, kx, &y0, &y1, &x0, &x1, &shift)) {
              const size_t first = (size_t)y0 * c->out_w + x0, end = (size_t)(y1 - 1) * c->out_w + x1;
              for (size_t k = 0; k < first; k++) row[k] = 0.0f;
              memcpy(row + first, in + ((ptrdiff_t)first + shift), (end - first) * sizeof(float));
              for (size_t k = end; k < plane; k++) row[k] = 0.0f;
              netc_zero_edges(row, c->out_w, y0, y1, x0, x1);
              continue;
            }
            for (int oy = 0; oy < c->out_h; oy++) {
              float *restrict out = row + (size_t)oy * c->out_w;
              if (oy < y0 || oy >= y1 || x0 >= x1) {
                for (int ox = 0; ox < c->out_w; ox++) out[ox] = 0.0f;
                continue;
              }
              const float *restrict source = in + (size_t)(oy * c->stride_h + ky * c->dilation_h - c->pad_h) * c->in_w;
              const int dx = kx * c->dilation_w - c->pad_w;
              for (int ox = 0; ox < x0; ox++) out[ox] = 0.0f;
              for (int ox = x0; ox < x1; ox++) out[ox] = source[ox * c->stride_w + dx];
              for (int ox = x1; ox < c->out_w; ox++) out[ox] = 0.0f;
            }
          }
    }

    """#)

  static let col2im = CKernel(
    "netc_col2im", uses: [tapRows],
    #"""
    /* The inverse scatter: adds each row of col to the input positions its tap read (x must start at 0). For one
       input element the taps add in (i, ky, kx) order, so the sum is the same on every run. A stride-1 tap zeroes
       its edge columns in col, then adds one contiguous run (the zeros land where the run wraps). */
    static void netc_col2im(const netc_window *c, int channels, float *restrict col, float *restrict x) {
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      for (int i = 0; i < channels; i++)
        for (int ky = 0; ky < c->kernel_h; ky++)
          for (int kx = 0; kx < c->kernel_w; kx++) {
            float *restrict row = col + ((size_t)(i * c->kernel_h + ky) * c->kernel_w + kx) * plane;
            float *restrict in = x + (size_t)i * in_plane;
            int y0, y1, x0, x1;
            ptrdiff_t shift;
            if (netc_tap_rows(c, ky, kx, &y0, &y1, &x0, &x1, &shift)) {
              const size_t first = (size_t)y0 * c->out_w + x0, end = (size_t)(y1 - 1) * c->out_w + x1;
              netc_zero_edges(row, c->out_w, y0, y1, x0, x1);
              for (size_t k = first; k < end; k++) in[(ptrdiff_t)k + shift] += row[k];
              continue;
            }
            for (int oy = y0; oy < y1; oy++) {
              const float *restrict source = row + (size_t)oy * c->out_w;
              float *restrict target = in + (size_t)(oy * c->stride_h + ky * c->dilation_h - c->pad_h) * c->in_w;
              const int dx = kx * c->dilation_w - c->pad_w;
              for (int ox = x0; ox < x1; ox++) target[ox * c->stride_w + dx] += source[ox];
            }
          }
    }

    """#)

  static let stridedTranspose = CKernel(
    "netc_strided_transpose",
    #"""
    /* to[j][i] = from[i][j] for i < rows, j < columns, both with leading dimensions (parts of larger matrices),
       in blocks of 8 x 8: a whole block goes through a local array of fixed size, which compilers keep in vector
       registers (rows loaded, shuffled, stored as rows; measured 1.5x faster with clang, 2x with gcc than
       element by element), the edges element by element. */
    static void netc_strided_transpose(int rows, int columns, const float *restrict from, size_t ld_from,
                                       float *restrict to, size_t ld_to) {
      for (int i0 = 0; i0 < rows; i0 += 8)
        for (int j0 = 0; j0 < columns; j0 += 8) {
          const int i1 = i0 + 8 < rows ? i0 + 8 : rows, j1 = j0 + 8 < columns ? j0 + 8 : columns;
          if (i1 - i0 == 8 && j1 - j0 == 8) {
            float block[8][8];
            for (int i = 0; i < 8; i++)
              for (int j = 0; j < 8; j++) block[j][i] = from[(size_t)(i0 + i) * ld_from + j0 + j];
            for (int j = 0; j < 8; j++)
              for (int i = 0; i < 8; i++) to[(size_t)(j0 + j) * ld_to + i0 + i] = block[j][i];
            continue;
          }
          for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++) to[(size_t)j * ld_to + i] = from[(size_t)i * ld_from + j];
        }
    }

    """#)
}
