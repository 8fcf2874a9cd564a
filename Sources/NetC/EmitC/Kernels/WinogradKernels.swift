// Winograd F(2x2, 3x3) for 3x3 stride-1 convs (Lavin and Gray, arXiv 1509.09308): each 2x2 block of outputs
// from a 4x4 block of inputs with 16 products per input and output channel pair instead of 36. The products
// are 16 matrix products on the shared microkernels; the transforms run over vectors of channels.

/// The transform matrices, and the straight-line C of the transforms over `netc_vec`s they give.
enum Winograd {
  /// Outputs per tile side, and inputs per tile side (`m + 3 - 1`).
  static let m = 2
  static let n = 4

  static let bt: [[Double]] = [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ]

  static let g: [[Double]] = [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ]

  static let at: [[Double]] = [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ]

  /// `out[i][j] = Σ_k left[i][k] x[k][j]`, then `y[i][j] = Σ_k out[i][k] left[j][k]`: L x Lᵀ as C statements
  /// that skip the zero coefficients and multiply by none of ±1.
  static func sandwich(_ left: [[Double]], from x: String, to y: String) -> String {
    let rows = left.count
    let inner = left[0].count
    var text = "  netc_vec s[\(rows)][\(inner)];\n"
    for i in 0..<rows {
      for j in 0..<inner {
        text += "  s[\(i)][\(j)] = \(combination(left[i], { "\(x)[\($0)][\(j)]" }));\n"
      }
    }
    for i in 0..<rows {
      for j in 0..<rows {
        text += "  \(y)[\(i)][\(j)] = \(combination(left[j], { "s[\(i)][\($0)]" }));\n"
      }
    }
    return text
  }

  /// Σ_k coefficients[k] · operand(k) over the nonzero coefficients, a unit one first where there is one.
  private static func combination(_ coefficients: [Double], _ operand: (Int) -> String) -> String {
    let rank = { (term: (offset: Int, element: Double)) in (term.element == 1 ? 0 : 1, term.offset) }
    let terms = coefficients.enumerated().filter { $0.element != 0 }.sorted { rank($0) < rank($1) }
    var expression = ""
    for (k, c) in terms {
      let x = operand(k)
      if expression.isEmpty {
        expression = c == 1 ? x : "netc_vmul(netc_vset(\(literal(c))), \(x))"
      } else if c == 1 {
        expression = "netc_vadd(\(expression), \(x))"
      } else if c == -1 {
        expression = "netc_vsub(\(expression), \(x))"
      } else {
        expression = "netc_vfma(netc_vset(\(literal(c))), \(x), \(expression))"
      }
    }
    return expression
  }

  /// Exact in float: the matrices hold small integers and halves.
  private static func literal(_ value: Double) -> String { "\(value)f" }

  /// `static const double netc_winograd_g[n][3] = {…}` with exact fractions.
  static var filterTable: String {
    let rows = g.map { row in
      "{" + row.map { $0 == 0 ? "0.0" : $0 == 1 ? "1.0" : fraction($0) }.joined(separator: ", ") + "}"
    }
    return "static const double netc_winograd_g[\(n)][3] = {" + rows.joined(separator: ", ") + "};\n"
  }

  private static func fraction(_ value: Double) -> String {
    let denominator = [2.0, 4, 6, 12, 24].first { ($0 * value).rounded() == $0 * value }!
    return "\(Int(value * denominator)).0 / \(Int(denominator))"
  }
}

extension CKernel {
  private static let n = Winograd.n
  private static let m = Winograd.m

  /// The transforms on their own: the inference kernel runs them over a vector of channels, the training one
  /// (WinogradTrainingKernels.swift) over a vector of one channel's tiles.
  static let winogradTransforms = CKernel(
    "netc_winograd_input", uses: [vector],
    #"""
    /* Winograd F(\#(m)x\#(m), 3x3) transforms of one tile over a vector of channels: the \#(n)x\#(n) inputs d
       to V = Bt d B, and the \#(n)x\#(n) products m to the \#(m)x\#(m) outputs Y = At m A. */
    static void netc_winograd_input(netc_vec d[\#(n)][\#(n)], netc_vec v[\#(n)][\#(n)]) {
    \#(Winograd.sandwich(Winograd.bt, from: "d", to: "v"))}

    static void netc_winograd_output(netc_vec m[\#(n)][\#(n)], netc_vec y[\#(m)][\#(m)]) {
    \#(Winograd.sandwich(Winograd.at, from: "m", to: "y"))}

    """#)

  static let winograd = CKernel(
    "netc_conv_winograd", uses: [window, share, gemm, winogradTransforms],
    #"""
    /* A 3x3 stride-1 conv (groups 1) by Winograd F(\#(m)x\#(m), 3x3) over NHWC values. scratch holds the
       transformed input V [\#(n * n)][tiles][in_c] then the products M [\#(n * n)][tiles][panels * 16]; weight is the
       transformed filter U [\#(n * n)][panels][in_c][16] (netc_winograd_pack). Three phases, each split statically
       over the team: the input transform by tile; the \#(n * n) matrix products M[e] = V[e] U[e] by (e, panel
       run, block of tiles), the first row tiles of each fetching the next run's weights when prefetch is set;
       the output transform by tile with the epilogue (scale and shift, an identity residual that may be out,
       ReLU). */
    static void netc_conv_winograd(const netc_window *w, const float *weight, int prefetch,
                                   const netc_gemm_epilogue *e, const float *residual, const float *in,
                                   float *scratch, float *out, const netc_team *team) {
      const int cin = w->in_c, cout = w->out_c, panels = (cout + NETC_PANEL - 1) / NETC_PANEL;
      const int columns = panels * NETC_PANEL;
      const int tiles_h = (w->out_h + \#(m - 1)) / \#(m), tiles_w = (w->out_w + \#(m - 1)) / \#(m);
      const long tiles = (long)w->batch * tiles_h * tiles_w;
      float *v = scratch, *products = scratch + (size_t)\#(n * n) * tiles * cin;
      long first, end;
      netc_share(team, tiles, &first, &end);
      for (long t = first; t < end; t++) {
        const int tx = (int)(t % tiles_w), ty = (int)(t / tiles_w % tiles_h), n = (int)(t / tiles_w / tiles_h);
        const int y0 = ty * \#(m) - w->pad_h, x0 = tx * \#(m) - w->pad_w;
        for (int c = 0; c < cin; c += NETC_LANES) {
          const int lanes = cin - c < NETC_LANES ? cin - c : NETC_LANES;
          netc_vec d[\#(n)][\#(n)], u[\#(n)][\#(n)];
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
          netc_winograd_input(d, u);
          for (int k = 0; k < \#(n * n); k++) {
            float *target = v + ((size_t)k * tiles + t) * cin + c;
            if (lanes == NETC_LANES) netc_vstore(target, u[k / \#(n)][k % \#(n)]);
            else netc_vstore_part(target, u[k / \#(n)][k % \#(n)], lanes);
          }
        }
      }
      netc_sync(team);
      const int runs = (panels + NETC_MAX_PANELS - 1) / NETC_MAX_PANELS;
      const long block = 4L * netc_gemm_kernels[NETC_MAX_PANELS].rows, blocks = (tiles + block - 1) / block;
      const netc_gemm_epilogue none = {NULL, NULL, 0};
      netc_share(team, \#(n * n)L * runs * blocks, &first, &end);
      for (long unit = first; unit < end; unit++) {
        const int k = (int)(unit / (runs * blocks)), run = (int)(unit / blocks % runs);
        const int first_panel = run * NETC_MAX_PANELS;
        const int np = panels - first_panel < NETC_MAX_PANELS ? panels - first_panel : NETC_MAX_PANELS;
        const int mr = netc_gemm_kernels[np].rows;
        const long begin = unit % blocks * block, stop = begin + block < tiles ? begin + block : tiles;
        const float *b = weight + ((size_t)k * panels + first_panel) * cin * NETC_PANEL;
        for (long r = begin; r < stop; r += mr) {
          const int count = stop - r < mr ? (int)(stop - r) : mr;
          const float *a[NETC_MAX_ROWS];
          float *o[NETC_MAX_ROWS];
          for (int i = 0; i < count; i++) {
            a[i] = v + ((size_t)k * tiles + r + i) * cin;
            o[i] = products + ((size_t)k * tiles + r + i) * columns + (size_t)first_panel * NETC_PANEL;
          }
          /* U's runs lie one after the other, so the next run's panels follow this run's. */
          const long pass = (r - begin) / mr + unit % blocks * (block / mr);
          const int next_first = run + 1 < runs ? first_panel + NETC_MAX_PANELS : 0;
          const int next_np = panels - next_first < NETC_MAX_PANELS ? panels - next_first : NETC_MAX_PANELS;
          const int last = k == \#(n * n - 1) && run + 1 == runs;
          const float *next =
              prefetch && !last && pass < next_np ? b + (size_t)(np + pass) * cin * NETC_PANEL : NULL;
          netc_gemm_kernels[np].run(count, 1, cin, a, b, (size_t)cin * NETC_PANEL, next, &none, NULL, o,
                                    np * NETC_PANEL);
        }
      }
      netc_sync(team);
      netc_share(team, tiles, &first, &end);
      for (long t = first; t < end; t++) {
        const int tx = (int)(t % tiles_w), ty = (int)(t / tiles_w % tiles_h), n = (int)(t / tiles_w / tiles_h);
        const int rows = w->out_h - ty * \#(m) < \#(m) ? w->out_h - ty * \#(m) : \#(m);
        const int cols = w->out_w - tx * \#(m) < \#(m) ? w->out_w - tx * \#(m) : \#(m);
        for (int c = 0; c < cout; c += NETC_LANES) {
          const int lanes = cout - c < NETC_LANES ? cout - c : NETC_LANES;
          netc_vec m[\#(n)][\#(n)], y[\#(m)][\#(m)];
          for (int k = 0; k < \#(n * n); k++)
            m[k / \#(n)][k % \#(n)] = netc_vload(products + ((size_t)k * tiles + t) * columns + c);
          netc_winograd_output(m, y);
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
      }
    }

    """#)

  static let winogradPack = CKernel(
    "netc_winograd_pack", uses: [readF32],
    #"""
    /* A 3x3 conv weight [cout][cin][3][3] as the Winograd F(\#(m)x\#(m), 3x3) filter U = G g Gt of every
       channel pair, computed in double and rounded once, laid out [\#(n * n)][panels of 16 output
       channels][cin][16], zero past cout. */
    \#(Winograd.filterTable)
    static void netc_winograd_pack(float *out, const unsigned char *weight, int cout, int cin) {
      const int panels = (cout + 15) / 16;
      for (int o = 0; o < panels * 16; o++)
        for (int i = 0; i < cin; i++) {
          double g[3][3] = {{0.0}}, s[\#(n)][3], u[\#(n)][\#(n)];
          if (o < cout)
            for (int k = 0; k < 9; k++) g[k / 3][k % 3] = netc_f32(weight + 4 * (((size_t)o * cin + i) * 9 + k));
          for (int a = 0; a < \#(n); a++)
            for (int b = 0; b < 3; b++)
              s[a][b] = netc_winograd_g[a][0] * g[0][b] + netc_winograd_g[a][1] * g[1][b] +
                        netc_winograd_g[a][2] * g[2][b];
          for (int a = 0; a < \#(n); a++)
            for (int b = 0; b < \#(n); b++)
              u[a][b] = s[a][0] * netc_winograd_g[b][0] + s[a][1] * netc_winograd_g[b][1] +
                        s[a][2] * netc_winograd_g[b][2];
          for (int k = 0; k < \#(n * n); k++)
            out[(((size_t)k * panels + o / 16) * cin + i) * 16 + o % 16] = (float)u[k / \#(n)][k % \#(n)];
        }
    }

    """#)
}
