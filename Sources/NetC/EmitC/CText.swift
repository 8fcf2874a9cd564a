// Small helpers that spell C: literals, wrapped initializers and calls, comments.

enum CText {
  /// Generated lines stay within this many columns.
  static let width = 110

  /// `1e-05f`: Swift's shortest round-trip spelling, which always has a `.` or an exponent, as a float.
  static func float(_ value: Double) -> String { "\(value)f" }

  /// `1e-05`, a double literal.
  static func double(_ value: Double) -> String { "\(value)" }

  /// A C string literal of `text`'s UTF-8 bytes: printable ASCII as itself, everything else (and the quote,
  /// backslash and question mark, which could start a trigraph) as an octal escape.
  static func string(_ text: String) -> String {
    let bytes = text.utf8.map { byte -> String in
      let plain = byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
        && byte != UInt8(ascii: "?")
      if plain { return String(UnicodeScalar(byte)) }
      let octal = String(byte, radix: 8)
      return "\\" + String(repeating: "0", count: 3 - octal.count) + octal
    }
    return "\"" + bytes.joined() + "\""
  }

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

  /// A block comment, `/* first` … ` */`, its lines wrapped at `width`; a `*/` in the text cannot end it.
  static func comment(_ lines: [String], indent: String = "") -> String {
    let safe = lines.map { $0.replacing("*/", with: "* /") }
    let wrapped = safe.flatMap { wrapWords($0, width: width - indent.count - 3) }
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
