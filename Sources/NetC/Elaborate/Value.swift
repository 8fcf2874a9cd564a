// Compile-time values of the language (integers, floats, booleans, lists, shortcut options), how they are
// spelled in dumps and messages, and the typed conversions layer arguments need.

enum Shortcut: String, CaseIterable, Hashable, Sendable {
  case identity, A, B, C, none
}

enum Value: Hashable, Sendable {
  case integer(Int)
  case float(Double)
  case boolean(Bool)
  case list([Value])
  case shortcut(Shortcut)

  /// The value as source would spell it: `64`, `1e-05`, `true`, `B`, `[3, 4]`; used in dumps and messages.
  var spelling: String {
    switch self {
    case .integer(let value): String(value)
    case .float(let value): String(value)
    case .boolean(let value): String(value)
    case .list(let values): "[" + values.map(\.spelling).joined(separator: ", ") + "]"
    case .shortcut(let shortcut): shortcut.rawValue
    }
  }

  /// The type's name in messages ("expected a boolean, got an integer").
  var typeName: String {
    switch self {
    case .integer: "an integer"
    case .float: "a float"
    case .boolean: "a boolean"
    case .list: "a list"
    case .shortcut: "a shortcut"
    }
  }

  /// Integers, and floats with an integral value (`4.0`), as `Int`; nil otherwise.
  var exactInteger: Int? {
    switch self {
    case .integer(let value): return value
    case .float(let value):
      guard value.rounded() == value, abs(value) < 0x1p53 else { return nil }
      return Int(value)
    default: return nil
    }
  }

  var number: Double? {
    switch self {
    case .integer(let value): Double(value)
    case .float(let value): value
    default: nil
    }
  }
}

/// The largest integer a layer attribute (channels, kernel, stride, …) may have: far beyond any real network,
/// small enough that shape arithmetic on it cannot overflow.
let maxAttribute = 1 << 24

/// Typed access to an evaluated argument, with the house-style error when the type is wrong.
struct TypedValue {
  var value: Value
  /// The parameter it was passed for, for messages.
  var parameter: String
  var range: SourceRange

  func integer() throws -> Int {
    guard let result = value.exactInteger else {
      throw Diagnostic.error(FrontEndMessages.expectedType("an integer", for: parameter, got: value), at: range)
    }
    return result
  }

  /// A non-negative integer small enough for shape arithmetic.
  func size() throws -> Int {
    let result = try integer()
    if result < 0 { throw Diagnostic.error(FrontEndMessages.mustNotBeNegative(parameter, result), at: range) }
    if result > maxAttribute {
      throw Diagnostic.error(FrontEndMessages.mustBeAtMost(parameter, maxAttribute, got: result), at: range)
    }
    return result
  }

  /// An integer `n` (meaning `n x n`) or a list `[h, w]`.
  func pair() throws -> Pair {
    if case .list(let elements) = value {
      guard elements.count == 2 else {
        throw Diagnostic.error(FrontEndMessages.expectedPair(parameter, got: value), at: range)
      }
      let h = TypedValue(value: elements[0], parameter: parameter, range: range)
      let w = TypedValue(value: elements[1], parameter: parameter, range: range)
      return Pair(try h.size(), try w.size())
    }
    guard value.exactInteger != nil else {
      throw Diagnostic.error(FrontEndMessages.expectedPair(parameter, got: value), at: range)
    }
    return Pair(square: try size())
  }

  func number() throws -> Double {
    guard let result = value.number else {
      throw Diagnostic.error(FrontEndMessages.expectedType("a number", for: parameter, got: value), at: range)
    }
    return result
  }

  func boolean() throws -> Bool {
    guard case .boolean(let result) = value else {
      throw Diagnostic.error(FrontEndMessages.expectedType("a boolean", for: parameter, got: value), at: range)
    }
    return result
  }

  func shortcut() throws -> Shortcut {
    guard case .shortcut(let result) = value else {
      throw Diagnostic.error(FrontEndMessages.expectedShortcut(got: value), at: range)
    }
    return result
  }
}
