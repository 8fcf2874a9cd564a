// The tokens of the architecture language, each with the source range it came from.

enum TokenKind: Hashable, Sendable {
  case identifier(String)
  case integer(Int)
  case float(Double)
  case string(String)
  case keyword(Keyword)
  case symbol(Symbol)
  /// The `x` between two integer literals of a dimension list (`3x224x224`).
  case dimensionSeparator
  /// A newline or `;`: both end a statement.
  case separator
  /// Text the lexer already reported (an unterminated string, a bad number, a stray character); the parser
  /// skips the statement without reporting it again.
  case invalid
  case endOfFile
}

enum Keyword: String, CaseIterable, Sendable {
  case and, block, `else`, `false`, `if`, include, input, `let`, network, not, or, residual, sequential, `true`
}

enum Symbol: String, CaseIterable, Sendable {
  case leftParen = "("
  case rightParen = ")"
  case leftBracket = "["
  case rightBracket = "]"
  case leftBrace = "{"
  case rightBrace = "}"
  case comma = ","
  case assign = "="
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case percent = "%"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
}

struct Token: Hashable, Sendable {
  var kind: TokenKind
  var range: SourceRange
  /// The source text, for messages (`found 'foo'`).
  var text: String

  /// How a message names the token: `'foo'`, `end of line`, `end of file`.
  var description: String {
    switch kind {
    case .separator: text == ";" ? "';'" : "end of line"
    case .endOfFile: "end of file"
    case .string: "string \(text)"
    default: "'\(text)'"
    }
  }

  func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }
  func isKeyword(_ keyword: Keyword) -> Bool { kind == .keyword(keyword) }

  var identifier: String? {
    if case .identifier(let name) = kind { return name }
    return nil
  }
}
