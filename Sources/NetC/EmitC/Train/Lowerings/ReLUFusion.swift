// A ReLU that overwrites the batch norm or residual add it reads, its only reader, is applied by that op's
// function while each plane is in cache: one sweep over the activation fewer, the same numbers.

enum ReLUFusion {
  /// `layers` (the training graph's, with `inPlace` set from the plan) with such ReLUs moved into their operand's
  /// layer.
  static func apply(_ layers: [TrainingLayer], graph: Graph) -> [TrainingLayer] {
    var readers: [String: Int] = [:]
    for node in graph.nodes {
      for input in Set(node.inputs) { readers[input, default: 0] += 1 }
    }
    let position = Dictionary(uniqueKeysWithValues: layers.indices.map { (layers[$0].layer.node.name, $0) })
    var result = layers
    for (index, entry) in layers.enumerated() where entry.layer.node.op == .relu && entry.layer.inPlace {
      let operand = entry.layer.node.inputs[0]
      guard readers[operand] == 1, let producer = position[operand],
        let fused = withReLU(result[producer].lowering)
      else { continue }
      result[producer].lowering = fused
      result[index].lowering = DoneByLowering(into: result[producer].function, verb: "applied")
    }
    return result
  }

  /// The lowering that also applies the ReLU, if the op can.
  private static func withReLU(_ lowering: any TrainingLowering) -> (any TrainingLowering)? {
    if var batchNorm = lowering as? TrainingOpLowering, !batchNorm.relu {
      switch batchNorm.op {
      case .batchNormTrain, .batchNormRecompute:
        batchNorm.relu = true
        return batchNorm
      default:
        return nil
      }
    }
    if var add = lowering as? NCHWAddLowering, !add.add.relu {
      add.add.relu = true
      return add
    }
    return nil
  }
}

/// An op another layer's function does (a fusion's), so its own layer has no function.
struct DoneByLowering: TrainingLowering {
  var into: String
  /// What `into` does with the op: "applied", "summed", "added".
  var verb: String
  var summary: String { "done by \(into)" }
  var kernels: [CKernel] { [] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? { nil }
  var nothingToDo: String { "\(verb) by \(into), nothing to do" }
}
