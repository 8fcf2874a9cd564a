// Evaluates expressions at compile time: checked 64-bit integer arithmetic, floats that must stay finite,
// booleans, bounds-checked list indexing and the built-in functions floor, ceil, min, max and len.

struct Evaluator {
  var environment: Environment

  func evaluate(_ expr: Expr) throws -> Value {
    switch expr.kind {
    case .integer(let value): return .integer(value)
    case .float(let value): return .float(value)
    case .boolean(let value): return .boolean(value)
    case .name(let name):
      guard let binding = environment.lookup(name) else {
        let suggestion = closestMatch(to: name, in: environment.visibleNames)
        throw Diagnostic.error(FrontEndMessages.unknownName(name, suggestion: suggestion), at: expr.range)
      }
      guard let value = binding.value else { throw AlreadyReported() }
      return value
    case .list(let elements):
      return .list(try elements.map(evaluate))
    case .index(let list, let index):
      return try subscripted(try evaluate(list), try evaluate(index), at: expr.range, indexRange: index.range)
    case .unary(let op, let operand):
      return try unary(op, try evaluate(operand), at: expr.range)
    case .binary(let op, let lhs, let rhs, let operatorRange):
      return try binary(op, lhs, rhs, at: operatorRange)
    case .call(let callee, let arguments):
      return try call(callee, try arguments.map(evaluate), at: expr.range)
    }
  }

  private func subscripted(
    _ list: Value, _ index: Value, at range: SourceRange, indexRange: SourceRange
  ) throws -> Value {
    guard case .list(let elements) = list else {
      throw Diagnostic.error(FrontEndMessages.notIndexable(list), at: range)
    }
    guard case .integer(let i) = index else {
      throw Diagnostic.error(FrontEndMessages.expectedIndex(got: index), at: indexRange)
    }
    guard elements.indices.contains(i) else {
      throw Diagnostic.error(FrontEndMessages.indexOutOfRange(i, count: elements.count), at: indexRange)
    }
    return elements[i]
  }

  private func unary(_ op: UnaryOperator, _ value: Value, at range: SourceRange) throws -> Value {
    switch (op, value) {
    case (.negate, .integer(let x)):
      let (result, overflow) = Int(0).subtractingReportingOverflow(x)
      if overflow { throw Diagnostic.error(FrontEndMessages.integerOverflow("-(\(x))"), at: range) }
      return .integer(result)
    case (.negate, .float(let x)):
      return .float(-x)
    case (.not, .boolean(let x)):
      return .boolean(!x)
    default:
      throw Diagnostic.error(FrontEndMessages.badOperand(op.rawValue, value), at: range)
    }
  }

  private func binary(_ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, at range: SourceRange) throws -> Value {
    let left = try evaluate(lhs)
    if op == .and || op == .or {
      guard case .boolean(let l) = left else {
        throw Diagnostic.error(FrontEndMessages.badOperand(op.rawValue, left), at: range)
      }
      if l == (op == .or) { return .boolean(l) }
      let right = try evaluate(rhs)
      guard case .boolean = right else {
        throw Diagnostic.error(FrontEndMessages.badOperand(op.rawValue, right), at: range)
      }
      return right
    }
    let right = try evaluate(rhs)
    switch op {
    case .equal, .notEqual:
      guard let equal = equality(left, right) else {
        throw Diagnostic.error(FrontEndMessages.cannotCompare(left, right), at: range)
      }
      return .boolean(equal == (op == .equal))
    case .less, .lessEqual, .greater, .greaterEqual:
      return .boolean(try ordering(op, left, right, at: range))
    default:
      return try arithmetic(op, left, right, at: range)
    }
  }

  /// Whether two values are equal; nil when they are of types that cannot be compared.
  private func equality(_ left: Value, _ right: Value) -> Bool? {
    switch (left, right) {
    case (.integer(let l), .integer(let r)): return l == r
    case (.boolean(let l), .boolean(let r)): return l == r
    case (.shortcut(let l), .shortcut(let r)): return l == r
    case (.list(let l), .list(let r)):
      guard l.count == r.count else { return false }
      for (a, b) in zip(l, r) {
        guard let equal = equality(a, b) else { return nil }
        if !equal { return false }
      }
      return true
    default:
      guard let l = left.number, let r = right.number else { return nil }
      return l == r
    }
  }

  private func ordering(_ op: BinaryOperator, _ left: Value, _ right: Value, at range: SourceRange) throws -> Bool {
    let ordered: Bool
    if case .integer(let l) = left, case .integer(let r) = right {
      ordered = op == .less ? l < r : op == .lessEqual ? l <= r : op == .greater ? l > r : l >= r
    } else if let l = left.number, let r = right.number {
      ordered = op == .less ? l < r : op == .lessEqual ? l <= r : op == .greater ? l > r : l >= r
    } else {
      throw Diagnostic.error(FrontEndMessages.badOperands(op.rawValue, left, right), at: range)
    }
    return ordered
  }

  private func arithmetic(_ op: BinaryOperator, _ left: Value, _ right: Value, at range: SourceRange) throws -> Value {
    if case .integer(let l) = left, case .integer(let r) = right {
      return try integerArithmetic(op, l, r, at: range)
    }
    guard let l = left.number, let r = right.number, op != .remainder else {
      throw Diagnostic.error(FrontEndMessages.badOperands(op.rawValue, left, right), at: range)
    }
    if op == .divide && r == 0 { throw Diagnostic.error(FrontEndMessages.divisionByZero, at: range) }
    let result =
      switch op {
      case .add: l + r
      case .subtract: l - r
      case .multiply: l * r
      default: l / r
      }
    guard result.isFinite else {
      throw Diagnostic.error(
        FrontEndMessages.floatOverflow("\(left.spelling) \(op.rawValue) \(right.spelling)"), at: range)
    }
    return .float(result)
  }

  /// Checked integer arithmetic; `/` stays an integer only when it divides exactly.
  private func integerArithmetic(_ op: BinaryOperator, _ l: Int, _ r: Int, at range: SourceRange) throws -> Value {
    let (result, overflow): (Int, Bool)
    switch op {
    case .add: (result, overflow) = l.addingReportingOverflow(r)
    case .subtract: (result, overflow) = l.subtractingReportingOverflow(r)
    case .multiply: (result, overflow) = l.multipliedReportingOverflow(by: r)
    default:
      if r == 0 { throw Diagnostic.error(FrontEndMessages.divisionByZero, at: range) }
      let (quotient, quotientOverflow) = l.dividedReportingOverflow(by: r)
      let (remainder, _) = l.remainderReportingOverflow(dividingBy: r)
      if op == .remainder {
        (result, overflow) = (remainder, false)
      } else if remainder != 0 {
        return .float(Double(l) / Double(r))
      } else {
        (result, overflow) = (quotient, quotientOverflow)
      }
    }
    if overflow { throw Diagnostic.error(FrontEndMessages.integerOverflow("\(l) \(op.rawValue) \(r)"), at: range) }
    return .integer(result)
  }

  static let functions = ["ceil", "floor", "len", "max", "min"]

  private func call(_ callee: Identifier, _ arguments: [Value], at range: SourceRange) throws -> Value {
    let name = callee.name
    guard Evaluator.functions.contains(name) else {
      let suggestion = closestMatch(to: name, in: Evaluator.functions)
      throw Diagnostic.error(FrontEndMessages.unknownFunction(name, suggestion: suggestion), at: callee.range)
    }
    switch name {
    case "min", "max":
      var candidates = arguments
      if arguments.count == 1, case .list(let elements) = arguments[0] { candidates = elements }
      guard !candidates.isEmpty else { throw Diagnostic.error(FrontEndMessages.emptyMinMax(name), at: range) }
      var best = candidates[0]
      for candidate in candidates {
        guard let value = candidate.number, let current = best.number else {
          throw Diagnostic.error(
            FrontEndMessages.expectedNumbers(name, got: candidate.number == nil ? candidate : best), at: range)
        }
        if name == "min" ? value < current : value > current { best = candidate }
      }
      return best
    default:
      guard arguments.count == 1 else {
        throw Diagnostic.error(FrontEndMessages.functionArity(name, got: arguments.count), at: range)
      }
      return try unaryFunction(name, arguments[0], at: range)
    }
  }

  private func unaryFunction(_ name: String, _ argument: Value, at range: SourceRange) throws -> Value {
    if name == "len" {
      guard case .list(let elements) = argument else {
        throw Diagnostic.error(FrontEndMessages.expectedList(name, got: argument), at: range)
      }
      return .integer(elements.count)
    }
    switch argument {
    case .integer:
      return argument
    case .float(let x):
      let rounded = name == "floor" ? x.rounded(.down) : x.rounded(.up)
      guard let result = Int(exactly: rounded) else {
        throw Diagnostic.error(FrontEndMessages.integerOverflow("\(name)(\(argument.spelling))"), at: range)
      }
      return .integer(result)
    default:
      throw Diagnostic.error(FrontEndMessages.expectedNumbers(name, got: argument), at: range)
    }
  }
}
