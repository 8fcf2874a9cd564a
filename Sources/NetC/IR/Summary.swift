// Per-layer cost of a graph (trainable parameters and multiply-accumulates), for `netc summary` and for
// comparing a network against the figures its paper reports.

/// One node's row in a summary.
public struct LayerSummary: Hashable, Sendable {
  public var name: String
  public var op: String
  public var shape: Shape
  /// Trainable parameters the node reads (running statistics excluded, as `trainableParameterCount`).
  public var parameters: Int
  /// Multiply-accumulates of convolutions and fully connected layers, the figure papers report as FLOPs.
  public var multiplyAccumulates: Int
}

extension Graph {
  /// One row per node, in program order.
  public var layerSummaries: [LayerSummary] {
    let index = indexByName()
    return nodes.map { node in
      let inputShapes = node.inputs.map { nodes[index[$0]!].shape }
      let parameters = node.parameters(inputShapes: inputShapes).filter(\.isTrainable)
      return LayerSummary(
        name: node.name, op: node.op.mnemonic, shape: node.shape,
        parameters: parameters.reduce(0) { $0 + $1.shape.elementCount },
        multiplyAccumulates: node.multiplyAccumulates(inputShapes: inputShapes))
    }
  }

  /// Multiply-accumulates of one forward pass over the whole batch.
  public var multiplyAccumulateCount: Int {
    layerSummaries.reduce(0) { $0 + $1.multiplyAccumulates }
  }
}

extension Node {
  /// Multiply-accumulates of a convolution or fully connected layer; zero for every other op.
  public func multiplyAccumulates(inputShapes: [Shape]) -> Int {
    switch op {
    case .conv(let conv):
      return shape.elementCount * (inputShapes[0].channels / conv.groups) * conv.kernel.h * conv.kernel.w
    case .linear:
      return shape.elementCount * inputShapes[0].channels
    case .train(let op):
      return op.multiplyAccumulates(shape: shape, inputShapes: inputShapes)
    case .input, .batchNorm, .relu, .add, .shortcutA, .maxPool, .avgPool, .adaptiveAvgPool, .flatten, .dropout, .lrn,
      .softmax:
      return 0
    }
  }
}
