// A random program as a tree the generator builds, the simulator checks and the shrinker edits; rendered as
// architecture-language text, it goes through the real front end like any model a user writes.

/// An expression of the language, as written (the simulator evaluates it; the front end parses its text).
public indirect enum FuzzExpr: Hashable, Sendable {
  case integer(Int)
  /// A float literal as written (`1e-5`, `0.25`), so the text is exactly what the generator chose.
  case float(String)
  case boolean(Bool)
  /// A constant, block parameter or shortcut option (`identity`, `A`, …).
  case name(String)
  case list([FuzzExpr])
  case index(FuzzExpr, FuzzExpr)
  case unary(FuzzUnary, FuzzExpr)
  case binary(FuzzBinary, FuzzExpr, FuzzExpr)
  /// `floor`, `ceil`, `min`, `max`, `len`.
  case call(String, [FuzzExpr])
}

public enum FuzzUnary: String, Hashable, Sendable {
  case negate = "-"
  case not = "not"
}

/// Binary operators with the language's precedence (higher binds tighter).
public enum FuzzBinary: String, Hashable, Sendable, CaseIterable {
  case or, and
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case remainder = "%"

  var precedence: Int {
    switch self {
    case .or: 1
    case .and: 2
    case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: 4
    case .add, .subtract: 5
    case .multiply, .divide, .remainder: 6
    }
  }
}

/// A layer or block call: positional arguments, then keyword arguments in the order written.
public struct FuzzCall: Hashable, Sendable {
  public var callee: String
  public var positional: [FuzzExpr]
  public var keywords: [FuzzKeyword]

  public init(_ callee: String, positional: [FuzzExpr] = [], keywords: [FuzzKeyword] = []) {
    self.callee = callee
    self.positional = positional
    self.keywords = keywords
  }

  /// Every argument, positional ones first.
  var argumentCount: Int { positional.count + keywords.count }
}

public struct FuzzKeyword: Hashable, Sendable {
  public var name: String
  public var value: FuzzExpr

  public init(_ name: String, _ value: FuzzExpr) {
    self.name = name
    self.value = value
  }
}

public indirect enum FuzzStatement: Hashable, Sendable {
  case constant(String, FuzzExpr)
  /// `[name =] callee(args)`: a built-in layer or one block instance.
  case layer(name: String?, FuzzCall)
  /// `[name =] block(args) * count`.
  case stage(name: String?, FuzzCall, count: FuzzExpr)
  case sequential(name: String?, [FuzzStatement])
  case residual(shortcut: FuzzExpr, [FuzzStatement])
  /// `if condition { … } else { … }`; an empty else branch is not written.
  case conditional(FuzzExpr, then: [FuzzStatement], otherwise: [FuzzStatement])
}

public struct FuzzParameter: Hashable, Sendable {
  public var name: String
  public var defaultValue: FuzzExpr?

  public init(_ name: String, default defaultValue: FuzzExpr? = nil) {
    self.name = name
    self.defaultValue = defaultValue
  }
}

/// A file-level `let`.
public struct FuzzConstant: Hashable, Sendable {
  public var name: String
  public var value: FuzzExpr

  public init(_ name: String, _ value: FuzzExpr) {
    self.name = name
    self.value = value
  }
}

public struct FuzzBlock: Hashable, Sendable {
  public var name: String
  public var parameters: [FuzzParameter]
  public var body: [FuzzStatement]

  public init(name: String, parameters: [FuzzParameter], body: [FuzzStatement]) {
    self.name = name
    self.parameters = parameters
    self.body = body
  }
}

/// One random program and what its run needs besides the text: the batch size, and the seed of its weights
/// and input. `style` picks the formatting (spacing, comments, argument forms), so the parser sees variety.
public struct FuzzProgram: Hashable, Sendable {
  public var networkName: String
  public var constants: [FuzzConstant]
  public var blocks: [FuzzBlock]
  /// `[C, H, W]`.
  public var input: [Int]
  public var body: [FuzzStatement]
  public var batch: Int
  public var seed: UInt64
  public var style: UInt64

  public init(
    networkName: String, constants: [FuzzConstant], blocks: [FuzzBlock], input: [Int], body: [FuzzStatement],
    batch: Int, seed: UInt64, style: UInt64
  ) {
    self.networkName = networkName
    self.constants = constants
    self.blocks = blocks
    self.input = input
    self.body = body
    self.batch = batch
    self.seed = seed
    self.style = style
  }
}
