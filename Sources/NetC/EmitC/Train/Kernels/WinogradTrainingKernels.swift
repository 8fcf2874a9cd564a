// Winograd F(2x2, 3x3) over the training step's NCHW values, for the forward pass and the input gradient (a
// convolution of dy by the flipped weights) of 3x3 stride-1 convolutions: per chunk of images, the input
// transform of each channel's tiles (vectors of tiles on the inference kernels' transforms), 16 matrix products
// on tiles of their own, and the output transform.

extension CKernel {
  static let winogradTrain = CKernel(
    "netc_conv_winograd_train", uses: [team, winogradTransforms, winogradFilter, winogradProducts],
    #"""
    /* Whether a training convolution runs by Winograd F(2x2, 3x3): 3x3, stride 1, no dilation, one group, and
       a padding of at most 2 (so its input gradient, padded by 2 - pad, runs by it too). */
    static int netc_winograd_train_fits(const netc_window *c) {
      return c->kernel_h == 3 && c->kernel_w == 3 && c->stride_h == 1 && c->stride_w == 1 && c->dilation_h == 1 &&
             c->dilation_w == 1 && c->groups == 1 && c->pad_h <= 2 && c->pad_w <= 2;
    }

    /* The geometry of a Winograd training convolution: tiles_h x tiles_w tiles of 2x2 outputs per image; images
       per chunk (one, or as many as keep its transformed inputs and products within 512 KiB, a quarter of the
       L2 cache: measured 20 % faster than 2 MiB at 64 channels); the distance between rows of the transformed
       values (a chunk's tiles rounded up to the products' blocks of 32 columns, and 16 floats past them for the
       cache's sets); the floats of the zero-padded input plane, 2 (tiles_w + 1) wide, its even rows then its
       odd ones, tiles_h + 2 of each (room for the split's last vector); and of each of the four planes narrow
       rows of tiles read their inputs from (netc_winograd_input_plane). */
    typedef struct {
      int tiles_h, tiles_w, tiles, chunk;
      size_t ld, padded, plane;
    } netc_winograd_shape;

    static netc_winograd_shape netc_winograd_geometry(const netc_window *c) {
      netc_winograd_shape s;
      s.tiles_h = (c->out_h + 1) / 2;
      s.tiles_w = (c->out_w + 1) / 2;
      s.tiles = s.tiles_h * s.tiles_w;
      s.chunk = 8192 / (c->in_c + c->out_c) / s.tiles;
      s.chunk = s.chunk < 1 ? 1 : s.chunk < c->batch ? s.chunk : c->batch;
      s.ld = ((size_t)s.chunk * s.tiles + 31) / 32 * 32 + 16;
      s.padded = 4 * ((size_t)s.tiles_w + 1) * ((size_t)s.tiles_h + 2);
      s.plane = 2 * (size_t)s.tiles_w * ((size_t)s.tiles_h + 2);
      return s;
    }

    /* U[e][r][q] (e < 16) = G g G^T for the 3x3 filter g of row r < rows and column q < cols of a product:
       weight[r][q] of a [rows][cols][3][3] weight, or, flipped, weight[q][r] turned by 180 degrees (the input
       gradient's filters). A vector of filters at a time, their taps gathered lane by lane: every thread
       transforms all of them, which one filter at a time cost 8 % of a 64-channel layer (measured 7x faster;
       G's entries are 0, 1 and halves, so each sum is rounded as the scalar one was). */
    static void netc_winograd_filters(int rows, int cols, const float *weight, int flip, float *u) {
      const size_t filters = (size_t)rows * cols;
      for (size_t f = 0; f < filters; f += NETC_LANES) {
        const int lanes = filters - f < NETC_LANES ? (int)(filters - f) : NETC_LANES;
        float taps[9][NETC_LANES];
        for (int l = 0; l < lanes; l++) {
          const size_t r = (f + (size_t)l) / (size_t)cols, q = (f + (size_t)l) % (size_t)cols;
          const float *w = weight + (flip ? q * (size_t)rows + r : r * (size_t)cols + q) * 9;
          for (int t = 0; t < 9; t++) taps[t][l] = flip ? w[8 - t] : w[t];
        }
        netc_vec g[3][3], transformed[4][4];
        for (int t = 0; t < 9; t++) g[t / 3][t % 3] = netc_vload_part(taps[t], lanes);
        netc_winograd_filter(g, transformed);
        for (int e = 0; e < 16; e++) netc_vstore_part(u + (size_t)e * filters + f, transformed[e / 4][e % 4], lanes);
      }
    }

    /* even = p[0], p[2], ... and odd = p[1], p[3], ... of the first n <= 2 NETC_LANES floats at p, zeros past
       them: a vector of 2x2 tiles' columns from one row, without the narrow stores and wide loads of a split
       through memory (whose stalled store forwarding was 38 % of the kernel's own time). */
    static inline void netc_vsplit(const float *p, int n, netc_vec *even, netc_vec *odd) {
    #if NETC_LANES == 4
      netc_vec e, o;
      for (int l = 0; l < 4; l++) {
        e.lane[l] = 2 * l < n ? p[2 * l] : 0.0f;
        o.lane[l] = 2 * l + 1 < n ? p[2 * l + 1] : 0.0f;
      }
      *even = e;
      *odd = o;
    #else
      const netc_vec a = n >= NETC_LANES ? netc_vload(p) : netc_vload_part(p, n);
      const netc_vec b = n >= 2 * NETC_LANES ? netc_vload(p + NETC_LANES)
                         : n > NETC_LANES    ? netc_vload_part(p + NETC_LANES, n - NETC_LANES)
                                             : netc_vzero();
    #if NETC_LANES == 16
      const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      *even = _mm512_permutex2var_ps(a, evens, b);
      *odd = _mm512_permutex2var_ps(a, _mm512_add_epi32(evens, _mm512_set1_epi32(1)), b);
    #else
      /* The shuffles pick within 128-bit halves; the permute puts the halves' pairs in order. */
      *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
      *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)), 0xd8));
    #endif
    #endif
    }

    /* first[k] = x[2 * k], second[k] = x[2 * k + 1] for the n floats of x: two vectors at a time split in
       registers by netc_vsplit. */
    static void netc_winograd_deal(const float *restrict x, int n, float *restrict first, float *restrict second) {
    #if NETC_LANES == 4
      for (int k = 0; 2 * k < n; k++) {
        first[k] = x[2 * k];
        if (2 * k + 1 < n) second[k] = x[2 * k + 1];
      }
    #else
      for (int k = 0; k < n; k += 2 * NETC_LANES) {
        const int m = n - k < 2 * NETC_LANES ? n - k : 2 * NETC_LANES;
        netc_vec e, o;
        netc_vsplit(x + k, m, &e, &o);
        if (m == 2 * NETC_LANES) {
          netc_vstore(first + k / 2, e);
          netc_vstore(second + k / 2, o);
        } else {
          netc_vstore_part(first + k / 2, e, (m + 1) / 2);
          if (m > 1) netc_vstore_part(second + k / 2, o, m / 2);
        }
      }
    #endif
    }

    /* row[2 * k] = even[k], row[2 * k + 1] = odd[k] for k < count. */
    static void netc_winograd_merge(const float *restrict even, const float *restrict odd, int count,
                                    float *restrict row) {
      for (int k = 0; k < count; k++) {
        row[2 * k] = even[k];
        row[2 * k + 1] = odd[k];
      }
    }

    /* The transformed inputs of one channel x of the input (in_h x in_w) into to[e * stride + t] for each of its
       tiles t, a vector of tiles at a time. work: s->padded floats this does not use (the forward pass's outputs),
       the zero-padded plane's even and odd columns (whose padding nothing else writes), and the four planes
       below. Tile (ty, tx) reads its 4x4 inputs (r, j) at padded row
       2 ty + r, column 2 tx + j: in the rows of parity r % 2, row ty + r / 2 of the columns j, j + 2, ... (the
       even or odd ones, j / 2 on). Where a row of tiles fills half a vector or more, vectors of a row's tiles
       read them in place. Narrower rows would leave most lanes empty, so there each j goes to a plane of its
       own, tiles_w a row: a row of tiles then follows the one before, tile t = ty * tiles_w + tx reads column
       t + (r / 2) * tiles_w, and a vector of tiles across rows is one load (measured: in place 18 % faster at
       16x16 images on AVX-512, the planes 30 % at 8x8). */
    static void netc_winograd_input_plane(const netc_window *c, const netc_winograd_shape *s, const float *x,
                                          float *work, float *to, size_t stride) {
      float *even = work + s->padded, *odd = even + s->padded / 2, *planes = odd + s->padded / 2;
      /* A row of the padded plane's even (or odd) columns, and the rows of each parity there. */
      const size_t row = (size_t)s->tiles_w + 1, rows = (size_t)s->tiles_h + 2;
      /* Each input row straight into the even and odd columns of its padded row (measured: the copy into the
         padded plane and a scalar split of all of it were 15.7 % of resnet56's training step): input column ix
         is padded column pad_w + ix, so with an odd pad_w the even inputs go to the odd columns. */
      const size_t shift = (size_t)(c->pad_w / 2);
      float *first = c->pad_w % 2 ? odd : even, *second = c->pad_w % 2 ? even + 1 : odd;
      for (int iy = 0; iy < c->in_h; iy++) {
        const size_t at = ((size_t)((iy + c->pad_h) % 2) * rows + (size_t)((iy + c->pad_h) / 2)) * row + shift;
        netc_winograd_deal(x + (size_t)iy * c->in_w, c->in_w, first + at, second + at);
      }
      const float *columns[4] = {even, odd, even + 1, odd + 1};
      size_t width = row, parity = row * rows;
      const int in_place = 2 * s->tiles_w >= NETC_LANES;
      if (!in_place) {
        for (size_t k = 0; k < 2 * rows; k++) {
          const float *e = even + k * row, *o = odd + k * row;
          float *plane = planes + k * s->tiles_w;
          for (int m = 0; m < s->tiles_w; m++) {
            plane[m] = e[m];
            plane[s->plane + m] = o[m];
            plane[2 * s->plane + m] = e[m + 1];
            plane[3 * s->plane + m] = o[m + 1];
          }
        }
        for (int j = 0; j < 4; j++) columns[j] = planes + (size_t)j * s->plane;
        width = (size_t)s->tiles_w;
        parity = s->plane / 2;
      }
      for (int t = 0, lanes; t < s->tiles; t += lanes) {
        const int left = in_place ? s->tiles_w - t % s->tiles_w : s->tiles - t;
        lanes = left < NETC_LANES ? left : NETC_LANES;
        /* In place, a row of tiles starts one column past the row before's last. */
        const size_t at = (size_t)t + (size_t)(t / s->tiles_w) * (width - (size_t)s->tiles_w);
        netc_vec d[4][4], w[4][4];
        for (int r = 0; r < 4; r++)
          for (int j = 0; j < 4; j++) {
            const float *from = columns[j] + (size_t)(r % 2) * parity + (size_t)(r / 2) * width + at;
            d[r][j] = lanes == NETC_LANES ? netc_vload(from) : netc_vload_part(from, lanes);
          }
        netc_winograd_input(d, w);
        for (int e = 0; e < 16; e++)
          if (lanes == NETC_LANES) netc_vstore(to + (size_t)e * stride + t, w[e / 4][e % 4]);
          else netc_vstore_part(to + (size_t)e * stride + t, w[e / 4][e % 4], lanes);
      }
    }

    /* out = the convolution of in by the 3x3 filters weight [out_c][in_c] (flip: weight is [in_c][out_c] and
       each filter turned by 180 degrees, the input gradient of a convolution from out_c to in_c channels).
       Each chunk of images is one thread's: it transforms the inputs of each image's channel, runs the 16
       products, and transforms them back. Every output is computed the same way whatever the thread count.
       scratch: the filters (16 * out_c * in_c floats); a chunk's transformed inputs and products, the 16 rows
       of a channel ld floats apart and the channels 16 ld apart (a vector of tiles then goes to 16 rows near
       each other, and comes back from them: measured 14 % faster transforms than 16 matrices apart); then
       netc_winograd_input_plane's work (the outputs' even and odd planes, the padded plane's even and odd
       columns, and 4 * plane). */
    static void netc_conv_winograd_train(const netc_team *team, const netc_window *c, const float *weight, int flip,
                                         const float *in, float *scratch, float *out) {
      const netc_winograd_shape s = netc_winograd_geometry(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      float *u = scratch, *v = u + 16 * (size_t)c->out_c * c->in_c, *products = v + 16 * s.ld * c->in_c;
      /* The outputs' even and odd planes, then the rest of netc_winograd_input_plane's work. */
      float *work = products + 16 * s.ld * c->out_c, *even = work, *odd = even + s.padded / 2;
      const int chunks = (c->batch + s.chunk - 1) / s.chunk;
      if (team->index >= chunks) return;
      netc_winograd_filters(c->out_c, c->in_c, weight, flip, u);
      /* The input goes inside the zero padding; nothing else writes the padding. The products read whole
         blocks of columns, past a chunk's tiles, so those hold zeros until a chunk's transform. */
      memset(work + s.padded, 0, s.padded * sizeof(float));
      memset(v, 0, 16 * s.ld * c->in_c * sizeof(float));
      for (int chunk = team->index; chunk < chunks; chunk += team->count) {
        const int first = chunk * s.chunk, images = c->batch - first < s.chunk ? c->batch - first : s.chunk;
        for (int n = 0; n < images; n++)
          for (int i = 0; i < c->in_c; i++)
            netc_winograd_input_plane(c, &s, in + ((size_t)(first + n) * c->in_c + i) * in_plane, work,
                                      v + (size_t)i * 16 * s.ld + (size_t)n * s.tiles, s.ld);
        for (int e = 0; e < 16; e++)
          netc_winograd_products(c->out_c, images * s.tiles, c->in_c, u + (size_t)e * c->out_c * c->in_c,
                                 v + (size_t)e * s.ld, products + (size_t)e * s.ld, 16 * s.ld);
        for (int n = 0; n < images; n++)
          for (int o = 0; o < c->out_c; o++) {
            /* The outputs (a, b) of every tile into even (b = 0) and odd (b = 1) planes, then row by row into
               the output plane. */
            for (int t = 0; t < s.tiles; t += NETC_LANES) {
              const int lanes = s.tiles - t < NETC_LANES ? s.tiles - t : NETC_LANES;
              const float *from = products + (size_t)o * 16 * s.ld + (size_t)n * s.tiles + t;
              netc_vec m[4][4], r[2][2];
              for (int e = 0; e < 16; e++) {
                const float *at = from + (size_t)e * s.ld;
                m[e / 4][e % 4] = lanes == NETC_LANES ? netc_vload(at) : netc_vload_part(at, lanes);
              }
              netc_winograd_output(m, r);
              for (int k = 0; k < 4; k++)
                netc_vstore_part((k % 2 ? odd : even) + (size_t)(k / 2) * s.tiles + t, r[k / 2][k % 2], lanes);
            }
            float *y = out + ((size_t)(first + n) * c->out_c + o) * plane;
            for (int ty = 0; ty < s.tiles_h; ty++)
              for (int a = 0; a < 2 && 2 * ty + a < c->out_h; a++) {
                float *line = y + (size_t)(2 * ty + a) * c->out_w;
                const size_t at = (size_t)a * s.tiles + (size_t)ty * s.tiles_w;
                netc_winograd_merge(even + at, odd + at, c->out_w / 2, line);
                if (c->out_w % 2) line[c->out_w - 1] = even[at + (size_t)(c->out_w / 2)];
              }
          }
      }
    }

    """#)
}

extension CKernel {
  /// The filter transform over vectors of filters, from the same matrix as the inference kernels' (which
  /// transform theirs once, in double, when the weights load).
  static let winogradFilter = CKernel(
    "netc_winograd_filter", uses: [vector],
    #"""
    /* The Winograd F(2x2, 3x3) transform of a vector of 3x3 filters g to U = G g G^T. */
    static void netc_winograd_filter(netc_vec g[3][3], netc_vec u[4][4]) {
    \#(Winograd.sandwich(Winograd.g, from: "g", to: "u"))}

    """#)

  /// The 16 matrix products of the Winograd training kernel, on tiles of their own: the training product
  /// (`netc_train_gemm`) masks its edge columns and can accumulate, which costs on these short sums.
  static let winogradProducts = CKernel(
    "netc_winograd_products", uses: [trainingGemm],
    #"""
    /* C[r][j] = the sum over k < depth of A[r][k] * B[k][j] for R rows and the two vectors of columns j, summed
       from zero in k order by netc_vfma as netc_train_gemm sums, so that the products are the same bit for bit
       whatever the tile; no edge columns (the caller rounds them up) and no accumulating: measured 10 % faster
       than netc_train_gemm on the CIFAR ResNets' products (depth 16 to 64, 256 columns). */
    #define NETC_WINOGRAD_TILE(R)                                                                                 \
      static void netc_winograd_tile_##R(int depth, const float *restrict a, const float *restrict b, size_t ld,   \
                                         float *restrict c) {                                                     \
        netc_vec acc[R][2];                                                                                       \
        NETC_UNROLL for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = netc_vzero();                             \
        for (int k = 0; k < depth; k++) {                                                                         \
          const netc_vec w0 = netc_vload(b + (size_t)k * ld), w1 = netc_vload(b + (size_t)k * ld + NETC_LANES);   \
          NETC_UNROLL for (int r = 0; r < R; r++) {                                                               \
            const netc_vec x = netc_vbroadcast(a + (size_t)r * depth + k);                                        \
            acc[r][0] = netc_vfma(x, w0, acc[r][0]);                                                              \
            acc[r][1] = netc_vfma(x, w1, acc[r][1]);                                                              \
          }                                                                                                       \
        }                                                                                                         \
        NETC_UNROLL for (int r = 0; r < R; r++) {                                                                 \
          netc_vstore(c + (size_t)r * ld, acc[r][0]);                                                             \
          netc_vstore(c + (size_t)r * ld + NETC_LANES, acc[r][1]);                                                \
        }                                                                                                         \
      }
    /* Every height up to NETC_TRAIN_MR's widest (12, with 16-lane vectors); narrower vectors use the lower ones. */
    NETC_WINOGRAD_TILE(1) NETC_WINOGRAD_TILE(2) NETC_WINOGRAD_TILE(3) NETC_WINOGRAD_TILE(4) NETC_WINOGRAD_TILE(5)
    NETC_WINOGRAD_TILE(6) NETC_WINOGRAD_TILE(7) NETC_WINOGRAD_TILE(8) NETC_WINOGRAD_TILE(9) NETC_WINOGRAD_TILE(10)
    NETC_WINOGRAD_TILE(11) NETC_WINOGRAD_TILE(12)
    typedef void (*netc_winograd_tile)(int depth, const float *restrict a, const float *restrict b, size_t ld,
                                       float *restrict c);
    static const netc_winograd_tile netc_winograd_tiles[13] = {
        NULL, netc_winograd_tile_1, netc_winograd_tile_2, netc_winograd_tile_3, netc_winograd_tile_4,
        netc_winograd_tile_5, netc_winograd_tile_6, netc_winograd_tile_7, netc_winograd_tile_8,
        netc_winograd_tile_9, netc_winograd_tile_10, netc_winograd_tile_11, netc_winograd_tile_12};

    /* C[rows][columns] = A[rows][depth] * B[depth][columns], B and C ld floats a row, columns read and written in
       whole blocks of two vectors. The blocks outermost, so that a block of B stays in cache for every tile of
       rows; the tiles share the rows evenly, none left nearly empty. */
    static void netc_winograd_products(int rows, int columns, int depth, const float *a, const float *b, float *c,
                                       size_t ld) {
      const int tiles = (rows + NETC_TRAIN_MR - 1) / NETC_TRAIN_MR;
      for (int j = 0; j < columns; j += 2 * NETC_LANES)
        for (int t = 0, i = 0; t < tiles; t++) {
          const int height = (rows - i + (tiles - t) - 1) / (tiles - t);
          netc_winograd_tiles[height](depth, a + (size_t)i * depth, b + j, ld, c + (size_t)i * ld + j);
          i += height;
        }
    }

    """#)
}
