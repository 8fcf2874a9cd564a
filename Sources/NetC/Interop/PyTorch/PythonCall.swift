// A Python constructor call as data (`nn.Conv2d(64, 128, 3, stride=2, padding=1, bias=False)`): its literal
// arguments are slots, so the instances of one block class can share code and differ only in parameters.

struct PythonCall: Sendable {
  enum Function: Sendable {
    case named(String)
    /// An instance of a generated block class (an index into the emitter's classes) at module path `path`;
    /// its arguments are filled in once every instance of the class is known. `role` prefixes their roles.
    case block(classIndex: Int, path: String, role: String)
  }

  struct Argument: Sendable {
    var keyword: String?
    var value: Value
    /// The callee's default: a keyword argument whose value is this in every instance is left out.
    var defaultText: String?
    /// Set when the argument is left out of the text.
    var omitted = false

    /// A positional argument.
    init(_ value: Value) {
      self.value = value
    }

    init(_ keyword: String, _ value: Value, default defaultText: String? = nil) {
      self.keyword = keyword
      self.value = value
      self.defaultText = defaultText
    }
  }

  indirect enum Value: Sendable {
    case literal(Literal)
    case call(PythonCall)
    /// `{"name": module, …}`, for an `nn.ModuleDict`.
    case dictionary([(String, PythonCall)])
  }

  var function: Function
  var arguments: [Argument]

  init(_ function: String, _ arguments: [Argument]) {
    self.function = .named(function)
    self.arguments = arguments
  }

  init(block classIndex: Int, path: String, role: String) {
    function = .block(classIndex: classIndex, path: path, role: role)
    arguments = []
  }

  /// Every literal, depth first: the slots that a class's instances fill.
  var literals: [Literal] {
    arguments.flatMap { argument -> [Literal] in
      switch argument.value {
      case .literal(let literal): [literal]
      case .call(let call): call.literals
      case .dictionary(let entries): entries.flatMap { $0.1.literals }
      }
    }
  }

  /// The same call with every literal replaced, in `literals` order; a keyword argument whose replacement is a
  /// constant equal to the callee's default is left out.
  func replacingLiterals(_ next: inout IndexingIterator<[Literal]>) -> PythonCall {
    var result = self
    for k in result.arguments.indices {
      switch result.arguments[k].value {
      case .literal: result.arguments[k].value = .literal(next.next()!)
      case .call(let call): result.arguments[k].value = .call(call.replacingLiterals(&next))
      case .dictionary(let entries):
        result.arguments[k].value = .dictionary(entries.map { ($0.0, $0.1.replacingLiterals(&next)) })
      }
      if case .literal(let literal) = result.arguments[k].value {
        let argument = result.arguments[k]
        result.arguments[k].omitted =
          literal.isConstant && argument.keyword != nil && literal.text == argument.defaultText
      }
    }
    return result
  }

  /// The call's shape without its literals (`nn.Conv2d(_, _, _, stride=_)`): instances of one class share it.
  var skeleton: String {
    let function: String
    switch self.function {
    case .named(let name): function = name
    case .block(let classIndex, _, _): function = "#\(classIndex)"
    }
    let parts = arguments.map { argument -> String in
      let prefix = argument.keyword.map { $0 + "=" } ?? ""
      switch argument.value {
      case .literal: return prefix + "_"
      case .call(let call): return prefix + call.skeleton
      case .dictionary(let entries):
        return prefix + "{" + entries.map { "\($0.0): \($0.1.skeleton)" }.joined(separator: ", ") + "}"
      }
    }
    return function + "(" + parts.joined(separator: ", ") + ")"
  }

  /// Python source for the call; nested calls go one per line, and three or more identical ones in a row
  /// become one generator (`*(Basic(planes=16) for _ in range(199))`).
  func text(indent: String) -> String {
    guard case .named(let name) = function else { preconditionFailure("block calls are resolved before printing") }
    let nested = arguments.contains { if case .literal = $0.value { false } else { true } }
    let parts = arguments.filter { !$0.omitted }.map { argument -> String in
      let prefix = argument.keyword.map { $0 + "=" } ?? ""
      switch argument.value {
      case .literal(let literal): return prefix + literal.text
      case .call(let call): return prefix + call.text(indent: indent + "    ")
      case .dictionary(let entries):
        let inner = indent + "    "
        let lines = entries.map { "\(inner)    \(Python.string($0.0)): \($0.1.text(indent: inner + "    ")),\n" }
        return prefix + "{\n" + lines.joined() + inner + "}"
      }
    }
    guard nested else { return name + "(" + parts.joined(separator: ", ") + ")" }
    var lines: [String] = []
    var k = 0
    while k < parts.count {
      var run = 1
      while k + run < parts.count && parts[k + run] == parts[k] { run += 1 }
      if run >= 3 {
        lines.append("*(\(parts[k]) for _ in range(\(run)))")
      } else {
        lines += Array(repeating: parts[k], count: run)
      }
      k += run
    }
    return name + "(\n" + lines.map { indent + "    " + $0 + ",\n" }.joined() + indent + ")"
  }
}

/// One literal argument: its Python text, its integer value where it has one (for naming class parameters
/// after block arguments), and the role it plays (`conv1_stride`), for a parameter that has no better name.
struct Literal: Sendable {
  var text: String
  var integer: Int?
  var role: String
  /// False for a class parameter's name or expression (`planes * 4`), which is never left out as a default.
  var isConstant = true

  init(_ text: String, integer: Int? = nil, role: String) {
    self.text = text
    self.integer = integer
    self.role = role
  }

  static func int(_ value: Int, role: String) -> Literal { Literal(String(value), integer: value, role: role) }

  static func pair(_ value: Pair, role: String) -> Literal {
    Literal(Python.pair(value), integer: value.isSquare ? value.h : nil, role: role)
  }
}
