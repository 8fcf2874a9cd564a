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
    for j in 0..<inner {
      text += product(left, { "\(x)[\($0)][\(j)]" }, { "s[\($0)][\(j)]" })
    }
    for i in 0..<rows {
      text += product(left, { "s[\(i)][\($0)]" }, { "\(y)[\(i)][\($0)]" })
    }
    return text
  }

  /// A coefficient of a combination and what it weighs: an operand k, or a partial sum shared by rows.
  private struct Term {
    var coefficient: Double
    var column: Int
    var operand: String
  }

  /// `target(i) = Σ_k left[i][k] · operand(k)` for every row i, with the partial sums rows share computed once
  /// (in a block of their own): columns k and l that three or more rows weigh alike or oppositely are added and
  /// subtracted once (Aᵀ of F(4x4, 3x3): x1 ± x2, x3 ± x4, 10 operations a column instead of 14); two rows that
  /// weigh two or more columns alike and two or more oppositely take the sum and the difference of those parts
  /// (Bᵀ of F(4x4, 3x3): rows 1 and 2, 3 and 4). F(2x2, 3x3)'s matrices have neither, so their statements are
  /// each row's own combination, as the training kernels have always summed them.
  private static func product(_ left: [[Double]], _ operand: (Int) -> String, _ target: (Int) -> String) -> String {
    var terms = left.map { row in
      row.enumerated().filter { $0.element != 0 }.map {
        Term(coefficient: $0.element, column: $0.offset, operand: operand($0.offset))
      }
    }
    var shared: [String] = []
    var paired: Set<Int> = []
    let columns = left[0].indices
    for k in columns where !paired.contains(k) {
      for l in columns where l > k && !paired.contains(l) && !paired.contains(k) {
        let users = left.filter { $0[k] != 0 }.count
        guard users >= 3, left.allSatisfy({ $0[l] == $0[k] || $0[l] == -$0[k] }) else { continue }
        paired.formUnion([k, l])
        shared.append("const netc_vec sum\(k) = netc_vadd(\(operand(k)), \(operand(l)))")
        shared.append("const netc_vec difference\(k) = netc_vsub(\(operand(k)), \(operand(l)))")
        for (i, row) in left.enumerated() where row[k] != 0 {
          terms[i].removeAll { $0.column == k || $0.column == l }
          let partial = row[l] == row[k] ? "sum\(k)" : "difference\(k)"
          terms[i].append(Term(coefficient: row[k], column: k, operand: partial))
          terms[i].sort { $0.column < $1.column }
        }
      }
    }
    var statements = terms.indices.map { "\(target($0)) = \(combination(terms[$0]))" }
    if paired.isEmpty {
      var done: Set<Int> = []
      for i in left.indices where !done.contains(i) {
        for j in left.indices where j > i && !done.contains(j) && !done.contains(i) {
          let alike = terms[i].filter { left[j][$0.column] == $0.coefficient }
          let opposite = terms[i].filter { left[j][$0.column] == -$0.coefficient }
          guard alike.count >= 2, opposite.count >= 2, alike.count + opposite.count == terms[j].count,
            terms[i].count == terms[j].count
          else { continue }
          done.formUnion([i, j])
          shared.append("const netc_vec even\(i) = \(combination(alike))")
          shared.append("const netc_vec odd\(i) = \(combination(opposite))")
          statements[i] = "\(target(i)) = netc_vadd(even\(i), odd\(i))"
          statements[j] = "\(target(j)) = netc_vsub(even\(i), odd\(i))"
        }
      }
    }
    if shared.isEmpty { return statements.map { "  \($0);\n" }.joined() }
    return "  {\n" + (shared + statements).map { "    \($0);\n" }.joined() + "  }\n"
  }

  /// Σ coefficient · operand over the terms, a unit one first where there is one.
  private static func combination(_ terms: [Term]) -> String {
    let rank = { (term: Term) in (term.coefficient == 1 ? 0 : 1, term.column) }
    var expression = ""
    for term in terms.sorted(by: { rank($0) < rank($1) }) {
      let (c, x) = (term.coefficient, term.operand)
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
