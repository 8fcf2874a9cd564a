// Lines two graphs up by name: ops by value name, scopes by path, parameters by name. Names are module paths,
// so one block inserted into a stage adds that block's names and leaves every other name where it was.

/// One op of either graph, or of both.
struct AlignedNode {
  var old: Node?
  var new: Node?
  var name: String { (new ?? old)!.name }
}

struct GraphAlignment {
  let old: Graph
  let new: Graph
  /// Every op of both graphs: in the new graph's order, each op only the old graph has placed after the op that
  /// preceded it there.
  let nodes: [AlignedNode]
  let oldScopes: [String: Scope]
  let newScopes: [String: Scope]
  private let oldAliases: [String: String]
  private let newAliases: [String: String]

  init(old: Graph, new: Graph) {
    self.old = old
    self.new = new
    oldScopes = Dictionary(old.scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    newScopes = Dictionary(new.scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    oldAliases = Self.scopeOutputAliases(old, oldScopes)
    newAliases = Self.scopeOutputAliases(new, newScopes)
    let oldByName = Dictionary(old.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let newNames = Set(new.nodes.map(\.name))
    var merged: [AlignedNode] = []
    var placed: Set<String> = []
    var oldIndex = 0
    /// Places the old graph's ops up to the next one still waiting for its match in the new graph.
    func placeRemoved() {
      while oldIndex < old.nodes.count {
        let name = old.nodes[oldIndex].name
        if newNames.contains(name) && !placed.contains(name) { return }
        if !newNames.contains(name) { merged.append(AlignedNode(old: old.nodes[oldIndex], new: nil)) }
        oldIndex += 1
      }
    }
    for node in new.nodes {
      placeRemoved()
      merged.append(AlignedNode(old: oldByName[node.name], new: node))
      placed.insert(node.name)
    }
    placeRemoved()
    nodes = merged
  }

  /// The scope paths enclosing `path` (outermost first), `path` included, as either graph declares them.
  func chain(_ path: String) -> [String] {
    var chain: [String] = []
    var current = path
    while !current.isEmpty, let scope = newScopes[current] ?? oldScopes[current] {
      chain.append(current)
      current = scope.parent
    }
    return chain.reversed()
  }

  /// An operand as a reader sees it: the value, or the stage or block it is the result of (the last op of
  /// `layer3.5` is "the output of layer3" in a ResNet-50 and `layer3.6`'s in a deeper one).
  func operand(_ name: String, inOld: Bool) -> String {
    (inOld ? oldAliases : newAliases)[name] ?? name
  }

  /// For each value that ends a scope, the outermost scope it ends.
  private static func scopeOutputAliases(_ graph: Graph, _ scopes: [String: Scope]) -> [String: String] {
    var lastOp: [String: String] = [:]
    for node in graph.nodes {
      var current = node.scope
      while !current.isEmpty, let scope = scopes[current] {
        lastOp[current] = node.name
        current = scope.parent
      }
    }
    var aliases: [String: String] = [:]
    for node in graph.nodes {
      var current = node.scope
      while !current.isEmpty, let scope = scopes[current], lastOp[current] == node.name {
        aliases[node.name] = "<\(current)>"
        current = scope.parent
      }
    }
    return aliases
  }
}
