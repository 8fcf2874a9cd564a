// Reads the IR text form (`Graph.text`) back into a `Graph`, so dumps can be edited, diffed and fed to later
// stages; every malformed line gets a `path:line:col` diagnostic, and the result passes the `Verifier`.

public enum IRParser {
  /// Parses one graph; `print(parse(text)) == text` for any text `Graph.text` printed. Blank lines and
  /// `//` comment lines are ignored. Throws a `DiagnosticError` with every problem found, in source order.
  public static func parse(_ file: SourceFile) throws -> Graph {
    var parser = LineParser(file: file)
    for number in 1...file.lineStarts.count {
      parser.parseLine(number)
    }
    parser.finishFile()
    let graph = parser.graph
    parser.reportViolations(Verifier.violations(in: graph))
    if !parser.diagnostics.isEmpty {
      func key(_ entry: (offset: Int, element: Diagnostic)) -> (Int, Int, Int) {
        (entry.element.range?.start.line ?? 0, entry.element.range?.start.column ?? 0, entry.offset)
      }
      let sorted = parser.diagnostics.enumerated().sorted { key($0) < key($1) }
      throw DiagnosticError(sorted.map { $0.element }, sources: [file])
    }
    return graph
  }
}

/// Where the parts of one node line are, so verifier findings point at the right text.
private struct NodeSpans {
  var name: SourceRange
  var shape: SourceRange
  var op: SourceRange
  var operands: [SourceRange]
}

/// The parser's state as it walks the lines: the graph so far, the open scopes, and what went wrong.
private struct LineParser {
  /// `abandoned`: the text does not start with a graph header, so later lines would only repeat that error.
  enum Phase { case beforeGraph, body, afterReturn, closed, abandoned }

  let file: SourceFile
  var phase = Phase.beforeGraph
  var graphName = ""
  var graphRange: SourceRange?
  var nodes: [Node] = []
  var spans: [NodeSpans] = []
  var scopes: [Scope] = []
  var scopeRanges: [SourceRange] = []
  /// Indices into `scopes` of the scopes enclosing the current line; nil for a header that could not be
  /// read, so that its closing '}' still matches it.
  var open: [Int?] = []
  /// The last line that was not blank or a comment, for errors about the end of the text.
  var lastLine: SourceRange
  var output: Located<String>?
  /// Values whose line could not be read: uses of them are not reported again as undefined.
  var unreadable: Set<String> = []
  var diagnostics: [Diagnostic] = []

  init(file: SourceFile) {
    self.file = file
    lastLine = SourceRange(SourceLocation(path: file.path, line: 1, column: 1))
  }

  var graph: Graph { Graph(name: graphName, nodes: nodes, output: output?.value ?? "", scopes: scopes) }

  mutating func parseLine(_ number: Int) {
    let text = file.line(number)
    let content = text.drop { $0 == " " || $0 == "\t" }
    if content.isEmpty || content.hasPrefix("//") || phase == .abandoned { return }
    lastLine = SourceRange(SourceLocation(path: file.path, line: number, column: text.unicodeScalars.count + 1))
    var scanner = IRScanner(path: file.path, lineNumber: number, text: text)
    do {
      try parse(&scanner, content)
    } catch let diagnostic as Diagnostic {
      diagnostics.append(diagnostic)
    } catch {
      preconditionFailure("the IR parser throws only diagnostics")
    }
  }

  private mutating func parse(_ scanner: inout IRScanner, _ content: Substring) throws {
    switch phase {
    case .beforeGraph:
      try parseGraphHeader(&scanner)
    case .closed, .abandoned:
      phase = .abandoned
      throw scanner.error("unexpected text after the graph's closing '}'")
    case .body, .afterReturn:
      if content.hasPrefix("}") {
        try parseClose(&scanner)
      } else if phase == .afterReturn {
        throw scanner.error("expected '}' closing graph '\(graphName)' after 'return'")
      } else if content.hasPrefix("%") {
        try parseNode(&scanner)
      } else if content.hasPrefix("return") {
        try parseReturn(&scanner)
      } else if let kind = Scope.Kind(rawValue: String(content.prefix { $0 != " " })) {
        do {
          try parseScopeHeader(&scanner, kind)
        } catch {
          open.append(nil)
          throw error
        }
      } else {
        // `conv1: f32[…] = …` lacks only its '%': its users should not be reported as well.
        if let colon = content.firstIndex(of: ":") { unreadable.insert(String(content[..<colon])) }
        throw scanner.error("expected an op ('%name: shape = op(...)'), a scope, 'return' or '}'")
      }
    }
  }

  private mutating func parseGraphHeader(_ scanner: inout IRScanner) throws {
    guard scanner.take("graph ") else {
      phase = .abandoned
      throw scanner.error("expected 'graph <name> {' to start the IR text")
    }
    let name = scanner.name()
    guard !name.value.isEmpty else { throw scanner.error("expected the graph's name after 'graph'") }
    try scanner.expect("{", "after the graph's name")
    try scanner.expectEnd("after 'graph \(name.value) {'")
    graphName = name.value
    graphRange = name.range
    phase = .body
  }

  private mutating func parseClose(_ scanner: inout IRScanner) throws {
    let brace = scanner.rangeHere()
    _ = scanner.take("}")
    try scanner.expectEnd("after '}'")
    if !open.isEmpty {
      open.removeLast()
      return
    }
    phase = .closed
    if output == nil {
      throw Diagnostic.error("graph '\(graphName)' has no 'return %value' before its closing '}'", at: brace)
    }
  }

  private mutating func parseReturn(_ scanner: inout IRScanner) throws {
    _ = scanner.take("return")
    let value = try scanner.valueName("after 'return'")
    try scanner.expectEnd("after the returned value")
    if !open.isEmpty {
      let scope = currentScope.isEmpty ? "its scope" : "scope '\(currentScope)'"
      throw Diagnostic.error("'return' must come after the closing '}' of \(scope)", at: value.range)
    }
    output = value
    phase = .afterReturn
  }

  private mutating func parseNode(_ scanner: inout IRScanner) throws {
    let name = try scanner.valueName("at the start of an op")
    do {
      try scanner.expect(":", "after the value name")
      let shape = try scanner.shape()
      try scanner.expect("=", "after the shape")
      let mnemonic = scanner.name()
      guard Op.mnemonics.contains(mnemonic.value) else {
        let guess = closestMatchOrCompletion(to: mnemonic.value, in: Op.mnemonics)
        let hint = guess.map { "; did you mean '\($0)'?" } ?? ""
        let message = mnemonic.value.isEmpty ? "expected an op after '='" : "unknown op '\(mnemonic.value)'\(hint)"
        throw Diagnostic.error(message, at: mnemonic.value.isEmpty ? scanner.rangeHere() : mnemonic.range)
      }
      let operands = mnemonic.value == "input" ? [] : try parseOperands(&scanner)
      var words: [Located<String>] = []
      while !scanner.isAtEnd {
        let word = scanner.word()
        if !word.value.isEmpty { words.append(word) }
      }
      var attributes = try AttributeReader(mnemonic: mnemonic.value, opRange: mnemonic.range, words: words)
      guard let op = try Op.decode(mnemonic.value, &attributes) else {
        preconditionFailure("every listed mnemonic decodes")
      }
      try attributes.finish()
      nodes.append(
        Node(name: name.value, op: op, inputs: operands.map(\.value), shape: shape.value, scope: currentScope))
      spans.append(NodeSpans(name: name.range, shape: shape.range, op: mnemonic.range, operands: operands.map(\.range)))
    } catch {
      unreadable.insert(name.value)
      throw error
    }
  }

  /// `stage layer1 = basic * 3 {`, `block layer1.0 = basic(planes=64, stride=1) {`, `sequential features {`.
  /// A scope may be reopened (its nodes need not be contiguous) with the very same header.
  private mutating func parseScopeHeader(_ scanner: inout IRScanner, _ kind: Scope.Kind) throws {
    _ = scanner.take(kind.rawValue)
    let path = scanner.name()
    guard !path.value.isEmpty else { throw scanner.error("expected the \(kind.rawValue)'s path") }
    var scope = Scope(path: path.value, kind: kind, parent: currentScope)
    if kind != .sequential {
      try scanner.expect("=", "after the \(kind.rawValue)'s path")
      let template = scanner.name()
      guard !template.value.isEmpty else { throw scanner.error("expected a block template name") }
      scope.template = template.value
      if kind == .stage {
        try scanner.expect("*", "before the stage's block count")
        let count = scanner.name()
        guard !count.value.isEmpty else { throw scanner.error("expected the stage's block count") }
        scope.arguments = [Scope.Argument(name: "count", value: count.value)]
      } else {
        scope.arguments = try parseArguments(&scanner)
      }
    }
    try scanner.expect("{", "to open the \(kind.rawValue)")
    try scanner.expectEnd("after '{'")
    if let previous = scopes.firstIndex(where: { $0.path == scope.path }) {
      guard scopes[previous] == scope else {
        throw Diagnostic.error(
          "scope '\(scope.path)' is declared differently before", at: path.range,
          notes: [.init("previous declaration is here", at: scopeRanges[previous])])
      }
      open.append(previous)
      return
    }
    open.append(scopes.count)
    scopes.append(scope)
    scopeRanges.append(path.range)
  }

  /// `(planes=64, shortcut=B, kernel=[3, 3])`: values are kept as written, brackets and all.
  private func parseArguments(_ scanner: inout IRScanner) throws -> [Scope.Argument] {
    try scanner.expect("(", "before the block's arguments")
    if scanner.take(")") { return [] }
    var arguments: [Scope.Argument] = []
    repeat {
      let name = scanner.name()
      guard !name.value.isEmpty else { throw scanner.error("expected an argument name") }
      try scanner.expect("=", "after argument '\(name.value)'")
      let value = scanner.balancedText(until: [",", ")"])
      guard !value.value.isEmpty else { throw scanner.error("expected a value for argument '\(name.value)'") }
      arguments.append(Scope.Argument(name: name.value, value: value.value))
    } while scanner.take(",")
    try scanner.expect(")", "after the block's arguments")
    return arguments
  }

  /// `(%a, %b)`; an empty list is `()`.
  private func parseOperands(_ scanner: inout IRScanner) throws -> [Located<String>] {
    try scanner.expect("(", "before the operands")
    if scanner.take(")") { return [] }
    var operands: [Located<String>] = []
    repeat {
      operands.append(try scanner.valueName("as an operand"))
    } while scanner.take(",")
    try scanner.expect(")", "after the operands")
    return operands
  }

  /// Unknown spans (the graph's header, a missing return) fall back to the graph's name.
  mutating func reportViolations(_ violations: [Violation]) {
    for violation in violations {
      let range: SourceRange?
      switch violation.subject {
      case .graph:
        guard let graphRange else { continue }
        range = graphRange
      case .name(let i), .nodeScope(let i): range = spans[i].name
      case .operand(let i, let k):
        if unreadable.contains(nodes[i].inputs[k]) { continue }
        range = spans[i].operands[k]
      case .shape(let i): range = spans[i].shape
      case .op(let i): range = spans[i].op
      case .scope(let index): range = scopeRanges[index]
      case .output:
        guard let output, !unreadable.contains(output.value) else { continue }
        range = output.range
      }
      diagnostics.append(.error(violation.message, at: range))
    }
  }

  /// The path of the innermost readable scope around the current line.
  var currentScope: String {
    open.compactMap { $0 }.last.map { scopes[$0].path } ?? ""
  }

  mutating func finishFile() {
    switch phase {
    case .beforeGraph:
      diagnostics.append(.error("expected 'graph <name> {' to start the IR text", at: lastLine))
    case .body, .afterReturn:
      for case let index? in open.reversed() {
        diagnostics.append(.error("scope '\(scopes[index].path)' is not closed", at: scopeRanges[index]))
      }
      diagnostics.append(.error("missing '}' closing graph '\(graphName)'", at: lastLine))
    case .closed, .abandoned:
      break
    }
  }
}
