// Splits UTF-8 source into tokens: identifiers, numbers (with `3x224x224` dimension lists), strings, symbols,
// and statement separators (newlines outside parentheses and brackets, and `;`).

struct Lexer {
  private let bytes: [UInt8]
  private let path: String
  private var offset = 0
  private var line = 1
  /// Column of `offset`: Unicode scalars since the line start, plus one.
  private var column = 1
  /// Open `(`, `[` and `{`: newlines inside the first two do not end a statement.
  private var brackets: [Symbol] = []
  private(set) var tokens: [Token] = []
  private(set) var diagnostics: [Diagnostic] = []

  /// Lexes the whole file; `bytes` must be valid UTF-8.
  static func tokenize(_ bytes: [UInt8], path: String) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    var lexer = Lexer(bytes: bytes, path: path)
    lexer.run()
    return (lexer.tokens, lexer.diagnostics)
  }

  private init(bytes: [UInt8], path: String) {
    self.bytes = bytes
    self.path = path
  }

  private var location: SourceLocation { SourceLocation(path: path, line: line, column: column) }

  private func peek(_ ahead: Int = 0) -> UInt8? {
    offset + ahead < bytes.count ? bytes[offset + ahead] : nil
  }

  private mutating func advance() {
    let byte = bytes[offset]
    offset += 1
    if byte == UInt8(ascii: "\n") {
      line += 1
      column = 1
    } else if byte & 0xC0 != 0x80 {
      column += 1
    }
  }

  private mutating func run() {
    // A byte-order mark, as some editors write, is not part of the text.
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { offset = 3 }
    while let byte = peek() {
      let start = (offset: offset, location: location)
      switch byte {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
        advance()
      case UInt8(ascii: "#"):
        while let next = peek(), next != UInt8(ascii: "\n") { advance() }
      case UInt8(ascii: "\n"):
        advance()
        if brackets.last != .leftParen && brackets.last != .leftBracket { addSeparator(start, text: "\n") }
      case UInt8(ascii: ";"):
        advance()
        addSeparator(start, text: ";")
      case UInt8(ascii: "\""):
        lexString(start)
      case _ where isDigit(byte):
        lexNumber(start)
      case _ where isIdentifierStart(byte):
        while let next = peek(), isIdentifierStart(next) || isDigit(next) { advance() }
        let text = self.text(from: start.offset)
        add(Keyword(rawValue: text).map { .keyword($0) } ?? .identifier(text), start)
      default:
        lexSymbol(start)
      }
    }
    let end = location
    if tokens.last?.kind != .separator { tokens.append(Token(kind: .separator, range: SourceRange(end), text: "\n")) }
    tokens.append(Token(kind: .endOfFile, range: SourceRange(end), text: ""))
  }

  private func text(from start: Int) -> String {
    String(decoding: bytes[start..<offset], as: UTF8.self)
  }

  private mutating func add(_ kind: TokenKind, _ start: (offset: Int, location: SourceLocation)) {
    let text = self.text(from: start.offset)
    let length = line == start.location.line ? column - start.location.column : 1
    tokens.append(Token(kind: kind, range: SourceRange(start.location, length: length), text: text))
  }

  /// Consecutive separators collapse into one, so the parser sees at most one between statements.
  private mutating func addSeparator(_ start: (offset: Int, location: SourceLocation), text: String) {
    if tokens.isEmpty || tokens.last?.kind == .separator { return }
    tokens.append(Token(kind: .separator, range: SourceRange(start.location), text: text))
  }

  /// Reports the text since `start` and leaves an `invalid` token in its place.
  private mutating func error(_ message: String, _ start: (offset: Int, location: SourceLocation)) {
    add(.invalid, start)
    diagnostics.append(.error(message, at: tokens[tokens.count - 1].range))
  }

  private mutating func lexString(_ start: (offset: Int, location: SourceLocation)) {
    advance()
    while let next = peek(), next != UInt8(ascii: "\""), next != UInt8(ascii: "\n") { advance() }
    guard peek() == UInt8(ascii: "\"") else {
      error(FrontEndMessages.unterminatedString, start)
      return
    }
    advance()
    let quoted = text(from: start.offset)
    add(.string(String(quoted.dropFirst().dropLast())), start)
  }

  private mutating func lexNumber(_ start: (offset: Int, location: SourceLocation)) {
    skipDigits()
    var isFloat = false
    if peek() == UInt8(ascii: "."), let next = peek(1), isDigit(next) {
      isFloat = true
      advance()
      skipDigits()
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      let signed = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
      if let next = peek(signed ? 2 : 1), isDigit(next) {
        isFloat = true
        advance()
        if signed { advance() }
        skipDigits()
      }
    }
    let text = self.text(from: start.offset)
    guard !text.hasSuffix("_") else {
      error(FrontEndMessages.numberEndsWithUnderscore(text), start)
      return
    }
    let digits = text.filter { $0 != "_" }
    if isFloat {
      guard let value = Double(digits), value.isFinite else {
        error(FrontEndMessages.floatLiteralOutOfRange(text), start)
        return
      }
      add(.float(value), start)
      return
    }
    guard let value = Int(digits) else {
      error(FrontEndMessages.integerLiteralTooLarge(text), start)
      return
    }
    add(.integer(value), start)
    if peek() == UInt8(ascii: "x"), let next = peek(1), isDigit(next) {
      let separatorStart = (offset: offset, location: location)
      advance()
      add(.dimensionSeparator, separatorStart)
    }
  }

  private mutating func skipDigits() {
    while let next = peek(), isDigit(next) || next == UInt8(ascii: "_") { advance() }
  }

  private mutating func lexSymbol(_ start: (offset: Int, location: SourceLocation)) {
    let two = peek(1).map { String(decoding: [bytes[offset], $0], as: UTF8.self) }
    if let two, let symbol = Symbol(rawValue: two) {
      advance()
      advance()
      add(.symbol(symbol), start)
      return
    }
    if let symbol = Symbol(rawValue: String(decoding: [bytes[offset]], as: UTF8.self)) {
      advance()
      trackBrackets(symbol)
      add(.symbol(symbol), start)
      return
    }
    advance()
    while let next = peek(), next & 0xC0 == 0x80 { advance() }
    error(FrontEndMessages.unexpectedCharacter(text(from: start.offset)), start)
  }

  private mutating func trackBrackets(_ symbol: Symbol) {
    switch symbol {
    case .leftParen, .leftBracket, .leftBrace:
      brackets.append(symbol)
    case .rightParen, .rightBracket:
      let open: Symbol = symbol == .rightParen ? .leftParen : .leftBracket
      if brackets.last == open { brackets.removeLast() }
    case .rightBrace:
      // A `}` also closes any `(` or `[` left open inside its body, so one missing `)` does not swallow
      // the statements after the body.
      if let brace = brackets.lastIndex(of: .leftBrace) { brackets.removeSubrange(brace...) }
    default:
      break
    }
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private func isIdentifierStart(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || byte == UInt8(ascii: "_")
  }
}
