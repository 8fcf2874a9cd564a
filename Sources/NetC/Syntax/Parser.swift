// Recursive-descent parser core: the token cursor, error recording with recovery, and the limits that keep
// hostile input from crashing or flooding (nesting depth, error count). Grammar categories live in the
// `Parser+*.swift` files, one function per category.

struct Parser {
  /// Deepest nesting of bodies, brackets and operators; deeper input is an error, not a stack overflow.
  static let maxDepth = 200
  /// Errors reported per file before the parser gives up on it.
  static let maxErrors = 20

  /// Thrown after a diagnostic was recorded; the statement or item being parsed is skipped.
  struct Recover: Error {}
  /// Thrown when parsing the file cannot usefully continue.
  struct Abort: Error {}

  let tokens: [Token]
  var position = 0
  var nesting = 0
  var diagnostics: [Diagnostic]

  /// Parses a whole file, reporting every syntax error up to `maxErrors`.
  static func parse(_ source: SourceFile, bytes: [UInt8]) -> (SyntaxFile, [Diagnostic]) {
    let (tokens, lexical) = Lexer.tokenize(bytes, path: source.path)
    var parser = Parser(tokens: tokens, diagnostics: lexical)
    if tokens.allSatisfy({ $0.kind == .separator || $0.kind == .endOfFile }) {
      return (SyntaxFile(source: source, items: []), [.error(FrontEndMessages.emptyFile(source.path))])
    }
    var items: [Item] = []
    do {
      if parser.diagnostics.count >= maxErrors { throw Abort() }
      items = try parser.parseItems()
    } catch {
      if parser.diagnostics.count >= maxErrors {
        parser.diagnostics.append(.error(FrontEndMessages.tooManyErrors(maxErrors)))
      }
    }
    return (SyntaxFile(source: source, items: items), parser.diagnostics)
  }

  var current: Token { tokens[position] }
  var next: Token { tokens[min(position + 1, tokens.count - 1)] }
  var previous: Token { tokens[max(position - 1, 0)] }

  mutating func advance() {
    if position < tokens.count - 1 { position += 1 }
  }

  /// Consumes the symbol if it is next.
  mutating func accept(_ symbol: Symbol) -> Bool {
    guard current.isSymbol(symbol) else { return false }
    advance()
    return true
  }

  mutating func expect(_ symbol: Symbol, _ context: String) throws -> Token {
    guard current.isSymbol(symbol) else {
      throw error(FrontEndMessages.expected("'\(symbol.rawValue)' \(context)", found: current))
    }
    defer { advance() }
    return current
  }

  mutating func expectIdentifier(_ what: String) throws -> Identifier {
    guard let name = current.identifier else {
      throw error(FrontEndMessages.expected(what, found: current))
    }
    defer { advance() }
    return Identifier(name: name, range: current.range)
  }

  /// Records an error at the current token (or `range`) and returns the error that makes the caller recover.
  /// At an `invalid` token the lexer has already said what is wrong, so nothing is recorded.
  @discardableResult
  mutating func error(_ message: String, at range: SourceRange? = nil, notes: [Diagnostic.Note] = []) -> Recover {
    if range == nil && current.kind == .invalid { return Recover() }
    report(.error(message, at: range ?? current.range, notes: notes))
    return Recover()
  }

  mutating func report(_ diagnostic: Diagnostic) {
    diagnostics.append(diagnostic)
  }

  /// Stops the whole file once too many errors were reported.
  func checkErrorLimit() throws {
    if diagnostics.count >= Parser.maxErrors { throw Abort() }
  }

  /// Runs `body` one nesting level deeper; past `maxDepth` the file is rejected.
  mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
    nesting += 1
    defer { nesting -= 1 }
    if nesting > Parser.maxDepth { throw tooDeep(at: current.range) }
    return try body(&self)
  }

  mutating func tooDeep(at range: SourceRange) -> Abort {
    report(.error(FrontEndMessages.nestingTooDeep(Parser.maxDepth), at: range))
    return Abort()
  }

  var atSeparator: Bool { current.kind == .separator }
  var atEnd: Bool { current.kind == .endOfFile }

  mutating func skipSeparators() {
    while atSeparator { advance() }
  }

  /// Error recovery: skips to the end of the current statement (a separator at this nesting level), or to
  /// the `}` closing the enclosing body, which is left for the caller.
  mutating func synchronize() {
    var braces = 0
    while !atEnd {
      if current.isSymbol(.leftBrace) {
        braces += 1
      } else if current.isSymbol(.rightBrace) {
        if braces == 0 { return }
        braces -= 1
      } else if atSeparator && braces == 0 {
        advance()
        return
      }
      advance()
    }
  }

  /// A range from `start` to the end of `end` when both are on one line, else `start` alone.
  func span(_ start: SourceRange, _ end: SourceRange) -> SourceRange {
    guard start.start.line == end.start.line, start.start.path == end.start.path else { return start }
    return SourceRange(start.start, length: end.start.column + end.length - start.start.column)
  }

  /// From `start` to the last consumed token.
  func span(from start: SourceRange) -> SourceRange { span(start, previous.range) }
}
