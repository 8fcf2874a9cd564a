// The syntax tree of one source file: items (include, let, block, network), statements and expressions,
// each with the source range diagnostics point at.

struct Identifier: Hashable, Sendable {
  var name: String
  var range: SourceRange
}

struct Expr: Hashable, Sendable {
  indirect enum Kind: Hashable, Sendable {
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case name(String)
    case list([Expr])
    case index(Expr, Expr)
    case unary(UnaryOperator, Expr)
    /// The operator's range is kept apart: an overflow points at the operator, not the whole expression.
    case binary(BinaryOperator, Expr, Expr, operatorRange: SourceRange)
    case call(Identifier, [Expr])
  }

  var kind: Kind
  var range: SourceRange
  /// Height of the tree; the parser rejects expressions deeper than `Parser.maxDepth`, so evaluating and
  /// destroying them never exhausts the stack.
  var depth: Int
}

enum UnaryOperator: String, Hashable, Sendable {
  case negate = "-"
  case not = "not"
}

enum BinaryOperator: String, Hashable, Sendable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case remainder = "%"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case and, or
}

/// `name = value` or a positional `value` in a layer, block or function call.
struct Argument: Hashable, Sendable {
  var label: Identifier?
  var value: Expr
}

/// `conv(64, 3, stride = 2)`, or a bare `relu`.
struct LayerCall: Hashable, Sendable {
  var callee: Identifier
  var arguments: [Argument]
  /// From the callee to the closing parenthesis (or the callee alone), where layer errors point.
  var range: SourceRange
}

struct Statement: Hashable, Sendable {
  enum Kind: Hashable, Sendable {
    /// `input 3x224x224`.
    case input([Int])
    case `let`(Identifier, Expr)
    /// `[name =] call [* count]`: a layer, a block instance, or (with a count) a stage.
    case layer(name: Identifier?, call: LayerCall, count: Expr?)
    /// `[name =] sequential { … }`.
    case sequential(name: Identifier?, body: [Statement])
    /// `residual(shortcut) { … }`.
    case residual(shortcut: Expr, body: [Statement])
    /// `if condition { … } [else { … }]`; `else if` nests another `if` in the else branch.
    case `if`(condition: Expr, then: [Statement], else: [Statement])
  }

  var kind: Kind
  /// The statement's first line, from its first token.
  var range: SourceRange
}

struct BlockParameter: Hashable, Sendable {
  var name: Identifier
  var defaultValue: Expr?
}

struct BlockDeclaration: Hashable, Sendable {
  var name: Identifier
  var parameters: [BlockParameter]
  var body: [Statement]
}

struct NetworkDeclaration: Hashable, Sendable {
  var name: Identifier
  var body: [Statement]
}

struct Item: Hashable, Sendable {
  enum Kind: Hashable, Sendable {
    /// `include "lib/resnet.net"`; the range is the string's.
    case include(String, SourceRange)
    case `let`(Identifier, Expr)
    case block(BlockDeclaration)
    case network(NetworkDeclaration)
  }

  var kind: Kind
  var range: SourceRange
}

/// One parsed file.
struct SyntaxFile: Sendable {
  var source: SourceFile
  var items: [Item]
}
