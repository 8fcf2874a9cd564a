// The named parameter tensors an IR graph reads, with torchvision's `state_dict` names and shapes.

public struct Parameter: Hashable, Sendable {
  public enum Role: String, Hashable, Sendable {
    case weight, bias
    /// Batch-norm scale (γ) and shift (β).
    case bnWeight, bnBias
    /// Batch-norm statistics: part of the state, not trained by gradient descent.
    case runningMean, runningVar
  }

  public var name: String
  public var shape: Shape
  public var role: Role

  public init(name: String, shape: Shape, role: Role) {
    self.name = name
    self.shape = shape
    self.role = role
  }

  /// Whether SGD updates it; running statistics are updated by the forward pass instead.
  public var isTrainable: Bool { role != .runningMean && role != .runningVar }
}

extension Graph {
  /// Every parameter tensor in program order, each name once (a graph may not reuse a module).
  public var parameters: [Parameter] {
    let index = indexByName()
    return nodes.flatMap { node in
      node.parameters(inputShapes: node.inputs.map { nodes[index[$0]!].shape })
    }
  }

  /// The count that papers and torchvision report: trainable parameters (BN γ and β included,
  /// running statistics not).
  public var trainableParameterCount: Int {
    parameters.filter(\.isTrainable).reduce(0) { $0 + $1.shape.elementCount }
  }
}

extension Node {
  /// The parameters this node reads, given the shapes of its operands.
  public func parameters(inputShapes: [Shape]) -> [Parameter] {
    switch op {
    case .conv(let conv):
      let inChannels = inputShapes[0].channels
      var params = [
        Parameter(
          name: conv.module + ".weight",
          shape: Shape([conv.outChannels, inChannels / conv.groups, conv.kernel.h, conv.kernel.w]), role: .weight)
      ]
      if conv.hasBias {
        params.append(Parameter(name: conv.module + ".bias", shape: Shape([conv.outChannels]), role: .bias))
      }
      if let bn = conv.epilogue.batchNorm {
        params += batchNormParameters(module: bn.module, channels: conv.outChannels)
      }
      return params
    case .batchNorm(let bn):
      return batchNormParameters(module: bn.module, channels: shape.channels)
    case .linear(let linear):
      var params = [
        Parameter(
          name: linear.module + ".weight", shape: Shape([linear.outFeatures, inputShapes[0].channels]), role: .weight)
      ]
      if linear.hasBias {
        params.append(Parameter(name: linear.module + ".bias", shape: Shape([linear.outFeatures]), role: .bias))
      }
      return params
    case .train(let op):
      return op.parameters(shape: shape)
    case .input, .relu, .add, .shortcutA, .maxPool, .avgPool, .adaptiveAvgPool, .flatten, .dropout, .lrn, .softmax:
      return []
    }
  }
}

/// The four tensors of a batch norm over `channels`, in torchvision's order.
public func batchNormParameters(module: String, channels: Int) -> [Parameter] {
  let shape = Shape([channels])
  return [
    Parameter(name: module + ".weight", shape: shape, role: .bnWeight),
    Parameter(name: module + ".bias", shape: shape, role: .bnBias),
    Parameter(name: module + ".running_mean", shape: shape, role: .runningMean),
    Parameter(name: module + ".running_var", shape: shape, role: .runningVar),
  ]
}
