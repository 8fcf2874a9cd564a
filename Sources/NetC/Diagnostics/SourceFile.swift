// Source text with its path, and positions in it, so every stage can point at the text it complains about.

/// A file's text, split into lines once so diagnostics can quote them.
public struct SourceFile: Hashable, Sendable {
  public var path: String
  public var text: String
  /// UTF-8 offset of the start of each line.
  public let lineStarts: [Int]

  public init(path: String, text: String) {
    self.path = path
    self.text = text
    var starts = [0]
    for (offset, byte) in text.utf8.enumerated() where byte == UInt8(ascii: "\n") {
      starts.append(offset + 1)
    }
    lineStarts = starts
  }

  /// The text of a 1-based line, without its newline.
  public func line(_ number: Int) -> Substring {
    guard number >= 1 && number <= lineStarts.count else { return "" }
    let utf8 = text.utf8
    let start = utf8.index(utf8.startIndex, offsetBy: lineStarts[number - 1])
    var end = start
    while end != utf8.endIndex && utf8[end] != UInt8(ascii: "\n") { end = utf8.index(after: end) }
    var line = text[start..<end]
    if line.hasSuffix("\r") { line = line.dropLast() }
    return line
  }
}

/// A 1-based line and column (columns count Unicode scalars, as editors do for ASCII source).
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var path: String
  public var line: Int
  public var column: Int

  public init(path: String, line: Int, column: Int) {
    self.path = path
    self.line = line
    self.column = column
  }

  public var description: String { "\(path):\(line):\(column)" }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.path, a.line, a.column) < (b.path, b.line, b.column)
  }
}

/// A span of source text on one line: where a diagnostic points and how far it underlines.
public struct SourceRange: Hashable, Sendable {
  public var start: SourceLocation
  /// Number of columns underlined (at least 1).
  public var length: Int

  public init(_ start: SourceLocation, length: Int = 1) {
    self.start = start
    self.length = max(1, length)
  }
}
