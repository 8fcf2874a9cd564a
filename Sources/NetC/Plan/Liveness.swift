// Liveness of the activations of a scheduled graph, and which values share storage because an op writes its
// result over an operand that dies there.

/// A run of values stored in one place, each written over the previous one by the op that defines it.
struct StorageGroup {
  var values: [String]
  var bytes: Int
  /// Node indices of the first definition and the last use (inclusive).
  var firstUse: Int
  var lastUse: Int

  func overlapsInTime(_ other: StorageGroup) -> Bool {
    firstUse <= other.lastUse && other.firstUse <= lastUse
  }
}

extension MemoryPlanner {
  /// For every value, the index of the last node reading it; the output is read at the last node, so it
  /// survives to the end, and a value nobody reads dies where it is defined. A training graph's parameter
  /// gradients are results too: the optimizer reads them after the last node.
  static func lastUses(_ graph: Graph) -> [String: Int] {
    var last: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      last[node.name] = index
      for input in node.inputs { last[input] = index }
    }
    for result in [graph.output] + graph.parameterGradients.map(\.value) { last[result] = graph.nodes.count - 1 }
    return last
  }

  /// The operand whose storage node `index` may write its result into, if any: the operand must die at this
  /// node (not be the output, not be read by it otherwise) and have the result's size.
  ///
  /// - An unfused `relu`, `batchnorm` or `dropout` works element by element, so `y[i]` can overwrite `x[i]`.
  /// - A conv with an identity residual epilogue reads `r[i]` only to add it to the accumulator that becomes
  ///   `y[i]`, so it can accumulate into `r`'s buffer; never when `r` is also the conv's input, whose
  ///   neighbourhood the conv still reads after writing `y[i]`.
  static func inPlaceOperand(of index: Int, in graph: Graph, lastUses: [String: Int]) -> String? {
    let node = graph.nodes[index]
    let candidate: String
    switch node.op {
    case .relu, .batchNorm, .dropout:
      candidate = node.inputs[0]
    case .conv(let conv) where conv.epilogue.residual == .identity && node.inputs[1] != node.inputs[0]:
      candidate = node.inputs[1]
    case .train(let op):
      guard let operand = op.inPlaceOperand else { return nil }
      candidate = node.inputs[operand]
    default:
      return nil
    }
    guard lastUses[candidate] == index, candidate != graph.output,
      node.inputs.filter({ $0 == candidate }).count == 1
    else { return nil }
    return candidate
  }

  /// The graph's values grouped by shared storage, in program order of their first value. Sizes are whole
  /// 64-byte lines, because every buffer starts at an aligned offset.
  static func storageGroups(_ graph: Graph) -> [StorageGroup] {
    let lastUses = lastUses(graph)
    var groups: [StorageGroup] = []
    var groupOf: [String: Int] = [:]
    for (index, node) in graph.nodes.enumerated() {
      let bytes = alignedSize(node.shape.byteCount)
      if let operand = inPlaceOperand(of: index, in: graph, lastUses: lastUses), let group = groupOf[operand] {
        groups[group].values.append(node.name)
        groups[group].lastUse = lastUses[node.name] ?? index
        groupOf[node.name] = group
      } else {
        groupOf[node.name] = groups.count
        let lastUse = lastUses[node.name] ?? index
        groups.append(StorageGroup(values: [node.name], bytes: bytes, firstUse: index, lastUse: lastUse))
      }
    }
    return groups
  }

  /// One group per op that asked for scratch memory, live only while that op runs, in program order.
  static func scratchGroups(_ graph: Graph, scratch: [String: Int]) -> [StorageGroup] {
    graph.nodes.enumerated().compactMap { index, node in
      guard let bytes = scratch[node.name], bytes > 0 else { return nil }
      let name = MemoryPlan.scratchName(of: node.name)
      return StorageGroup(values: [name], bytes: alignedSize(bytes), firstUse: index, lastUse: index)
    }
  }

  static func alignedSize(_ bytes: Int) -> Int {
    (bytes + MemoryPlan.alignment - 1) / MemoryPlan.alignment * MemoryPlan.alignment
  }
}

extension MemoryPlan {
  /// The name under which the plan lists the scratch buffer of op `name` (`layer1.0.conv2#scratch`); `#`
  /// never occurs in a value name, so it cannot clash with one.
  public static func scratchName(of name: String) -> String { name + "#scratch" }

  /// Whether a name in the plan is a layer's scratch buffer rather than a value.
  public static func isScratchName(_ name: String) -> Bool { name.hasSuffix("#scratch") }
}
