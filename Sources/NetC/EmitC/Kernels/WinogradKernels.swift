// The inference kernels of Winograd F(m x m, 3x3) convs (Winograd.swift has the matrices), generated per tile
// size: the input and output transforms over vectors of channels, the products as (m + 2)^2 matrix products
// on the shared microkernels, and the filter transform when the weights load.

extension CKernel {
  /// F(2x2, 3x3)'s transforms: the inference kernel runs them over a vector of channels, the training one
  /// (WinogradTrainingKernels.swift) over a vector of one channel's tiles.
  static let winogradTransforms = winogradTransforms(.f2x2)

  /// The conv of each tile size, `netc_conv_<stem>`.
  static func winograd(_ tile: Winograd.Tile) -> CKernel {
    tile == .f2x2 ? winograd2x2 : winograd4x4
  }

  private static let winograd2x2 = winogradConv(.f2x2)
  private static let winograd4x4 = winogradConv(.f4x4)

  private static func winogradTransforms(_ tile: Winograd.Tile) -> CKernel {
    let (m, n, stem) = (tile.m, tile.n, tile.stem)
    return CKernel(
      "netc_\(stem)_input", uses: [vector],
      #"""
      /* Winograd F(\#(m)x\#(m), 3x3) transforms of one tile over a vector of channels: the \#(n)x\#(n) inputs d
         to V = Bt d B, and the \#(n)x\#(n) products m to the \#(m)x\#(m) outputs Y = At m A. */
      static void netc_\#(stem)_input(netc_vec d[\#(n)][\#(n)], netc_vec v[\#(n)][\#(n)]) {
      \#(Winograd.sandwich(tile.bt, from: "d", to: "v"))}

      static void netc_\#(stem)_output(netc_vec m[\#(n)][\#(n)], netc_vec y[\#(m)][\#(m)]) {
      \#(Winograd.sandwich(tile.at, from: "m", to: "y"))}

      """#)
  }

  private static func winogradConv(_ tile: Winograd.Tile) -> CKernel {
    let (m, n, stem) = (tile.m, tile.n, tile.stem)
    return CKernel(
      "netc_conv_\(stem)", uses: [window, nextCell, share, winogradPanelProducts, winogradTransforms(tile)],
      #"""
      /* The three steps of a Winograd F(\#(m)x\#(m), 3x3) conv over NHWC values, each over a range of tiles. Their
         results lie in plane-major matrices, a plane per point of the tile: the transformed input V, tile t's row of
         plane k at v + (k * plane + t - origin) * in_c, and the products M, at products + (k * plane + t - origin)
         * (panels * 16), where plane is the rows a plane holds and origin the tile of its first row. */

      /* V of tiles [first, end). Tiles step along their rows rather than dividing their index out, and a tile wholly
         inside the input loads without tests: over 16 channels the bookkeeping cost as much as the transform. */
      static void netc_\#(stem)_inputs(const netc_window *w, const float *in, float *v, long plane, long origin,
                                       long first, long end) {
        const int cin = w->in_c, tiles_h = (w->out_h + \#(m - 1)) / \#(m), tiles_w = (w->out_w + \#(m - 1)) / \#(m);
        int tx = (int)(first % tiles_w), ty = (int)(first / tiles_w % tiles_h), n = (int)(first / tiles_w / tiles_h);
        const size_t row = (size_t)w->in_w * cin, step = (size_t)plane * cin;
        for (long t = first; t < end; t++) {
          const int y0 = ty * \#(m) - w->pad_h, x0 = tx * \#(m) - w->pad_w;
          const int inside = y0 >= 0 && y0 + \#(n) <= w->in_h && x0 >= 0 && x0 + \#(n) <= w->in_w;
          for (int c = 0; c < cin; c += NETC_LANES) {
            const int lanes = cin - c < NETC_LANES ? cin - c : NETC_LANES;
            netc_vec d[\#(n)][\#(n)], u[\#(n)][\#(n)];
            if (inside && lanes == NETC_LANES) {
              const float *x = in + (((size_t)n * w->in_h + y0) * w->in_w + x0) * cin + c;
              for (int i = 0; i < \#(n); i++)
                for (int j = 0; j < \#(n); j++) d[i][j] = netc_vload(x + i * row + (size_t)j * cin);
            } else {
              for (int i = 0; i < \#(n); i++)
                for (int j = 0; j < \#(n); j++) {
                  const int iy = y0 + i, ix = x0 + j;
                  if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w) {
                    d[i][j] = netc_vzero();
                    continue;
                  }
                  const float *x = in + (((size_t)n * w->in_h + iy) * w->in_w + ix) * cin + c;
                  d[i][j] = lanes == NETC_LANES ? netc_vload(x) : netc_vload_part(x, lanes);
                }
            }
            netc_\#(stem)_input(d, u);
            float *target = v + (size_t)(t - origin) * cin + c;
            for (int k = 0; k < \#(n * n); k++) {
              if (lanes == NETC_LANES) netc_vstore(target + k * step, u[k / \#(n)][k % \#(n)]);
              else netc_vstore_part(target + k * step, u[k / \#(n)][k % \#(n)], lanes);
            }
          }
          netc_next_cell(tiles_w, tiles_h, &tx, &ty, &n);
        }
      }

      /* The outputs of tiles [first, end) from M, through the epilogue (scale and shift, an identity residual that
         may be out, ReLU). */
      static void netc_\#(stem)_outputs(const netc_window *w, const netc_gemm_epilogue *e, const float *residual,
                                        const float *products, long plane, long origin, float *out, long first,
                                        long end) {
        const int cout = w->out_c, columns = (cout + NETC_PANEL - 1) / NETC_PANEL * NETC_PANEL;
        const int tiles_h = (w->out_h + \#(m - 1)) / \#(m), tiles_w = (w->out_w + \#(m - 1)) / \#(m);
        int tx = (int)(first % tiles_w), ty = (int)(first / tiles_w % tiles_h), n = (int)(first / tiles_w / tiles_h);
        const size_t step = (size_t)plane * columns;
        for (long t = first; t < end; t++) {
          const int rows = w->out_h - ty * \#(m) < \#(m) ? w->out_h - ty * \#(m) : \#(m);
          const int cols = w->out_w - tx * \#(m) < \#(m) ? w->out_w - tx * \#(m) : \#(m);
          const float *source = products + (size_t)(t - origin) * columns;
          for (int c = 0; c < cout; c += NETC_LANES) {
            const int lanes = cout - c < NETC_LANES ? cout - c : NETC_LANES;
            netc_vec m[\#(n)][\#(n)], y[\#(m)][\#(m)];
            for (int k = 0; k < \#(n * n); k++) m[k / \#(n)][k % \#(n)] = netc_vload(source + k * step + c);
            netc_\#(stem)_output(m, y);
            for (int i = 0; i < rows; i++)
              for (int j = 0; j < cols; j++) {
                const size_t at = (((size_t)n * w->out_h + ty * \#(m) + i) * w->out_w + tx * \#(m) + j) * cout + c;
                netc_vec value = y[i][j];
                if (e->scale) value = netc_vfma(value, netc_vload(e->scale + c), netc_vload(e->shift + c));
                else if (e->shift) value = netc_vadd(value, netc_vload(e->shift + c));
                if (residual)
                  value = netc_vadd(value, lanes == NETC_LANES ? netc_vload(residual + at)
                                                               : netc_vload_part(residual + at, lanes));
                if (e->relu) value = netc_vmax(value, netc_vzero());
                if (lanes == NETC_LANES) netc_vstore(out + at, value);
                else netc_vstore_part(out + at, value, lanes);
              }
          }
          netc_next_cell(tiles_w, tiles_h, &tx, &ty, &n);
        }
      }

      /* A 3x3 stride-1 conv (groups 1) by Winograd F(\#(m)x\#(m), 3x3) over NHWC values; weight is the transformed
         filter U [\#(n * n)][panels][in_c][16] (netc_winograd_pack), scratch holds \#(n * n) * tiles * (in_c + panels
         * 16) floats. Unless alone, the three steps are split statically over the team, which meets between them:
         the input transform by tile into V [\#(n * n)][tiles][in_c]; the products by (point, panel run, block of
         tiles) into M [\#(n * n)][tiles][panels * 16], fetching the next run's weights when prefetch is set; the
         output transform by tile. Alone, each thread takes its share of the tiles through all three steps, a block
         of tiles at a time whose V and M stay in L1 (scratch from its share's first tile on holds them), and
         nobody meets: on small maps the meetings and the round trips through L2 cost more than the products
         (CIFAR ResNet-20: 13 % faster on 1 thread, 30 % on 2). */
      static void netc_conv_\#(stem)(const netc_window *w, const float *weight, int prefetch, int alone,
                                     const netc_gemm_epilogue *e, const float *residual, const float *in,
                                     float *scratch, float *out, const netc_team *team) {
        const int cin = w->in_c, panels = (w->out_c + NETC_PANEL - 1) / NETC_PANEL, columns = panels * NETC_PANEL;
        const int runs = (panels + NETC_MAX_PANELS - 1) / NETC_MAX_PANELS;
        const long tiles = (long)w->batch * ((w->out_h + \#(m - 1)) / \#(m)) * ((w->out_w + \#(m - 1)) / \#(m));
        long first, end;
        netc_share(team, tiles, &first, &end);
        if (alone) {
          /* Two row tiles of the widest kernel: 12 tiles with AVX-512, the fastest of 8 to 42 on ResNet-20. */
          const long most = 2L * netc_gemm_kernels[NETC_MAX_PANELS].rows;
          const long block = end - first < most ? end - first : most;
          float *v = scratch + (size_t)first * \#(n * n) * (cin + columns);
          float *products = v + (size_t)\#(n * n) * block * cin;
          for (long begin = first; begin < end; begin += block) {
            const long stop = begin + block < end ? begin + block : end;
            netc_\#(stem)_inputs(w, in, v, block, begin, begin, stop);
            for (int k = 0; k < \#(n * n); k++)
              for (int run = 0; run < runs; run++)
                netc_winograd_panel_products(w, weight, 0, \#(n * n), v, products, block, k, run, 0, stop - begin, 0);
            netc_\#(stem)_outputs(w, e, residual, products, block, begin, out, begin, stop);
          }
          return;
        }
        float *v = scratch, *products = scratch + (size_t)\#(n * n) * tiles * cin;
        netc_\#(stem)_inputs(w, in, v, tiles, 0, first, end);
        netc_sync(team);
        const long block = 4L * netc_gemm_kernels[NETC_MAX_PANELS].rows, blocks = (tiles + block - 1) / block;
        netc_share(team, \#(n * n)L * runs * blocks, &first, &end);
        for (long unit = first; unit < end; unit++) {
          const int k = (int)(unit / (runs * blocks)), run = (int)(unit / blocks % runs);
          const int rest = panels - run * NETC_MAX_PANELS, np = rest < NETC_MAX_PANELS ? rest : NETC_MAX_PANELS;
          const long begin = unit % blocks * block, stop = begin + block < tiles ? begin + block : tiles;
          netc_winograd_panel_products(w, weight, prefetch, \#(n * n), v, products, tiles, k, run, begin, stop,
                                       unit % blocks * (block / netc_gemm_kernels[np].rows));
        }
        netc_sync(team);
        netc_share(team, tiles, &first, &end);
        netc_\#(stem)_outputs(w, e, residual, products, tiles, 0, out, first, end);
      }

      """#)
  }

  /// The products of both tile sizes: M[k] = V[k] U[k], on the shared microkernels.
  private static let winogradPanelProducts = CKernel(
    "netc_winograd_panel_products", uses: [gemm],
    #"""
    /* M[k] = V[k] U[k] over rows [begin, stop) of the planes for panel run `run`; the first row tiles fetch
       the next run's weights (pass: the first tile's index among the run's) when prefetch is set. */
    static void netc_winograd_panel_products(const netc_window *w, const float *weight, int prefetch,
                                             int points, const float *v, float *products, long plane, int k, int run,
                                             long begin, long stop, long pass) {
      const int cin = w->in_c, panels = (w->out_c + NETC_PANEL - 1) / NETC_PANEL, columns = panels * NETC_PANEL;
      const int runs = (panels + NETC_MAX_PANELS - 1) / NETC_MAX_PANELS, first_panel = run * NETC_MAX_PANELS;
      const int np = panels - first_panel < NETC_MAX_PANELS ? panels - first_panel : NETC_MAX_PANELS;
      const int mr = netc_gemm_kernels[np].rows;
      const netc_gemm_epilogue none = {NULL, NULL, 0};
      const float *b = weight + ((size_t)k * panels + first_panel) * cin * NETC_PANEL;
      /* U's runs lie one after the other, so the next run's panels follow this run's. */
      const int next_first = run + 1 < runs ? first_panel + NETC_MAX_PANELS : 0;
      const int next_np = panels - next_first < NETC_MAX_PANELS ? panels - next_first : NETC_MAX_PANELS;
      const int last = k == points - 1 && run + 1 == runs;
      for (long r = begin; r < stop; r += mr, pass++) {
        const int count = stop - r < mr ? (int)(stop - r) : mr;
        const float *a[NETC_MAX_ROWS];
        float *o[NETC_MAX_ROWS];
        for (int i = 0; i < count; i++) {
          a[i] = v + ((size_t)k * plane + r + i) * cin;
          o[i] = products + ((size_t)k * plane + r + i) * columns + (size_t)first_panel * NETC_PANEL;
        }
        const float *next =
            prefetch && !last && pass < next_np ? b + (size_t)(np + pass) * cin * NETC_PANEL : NULL;
        netc_gemm_kernels[np].run(count, 1, cin, a, b, (size_t)cin * NETC_PANEL, next, &none, NULL, o,
                                  np * NETC_PANEL);
      }
    }

    """#)

  static let winogradPack = CKernel(
    "netc_winograd_pack", uses: [readF32],
    #"""
    /* A 3x3 conv weight [cout][cin][3][3] as the Winograd F(m x m, 3x3) filter U = G g Gt of every channel pair,
       computed in double and rounded once, laid out [points][panels of 16 output channels][cin][16], zero past
       cout; points is (m + 2)^2. */
    \#(Winograd.Tile.all.map(\.filterTable).joined())
    static void netc_winograd_pack(float *out, const unsigned char *weight, int cout, int cin, int points) {
      const int panels = (cout + 15) / 16;
    \#(packTableChoice)
      for (int o = 0; o < panels * 16; o++)
        for (int i = 0; i < cin; i++) {
          double g[3][3] = {{0.0}}, s[\#(widest)][3], u[\#(widest)][\#(widest)];
          if (o < cout)
            for (int k = 0; k < 9; k++) g[k / 3][k % 3] = netc_f32(weight + 4 * (((size_t)o * cin + i) * 9 + k));
          for (int a = 0; a < n; a++)
            for (int b = 0; b < 3; b++)
              s[a][b] = table[a][0] * g[0][b] + table[a][1] * g[1][b] + table[a][2] * g[2][b];
          for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
              u[a][b] = s[a][0] * table[b][0] + s[a][1] * table[b][1] + s[a][2] * table[b][2];
          for (int k = 0; k < points; k++)
            out[(((size_t)k * panels + o / 16) * cin + i) * 16 + o % 16] = (float)u[k / n][k % n];
        }
    }

    """#)

  /// The pack's tile side n and G (`table`) for its `points`: the last tile's unless an earlier one's match.
  private static var packTableChoice: String {
    let tiles = Winograd.Tile.all
    let side = tiles.dropLast().reversed().reduce("\(tiles.last!.n)") { "points == \($1.points) ? \($1.n) : " + $0 }
    let table = tiles.dropLast().reversed().reduce("netc_\(tiles.last!.stem)_g") {
      "n == \($1.n) ? netc_\($1.stem)_g : " + $0
    }
    return "  const int n = \(side);\n  const double (*table)[3] = \(table);"
  }

  private static var widest: Int { Winograd.Tile.all.map(\.n).max()! }
}
