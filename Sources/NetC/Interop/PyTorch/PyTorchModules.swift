// Turns the module tree into PyTorch constructors and class bodies: a stage or sequential becomes an
// `nn.Sequential`, a block instance an instance of a generated class (instances with the same code share
// one), a dotted-name container an `nn.Sequential` when it is a chain and an `nn.ModuleDict` otherwise.

/// The registrations of a class's `__init__` and the lines of its `forward`.
struct ClassBody {
  var submodules: [(name: SubmoduleName, call: PythonCall)]
  var forward: [String]
}

struct PyTorchModules {
  let tree: ModuleTree
  private let users: [String: [Int]]
  private let shapes: [String: Shape]
  private(set) var classes: [BlockClass] = []
  private var classByKey: [String: Int] = [:]

  init(_ tree: ModuleTree) {
    self.tree = tree
    users = tree.graph.users()
    shapes = Dictionary(tree.graph.nodes.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
  }

  private var graph: Graph { tree.graph }

  func boundary(_ module: ModuleNode) -> Boundary {
    // The network maps its input to its output even when no op lies between them (`forward` returns `x`).
    if case .network = module.kind { return Boundary(inputs: [graph.input.name], outputs: [graph.output]) }
    return Boundary(of: tree.opIndices(module), in: graph, users: users)
  }

  /// The expression that constructs `module`; `role` names its literals (`layer1_0_conv1`).
  mutating func constructor(of module: ModuleNode, role: String) throws -> PythonCall {
    switch module.kind {
    case .network:
      preconditionFailure("the network is a class of its own")
    case .op(let index):
      let node = graph.nodes[index]
      guard let call = PyTorchLayer.module(node, inputShapes: node.inputs.map { shapes[$0]! }, role: role) else {
        let message = "'\(node.name)' ('\(node.op.mnemonic)') has no nn.Module to put in an nn.Sequential or ModuleDict"
        throw DiagnosticError(.error(message))
      }
      return call
    case .scope(let scope) where scope.kind == .block:
      let body = try classBody(of: module)
      return PythonCall(block: register(module, scope: scope, body: body), path: module.path, role: role)
    case .scope(let scope):
      if let problem = chainProblem(module) {
        throw DiagnosticError(.error("\(scope.kind.rawValue) '\(module.path)' has no nn.Sequential form: \(problem)"))
      }
      return try sequential(module, role: role)
    case .container:
      if chainProblem(module) == nil { return try sequential(module, role: role) }
      let entries = try tree.children(of: module).map { child in
        (child.localName, try constructor(of: child, role: role + "_" + identifierPart(child.localName)))
      }
      return PythonCall("nn.ModuleDict", [PythonCall.Argument(.dictionary(entries))])
    }
  }

  private mutating func sequential(_ module: ModuleNode, role: String) throws -> PythonCall {
    let members = try tree.children(of: module).map { child in
      PythonCall.Argument(.call(try constructor(of: child, role: role + "_" + identifierPart(child.localName))))
    }
    return PythonCall("nn.Sequential", members)
  }

  /// Why `module` is not an `nn.Sequential` chain (members `0`, `1`, … each reading the previous one's only
  /// result), or nil when it is one.
  func chainProblem(_ module: ModuleNode) -> String? {
    let whole = boundary(module)
    guard whole.inputs.count == 1, whole.outputs.count == 1 else {
      return "it does not read one value and produce one"
    }
    var current = whole.inputs[0]
    var lastOp = -1
    for (k, child) in tree.children(of: module).enumerated() {
      guard child.localName == String(k) else { return "member '\(child.path)' is not named by its position \(k)" }
      let ops = tree.opIndices(child)
      let part = boundary(child)
      guard part.inputs == [current], part.outputs.count == 1, ops.first! > lastOp else {
        return "member '\(child.path)' does not just transform the previous member's result"
      }
      (current, lastOp) = (part.outputs[0], ops.last!)
    }
    return current == whole.outputs[0] ? nil : "its last member's result is not its result"
  }

  /// The `__init__` registrations and `forward` of a block or of the network.
  mutating func classBody(of unit: ModuleNode) throws -> ClassBody {
    var submodules: [(name: SubmoduleName, call: PythonCall)] = []
    var steps: [(ops: [Int], step: ForwardStep)] = []
    for child in tree.children(of: unit) {
      try collect(child, access: nil, into: &submodules, &steps)
    }
    steps.sort { $0.ops[0] < $1.ops[0] }
    let owner = Dictionary(uniqueKeysWithValues: steps.enumerated().flatMap { k, entry in entry.ops.map { ($0, k) } })
    let order = owner.keys.sorted().map { owner[$0]! }
    // A submodule's ops run as one call, so no other op of this class may fall between them.
    for (k, entry) in steps.enumerated() where order.lastIndex(of: k)! - order.firstIndex(of: k)! >= entry.ops.count {
      let name = graph.nodes[entry.ops[0]].name
      let owner = unit.path.isEmpty ? graph.name : unit.path
      throw DiagnosticError(.error("in '\(owner)', the ops from '\(name)' on are interleaved with another module's"))
    }
    return ClassBody(submodules: submodules, forward: ForwardWriter.lines(steps.map(\.step), boundary: boundary(unit)))
  }

  /// Adds `module`'s registration (when it has a module) and its forward steps; `access` is how the enclosing
  /// `nn.ModuleDict` reaches it, nil for a direct submodule of the class.
  private mutating func collect(
    _ module: ModuleNode, access: String?, into submodules: inout [(name: SubmoduleName, call: PythonCall)],
    _ steps: inout [(ops: [Int], step: ForwardStep)]
  ) throws {
    if case .op(let index) = module.kind, access == nil {
      let node = graph.nodes[index]
      if PyTorchLayer.functional(node.op, node.inputs) != nil {
        let step = ForwardStep(inputs: node.inputs, outputs: [node.name]) { PyTorchLayer.functional(node.op, $0)! }
        steps.append(([index], step))
        return
      }
    }
    let name = try SubmoduleName(module.localName, path: module.path)
    let reach = access.map { "\($0)[\(Python.string(module.localName))]" } ?? name.access
    if access == nil {
      submodules.append((name, try constructor(of: module, role: identifierPart(module.localName))))
    }
    if case .container = module.kind, chainProblem(module) != nil {
      for child in tree.children(of: module) {
        try collect(child, access: reach, into: &submodules, &steps)
      }
      return
    }
    let part = boundary(module)
    let step = ForwardStep(inputs: part.inputs, outputs: part.outputs) { "\(reach)(\($0.joined(separator: ", ")))" }
    steps.append((tree.opIndices(module), step))
  }

  /// Files a block instance under the class with the same code, creating the class if it is the first.
  private mutating func register(_ module: ModuleNode, scope: Scope, body: ClassBody) -> Int {
    let template = scope.template ?? "block"
    let key = ([template] + body.forward + body.submodules.map { "\($0.name.name)=\($0.call.skeleton)" })
      .joined(separator: "\n")
    let inChannels = boundary(module).inputs.first.flatMap { shapes[$0]?.dims.dropFirst().first }
    let instance = BlockClass.Instance(
      path: module.path, calls: body.submodules.map(\.call), arguments: scope.arguments, inChannels: inChannels)
    if let index = classByKey[key] {
      classes[index].instances.append(instance)
      return index
    }
    classByKey[key] = classes.count
    classes.append(BlockClass(template: template, body: body, instances: [instance]))
    return classes.count - 1
  }
}

/// A local name as part of a Python identifier (`downsample`, `0`, `relu_1`).
func identifierPart(_ name: String) -> String {
  String(
    name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || Python.isDigit($0)) ? Character($0) : "_" })
}
