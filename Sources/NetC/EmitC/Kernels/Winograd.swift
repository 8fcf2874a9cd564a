// Winograd's minimal filtering F(m x m, 3x3) for 3x3 stride-1 convs (Lavin and Gray, arXiv 1509.09308): each
// m x m block of outputs from an (m + 2)^2 block of inputs with (m + 2)^2 products per channel pair instead of
// 9 m^2. The transform matrices of each tile size, and the straight-line C of the transforms they give.

/// The transforms the kernels generate their C from: `Tile`'s, and F(2x2, 3x3)'s under the names the training
/// kernels use.
enum Winograd {
  /// One F(m x m, 3x3): the input transform Bᵀ, the filter transform G and the output transform Aᵀ, from the
  /// interpolation points 0, ±1, … and ∞ (Lavin and Gray's), and the stem of its C functions' names.
  struct Tile: Hashable, Sendable {
    /// Outputs per tile side.
    var m: Int
    var bt: [[Double]]
    var g: [[Double]]
    var at: [[Double]]
    /// `netc_<stem>_input`, `netc_conv_<stem>`, ...
    var stem: String

    /// Inputs per tile side (`m + 3 - 1`).
    var n: Int { m + 2 }
    /// Products per channel pair and tile: the points of the transformed tile.
    var points: Int { n * n }

    /// Points 0, 1, -1 and ∞: 16 products per 4 outputs.
    static let f2x2 = Tile(
      m: 2,
      bt: [
        [1, 0, -1, 0],
        [0, 1, 1, 0],
        [0, -1, 1, 0],
        [0, 1, 0, -1],
      ],
      g: [
        [1, 0, 0],
        [0.5, 0.5, 0.5],
        [0.5, -0.5, 0.5],
        [0, 0, 1],
      ],
      at: [
        [1, 1, 1, 0],
        [0, 1, -1, -1],
      ],
      stem: "winograd")

    /// Points 0, 1, -1, 2, -2 and ∞: 36 products per 16 outputs, 1.78 times fewer than F(2x2, 3x3), for
    /// transforms whose coefficients (up to 8 in Aᵀ, sixths and 24ths in G) round about twice as much.
    static let f4x4 = Tile(
      m: 4,
      bt: [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
      ],
      g: [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
      ],
      at: [
        [1, 1, 1, 1, 1, 0],
        [0, 1, -1, 2, -2, 0],
        [0, 1, 1, 4, 4, 0],
        [0, 1, -1, 8, -8, 1],
      ],
      stem: "winograd4")

    /// Every tile the inference kernels may run, the filter packing's table of tables.
    static let all = [f2x2, f4x4]

    /// `static const double netc_<stem>_g[n][3] = {…}` with exact fractions.
    var filterTable: String {
      let rows = g.map { row in
        "{" + row.map { $0 == 0 ? "0.0" : $0 == 1 ? "1.0" : Winograd.fraction($0) }.joined(separator: ", ") + "}"
      }
      return "static const double netc_\(stem)_g[\(n)][3] = {" + rows.joined(separator: ", ") + "};\n"
    }
  }

  /// F(2x2, 3x3)'s, which the training kernels run.
  static let m = Tile.f2x2.m
  static let n = Tile.f2x2.n
  static let bt = Tile.f2x2.bt
  static let g = Tile.f2x2.g
  static let at = Tile.f2x2.at

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

  /// Exact in float: the matrices the transforms run hold small integers and halves.
  private static func literal(_ value: Double) -> String { "\(value)f" }

  private static func fraction(_ value: Double) -> String {
    let denominator = [2.0, 4, 6, 12, 24].first { ($0 * value).rounded() == $0 * value }!
    return "\(Int(value * denominator)).0 / \(Int(denominator))"
  }
}
