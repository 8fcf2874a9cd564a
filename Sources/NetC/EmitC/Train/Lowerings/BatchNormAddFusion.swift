// A batch norm read only by the residual add after it is applied by the add's function, to the batch norm's
// input and statistics: one sweep over the activation fewer (its result is neither written nor read back), the
// same numbers.

enum BatchNormAddFusion {
  /// `layers` (the training graph's, with `inPlace` set from the plan, after `ReLUFusion`) with such batch norms
  /// applied by their add. The add reads the batch norm's operands where the batch norm ran, so they must not die
  /// before it (the plan may give their memory to a value in between) unless the batch norm wrote over its input,
  /// whose memory then stays the skipped result's until the add.
  static func apply(_ layers: [TrainingLayer], graph: Graph) -> [TrainingLayer] {
    let users = graph.users()
    let lastUse = MemoryPlanner.lastUses(graph)
    let position = Dictionary(uniqueKeysWithValues: layers.indices.map { (layers[$0].layer.node.name, $0) })
    var result = layers
    for (index, entry) in layers.enumerated() {
      guard var add = entry.lowering as? NCHWAddLowering, add.batchNorm == nil else { continue }
      let node = entry.layer.node
      // Layer i is node i + 1 of the graph.
      guard users[node.inputs[0]] == [index + 1], let producer = position[node.inputs[0]],
        let normalization = result[producer].lowering as? TrainingOpLowering, !normalization.relu
      else { continue }
      let normalized = result[producer].layer
      let operands = normalized.node.inputs
      let live = operands.allSatisfy { $0 == graph.input.name || lastUse[$0]! >= index + 1 }
      guard live || normalized.inPlace && lastUse[operands[1]]! >= index + 1 else { continue }
      switch normalization.op {
      case .batchNormTrain(let bn), .batchNormRecompute(let bn): add.batchNorm = (bn, operands)
      default: continue
      }
      result[index].lowering = add
      result[producer].lowering = DoneByLowering(into: entry.function, verb: "applied")
    }
    return result
  }
}
