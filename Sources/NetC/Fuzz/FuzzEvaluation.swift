// The generator's own evaluation of the expressions it writes: a second, independent implementation of the
// language's arithmetic (true division, checked integers, floor/ceil/min/max/len, indexing), so the front
// end's evaluator is compared against it on every program.

enum FuzzValue: Hashable, Sendable {
  case integer(Int)
  case float(Double)
  case boolean(Bool)
  case list([FuzzValue])
  case shortcut(String)

  static let shortcutNames = ["identity", "A", "B", "C", "none"]

  /// Integers, and floats with an integral value, as the front end accepts them where an integer is required.
  var integer: Int? {
    switch self {
    case .integer(let value): value
    case .float(let value) where value.rounded() == value && abs(value) < 0x1p53: Int(value)
    default: nil
    }
  }

  var number: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .float(let value): value
    default: nil
    }
  }

  /// An `n` or `[h, w]` argument.
  var pair: Pair? {
    if let n = integer { return Pair(square: n) }
    guard case .list(let sides) = self, sides.count == 2, let h = sides[0].integer, let w = sides[1].integer else {
      return nil
    }
    return Pair(h, w)
  }
}

/// Names in scope: file-level constants, then a body's parameters and `let`s, innermost last.
struct FuzzEnvironment {
  var frames: [[String: FuzzValue]] = [[:]]

  subscript(name: String) -> FuzzValue? {
    for frame in frames.reversed() {
      if let value = frame[name] { return value }
    }
    return FuzzValue.shortcutNames.contains(name) ? .shortcut(name) : nil
  }

  mutating func define(_ name: String, _ value: FuzzValue) { frames[frames.count - 1][name] = value }

  func pushed(_ frame: [String: FuzzValue] = [:]) -> FuzzEnvironment {
    var copy = self
    copy.frames.append(frame)
    return copy
  }

  /// Only the file-level constants: what a block body starts from.
  var globals: FuzzEnvironment { FuzzEnvironment(frames: [frames[0]]) }
}

extension FuzzExpr {
  /// The value, or nil where the front end would report an error (unknown name, overflow, wrong type, …).
  func evaluate(_ environment: FuzzEnvironment) -> FuzzValue? {
    switch self {
    case .integer(let value): return .integer(value)
    case .float(let text): return Double(text).map(FuzzValue.float)
    case .boolean(let value): return .boolean(value)
    case .name(let name): return environment[name]
    case .list(let elements):
      let values = elements.compactMap { $0.evaluate(environment) }
      return values.count == elements.count ? .list(values) : nil
    case .index(let list, let index):
      guard case .list(let values) = list.evaluate(environment), case .integer(let i) = index.evaluate(environment),
        values.indices.contains(i)
      else { return nil }
      return values[i]
    case .unary(.negate, let operand):
      switch operand.evaluate(environment) {
      case .integer(let x): return x == .min ? nil : .integer(-x)
      case .float(let x): return .float(-x)
      default: return nil
      }
    case .unary(.not, let operand):
      guard case .boolean(let x) = operand.evaluate(environment) else { return nil }
      return .boolean(!x)
    case .binary(let op, let lhs, let rhs):
      return Self.binary(op, lhs, rhs, environment)
    case .call(let function, let arguments):
      let values = arguments.compactMap { $0.evaluate(environment) }
      return values.count == arguments.count ? Self.call(function, values) : nil
    }
  }

  private static func binary(_ op: FuzzBinary, _ lhs: FuzzExpr, _ rhs: FuzzExpr, _ environment: FuzzEnvironment)
    -> FuzzValue?
  {
    guard let left = lhs.evaluate(environment) else { return nil }
    if op == .and || op == .or {
      guard case .boolean(let l) = left else { return nil }
      if l == (op == .or) { return .boolean(l) }  // short-circuit: the right side is not evaluated
      guard case .boolean(let r) = rhs.evaluate(environment) else { return nil }
      return .boolean(r)
    }
    guard let right = rhs.evaluate(environment) else { return nil }
    switch op {
    case .equal, .notEqual:
      guard let equal = left.equals(right) else { return nil }
      return .boolean(equal == (op == .equal))
    case .less, .lessEqual, .greater, .greaterEqual:
      guard let l = left.number, let r = right.number else { return nil }
      let result =
        switch op {
        case .less: l < r
        case .lessEqual: l <= r
        case .greater: l > r
        default: l >= r
        }
      return .boolean(result)
    default:
      return arithmetic(op, left, right)
    }
  }

  private static func arithmetic(_ op: FuzzBinary, _ left: FuzzValue, _ right: FuzzValue) -> FuzzValue? {
    if case .integer(let l) = left, case .integer(let r) = right {
      switch op {
      case .add: return checked(l.addingReportingOverflow(r))
      case .subtract: return checked(l.subtractingReportingOverflow(r))
      case .multiply: return checked(l.multipliedReportingOverflow(by: r))
      case .remainder: return r == 0 ? nil : .integer(l % r)
      case .divide:
        guard r != 0 else { return nil }
        return l % r == 0 ? .integer(l / r) : .float(Double(l) / Double(r))
      default: return nil
      }
    }
    guard op != .remainder, let l = left.number, let r = right.number else { return nil }
    let result: Double =
      switch op {
      case .add: l + r
      case .subtract: l - r
      case .multiply: l * r
      default: l / r
      }
    return result.isFinite ? .float(result) : nil
  }

  private static func checked(_ result: (partialValue: Int, overflow: Bool)) -> FuzzValue? {
    result.overflow ? nil : .integer(result.partialValue)
  }

  private static func call(_ function: String, _ arguments: [FuzzValue]) -> FuzzValue? {
    switch function {
    case "floor", "ceil":
      guard arguments.count == 1 else { return nil }
      if case .integer = arguments[0] { return arguments[0] }
      guard case .float(let x) = arguments[0] else { return nil }
      let rounded = function == "floor" ? x.rounded(.down) : x.rounded(.up)
      return abs(rounded) < 0x1p62 ? .integer(Int(rounded)) : nil
    case "len":
      guard arguments.count == 1, case .list(let elements) = arguments[0] else { return nil }
      return .integer(elements.count)
    case "min", "max":
      var candidates = arguments
      if arguments.count == 1, case .list(let elements) = arguments[0] { candidates = elements }
      guard !candidates.isEmpty, candidates.allSatisfy({ $0.number != nil }) else { return nil }
      let chosen = candidates.indices.min { a, b in
        function == "min"
          ? candidates[a].number! < candidates[b].number! : candidates[a].number! > candidates[b].number!
      }!
      return candidates[chosen]
    default:
      return nil
    }
  }
}

extension FuzzValue {
  /// `==` on values of kinds that compare (numbers as numbers, lists element by element); nil for others.
  fileprivate func equals(_ other: FuzzValue) -> Bool? {
    switch (self, other) {
    case (.integer(let l), .integer(let r)): return l == r
    case (.boolean(let l), .boolean(let r)): return l == r
    case (.shortcut(let l), .shortcut(let r)): return l == r
    case (.list(let l), .list(let r)):
      guard l.count == r.count else { return false }
      for (a, b) in zip(l, r) {
        guard let equal = a.equals(b) else { return nil }
        if !equal { return false }
      }
      return true
    default:
      guard let l = number, let r = other.number else { return nil }
      return l == r
    }
  }
}
