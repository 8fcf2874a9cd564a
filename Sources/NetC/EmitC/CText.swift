// Small helpers that spell C: literals, wrapped initializers and calls, comments.

enum CText {
  /// Generated lines stay within this many columns.
  static let width = 110

  /// `1e-05f`: Swift's shortest round-trip spelling, which always has a `.` or an exponent, as a float.
  static func float(_ value: Double) -> String { "\(value)f" }

  /// `1e-05`, a double literal.
  static func double(_ value: Double) -> String { "\(value)" }

  /// `head` followed by `items` separated by `, ` and then `tail`, wrapped greedily with continuation lines
  /// aligned under the first item: a call or a braced initializer that reads like hand-written C.
  static func wrapped(_ head: String, _ items: [String], _ tail: String, indent: String = "  ") -> [String] {
    var lines: [String] = []
    var line = indent + head
    let continuation = String(repeating: " ", count: line.count)
    for (i, item) in items.enumerated() {
      let piece = item + (i == items.count - 1 ? tail : ",")
      if line.count + 1 + piece.count > width && line.count > continuation.count {
        lines.append(line)
        line = continuation + piece
      } else {
        line += (line.count > continuation.count ? " " : "") + piece
      }
    }
    if items.isEmpty { line += tail }
    lines.append(line)
    return lines
  }

  /// `static const netc_window window = {.batch = 1, .in_c = 3, ...};`
  static func initializer(_ declaration: String, _ fields: [(String, Int)]) -> [String] {
    wrapped(declaration + " = {", fields.map { ".\($0.0) = \($0.1)" }, "};")
  }

  /// `netc_conv2d_direct(&window, weight, in, &epilogue, out);`
  static func call(_ function: String, _ arguments: [String]) -> [String] {
    wrapped(function + "(", arguments, ");")
  }

  /// A block comment, `/* first` … ` */`, its lines wrapped at `width`.
  static func comment(_ lines: [String], indent: String = "") -> String {
    let wrapped = lines.flatMap { wrapWords($0, width: width - indent.count - 3) }
    var out = ""
    for (i, line) in wrapped.enumerated() {
      out += indent + (i == 0 ? "/* " : "   ") + line + (i == wrapped.count - 1 ? " */" : "") + "\n"
    }
    return out
  }

  private static func wrapWords(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
      if !line.isEmpty && line.count + 1 + word.count > width {
        lines.append(line)
        line = String(word)
      } else {
        line += (line.isEmpty ? "" : " ") + word
      }
    }
    lines.append(line)
    return lines
  }
}
