// Statement grammar: `input`, `let`, layers and stages, `sequential`, `residual` and `if`.

extension Parser {
  mutating func parseStatement() throws -> Statement {
    let start = current.range
    let kind: Statement.Kind
    switch current.kind {
    case .keyword(.input):
      kind = .input(try parseDimensions())
    case .keyword(.let):
      let (name, value) = try parseLet()
      kind = .let(name, value)
    case .keyword(.residual):
      advance()
      _ = try expect(.leftParen, "after 'residual'")
      let shortcut = try parseExpression()
      _ = try expect(.rightParen, "after the shortcut of 'residual'")
      kind = .residual(shortcut: shortcut, body: try parseBody("'residual'"))
    case .keyword(.if):
      kind = try parseIf()
    case .keyword(.sequential):
      advance()
      kind = .sequential(name: nil, body: try parseBody("'sequential'"))
    case .identifier(let name):
      if next.isSymbol(.assign) {
        let target = Identifier(name: name, range: current.range)
        advance()
        advance()
        kind = try parseLayerOrSequential(named: target)
      } else {
        kind = try parseLayerOrSequential(named: nil)
      }
    default:
      throw error(FrontEndMessages.expected("a statement", found: current))
    }
    return Statement(kind: kind, range: span(start, lastTokenOnLine(of: start)))
  }

  /// The range of the last consumed token on `start`'s line, so a statement's range covers its first line.
  private func lastTokenOnLine(of start: SourceRange) -> SourceRange {
    var index = max(position - 1, 0)
    while index > 0 && (tokens[index].range.start.line != start.start.line || tokens[index].kind == .separator) {
      index -= 1
    }
    return tokens[index].range
  }

  /// `input 3x224x224`.
  private mutating func parseDimensions() throws -> [Int] {
    advance()
    var dimensions: [Int] = []
    while true {
      guard case .integer(let value) = current.kind else {
        throw error(FrontEndMessages.expected("dimensions like '3x224x224' after 'input'", found: current))
      }
      dimensions.append(value)
      advance()
      guard current.kind == .dimensionSeparator else { return dimensions }
      advance()
    }
  }

  /// `if c { … } else if d { … } else { … }`; each `else if` nests one level (it is an `if` in the else branch).
  private mutating func parseIf() throws -> Statement.Kind {
    advance()
    let condition = try parseExpression()
    let then = try parseBody("'if'")
    guard current.isKeyword(.else) else { return .if(condition: condition, then: then, else: []) }
    advance()
    if current.isKeyword(.if) {
      let start = current.range
      let nestedIf = try nested { try $0.parseIf() }
      return .if(condition: condition, then: then, else: [Statement(kind: nestedIf, range: start)])
    }
    return .if(condition: condition, then: then, else: try parseBody("'else'"))
  }

  /// After `name =` (or at a statement's start): `sequential { … }` or `call [* count]`.
  private mutating func parseLayerOrSequential(named name: Identifier?) throws -> Statement.Kind {
    if current.isKeyword(.sequential) {
      advance()
      return .sequential(name: name, body: try parseBody("'sequential'"))
    }
    let callee = try expectIdentifier("a layer or block name")
    var arguments: [Argument] = []
    if current.isSymbol(.leftParen) {
      arguments = try parseArguments(of: callee.name)
    }
    let call = LayerCall(callee: callee, arguments: arguments, range: span(from: callee.range))
    var count: Expr?
    if accept(.star) { count = try parseExpression() }
    return .layer(name: name, call: call, count: count)
  }

  /// `(positional…, name = value…)` of a layer or block call.
  private mutating func parseArguments(of callee: String) throws -> [Argument] {
    try nested { parser in
      parser.advance()
      var arguments: [Argument] = []
      var sawKeyword = false
      while !parser.current.isSymbol(.rightParen) {
        var label: Identifier?
        if let name = parser.current.identifier, parser.next.isSymbol(.assign) {
          label = Identifier(name: name, range: parser.current.range)
          parser.advance()
          parser.advance()
        }
        let value = try parser.parseExpression()
        if label != nil {
          sawKeyword = true
        } else if sawKeyword {
          parser.error(FrontEndMessages.positionalAfterKeyword, at: value.range)
        }
        arguments.append(Argument(label: label, value: value))
        if !parser.accept(.comma) { break }
      }
      _ = try parser.expect(.rightParen, "to close the arguments of '\(callee)'")
      return arguments
    }
  }
}
