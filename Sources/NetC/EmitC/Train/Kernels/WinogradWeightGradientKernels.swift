// The weight gradient of 3x3 stride-1 convolutions by Winograd F(3x3, 2x2), the transpose of the forward pass's
// F(2x2, 3x3): dW[o][i] = Gᵀ [Σ_tiles (A dy_tile Aᵀ) ⊙ (Bᵀ x_tile B)] G, 16 long dot products per channel pair
// over the tiles instead of 9 over the positions (2.25x fewer multiply-adds).

extension CKernel {
  /// A dy tile's 2x2 values to 4x4 by A = (Aᵀ of the forward output transform)ᵀ, over a vector of tiles.
  static let winogradGradientTransform = CKernel(
    "netc_winograd_gradient", uses: [vector],
    #"""
    /* W = A d A^T of a vector of 2x2 output-gradient tiles d, the transpose of the output transform. */
    static void netc_winograd_gradient(netc_vec d[2][2], netc_vec w[4][4]) {
    \#(Winograd.sandwich(transposed(Winograd.at), from: "d", to: "w"))}

    """#)

  static let winogradGradWeight = CKernel(
    "netc_conv_grad_weight_winograd",
    uses: [winogradTrain, winogradGradientTransform, dotProduct],
    #"""
    /* Whether a convolution's weight gradient runs by Winograd F(3x3, 2x2): where its forward pass does, on
       outputs at least 32 wide from at least 8 input channels (measured on the CIFAR ResNets with AVX-512: 19 %
       faster than the shifted planes at 32 x 32 from 16 channels, but 20 % slower from the image's 3, whose
       products are too narrow for the dot-product tiles; 25 % slower than the in-place products at 16 x 16 and
       2x at 8 x 8, where a row's 4 or 8 tiles fill a vector only partly and the transforms weigh more). */
    static int netc_winograd_grad_weight_fits(const netc_window *c) {
      return netc_winograd_train_fits(c) && c->out_w >= 32 && c->in_c >= 8;
    }

    /* Images whose tiles one dot product runs over: about 512 tiles, so that the lanes' sums (netc_vsum, then
       double) are a small part of it, while the chunk's transformed values stay in L2. */
    static int netc_winograd_grad_chunk(const netc_window *c) {
      const int tiles = ((c->out_h + 1) / 2) * ((c->out_w + 1) / 2), chunk = 256 / tiles;
      return chunk < 1 ? 1 : chunk < c->batch ? chunk : c->batch;
    }

    /* G^T of the forward filter transform G, which takes the 16 sums of a channel pair to its 3x3 gradient. */
    static const double netc_winograd_grad_gt[3][4] = \#(gtTable);

    /* The transformed output gradients of one channel (out_h x out_w) into to[e * stride + t] for each of its
       tiles t, a vector of a row's tiles at a time (zeros past the plane's edges). */
    static void netc_winograd_gradient_plane(const netc_window *c, const netc_winograd_shape *s, const float *dy,
                                             float *to, size_t stride) {
      for (int ty = 0; ty < s->tiles_h; ty++)
        for (int tx = 0; tx < s->tiles_w; tx += NETC_LANES) {
          const int lanes = s->tiles_w - tx < NETC_LANES ? s->tiles_w - tx : NETC_LANES;
          const int width = c->out_w - 2 * tx < 2 * NETC_LANES ? c->out_w - 2 * tx : 2 * NETC_LANES;
          const size_t t = (size_t)ty * s->tiles_w + (size_t)tx;
          netc_vec d[2][2], w[4][4];
          for (int a = 0; a < 2; a++)
            if (2 * ty + a < c->out_h)
              netc_vsplit(dy + (size_t)(2 * ty + a) * c->out_w + 2 * tx, width, &d[a][0], &d[a][1]);
            else
              d[a][0] = d[a][1] = netc_vzero();
          netc_winograd_gradient(d, w);
          for (int e = 0; e < 16; e++)
            if (lanes == NETC_LANES) netc_vstore(to + (size_t)e * stride + t, w[e / 4][e % 4]);
            else netc_vstore_part(to + (size_t)e * stride + t, w[e / 4][e % 4], lanes);
        }
    }

    /* The weight gradient of images [n0, n1) for output channels [lo, hi) into totals (dW's layout, in double):
       per chunk of netc_winograd_grad_chunk images, the transformed inputs of every input channel and the
       transformed output gradients of [lo, hi), then for each of the 16 points e the sums M_e[o][i] over the
       chunk's tiles by netc_dot (float lanes, each over a chunk's share of the tiles, added in double); at the
       end dW[o][i] = G^T M[o][i] G in double. Every sum runs the same way whatever the thread count. scratch:
       M (16 * (hi - lo) * in_c doubles), then the transformed values (16 rows of ld floats per channel, point
       by point) and netc_winograd_input_plane's work. */
    static void netc_conv_grad_weight_winograd(const netc_window *c, int n0, int n1, int lo, int hi, const float *dy,
                                               const float *x, float *scratch, double *totals) {
      const netc_winograd_shape s = netc_winograd_geometry(c);
      const int outs = hi - lo, chunk = netc_winograd_grad_chunk(c);
      const size_t ld = ((size_t)chunk * s.tiles + 15) / 16 * 16 + 16;
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      double *m = (double *)scratch;
      float *inputs = scratch + 2 * 16 * (size_t)outs * c->in_c, *gradients = inputs + 16 * ld * c->in_c;
      float *work = gradients + 16 * ld * outs;
      /* netc_winograd_input_plane writes its even and odd columns inside their padding only. */
      memset(work + s.padded, 0, s.padded * sizeof(float));
      for (int first = n0; first < n1; first += chunk) {
        const int images = n1 - first < chunk ? n1 - first : chunk;
        for (int n = 0; n < images; n++) {
          for (int i = 0; i < c->in_c; i++)
            netc_winograd_input_plane(c, &s, x + ((size_t)(first + n) * c->in_c + i) * in_plane, work,
                                      inputs + (size_t)i * ld + (size_t)n * s.tiles, ld * c->in_c);
          for (int o = lo; o < hi; o++)
            netc_winograd_gradient_plane(c, &s, dy + ((size_t)(first + n) * c->out_c + o) * plane,
                                         gradients + (size_t)(o - lo) * ld + (size_t)n * s.tiles, ld * outs);
        }
        const netc_dot_shape d = {images * s.tiles, 1, 1, ld, ld, 0, 0, (size_t)c->in_c};
        for (int e = 0; e < 16; e++)
          netc_dot(&d, outs, c->in_c, gradients + (size_t)e * ld * outs, inputs + (size_t)e * ld * c->in_c,
                   m + (size_t)e * outs * c->in_c, first > n0);
      }
      const size_t pairs = (size_t)outs * c->in_c;
      for (size_t p = 0; p < pairs; p++) {
        double sums[4][4], half[3][4];
        for (int e = 0; e < 16; e++) sums[e / 4][e % 4] = m[(size_t)e * pairs + p];
        for (int a = 0; a < 3; a++)
          for (int j = 0; j < 4; j++)
            half[a][j] = netc_winograd_grad_gt[a][0] * sums[0][j] + netc_winograd_grad_gt[a][1] * sums[1][j] +
                         netc_winograd_grad_gt[a][2] * sums[2][j] + netc_winograd_grad_gt[a][3] * sums[3][j];
        double *to = totals + ((size_t)lo * c->in_c + p) * 9;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++)
            to[a * 3 + b] = half[a][0] * netc_winograd_grad_gt[b][0] + half[a][1] * netc_winograd_grad_gt[b][1] +
                            half[a][2] * netc_winograd_grad_gt[b][2] + half[a][3] * netc_winograd_grad_gt[b][3];
      }
    }

    """#)

  private static func transposed(_ matrix: [[Double]]) -> [[Double]] {
    (0..<matrix[0].count).map { j in matrix.map { $0[j] } }
  }

  /// `{{…}, …}` of Gᵀ, exact in double (its entries are 0, 1 and halves).
  private static var gtTable: String {
    "{" + transposed(Winograd.g).map { "{" + $0.map { "\($0)" }.joined(separator: ", ") + "}" }
      .joined(separator: ", ") + "}"
  }
}
