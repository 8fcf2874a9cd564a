// A random program as architecture-language text. The program's `style` seed varies what the grammar leaves
// free — indentation, spacing, comments, `;`, `()` on calls without arguments, arguments over several lines,
// trailing commas, `_` in integers, redundant parentheses — so the lexer and parser see many spellings.

extension FuzzProgram {
  /// The program's text; the same program always gives the same bytes.
  public var source: String {
    var renderer = FuzzRenderer(style: style)
    return renderer.render(self)
  }
}

struct FuzzRenderer {
  private var random: RandomSource
  private let indentUnit: String
  private let spacedKeywords: Bool
  private var out = ""

  init(style: UInt64) {
    random = RandomSource(seed: style, stream: "netc.fuzz.style")
    indentUnit = random.pick(["  ", "  ", "    ", "\t"])
    spacedKeywords = random.chance(0.8)
  }

  mutating func render(_ program: FuzzProgram) -> String {
    out = "# netc fuzz program\n"
    for constant in program.constants {
      out += "let \(constant.name) = \(expression(constant.value))" + lineEnd()
    }
    for block in program.blocks {
      let parameters = block.parameters.map { parameter in
        parameter.defaultValue.map { "\(parameter.name) = \(expression($0))" } ?? parameter.name
      }
      out += "\nblock \(block.name)(\(parameters.joined(separator: ", "))) {\n"
      body(block.body, depth: 1)
      out += "}\n"
    }
    out += "\nnetwork \(program.networkName) {\n"
    out += indentUnit + "input " + program.input.map(String.init).joined(separator: "x") + lineEnd()
    body(program.body, depth: 1)
    out += "}\n"
    return out
  }

  /// A newline, sometimes after a comment or before a blank line.
  private mutating func lineEnd() -> String {
    var end = random.chance(0.05) ? "  # note" : ""
    end += "\n"
    if random.chance(0.05) { end += "\n" }
    return end
  }

  private mutating func body(_ statements: [FuzzStatement], depth: Int) {
    var index = 0
    while index < statements.count {
      let indent = String(repeating: indentUnit, count: depth)
      out += indent + statement(statements[index], depth: depth)
      // Two simple statements on one line, separated by ';'.
      if index + 1 < statements.count, statements[index].isSimple, statements[index + 1].isSimple,
        random.chance(0.1)
      {
        out += "; " + statement(statements[index + 1], depth: depth)
        index += 1
      }
      out += lineEnd()
      index += 1
    }
  }

  private mutating func statement(_ statement: FuzzStatement, depth: Int) -> String {
    switch statement {
    case .constant(let name, let value):
      return "let \(name) = \(expression(value))"
    case .layer(let name, let call):
      return assignment(name) + self.call(call, depth: depth)
    case .stage(let name, let call, let count):
      return assignment(name) + self.call(call, depth: depth) + " * " + expression(count)
    case .sequential(let name, let statements):
      return assignment(name) + "sequential " + nested(statements, depth: depth)
    case .residual(let shortcut, let statements):
      return "residual(\(expression(shortcut))) " + nested(statements, depth: depth)
    case .conditional(let condition, let then, let otherwise):
      var text = "if \(expression(condition)) " + nested(then, depth: depth)
      if otherwise.count == 1, case .conditional = otherwise[0] {
        text += " else " + self.statement(otherwise[0], depth: depth)
      } else if !otherwise.isEmpty {
        text += " else " + nested(otherwise, depth: depth)
      }
      return text
    }
  }

  private func assignment(_ name: String?) -> String { name.map { "\($0) = " } ?? "" }

  private mutating func nested(_ statements: [FuzzStatement], depth: Int) -> String {
    let saved = out
    out = ""
    body(statements, depth: depth + 1)
    let inner = out
    out = saved
    return "{\n" + inner + String(repeating: indentUnit, count: depth) + "}"
  }

  private mutating func call(_ call: FuzzCall, depth: Int) -> String {
    if call.argumentCount == 0 { return call.callee + (random.chance(0.3) ? "()" : "") }
    let equals = spacedKeywords ? " = " : "="
    var arguments = call.positional.map { expression($0) }
    arguments += call.keywords.map { $0.name + equals + expression($0.value) }
    let trailingComma = random.chance(0.1) ? "," : ""
    if arguments.count > 2 && random.chance(0.15) {
      let indent = String(repeating: indentUnit, count: depth + 2)
      return call.callee + "(\n" + arguments.map { indent + $0 }.joined(separator: ",\n") + trailingComma + ")"
    }
    return call.callee + "(" + arguments.joined(separator: ", ") + trailingComma + ")"
  }

  /// Parenthesized only where precedence needs it, plus a few redundant parentheses.
  mutating func expression(_ expr: FuzzExpr, context: Int = 0) -> String {
    let (text, precedence) = bare(expr)
    return precedence < context || (precedence < 9 && random.chance(0.03)) ? "(" + text + ")" : text
  }

  /// The text and its precedence: 9 for atoms, 7 for unary minus, 3 for `not`, else the operator's.
  private mutating func bare(_ expr: FuzzExpr) -> (String, Int) {
    switch expr {
    case .integer(let value):
      if value >= 10 && random.chance(0.05) {
        let digits = String(value)
        return (String(digits.prefix(1)) + "_" + digits.dropFirst(), 9)
      }
      return (String(value), 9)
    case .float(let text): return (text, 9)
    case .boolean(let value): return (String(value), 9)
    case .name(let name): return (name, 9)
    case .list(let elements): return ("[" + elements.map { expression($0) }.joined(separator: ", ") + "]", 9)
    case .index(let list, let index): return (expression(list, context: 9) + "[" + expression(index) + "]", 9)
    case .call(let function, let arguments):
      return (function + "(" + arguments.map { expression($0) }.joined(separator: ", ") + ")", 9)
    case .unary(.negate, let operand): return ("-" + expression(operand, context: 7), 7)
    case .unary(.not, let operand): return ("not " + expression(operand, context: 3), 3)
    case .binary(let op, let lhs, let rhs):
      // Left-associative; comparisons do not chain, so both their operands bind tighter.
      let isComparison = op.precedence == 4
      let left = expression(lhs, context: isComparison ? 5 : op.precedence)
      let right = expression(rhs, context: op.precedence + 1)
      return (left + " " + op.rawValue + " " + right, op.precedence)
    }
  }
}

extension FuzzStatement {
  /// A statement on one line (no body), which may share its line with the next.
  var isSimple: Bool {
    switch self {
    case .constant, .layer, .stage: true
    case .sequential, .residual, .conditional: false
    }
  }
}
