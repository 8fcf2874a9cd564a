// Top-level grammar: `include`, `let`, `block` and `network` items, block parameters, and bodies.

extension Parser {
  mutating func parseItems() throws -> [Item] {
    var items: [Item] = []
    skipSeparators()
    while !atEnd {
      if current.isSymbol(.rightBrace) {
        error(FrontEndMessages.unmatchedBrace)
        advance()
      } else {
        do {
          items.append(try parseItem())
          try expectEndOfStatement()
        } catch is Recover {
          try checkErrorLimit()
          synchronize()
        }
      }
      skipSeparators()
    }
    return items
  }

  /// A statement or item ends at a separator or before the `}` closing its body.
  mutating func expectEndOfStatement() throws {
    if atSeparator {
      advance()
    } else if !current.isSymbol(.rightBrace) && !atEnd {
      throw error(FrontEndMessages.expected("end of line", found: current))
    }
  }

  private mutating func parseItem() throws -> Item {
    let start = current.range
    switch current.kind {
    case .keyword(.include):
      advance()
      guard case .string(let path) = current.kind else {
        throw error(FrontEndMessages.expected("a quoted path after 'include'", found: current))
      }
      let range = current.range
      advance()
      return Item(kind: .include(path, range), range: span(from: start))
    case .keyword(.let):
      let (name, value) = try parseLet()
      return Item(kind: .let(name, value), range: span(from: start))
    case .keyword(.block):
      advance()
      let name = try expectIdentifier("a block name after 'block'")
      let parameters = try parseParameters(of: name)
      let header = span(from: start)
      let body = try parseBody("block '\(name.name)'")
      return Item(kind: .block(BlockDeclaration(name: name, parameters: parameters, body: body)), range: header)
    case .keyword(.network):
      advance()
      let name = try expectIdentifier("a network name after 'network'")
      let header = span(from: start)
      let body = try parseBody("network '\(name.name)'")
      return Item(kind: .network(NetworkDeclaration(name: name, body: body)), range: header)
    default:
      throw error(FrontEndMessages.expected("'include', 'let', 'block' or 'network'", found: current))
    }
  }

  /// `let name = expr`, at the top level or in a body.
  mutating func parseLet() throws -> (Identifier, Expr) {
    advance()
    let name = try expectIdentifier("a name after 'let'")
    _ = try expect(.assign, "after the name in 'let'")
    return (name, try parseExpression())
  }

  /// `(a, b = 1, …)`; a trailing comma is allowed.
  private mutating func parseParameters(of block: Identifier) throws -> [BlockParameter] {
    _ = try expect(.leftParen, "after the block name")
    var parameters: [BlockParameter] = []
    while !current.isSymbol(.rightParen) {
      let name = try expectIdentifier("a parameter name")
      var defaultValue: Expr?
      if accept(.assign) { defaultValue = try parseExpression() }
      parameters.append(BlockParameter(name: name, defaultValue: defaultValue))
      if !accept(.comma) { break }
    }
    _ = try expect(.rightParen, "to close the parameter list of '\(block.name)'")
    return parameters
  }

  /// `{ statements }`; `owner` names what the body belongs to in messages.
  mutating func parseBody(_ owner: String) throws -> [Statement] {
    try nested { parser in
      let open = try parser.expect(.leftBrace, "to open the body of \(owner)")
      var statements: [Statement] = []
      parser.skipSeparators()
      while !parser.current.isSymbol(.rightBrace) {
        if parser.atEnd {
          throw parser.error(
            FrontEndMessages.expected("'}' to close the body of \(owner)", found: parser.current),
            notes: [.init(FrontEndMessages.openedHere, at: open.range)])
        }
        do {
          statements.append(try parser.parseStatement())
          try parser.expectEndOfStatement()
        } catch is Recover {
          try parser.checkErrorLimit()
          parser.synchronize()
        }
        parser.skipSeparators()
      }
      parser.advance()
      return statements
    }
  }
}
