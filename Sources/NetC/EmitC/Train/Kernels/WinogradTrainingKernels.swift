// Winograd F(2x2, 3x3) over the training step's NCHW values, for the forward pass and the input gradient (a
// convolution of dy by the flipped weights) of 3x3 stride-1 convolutions: per chunk of images, the input
// transform of each channel's tiles (vectors of tiles on the inference kernels' transforms), 16 matrix products
// on the training product, and the output transform.

extension CKernel {
  static let winogradTrain = CKernel(
    "netc_conv_winograd_train", uses: [team, winogradTransforms, trainingGemm],
    #"""
    /* Whether a training convolution runs by Winograd F(2x2, 3x3): 3x3, stride 1, no dilation, one group, and
       a padding of at most 2 (so its input gradient, padded by 2 - pad, runs by it too). */
    static int netc_winograd_train_fits(const netc_window *c) {
      return c->kernel_h == 3 && c->kernel_w == 3 && c->stride_h == 1 && c->stride_w == 1 && c->dilation_h == 1 &&
             c->dilation_w == 1 && c->groups == 1 && c->pad_h <= 2 && c->pad_w <= 2;
    }

    /* The geometry of a Winograd training convolution: tiles_h x tiles_w tiles of 2x2 outputs per image; images
       per chunk (enough for 256 tiles, whose 16 products then fill the product's tiles); the distance between
       rows of the transformed values (16 floats past a chunk's tiles, for the cache's sets); the floats of the
       zero-padded input plane, 2 (tiles_w + 1) wide, its even rows then its odd ones, tiles_h + 2 of each (room
       for the split's last vector); and of each of the four planes the tiles read their inputs from (below). */
    typedef struct {
      int tiles_h, tiles_w, tiles, chunk;
      size_t ld, padded, plane;
    } netc_winograd_shape;

    static netc_winograd_shape netc_winograd_geometry(const netc_window *c) {
      netc_winograd_shape s;
      s.tiles_h = (c->out_h + 1) / 2;
      s.tiles_w = (c->out_w + 1) / 2;
      s.tiles = s.tiles_h * s.tiles_w;
      s.chunk = (256 + s.tiles - 1) / s.tiles < c->batch ? (256 + s.tiles - 1) / s.tiles : c->batch;
      s.ld = (size_t)s.chunk * s.tiles + 16;
      s.padded = 4 * ((size_t)s.tiles_w + 1) * ((size_t)s.tiles_h + 2);
      s.plane = 2 * (size_t)s.tiles_w * ((size_t)s.tiles_h + 2);
      return s;
    }

    /* U[e][r][q] (e < 16) = G g G^T for the 3x3 filter g of row r < rows and column q < cols of a product:
       weight[r][q] of a [rows][cols][3][3] weight, or, flipped, weight[q][r] turned by 180 degrees (the input
       gradient's filters). */
    static void netc_winograd_filters(int rows, int cols, const float *weight, int flip, float *u) {
      static const float g[4][3] = {{1.0f, 0.0f, 0.0f}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0.0f, 0.0f, 1.0f}};
      for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
          const float *w = weight + ((size_t)(flip ? q * rows + r : r * cols + q)) * 9;
          float k[3][3], s[4][3];
          for (int t = 0; t < 9; t++) k[t / 3][t % 3] = flip ? w[8 - t] : w[t];
          for (int a = 0; a < 4; a++)
            for (int b = 0; b < 3; b++) s[a][b] = g[a][0] * k[0][b] + g[a][1] * k[1][b] + g[a][2] * k[2][b];
          for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
              u[((size_t)(a * 4 + b) * rows + r) * cols + q] =
                  s[a][0] * g[b][0] + s[a][1] * g[b][1] + s[a][2] * g[b][2];
        }
    }

    /* even[k] = plane[2 * k], odd[k] = plane[2 * k + 1] for k < count. */
    static void netc_winograd_split(const float *restrict plane, size_t count, float *restrict even,
                                    float *restrict odd) {
      for (size_t k = 0; k < count; k++) {
        even[k] = plane[2 * k];
        odd[k] = plane[2 * k + 1];
      }
    }

    /* row[2 * k] = even[k], row[2 * k + 1] = odd[k] for k < count. */
    static void netc_winograd_merge(const float *restrict even, const float *restrict odd, int count,
                                    float *restrict row) {
      for (int k = 0; k < count; k++) {
        row[2 * k] = even[k];
        row[2 * k + 1] = odd[k];
      }
    }

    /* out = the convolution of in by the 3x3 filters weight [out_c][in_c] (flip: weight is [in_c][out_c] and
       each filter turned by 180 degrees, the input gradient of a convolution from out_c to in_c channels).
       Each chunk of images is one thread's: it transforms the inputs of each image's channel a vector of tiles
       at a time, runs the 16 products, and transforms them back. Every output is computed the same way
       whatever the thread count. scratch: the filters (16 * out_c * in_c floats), a chunk's transformed inputs
       and products (16 * ld * (in_c + out_c)), the padded plane, its even and odd columns (padded floats;
       they hold the outputs after), and the four planes of tile inputs (4 * plane). */
    static void netc_conv_winograd_train(const netc_team *team, const netc_window *c, const float *weight, int flip,
                                         const float *in, float *scratch, float *out) {
      const netc_winograd_shape s = netc_winograd_geometry(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      float *u = scratch, *v = u + 16 * (size_t)c->out_c * c->in_c, *products = v + 16 * s.ld * c->in_c;
      float *padded = products + 16 * s.ld * c->out_c, *even = padded + s.padded, *odd = even + s.padded / 2;
      float *planes = odd + s.padded / 2;
      /* A row of the padded plane's even (or odd) columns, and the rows of each parity there. */
      const size_t row = (size_t)s.tiles_w + 1, rows = (size_t)s.tiles_h + 2;
      const int chunks = (c->batch + s.chunk - 1) / s.chunk;
      if (team->index >= chunks) return;
      netc_winograd_filters(c->out_c, c->in_c, weight, flip, u);
      /* The input goes inside the zero padding; nothing else writes the padding. */
      memset(padded, 0, s.padded * sizeof(float));
      for (int chunk = team->index; chunk < chunks; chunk += team->count) {
        const int first = chunk * s.chunk, images = c->batch - first < s.chunk ? c->batch - first : s.chunk;
        for (int n = 0; n < images; n++)
          for (int i = 0; i < c->in_c; i++) {
            const float *x = in + ((size_t)(first + n) * c->in_c + i) * in_plane;
            for (int iy = 0; iy < c->in_h; iy++) {
              const size_t at = ((size_t)((iy + c->pad_h) % 2) * rows + (size_t)((iy + c->pad_h) / 2)) * 2 * row;
              memcpy(padded + at + c->pad_w, x + (size_t)iy * c->in_w, (size_t)c->in_w * sizeof(float));
            }
            netc_winograd_split(padded, s.padded / 2, even, odd);
            /* Tile (ty, tx) reads its 4x4 inputs (r, j) at padded row 2 ty + r, column 2 tx + j: in the rows of
               parity r % 2, row ty + r / 2 of plane j, where plane j holds the columns j, j + 2, ... (the even
               and odd columns, then both one column on), tiles_w of them a row. A row of tiles then follows the
               one before in every plane, so tile t = ty * tiles_w + tx reads column t + (r / 2) * tiles_w of
               each: a vector of tiles is one load, and no products go to tiles past a row's end. */
            for (size_t k = 0; k < 2 * rows; k++) {
              const float *e = even + k * row, *o = odd + k * row;
              float *to = planes + k * s.tiles_w;
              for (int m = 0; m < s.tiles_w; m++) {
                to[m] = e[m];
                to[s.plane + m] = o[m];
                to[2 * s.plane + m] = e[m + 1];
                to[3 * s.plane + m] = o[m + 1];
              }
            }
            for (int t = 0; t < s.tiles; t += NETC_LANES) {
              const int lanes = s.tiles - t < NETC_LANES ? s.tiles - t : NETC_LANES;
              netc_vec d[4][4], w[4][4];
              for (int r = 0; r < 4; r++)
                for (int j = 0; j < 4; j++) {
                  const float *from = planes + (size_t)j * s.plane + (size_t)(r % 2) * (s.plane / 2) +
                                      (size_t)(r / 2) * s.tiles_w + t;
                  d[r][j] = lanes == NETC_LANES ? netc_vload(from) : netc_vload_part(from, lanes);
                }
              netc_winograd_input(d, w);
              float *to = v + (size_t)i * s.ld + (size_t)n * s.tiles + t;
              for (int e = 0; e < 16; e++)
                if (lanes == NETC_LANES) netc_vstore(to + (size_t)e * c->in_c * s.ld, w[e / 4][e % 4]);
                else netc_vstore_part(to + (size_t)e * c->in_c * s.ld, w[e / 4][e % 4], lanes);
            }
          }
        for (int e = 0; e < 16; e++)
          netc_train_gemm(c->out_c, images * s.tiles, c->in_c, u + (size_t)e * c->out_c * c->in_c, (size_t)c->in_c,
                          v + (size_t)e * c->in_c * s.ld, s.ld, products + (size_t)e * c->out_c * s.ld, s.ld, 0);
        for (int n = 0; n < images; n++)
          for (int o = 0; o < c->out_c; o++) {
            /* The outputs (a, b) of every tile into even (b = 0) and odd (b = 1) planes, then row by row into
               the output plane. */
            for (int t = 0; t < s.tiles; t += NETC_LANES) {
              const int lanes = s.tiles - t < NETC_LANES ? s.tiles - t : NETC_LANES;
              const float *from = products + (size_t)o * s.ld + (size_t)n * s.tiles + t;
              netc_vec m[4][4], r[2][2];
              for (int e = 0; e < 16; e++) {
                const float *at = from + (size_t)e * c->out_c * s.ld;
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
