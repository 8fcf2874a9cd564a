// Expression grammar by precedence climbing, lowest first: `or`, `and`, `not`, comparisons, `+ -`, `* / %`,
// unary `-`, indexing, primaries (literals, names, calls, parentheses, lists).

extension Parser {
  mutating func parseExpression() throws -> Expr {
    try parseBinary(minimumPrecedence: 1)
  }

  private static let notPrecedence = 3

  private static func precedence(_ op: BinaryOperator) -> Int {
    switch op {
    case .or: 1
    case .and: 2
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: 4
    case .add, .subtract: 5
    case .multiply, .divide, .remainder: 6
    }
  }

  private var binaryOperator: BinaryOperator? {
    switch current.kind {
    case .keyword(.and): .and
    case .keyword(.or): .or
    case .symbol(let symbol): BinaryOperator(rawValue: symbol.rawValue)
    default: nil
    }
  }

  private mutating func parseBinary(minimumPrecedence: Int) throws -> Expr {
    var left: Expr
    if current.isKeyword(.not) && minimumPrecedence <= Parser.notPrecedence {
      left = try parseUnary(.not) { try $0.parseBinary(minimumPrecedence: Parser.notPrecedence) }
    } else {
      left = try parseNegation()
    }
    while let op = binaryOperator, Parser.precedence(op) >= minimumPrecedence {
      let operatorRange = current.range
      advance()
      let right = try nested { try $0.parseBinary(minimumPrecedence: Parser.precedence(op) + 1) }
      let depth = max(left.depth, right.depth) + 1
      if depth > Parser.maxDepth { throw tooDeep(at: operatorRange) }
      left = Expr(
        kind: .binary(op, left, right, operatorRange: operatorRange), range: span(left.range, right.range), depth: depth
      )
    }
    return left
  }

  private mutating func parseNegation() throws -> Expr {
    if current.isSymbol(.minus) {
      return try parseUnary(.negate) { try $0.parseNegation() }
    }
    return try parsePostfix()
  }

  /// Nesting is counted before the operator is consumed, so the error points at the first one too many.
  private mutating func parseUnary(_ op: UnaryOperator, operand: @escaping (inout Parser) throws -> Expr) throws -> Expr
  {
    let start = current.range
    let value = try nested { parser in
      parser.advance()
      return try operand(&parser)
    }
    return Expr(kind: .unary(op, value), range: span(start, value.range), depth: value.depth + 1)
  }

  /// A primary followed by any number of `[index]`.
  private mutating func parsePostfix() throws -> Expr {
    var value = try parsePrimary()
    while current.isSymbol(.leftBracket) {
      advance()
      let index = try nested { try $0.parseExpression() }
      let close = try expect(.rightBracket, "after the index")
      let depth = max(value.depth, index.depth) + 1
      if depth > Parser.maxDepth { throw tooDeep(at: close.range) }
      value = Expr(kind: .index(value, index), range: span(value.range, close.range), depth: depth)
    }
    return value
  }

  private mutating func parsePrimary() throws -> Expr {
    let token = current
    switch token.kind {
    case .integer(let value):
      advance()
      return Expr(kind: .integer(value), range: token.range, depth: 1)
    case .float(let value):
      advance()
      return Expr(kind: .float(value), range: token.range, depth: 1)
    case .keyword(.true), .keyword(.false):
      advance()
      return Expr(kind: .boolean(token.isKeyword(.true)), range: token.range, depth: 1)
    case .identifier(let name):
      advance()
      guard current.isSymbol(.leftParen) else { return Expr(kind: .name(name), range: token.range, depth: 1) }
      let callee = Identifier(name: name, range: token.range)
      let (arguments, close) = try parseSequence(closing: .rightParen, "to close the arguments of '\(name)'")
      return Expr(kind: .call(callee, arguments), range: span(token.range, close), depth: depth(of: arguments))
    case .symbol(.leftParen):
      let inner = try nested { parser in
        parser.advance()
        return try parser.parseExpression()
      }
      _ = try expect(.rightParen, "to close the parenthesis")
      return inner
    case .symbol(.leftBracket):
      let (elements, close) = try parseSequence(closing: .rightBracket, "to close the list")
      return Expr(kind: .list(elements), range: span(token.range, close), depth: depth(of: elements))
    default:
      throw error(FrontEndMessages.expected("an expression", found: token))
    }
  }

  private func depth(of elements: [Expr]) -> Int {
    (elements.map(\.depth).max() ?? 0) + 1
  }

  /// `(a, b, …)` or `[a, b, …]` starting at the opening symbol; a trailing comma is allowed.
  private mutating func parseSequence(closing: Symbol, _ context: String) throws -> ([Expr], SourceRange) {
    try nested { parser in
      parser.advance()
      var elements: [Expr] = []
      while !parser.current.isSymbol(closing) {
        elements.append(try parser.parseExpression())
        if !parser.accept(.comma) { break }
      }
      let close = try parser.expect(closing, context)
      return (elements, close.range)
    }
  }
}
