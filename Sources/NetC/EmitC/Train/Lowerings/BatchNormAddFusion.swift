// A batch norm read only by the residual add after it is applied by the add's function, to the batch norm's
// input and statistics: one sweep over the activation fewer (its result is neither written nor read back), the
// same numbers.

enum BatchNormAddFusion {
  /// `layers` (the training graph's, with `inPlace` set from the plan, after `ReLUFusion`) with such batch norms
  /// applied by their add. The add reads the batch norm's operands where the batch norm ran, so they must not die
  /// before it (the plan may give their memory to a value in between) unless the batch norm wrote over its input,
  /// whose memory then stays the skipped result's until the add.
  static func apply(_ layers: [TrainingLayer], graph: Graph) -> [TrainingLayer] {
    let readers = layers.readers(in: graph)
    let position = layers.indexByValue
    // Whether `value` is read at the add (`index`) or after it.
    func readLater(_ value: String, than index: Int) -> Bool { readers[value]!.last! >= index }
    var result = layers
    for (index, entry) in layers.enumerated() {
      guard var add = entry.lowering as? NCHWAddLowering, add.batchNorm == nil else { continue }
      let node = entry.layer.node
      guard readers[node.inputs[0]] == [index], let producer = position[node.inputs[0]],
        let normalization = result[producer].lowering as? TrainingOpLowering, !normalization.relu
      else { continue }
      let bn: BatchNorm
      switch normalization.op {
      case .batchNormTrain(let op), .batchNormRecompute(let op): bn = op
      default: continue
      }
      let normalized = result[producer].layer
      // The batch norm's input and its statistics.
      let operands = normalized.node.inputs
      let live = operands.allSatisfy { $0 == graph.input.name || readLater($0, than: index) }
      guard live || normalized.inPlace && readLater(operands[1], than: index) else { continue }
      add.batchNorm = (bn, operands)
      result[index].lowering = add
      result[producer].lowering = DoneByLowering(into: entry.function, verb: "applied")
    }
    return result
  }
}
