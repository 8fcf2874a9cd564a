// Checks every invariant of an IR graph and reports all violations, so a broken pass or a hand-edited dump is
// caught where it happens, with the op named, instead of as a crash or a wrong number in a later stage.

/// One broken invariant: what it is about (for locating it in a source text) and a house-style message.
public struct Violation: Hashable, Sendable, CustomStringConvertible {
  /// The part of the graph a violation is about; the IR parser turns it into a source range.
  public enum Subject: Hashable, Sendable {
    case graph
    /// The node's name (duplicates, spelling, its role as the input).
    case name(node: Int)
    case operand(node: Int, index: Int)
    case shape(node: Int)
    /// The op and its attributes (shape-inference errors, parameters).
    case op(node: Int)
    case nodeScope(node: Int)
    case scope(index: Int)
    case output
  }

  public var subject: Subject
  /// The value or scope the message is about (`layer2.0.conv1`); nil for the graph as a whole.
  public var context: String?
  public var message: String

  public init(_ subject: Subject, _ context: String?, _ message: String) {
    self.subject = subject
    self.context = context
    self.message = message
  }

  /// `layer2.0.conv1: expected shape f32[1,128,8,8], got f32[1,128,16,16]`.
  public var description: String { (context.map { $0 + ": " } ?? "") + message }
}

public enum Verifier {
  /// Every violated invariant, in program order: unique, well-spelled value names; operands defined earlier;
  /// the first node is the only input; every shape equals `Op.inferShape` of its operands' shapes;
  /// parameter names unique; scopes declared once, parents declared before children; the output defined.
  public static func violations(in graph: Graph) -> [Violation] {
    var found = scopeViolations(graph)
    let declaredScopes = Set(graph.scopes.map(\.path))
    let allNames = Set(graph.nodes.map(\.name))
    var defined: [String: Int] = [:]
    /// The inferred shape of each value where inference succeeded, so one wrong declared shape is reported
    /// once, at its op, not again at every user.
    var shapes: [String: Shape] = [:]
    var parameterReaders: [String: String] = [:]
    if graph.nodes.isEmpty { found.append(Violation(.graph, nil, "graph '\(graph.name)' has no input")) }
    for (i, node) in graph.nodes.enumerated() {
      found += nameViolations(node, at: i, isFirst: i == 0, defined: defined)
      if !node.scope.isEmpty && !declaredScopes.contains(node.scope) {
        found.append(Violation(.nodeScope(node: i), node.name, "scope '\(node.scope)' is not declared"))
      }
      var operandShapes: [Shape] = []
      for (k, operand) in node.inputs.enumerated() {
        if let producer = defined[operand] {
          operandShapes.append(shapes[operand] ?? graph.nodes[producer].shape)
        } else {
          found.append(Violation(.operand(node: i, index: k), node.name, undefinedMessage(operand, allNames)))
        }
      }
      if defined[node.name] == nil { defined[node.name] = i }
      if case .input = node.op {
        if let problem = inputShapeProblem(node.shape) { found.append(Violation(.shape(node: i), node.name, problem)) }
        continue
      }
      guard operandShapes.count == node.inputs.count else { continue }
      switch node.op.inferShape(operandShapes) {
      case .failure(let error):
        found.append(Violation(.op(node: i), node.name, error.message))
      case .success(let shape):
        if shapes[node.name] == nil { shapes[node.name] = shape }
        if shape != node.shape {
          found.append(Violation(.shape(node: i), node.name, "expected shape \(shape), got \(node.shape)"))
        }
        for parameter in node.parameters(inputShapes: operandShapes) {
          if let reader = parameterReaders[parameter.name] {
            found.append(
              Violation(.op(node: i), node.name, "parameter '\(parameter.name)' is already read by '\(reader)'"))
          } else {
            parameterReaders[parameter.name] = node.name
          }
        }
      }
    }
    if defined[graph.output] == nil {
      found.append(Violation(.output, nil, "returned value '%\(graph.output)' is not defined"))
    }
    return found
  }

  /// Throws a `DiagnosticError` listing every violation; `pass` names the pass whose result is checked.
  public static func verify(_ graph: Graph, producedBy pass: String? = nil) throws {
    let found = violations(in: graph)
    guard !found.isEmpty else { return }
    let notes = pass.map { [Diagnostic.Note("in the IR produced by pass '\($0)'")] } ?? []
    throw DiagnosticError(found.map { Diagnostic.error($0.description, notes: notes) })
  }

  /// Characters a value name may use, so the text form can always print it and read it back.
  static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.unicodeScalars.allSatisfy(isNameCharacter)
  }

  static func isNameCharacter(_ c: Unicode.Scalar) -> Bool {
    c.isASCII && (c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" || c == "." || c == "-")
  }

  private static func nameViolations(_ node: Node, at i: Int, isFirst: Bool, defined: [String: Int]) -> [Violation] {
    var found: [Violation] = []
    if !isValidName(node.name) {
      found.append(
        Violation(.name(node: i), node.name, "value name must consist of letters, digits, '_', '.' and '-'"))
    }
    if defined[node.name] != nil {
      found.append(Violation(.name(node: i), node.name, "value '%\(node.name)' is defined twice"))
    }
    let isInput = if case .input = node.op { true } else { false }
    if isFirst && !isInput {
      let message = "the first node must be the graph input, got '\(node.op.mnemonic)'"
      found.append(Violation(.op(node: i), node.name, message))
    } else if !isFirst && isInput {
      found.append(Violation(.op(node: i), node.name, "only the first node may be the graph input"))
    }
    return found
  }

  private static func undefinedMessage(_ operand: String, _ allNames: Set<String>) -> String {
    if allNames.contains(operand) { return "operand '%\(operand)' is used before its definition" }
    let hint = closestMatch(to: operand, in: allNames.sorted()).map { "; did you mean '%\($0)'?" } ?? ""
    return "operand '%\(operand)' is not defined" + hint
  }

  private static func inputShapeProblem(_ shape: Shape) -> String? {
    guard shape.rank == 4 && shape.dims.allSatisfy({ $0 > 0 }) else {
      return "the graph input must have shape f32[N,C,H,W] with positive sizes, got \(shape)"
    }
    var count = 1
    for dim in shape.dims {
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      if overflow || product > maxElementCount {
        return "tensor \(shape) is too large: at most \(maxElementCount) elements are supported"
      }
      count = product
    }
    return nil
  }

  private static func scopeViolations(_ graph: Graph) -> [Violation] {
    var found: [Violation] = []
    var declared: Set<String> = []
    for (i, scope) in graph.scopes.enumerated() {
      let subject = Violation.Subject.scope(index: i)
      if !isValidName(scope.path) {
        found.append(Violation(subject, scope.path, "scope path must consist of letters, digits, '_', '.' and '-'"))
      }
      if declared.contains(scope.path) {
        found.append(Violation(subject, scope.path, "scope is declared twice"))
      }
      if !scope.parent.isEmpty && !declared.contains(scope.parent) {
        found.append(Violation(subject, scope.path, "parent scope '\(scope.parent)' is not declared before it"))
      }
      if scope.kind != .sequential && scope.template.map(isValidName) != true {
        found.append(Violation(subject, scope.path, "a \(scope.kind.rawValue) needs a block template name"))
      }
      if scope.kind == .stage && !scope.arguments.contains(where: { $0.name == "count" }) {
        found.append(Violation(subject, scope.path, "a stage needs a 'count' argument"))
      }
      declared.insert(scope.path)
    }
    return found
  }
}
