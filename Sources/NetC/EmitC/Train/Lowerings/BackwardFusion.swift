// Backward ops the training graph keeps apart, done by fewer C functions, each sweep over an activation saved
// with the same numbers: a batch norm's two parameter gradients summed in one sweep; the ReLU after it masked
// inside its backward kernels (recomputed from its input) instead of in a sweep of its own; and a value's
// gradients added up by the ReLU gradient that reads their sum.

enum BackwardFusion {
  /// `layers` (the training graph's, with `inPlace` set from the plan, after `ReLUFusion`) with those ops fused.
  static func apply(_ layers: [TrainingLayer], graph: Graph) -> [TrainingLayer] {
    var fusion = Fusion(layers: layers, graph: graph)
    fusion.fuseBatchNormGradients()
    fusion.fuseGradientSums()
    return fusion.layers
  }
}

private struct Fusion {
  var layers: [TrainingLayer]
  let graph: Graph
  let position: [String: Int]
  let readers: [String: [Int]]

  init(layers: [TrainingLayer], graph: Graph) {
    self.layers = layers
    self.graph = graph
    position = layers.indexByValue
    readers = layers.readers(in: graph)
  }

  /// `batchnorm_grad_weight` sums β's gradient too when its `bias_grad` comes right after it and reads the same
  /// gradient. It writes that value one layer early, which is safe when no operand dies at the first layer (the
  /// plan may give a dying operand's memory to the later value); then nothing the layer reads shares its memory.
  mutating func fuseBatchNormGradients() {
    for index in layers.indices.dropLast() {
      let node = layers[index].layer.node, next = layers[index + 1].layer.node
      guard case .train(.batchNormGradWeight(let bn)) = node.op, next.op == .train(.biasGrad(module: bn.module)),
        next.inputs == [node.inputs[0]], node.inputs.allSatisfy({ readers[$0]!.contains { $0 > index + 1 } })
      else { continue }
      let relu = maskedReLUGradient(of: node, bn: bn, sums: index...index + 1)
      layers[index].lowering = TrainingOpLowering(
        op: .batchNormGradWeight(bn), relu: relu != nil, biasGradient: next.name)
      layers[index + 1].lowering = DoneByLowering(into: layers[index].function, verb: "summed")
      guard let relu else { continue }
      layers[relu].lowering = DoneByLowering(into: layers[index].function, verb: "applied")
      for reader in readers[node.inputs[0]]! where reader > index + 1 {
        layers[reader].lowering = TrainingOpLowering(op: .batchNormGradInput(bn), relu: true)
      }
    }
  }

  /// The layer of the `relu_grad` that made `node`'s gradient, when the batch norm's backward kernels can apply it
  /// instead: it reads a ReLU of this batch norm (so the mask is the batch norm's result recomputed from its input
  /// and statistics, which the kernels read anyway), it wrote over its operand (so that memory holds the unmasked
  /// gradient), and its result goes only to the batch norm's backward ops (`sums`, then `batchnorm_grad_input`).
  private func maskedReLUGradient(of node: Node, bn: BatchNorm, sums: ClosedRange<Int>) -> Int? {
    let dy = node.inputs[0]
    // `node(named:)` scans the graph, a few times per batch norm: no hot path.
    guard let relu = position[dy], layers[relu].layer.inPlace, let gradient = graph.node(named: dy),
      gradient.op == .train(.reluGrad), let y = graph.node(named: gradient.inputs[1]), y.op == .relu,
      let normalized = graph.node(named: y.inputs[0]), normalized.inputs == Array(node.inputs[1...2])
    else { return nil }
    switch normalized.op {
    case .train(.batchNormTrain(let forward)), .train(.batchNormRecompute(let forward)):
      guard forward.module == bn.module else { return nil }
    default:
      return nil
    }
    let others = readers[dy]!.filter { !sums.contains($0) }
    let inputGradients = others.allSatisfy {
      let reader = layers[$0].layer.node
      return reader.op == .train(.batchNormGradInput(bn)) && Array(reader.inputs[0...2]) == node.inputs
    }
    return inputGradients && !others.isEmpty ? relu : nil
  }

  /// An `accumulate` read only by the `relu_grad` right after it, which writes over it: the ReLU gradient adds
  /// the terms itself, a block at a time while it is in cache. The terms die at the sum, and nothing is defined
  /// between the two layers but the in-place result, so their memory is intact when the later layer reads it.
  mutating func fuseGradientSums() {
    for index in layers.indices.dropLast() {
      let node = layers[index].layer.node, next = layers[index + 1]
      guard node.op == .train(.accumulate), next.layer.node.op == .train(.reluGrad), next.layer.inPlace,
        next.layer.node.inputs[0] == node.name, readers[node.name] == [index + 1],
        next.lowering is TrainingOpLowering
      else { continue }
      layers[index + 1].lowering = ReLUGradientSumLowering(terms: node.inputs)
      layers[index].lowering = DoneByLowering(into: next.function, verb: "added")
    }
  }
}

/// A `relu_grad` that adds up the gradients its operand is the sum of (`BackwardFusion`).
struct ReLUGradientSumLowering: TrainingLowering {
  var terms: [String]
  var summary: String { "sum of gradients, then backward" }
  var kernels: [CKernel] { [.reluGradSum] }
  func operands(_ layer: Layer) -> [String] { terms.indices.map { "term\($0)" } + ["y"] }
  func operandValues(_ layer: Layer) -> [String] { terms + [layer.node.inputs[1]] }
  var splitsWork: Bool { true }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    CText.wrapped("const float *const terms[] = {", terms.indices.map { "term\($0)" }, "};")
      + CText.call("netc_relu_grad_sum", ["team", "\(layer.shape.elementCount)", "\(terms.count)", "terms", "y", "out"])
  }
}
