// The matrix product the training step's convolutions run on (forward, input gradient and weight gradient are
// all C = A * B over row-major matrices), and the copies that turn a convolution into one: im2col, its
// scatter-add inverse col2im, and a transpose of matrices inside larger ones.

extension CKernel {
  static let trainingGemm = CKernel(
    "netc_train_gemm",
    #"""
    /* A register tile of C is NETC_GEMM_NR columns (one AVX-512 vector, two AVX2 ones) by up to NETC_GEMM_MR
       rows: as many accumulators as the registers hold with the B row and the broadcast A value beside them. */
    #define NETC_GEMM_NR 16
    #if defined(__AVX512F__)
    #define NETC_GEMM_MR 8
    #else
    #define NETC_GEMM_MR 6
    #endif

    /* C[R][NETC_GEMM_NR] = (C when accumulate, else 0) + A[R][k] * B[k][NETC_GEMM_NR], every element summed in
       the order p = 0, 1, ..., k - 1 in float whatever tile computes it, so the result does not depend on how a
       product is tiled or split between threads. The constant sizes let the compiler keep the tile in registers. */
    #define NETC_GEMM_TILE(R)                                                                                     \
      static void netc_gemm_tile_##R(int k, const float *restrict a, size_t lda, const float *restrict b,         \
                                     size_t ldb, float *restrict c, size_t ldc, int accumulate) {                \
        float acc[R][NETC_GEMM_NR];                                                                               \
        for (int i = 0; i < R; i++)                                                                               \
          for (int j = 0; j < NETC_GEMM_NR; j++) acc[i][j] = accumulate ? c[(size_t)i * ldc + j] : 0.0f;          \
        for (int p = 0; p < k; p++) {                                                                             \
          const float *restrict row = b + (size_t)p * ldb;                                                        \
          for (int i = 0; i < R; i++) {                                                                           \
            const float x = a[(size_t)i * lda + p];                                                               \
            for (int j = 0; j < NETC_GEMM_NR; j++) acc[i][j] += x * row[j];                                       \
          }                                                                                                       \
        }                                                                                                         \
        for (int i = 0; i < R; i++)                                                                               \
          for (int j = 0; j < NETC_GEMM_NR; j++) c[(size_t)i * ldc + j] = acc[i][j];                              \
      }
    NETC_GEMM_TILE(1)
    NETC_GEMM_TILE(2)
    NETC_GEMM_TILE(3)
    NETC_GEMM_TILE(4)
    NETC_GEMM_TILE(5)
    NETC_GEMM_TILE(6)
    #if NETC_GEMM_MR == 8
    NETC_GEMM_TILE(7)
    NETC_GEMM_TILE(8)
    #endif

    /* The same sums for a tile narrower than NETC_GEMM_NR (the last columns of a product). */
    static void netc_gemm_edge(int rows, int columns, int k, const float *restrict a, size_t lda,
                               const float *restrict b, size_t ldb, float *restrict c, size_t ldc, int accumulate) {
      for (int i = 0; i < rows; i++)
        for (int j = 0; j < columns; j++) {
          float sum = accumulate ? c[(size_t)i * ldc + j] : 0.0f;
          for (int p = 0; p < k; p++) sum += a[(size_t)i * lda + p] * b[(size_t)p * ldb + j];
          c[(size_t)i * ldc + j] = sum;
        }
    }

    /* C[m][n] = (C when accumulate, else 0) + A[m][k] * B[k][n]; row-major with leading dimensions lda, ldb, ldc.
       Column blocks outermost: a block of B (k rows of one tile's width) stays in cache for every row tile. */
    static void netc_train_gemm(int m, int n, int k, const float *a, size_t lda, const float *b, size_t ldb,
                                float *c, size_t ldc, int accumulate) {
      for (int j = 0; j < n; j += NETC_GEMM_NR) {
        const int columns = n - j < NETC_GEMM_NR ? n - j : NETC_GEMM_NR;
        for (int i = 0; i < m; i += NETC_GEMM_MR) {
          const int rows = m - i < NETC_GEMM_MR ? m - i : NETC_GEMM_MR;
          const float *ai = a + (size_t)i * lda;
          float *ci = c + (size_t)i * ldc + j;
          if (columns < NETC_GEMM_NR) {
            netc_gemm_edge(rows, columns, k, ai, lda, b + j, ldb, ci, ldc, accumulate);
            continue;
          }
          switch (rows) {
    #if NETC_GEMM_MR == 8
          case 8: netc_gemm_tile_8(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          case 7: netc_gemm_tile_7(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
    #endif
          case 6: netc_gemm_tile_6(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          case 5: netc_gemm_tile_5(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          case 4: netc_gemm_tile_4(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          case 3: netc_gemm_tile_3(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          case 2: netc_gemm_tile_2(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          default: netc_gemm_tile_1(k, ai, lda, b + j, ldb, ci, ldc, accumulate); break;
          }
        }
      }
    }

    """#)

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
    /* The rows a convolution's product reads: row (i, ky, kx) holds, for every output position, the value of input
       channel i (of `channels` planes at x) that tap (ky, kx) reads there, 0 in the padding. A stride-1 tap copies
       one contiguous run and zeroes the edge columns it wrapped into. */
    static void netc_im2col(const netc_window *c, int channels, const float *restrict x, float *restrict col) {
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      for (int i = 0; i < channels; i++)
        for (int ky = 0; ky < c->kernel_h; ky++)
          for (int kx = 0; kx < c->kernel_w; kx++) {
            float *restrict row = col + ((size_t)(i * c->kernel_h + ky) * c->kernel_w + kx) * plane;
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
       in blocks of 16 x 16 so both sides stay in cache. */
    static void netc_strided_transpose(int rows, int columns, const float *restrict from, size_t ld_from,
                                       float *restrict to, size_t ld_to) {
      for (int i0 = 0; i0 < rows; i0 += 16)
        for (int j0 = 0; j0 < columns; j0 += 16) {
          const int i1 = i0 + 16 < rows ? i0 + 16 : rows, j1 = j0 + 16 < columns ? j0 + 16 : columns;
          for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++) to[(size_t)j * ld_to + i] = from[(size_t)i * ld_from + j];
        }
    }

    """#)
}
