// Reads the pieces of one line of the IR text form (names, shapes, punctuation, attribute words), each with
// the source range the parser's diagnostics point at.

/// A piece of a line and where it is.
struct Located<Value> {
  var value: Value
  var range: SourceRange
}

/// A cursor over one line; columns are 1-based and count Unicode scalars, as `SourceLocation` does.
struct IRScanner {
  let path: String
  let lineNumber: Int
  private let scalars: [Unicode.Scalar]
  private(set) var position = 0

  init(path: String, lineNumber: Int, text: Substring) {
    self.path = path
    self.lineNumber = lineNumber
    scalars = Array(text.unicodeScalars)
  }

  var isAtEnd: Bool { position == scalars.count }

  func range(from start: Int, to end: Int) -> SourceRange {
    SourceRange(SourceLocation(path: path, line: lineNumber, column: start + 1), length: end - start)
  }

  /// The range of the next word, or of the end of the line, for "expected …" errors.
  func rangeHere() -> SourceRange {
    var end = position
    while end < scalars.count && scalars[end] != " " { end += 1 }
    return range(from: position, to: max(end, position + 1))
  }

  func error(_ message: String) -> Diagnostic { .error(message, at: rangeHere()) }

  mutating func skipSpaces() {
    while position < scalars.count && (scalars[position] == " " || scalars[position] == "\t") { position += 1 }
  }

  /// Consumes `text` (after spaces) if it comes next.
  mutating func take(_ text: String) -> Bool {
    skipSpaces()
    let expected = Array(text.unicodeScalars)
    guard scalars[position...].starts(with: expected) else { return false }
    position += expected.count
    return true
  }

  mutating func expect(_ text: String, _ context: String) throws {
    if !take(text) { throw error("expected '\(text)' \(context)") }
  }

  /// A run of name characters (letters, digits, `_`, `.`, `-`), possibly empty.
  mutating func name() -> Located<String> {
    skipSpaces()
    return run(while: Verifier.isNameCharacter)
  }

  /// `%name`, as value names are written.
  mutating func valueName(_ context: String) throws -> Located<String> {
    skipSpaces()
    let start = position
    guard take("%") else { throw error("expected a value name like '%conv1' \(context)") }
    let word = run(while: Verifier.isNameCharacter)
    guard !word.value.isEmpty else { throw error("expected a value name after '%'") }
    return Located(value: word.value, range: range(from: start, to: position))
  }

  /// Everything up to the next space: an attribute or a header word.
  mutating func word() -> Located<String> {
    skipSpaces()
    return run { $0 != " " && $0 != "\t" }
  }

  /// Text up to (not including) the first of `stops` outside brackets, for block argument values like `[3, 4]`.
  mutating func balancedText(until stops: Set<Unicode.Scalar>) -> Located<String> {
    skipSpaces()
    var depth = 0
    let start = position
    while position < scalars.count {
      let c = scalars[position]
      if depth == 0 && stops.contains(c) { break }
      if c == "[" || c == "(" { depth += 1 }
      if (c == "]" || c == ")") && depth > 0 { depth -= 1 }
      position += 1
    }
    var end = position
    while end > start && scalars[end - 1] == " " { end -= 1 }
    return Located(value: String(String.UnicodeScalarView(scalars[start..<end])), range: range(from: start, to: end))
  }

  /// `f32[1,3,224,224]`.
  mutating func shape() throws -> Located<Shape> {
    skipSpaces()
    let start = position
    let expected = "expected a shape like 'f32[1,3,224,224]'"
    guard take("f32[") else { throw error(expected) }
    var dims: [Int] = []
    repeat {
      let digits = run { $0.properties.numericType != nil && $0.isASCII }
      guard let dim = AttributeReader.smallInt(digits.value) else {
        throw Diagnostic.error(expected, at: range(from: start, to: max(position, start + 1)))
      }
      guard dim > 0 else { throw Diagnostic.error("dimension must be positive, got 0", at: digits.range) }
      dims.append(dim)
    } while take(",")
    guard take("]") else { throw Diagnostic.error(expected, at: range(from: start, to: max(position, start + 1))) }
    return Located(value: Shape(dims), range: range(from: start, to: position))
  }

  mutating func expectEnd(_ context: String) throws {
    skipSpaces()
    if !isAtEnd { throw error("unexpected '\(word().value)' \(context)") }
  }

  private mutating func run(while accepts: (Unicode.Scalar) -> Bool) -> Located<String> {
    let start = position
    while position < scalars.count && accepts(scalars[position]) { position += 1 }
    return Located(
      value: String(String.UnicodeScalarView(scalars[start..<position])), range: range(from: start, to: position))
  }
}
