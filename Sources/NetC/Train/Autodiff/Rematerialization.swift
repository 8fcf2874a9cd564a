// Trading a little arithmetic for most of the training arena: forward values the backward pass reads that a few
// elementwise ops recompute from values it keeps anyway (a ReLU of a batch norm: its input and statistics) are
// recomputed where the backward pass first needs them instead of being kept from the forward pass until then.

enum Rematerialization {
  /// The most ops one recomputation may take: a block output `relu(add(batchnorm(conv), shortcut(x)))` fits, so
  /// with the previous block's output kept, every other block output is recomputed; a longer chain would buy the
  /// rest at the price of recomputing one from another.
  static let opBudget = 4

  /// `nodes` (a training graph's, forward up to `loss`, then backward) with the recomputations inserted and the
  /// backward readers of each recomputed value reading the copy.
  static func apply(_ nodes: [Node], loss: String) -> [Node] {
    guard let lossIndex = nodes.firstIndex(where: { $0.name == loss }) else { return nodes }
    let forward = Dictionary(uniqueKeysWithValues: nodes[...lossIndex].map { ($0.name, $0) })
    var firstBackwardReader: [String: Int] = [:]
    for index in nodes.indices.dropFirst(lossIndex + 1) {
      for input in nodes[index].inputs where forward[input] != nil && firstBackwardReader[input] == nil {
        firstBackwardReader[input] = index
      }
    }
    // In forward order, so whether an operand stays is known before its readers are considered.
    var kept: Set<String> = []
    var recipes: [(value: String, ops: [String])] = []
    for node in nodes[...lossIndex] where firstBackwardReader[node.name] != nil {
      if let ops = recipe(node.name, forward: forward, kept: kept) {
        recipes.append((node.name, ops))
      } else {
        kept.insert(node.name)
      }
    }
    return inserting(recipes, into: nodes, after: lossIndex, firstReaders: firstBackwardReader)
  }

  /// The forward ops, in program order, that recompute `value` from kept values, if there are few enough and all
  /// are cheap elementwise ones.
  private static func recipe(_ value: String, forward: [String: Node], kept: Set<String>) -> [String]? {
    var ops: [String] = []
    func visit(_ name: String) -> Bool {
      if kept.contains(name) || ops.contains(name) { return true }
      guard let node = forward[name], isCheap(node.op) else { return false }
      for input in node.inputs where !visit(input) { return false }
      ops.append(name)
      return ops.count <= opBudget
    }
    return visit(value) ? ops : nil
  }

  /// Ops that cost one sweep over their result and read only same-sized (or per-channel) values.
  private static func isCheap(_ op: Op) -> Bool {
    switch op {
    case .relu, .add, .shortcutA, .train(.batchNormTrain): true
    default: false
    }
  }

  /// The backward pass with each recipe's ops copied (`%x.recomputed`) just before the first backward op reading
  /// its value, and the backward ops reading the copies.
  private static func inserting(
    _ recipes: [(value: String, ops: [String])], into nodes: [Node], after lossIndex: Int, firstReaders: [String: Int]
  ) -> [Node] {
    var taken = Set(nodes.map(\.name))
    var copiesBefore: [Int: [Node]] = [:]
    var replacement: [String: String] = [:]
    let forward = Dictionary(uniqueKeysWithValues: nodes[...lossIndex].map { ($0.name, $0) })
    for (value, ops) in recipes {
      var renamed: [String: String] = [:]
      for name in ops {
        var copy = forward[name]!
        copy.name = taken.claimUnique(name + ".recomputed")
        copy.inputs = copy.inputs.map { renamed[$0] ?? $0 }
        if case .train(.batchNormTrain(let bn)) = copy.op { copy.op = .train(.batchNormRecompute(bn)) }
        renamed[name] = copy.name
        copiesBefore[firstReaders[value]!, default: []].append(copy)
      }
      replacement[value] = renamed[value]
    }
    var result = Array(nodes[...lossIndex])
    for index in nodes.indices.dropFirst(lossIndex + 1) {
      result += copiesBefore[index] ?? []
      var node = nodes[index]
      node.inputs = node.inputs.map { replacement[$0] ?? $0 }
      result.append(node)
    }
    return result
  }
}
