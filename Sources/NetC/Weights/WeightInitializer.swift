// Fresh weights for a graph, deterministic for a seed: the initialization of torchvision's ResNet (He et al.
// 2015) for convs, PyTorch's defaults for linear layers and biases, and identity batch norms, optionally
// randomized and calibrated so that tests exercise batch-norm folding with realistic statistics.

import Foundation

/// Every tensor draws from its own stream, `RandomSource(seed: seed, stream: name)`, so its values depend only
/// on the seed and its name, not on the other layers of the network.
///
/// - conv weight `[out, in/groups, kh, kw]`: normal, std `√(2 / fan_out)`, `fan_out = out·kh·kw` (torchvision's
///   `kaiming_normal_(mode="fan_out", nonlinearity="relu")`, fan-out computed as PyTorch does, groups or not);
/// - linear weight `[out, in]`: uniform in `±1/√in` (PyTorch's default, `kaiming_uniform_(a=√5)`);
/// - conv and linear bias: uniform in `±1/√fan_in`, `fan_in` = the weight's elements per output (PyTorch's);
/// - batch norm: γ = 1, β = 0, running mean 0, running variance 1 (torchvision's).
///
/// With `randomizeBatchNorm`, γ is uniform in [0.5, 1) — in [0.1, 0.3) for a batch norm that ends a residual
/// branch (see `residualBranchEnds`) — and β in [−0.25, 0.25); then each batch norm's running
/// statistics are calibrated, in program order, on a seeded standard-normal input of the graph's input shape
/// (batch included): the per-channel mean and variance of the batch norm's input over batch and space, each
/// shrunk toward the layer's average as if the layer added 16 samples (deep layers of a small input see few
/// positions per channel) with 1% of the layer's variance added, then the mean shifted by `0.1·σ·z` and the
/// variance scaled by `exp(0.2·z)` (`z` standard normal, per channel). Every batch norm then roughly
/// normalizes what it sees, as a trained network's do, so activations stay well scaled however deep the net
/// (ResNet-152's logits stay below 100), while mean ≠ 0, variance ≠ 1, γ ≠ 1, β ≠ 0 make any mistake in
/// folding visible. A branch that adds as much as the running sum carries makes a deep stack amplify float32
/// rounding by thousands: ResNet-152 at 224x224 with unit-gain branches differs from float64 by 2e-4 of its
/// largest logit in every float32 engine (PyTorch, ONNX Runtime, OpenVINO), PyTorch by 4e-6 with these
/// branch ends. Trained networks keep branches small against the sum (their last batch norm's γ is small;
/// Goyal et al. 2017 start it at 0), and so do these weights.
public struct WeightInitializer: Hashable, Sendable {
  public var seed: UInt64
  public var randomizeBatchNorm: Bool

  /// Names this scheme in file metadata (`netc.init`); it changes whenever the values a seed gives change,
  /// so fixtures made with an older scheme are recognized as stale.
  public static let scheme = "netc-init-3"

  public init(seed: UInt64 = 0, randomizeBatchNorm: Bool = false) {
    self.seed = seed
    self.randomizeBatchNorm = randomizeBatchNorm
  }

  /// Metadata describing how weights were made, for the safetensors header.
  public var metadata: [String: String] {
    ["netc.init": Self.scheme, "netc.seed": String(seed), "netc.randomize_bn": String(randomizeBatchNorm)]
  }

  /// One tensor per parameter of the graph, in `graph.parameters` order.
  public func weights(for graph: Graph) throws -> Weights {
    let parameters = graph.parameters
    let shapes = Dictionary(parameters.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
    let branchEnds = randomizeBatchNorm ? Self.residualBranchEnds(graph) : []
    let weights = Weights(parameters.map { ($0.name, initialValue($0, shapes, branchEnds)) })
    return randomizeBatchNorm ? try calibrateBatchNorms(graph, weights) : weights
  }

  private func initialValue(_ parameter: Parameter, _ shapes: [String: Shape], _ branchEnds: Set<String>) -> Tensor {
    var random = RandomSource(seed: seed, stream: parameter.name)
    let shape = parameter.shape
    func filled(_ value: () -> Double) -> Tensor {
      Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in Float(value()) })
    }
    switch parameter.role {
    case .weight where shape.rank == 4:
      let standardDeviation = (2 / Double(shape.dims[0] * shape.dims[2] * shape.dims[3])).squareRoot()
      return filled { random.normal() * standardDeviation }
    case .weight:
      let bound = 1 / Double(shape.dims[1]).squareRoot()
      return filled { random.uniform(-bound, bound) }
    case .bias:
      // The weight's name: `<module>.bias` → `<module>.weight`.
      let weight = shapes[String(parameter.name.dropLast("bias".count)) + "weight"]
      let fanIn = weight.map { $0.itemCount } ?? 1
      let bound = 1 / Double(fanIn).squareRoot()
      return filled { random.uniform(-bound, bound) }
    case .bnWeight where branchEnds.contains(String(parameter.name.dropLast(".weight".count))):
      return filled { random.uniform(0.1, 0.3) }
    case .bnWeight:
      return randomizeBatchNorm ? filled { random.uniform(0.5, 1) } : filled { 1 }
    case .bnBias:
      return randomizeBatchNorm ? filled { random.uniform(-0.25, 0.25) } : filled { 0 }
    case .runningMean:
      return filled { 0 }
    case .runningVar:
      return filled { 1 }
    }
  }

  /// The modules of the batch norms that end a residual branch: each computes the main operand of an add (its
  /// first; the conv that a fused add's epilogue joins) rather than the shortcut the branch is added to.
  static func residualBranchEnds(_ graph: Graph) -> Set<String> {
    var ends: Set<String> = []
    for node in graph.nodes {
      switch node.op {
      case .add:
        if case .batchNorm(let bn) = graph.node(named: node.inputs[0])?.op { ends.insert(bn.module) }
      case .conv(let conv) where conv.epilogue.residual != nil:
        if let bn = conv.epilogue.batchNorm { ends.insert(bn.module) }
      default:
        break
      }
    }
    return ends
  }
}
