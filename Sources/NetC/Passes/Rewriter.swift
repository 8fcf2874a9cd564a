// The one-walk rewriting scheme every pass shares: nodes are copied in program order, and a pass may drop a
// node (forwarding its uses to a surviving value), change an earlier node, or take an earlier node out to
// put it back later.

/// A graph being rebuilt in program order from an original graph.
struct Rewriter {
  private let original: Graph
  private let users: [String: [Int]]
  private var nodes: [Node?] = []
  private var position: [String: Int] = [:]
  /// Dropped values and the value that now stands for each.
  private var forwarded: [String: String] = [:]

  init(_ graph: Graph) {
    original = graph
    users = graph.users()
  }

  /// Whether exactly one node reads `value` in the original graph, once, and it is not the output. After a
  /// fusion the fused value stands for the last value of its chain, whose users are those of that value, so
  /// asking about the operand as originally written is right even for chains such as `relu(relu(conv))`.
  func hasSingleUse(_ value: String) -> Bool { users[value]?.count == 1 }

  /// The surviving value a name now refers to.
  func resolve(_ name: String) -> String {
    var current = name
    while let next = forwarded[current] { current = next }
    return current
  }

  /// The rebuilt node that `name` (resolved) refers to, if it is still in the graph.
  func node(_ name: String) -> Node? {
    position[resolve(name)].flatMap { nodes[$0] }
  }

  /// Appends a node, its operands renamed to the values that now stand for them.
  mutating func emit(_ node: Node) {
    var node = node
    node.inputs = node.inputs.map(resolve)
    position[node.name] = nodes.count
    nodes.append(node)
  }

  /// Leaves `node` out; its users read `replacement` instead.
  mutating func drop(_ node: Node, forwardingTo replacement: String) {
    forwarded[node.name] = resolve(replacement)
  }

  /// Changes a node already rebuilt (found by its resolved name).
  mutating func update(_ name: String, _ change: (inout Node) -> Void) {
    guard let index = position[resolve(name)], var node = nodes[index] else { return }
    change(&node)
    nodes[index] = node
  }

  /// Takes a rebuilt node out, to delete it or to emit it again at a later position.
  mutating func remove(_ name: String) {
    let resolved = resolve(name)
    guard let index = position[resolved] else { return }
    nodes[index] = nil
    position[resolved] = nil
  }

  /// The rebuilt graph, without the scopes it no longer has nodes in.
  var graph: Graph {
    Graph(
      name: original.name, nodes: nodes.compactMap { $0 }, output: resolve(original.output), scopes: original.scopes
    ).withoutEmptyScopes()
  }
}

extension Graph {
  /// The graph keeping only scopes that hold a node or enclose one: the text form cannot show an empty scope,
  /// so this is what reading a pass's dump back gives.
  func withoutEmptyScopes() -> Graph {
    let parents = Dictionary(scopes.map { ($0.path, $0.parent) }, uniquingKeysWith: { first, _ in first })
    var used: Set<String> = []
    for node in nodes {
      var path = node.scope
      while !path.isEmpty, used.insert(path).inserted { path = parents[path] ?? "" }
    }
    var graph = self
    graph.scopes.removeAll { !used.contains($0.path) }
    return graph
  }
}
