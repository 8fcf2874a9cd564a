// The IR graph: the one contract between the front end, the passes, the interpreter and the C back end.

/// One op and the value it produces. The value is named after the layer (`layer1.0.conv1`), so names are
/// stable across compilations and diff well.
public struct Node: Hashable, Sendable {
  public var name: String
  public var op: Op
  /// Names of the operand values, each produced by an earlier node.
  public var inputs: [String]
  public var shape: Shape
  /// Path of the innermost stage, block or sequential the node belongs to (`layer1.0`); empty at top level.
  public var scope: String

  public init(name: String, op: Op, inputs: [String], shape: Shape, scope: String = "") {
    self.name = name
    self.op = op
    self.inputs = inputs
    self.shape = shape
    self.scope = scope
  }
}

/// A structural unit of the source program, kept in the IR so dumps, diffs and pictures show the network
/// the way its author wrote it (stages of blocks), not only as a flat list of ops.
public struct Scope: Hashable, Sendable {
  public enum Kind: String, Hashable, Sendable {
    /// A block repeated N times (`layer2 = bottleneck(128, stride = 2) * 4`).
    case stage
    /// One instance of a block template.
    case block
    /// Layers named by their position (`features.0`, `features.1`, …), as PyTorch's `nn.Sequential`.
    case sequential
  }

  /// A block argument as the source evaluated it, already spelled for the IR text (`planes=64`).
  public struct Argument: Hashable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public var path: String
  public var kind: Kind
  /// The block template (for `.block` and `.stage`); nil for `.sequential`.
  public var template: String?
  /// For `.block`: the template's arguments after defaults; for `.stage`: `count`.
  public var arguments: [Argument]
  /// Path of the enclosing scope; empty at top level.
  public var parent: String

  /// The scope at `path` and its enclosing scopes, outermost first; empty for the top level.
  public static func chain(of path: String, in scopes: [String: Scope]) -> [Scope] {
    var chain: [Scope] = []
    var current = path
    while !current.isEmpty, let scope = scopes[current] {
      chain.append(scope)
      current = scope.parent
    }
    return chain.reversed()
  }

  public init(path: String, kind: Kind, template: String? = nil, arguments: [Argument] = [], parent: String = "") {
    self.path = path
    self.kind = kind
    self.template = template
    self.arguments = arguments
    self.parent = parent
  }
}

public struct Graph: Hashable, Sendable {
  public var name: String
  /// Nodes in program order, which is a topological order; the first node is the `input`.
  public var nodes: [Node]
  /// The value the network returns.
  public var output: String
  /// Every scope, parents before children, in program order.
  public var scopes: [Scope]

  public init(name: String, nodes: [Node], output: String, scopes: [Scope] = []) {
    self.name = name
    self.nodes = nodes
    self.output = output
    self.scopes = scopes
  }

  public var input: Node { nodes[0] }
  public var batch: Int { nodes[0].shape.batch }
  public var outputShape: Shape { node(named: output)!.shape }

  public func node(named name: String) -> Node? {
    nodes.first { $0.name == name }
  }

  /// Node index by value name, for stages that look up many operands.
  public func indexByName() -> [String: Int] {
    Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
  }

  /// For every value, the indices of the nodes that read it (the graph output counts as a use at `nodes.count`).
  public func users() -> [String: [Int]] {
    var users: [String: [Int]] = [:]
    for (i, node) in nodes.enumerated() {
      for input in node.inputs { users[input, default: []].append(i) }
    }
    users[output, default: []].append(nodes.count)
    return users
  }
}
