// The module tree a graph implies: the network, its scopes, the containers that dotted module names imply
// (`downsample` of `layer1.0.downsample.0`) and the ops in them — what exporters to module-based frameworks
// (PyTorch) rebuild so that parameter names come out the same.

/// One module of the tree.
struct ModuleNode: Sendable {
  enum Kind: Sendable {
    /// The whole network (path "").
    case network
    /// A stage, block or sequential the source declared.
    case scope(Scope)
    /// A module implied only by a dotted name, such as torchvision's `downsample` (an `nn.Sequential`).
    case container
    /// One op; its index in `graph.nodes`.
    case op(Int)
  }

  var kind: Kind
  var path: String
  /// The last component of the path (`0`, `conv1`, `downsample`); "" for the network.
  var localName: String
  /// Full paths of the children, in the order of their first op.
  var children: [String] = []
}

struct ModuleTree: Sendable {
  let graph: Graph
  private(set) var modules: [String: ModuleNode] = [:]

  var root: ModuleNode { modules[""]! }

  func children(of module: ModuleNode) -> [ModuleNode] { module.children.map { modules[$0]! } }

  /// Where an op's module sits: its parameters' module for ops that have parameters (their names are what must
  /// match), its value name otherwise.
  static func modulePath(of node: Node) -> String {
    switch node.op {
    case .conv(let conv): conv.module
    case .batchNorm(let bn): bn.module
    case .linear(let linear): linear.module
    default: node.name
    }
  }

  /// Builds the tree; a node whose module path does not lie under its scope, or a path used for two different
  /// modules, is an error (only hand-edited IR can have either).
  init(_ graph: Graph) throws {
    self.graph = graph
    modules[""] = ModuleNode(kind: .network, path: "", localName: "")
    let scopes = Dictionary(graph.scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    for (index, node) in graph.nodes.enumerated().dropFirst() {
      var parent = ""
      for scope in Scope.chain(of: node.scope, in: scopes) {
        try attach(scope.path, under: parent, kind: .scope(scope), scopes: scopes)
        parent = scope.path
      }
      try attach(Self.modulePath(of: node), under: parent, kind: .op(index), scopes: scopes)
    }
  }

  /// Adds `path` below `parent`, with containers for the components in between.
  private mutating func attach(_ path: String, under parent: String, kind: ModuleNode.Kind, scopes: [String: Scope])
    throws
  {
    if case .scope = kind, modules[path] != nil { return }
    let prefix = parent.isEmpty ? "" : parent + "."
    guard path.hasPrefix(prefix), path.count > prefix.count else {
      throw DiagnosticError(.error("module '\(path)' is not named under its scope '\(parent)'"))
    }
    var current = parent
    let components = path.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
    for (k, component) in components.enumerated() {
      let child = current.isEmpty ? String(component) : current + "." + component
      let isLast = k == components.count - 1
      if let existing = modules[child] {
        guard !isLast, case .container = existing.kind else {
          throw DiagnosticError(.error("module path '\(child)' names two different modules"))
        }
      } else {
        if !isLast && scopes[child] != nil {
          throw DiagnosticError(.error("module '\(path)' lies inside scope '\(child)' but is not declared in it"))
        }
        modules[child] = ModuleNode(kind: isLast ? kind : .container, path: child, localName: String(component))
        modules[current]!.children.append(child)
      }
      current = child
    }
  }

  /// Indices of every op in the module and below it, ascending.
  func opIndices(_ module: ModuleNode) -> [Int] {
    if case .op(let index) = module.kind { return [index] }
    return children(of: module).flatMap { opIndices($0) }.sorted()
  }
}

/// What flows into and out of a set of ops: the values they read that are defined elsewhere (in order of first
/// read) and the values they define that something else reads or the graph returns (in definition order).
struct Boundary: Equatable, Sendable {
  var inputs: [String]
  var outputs: [String]

  init(inputs: [String], outputs: [String]) {
    self.inputs = inputs
    self.outputs = outputs
  }

  init(of indices: [Int], in graph: Graph, users: [String: [Int]]) {
    let members = Set(indices)
    let defined = Set(indices.map { graph.nodes[$0].name })
    var inputs: [String] = []
    for index in indices {
      for operand in graph.nodes[index].inputs where !defined.contains(operand) && !inputs.contains(operand) {
        inputs.append(operand)
      }
    }
    self.inputs = inputs
    outputs = indices.map { graph.nodes[$0].name }.filter { name in
      users[name, default: []].contains { !members.contains($0) }
    }
  }
}
