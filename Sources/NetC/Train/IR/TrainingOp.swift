// The ops only training graphs use: the forward pass in training mode, the loss, and one or more backward ops
// per forward op. They live behind the single `Op.train` case so inference stages need not know them.

/// A training-graph op. Backward ops are named `<forward>_grad…`; an operand written `%dy` is the gradient of
/// the forward op's result, and the op's result is the gradient of one forward operand or parameter.
public enum TrainingOp: Hashable, Sendable {
  /// `batchnorm_stats(%x)`: `[2, C]`, the batch's per-channel mean (row 0) and biased variance (row 1) over
  /// `N·H·W`. Running it also updates the running statistics as PyTorch does:
  /// `running = (1 − momentum)·running + momentum·batch`, with the unbiased variance `var·n/(n−1)`.
  case batchNormStats(BatchNorm)
  /// `batchnorm_train(%x, %stats)`: batch norm with the batch's statistics. Reads the module's γ and β.
  case batchNormTrain(BatchNorm)
  /// `batchnorm_recompute(%x, %stats)`: `batchnorm_train`'s result again, in the backward pass, from the input
  /// and statistics it keeps anyway, so the forward pass need not keep the result (or a ReLU's of it) until then.
  /// Reads γ and β but lists them nowhere: the forward op does.
  case batchNormRecompute(BatchNorm)
  /// `dropout_train(%x)`: `x·mask/(1−p)`, the mask recomputed wherever needed from the step's seed (see
  /// `DropoutMask`), so nothing is stored between the forward and the backward pass.
  case dropoutTrain(DropoutMask)
  /// `softmax_cross_entropy(%logits)`: `[1]`, the mean over the batch of `−log softmax(logits)[label]`; the
  /// integer class labels are an input of the training step, like the weights.
  case softmaxCrossEntropy
  /// `softmax_cross_entropy_grad(%logits)`: `(softmax(logits) − onehot(label)) / N`, the loss's gradient.
  case softmaxCrossEntropyGrad
  /// `conv2d_grad_input(%dy)`: the gradient of the conv's input (a transposed convolution with its weight).
  case convGradInput(ConvGradInput)
  /// `conv2d_grad_weight(%dy, %x)`: the gradient of `<module>.weight`.
  case convGradWeight(Conv)
  /// `bias_grad(%dy)`: the gradient of a per-channel bias `<module>.bias` (conv, linear, or batch norm's β):
  /// `dy` summed over everything but its channels.
  case biasGrad(module: String)
  /// `batchnorm_grad_weight(%dy, %x, %stats)`: the gradient of γ, `Σ dy·x̂` per channel.
  case batchNormGradWeight(BatchNorm)
  /// `batchnorm_grad_input(%dy, %x, %stats, %dgamma, %dbeta)`: the gradient of the input with batch
  /// statistics, `γ/σ · (dy − (dβ + x̂·dγ)/n)`, reusing the parameter gradients as the two reductions it
  /// needs.
  case batchNormGradInput(BatchNorm)
  /// `relu_grad(%dy, %y)`: `dy` where the ReLU's result `y` is positive, 0 elsewhere.
  case reluGrad
  /// `maxpool_grad(%dy, %x)`: each `dy` goes to its window's maximum in `x` (first one in row-major order).
  case maxPoolGrad(Pool)
  /// `avgpool_grad(%dy)`: each `dy` spread evenly over its window, with the forward's divisor.
  case avgPoolGrad(PoolGrad)
  /// `adaptive_avgpool_grad(%dy)`: each `dy` spread evenly over its adaptive window; `size` is the input's.
  case adaptiveAvgPoolGrad(size: Pair)
  /// `lrn_grad(%dy, %x)`.
  case lrnGrad(LRN)
  /// `dropout_grad(%dy)`: `dy·mask/(1−p)` with the forward's mask.
  case dropoutGrad(DropoutMask)
  /// `linear_grad_input(%dy)`: `dy · W`.
  case linearGradInput(LinearGradInput)
  /// `linear_grad_weight(%dy, %x)`: the gradient of `<module>.weight`, `dyᵀ · x`.
  case linearGradWeight(module: String)
  /// `shortcut_grad(%dy)`: the gradient of the source of a residual mapping (an option A shortcut, or the
  /// second operand of an `add`): `dy` at the source's positions, subsampled back, channels unpadded.
  case shortcutGrad(ShortcutGrad)
  /// `flatten_grad(%dy)`: `[N, C·H·W] -> [N, C, H, W]`.
  case flattenGrad(FeatureMapSize)
  /// `softmax_grad(%dy, %y)`: `y · (dy − Σ_c dy·y)`.
  case softmaxGrad
  /// `accumulate(%a, %b, …)`: the sum of the gradients a value receives from its several users.
  case accumulate

  public var mnemonic: String {
    switch self {
    case .batchNormStats: "batchnorm_stats"
    case .batchNormTrain: "batchnorm_train"
    case .batchNormRecompute: "batchnorm_recompute"
    case .dropoutTrain: "dropout_train"
    case .softmaxCrossEntropy: "softmax_cross_entropy"
    case .softmaxCrossEntropyGrad: "softmax_cross_entropy_grad"
    case .convGradInput: "conv2d_grad_input"
    case .convGradWeight: "conv2d_grad_weight"
    case .biasGrad: "bias_grad"
    case .batchNormGradWeight: "batchnorm_grad_weight"
    case .batchNormGradInput: "batchnorm_grad_input"
    case .reluGrad: "relu_grad"
    case .maxPoolGrad: "maxpool_grad"
    case .avgPoolGrad: "avgpool_grad"
    case .adaptiveAvgPoolGrad: "adaptive_avgpool_grad"
    case .lrnGrad: "lrn_grad"
    case .dropoutGrad: "dropout_grad"
    case .linearGradInput: "linear_grad_input"
    case .linearGradWeight: "linear_grad_weight"
    case .shortcutGrad: "shortcut_grad"
    case .flattenGrad: "flatten_grad"
    case .softmaxGrad: "softmax_grad"
    case .accumulate: "accumulate"
    }
  }

  static let mnemonics = [
    "batchnorm_stats", "batchnorm_train", "batchnorm_recompute", "dropout_train", "softmax_cross_entropy", "softmax_cross_entropy_grad",
    "conv2d_grad_input", "conv2d_grad_weight", "bias_grad", "batchnorm_grad_weight", "batchnorm_grad_input",
    "relu_grad", "maxpool_grad", "avgpool_grad", "adaptive_avgpool_grad", "lrn_grad", "dropout_grad",
    "linear_grad_input", "linear_grad_weight", "shortcut_grad", "flatten_grad", "softmax_grad", "accumulate",
  ]

  public var arityRange: ClosedRange<Int> {
    switch self {
    case .batchNormStats, .dropoutTrain, .softmaxCrossEntropy, .softmaxCrossEntropyGrad, .convGradInput, .biasGrad,
      .avgPoolGrad, .adaptiveAvgPoolGrad, .dropoutGrad, .linearGradInput, .shortcutGrad, .flattenGrad:
      1...1
    case .batchNormTrain, .batchNormRecompute, .convGradWeight, .reluGrad, .maxPoolGrad, .lrnGrad, .linearGradWeight, .softmaxGrad: 2...2
    case .batchNormGradWeight: 3...3
    case .batchNormGradInput: 5...5
    case .accumulate: 2...Int.max
    }
  }

  /// The parameter whose gradient this op computes, if it computes one: the training step's results besides
  /// the loss, which the optimizer reads after the backward pass.
  public var gradientOf: String? {
    switch self {
    case .convGradWeight(let conv): conv.module + ".weight"
    case .biasGrad(let module): module + ".bias"
    case .batchNormGradWeight(let bn): bn.module + ".weight"
    case .linearGradWeight(let module): module + ".weight"
    default: nil
    }
  }

  /// The parameters the op stands for in `Graph.parameters`: a training graph lists each parameter once, at the
  /// forward op of its module (the backward ops read the same tensors).
  func parameters(shape: Shape) -> [Parameter] {
    if case .batchNormTrain(let bn) = self { return batchNormParameters(module: bn.module, channels: shape.channels) }
    return []
  }
}

/// The seeded mask of a training-mode dropout. Element `i` of the op numbered `stream` is kept at step `step`
/// when `netc_dropout_uniform(seed, step, stream, i) >= p` (a counter-based hash, the same in Swift and C),
/// so the backward pass, a resumed run and the C step all recompute exactly the forward's mask.
public struct DropoutMask: Hashable, Sendable {
  public var p: Double
  /// Which dropout of the network this is, in program order: each draws an independent mask.
  public var stream: Int

  public init(p: Double, stream: Int) {
    self.p = p
    self.stream = stream
  }
}

/// The forward conv and the size of its input, which the output size does not determine when the stride is
/// more than 1.
public struct ConvGradInput: Hashable, Sendable {
  public var conv: Conv
  public var input: FeatureMapSize

  public init(conv: Conv, input: FeatureMapSize) {
    self.conv = conv
    self.input = input
  }
}

/// The channels and spatial size of a forward operand, `in=16 size=32x32` in the text form.
public struct FeatureMapSize: Hashable, Sendable {
  public var channels: Int
  public var size: Pair

  public init(channels: Int, size: Pair) {
    self.channels = channels
    self.size = size
  }

  init(_ shape: Shape) { self.init(channels: shape.channels, size: Pair(shape.height, shape.width)) }

  func shape(batch: Int) -> Shape { Shape([batch, channels, size.h, size.w]) }
}

/// An average pool and the spatial size of its input.
public struct PoolGrad: Hashable, Sendable {
  public var pool: Pool
  public var size: Pair

  public init(pool: Pool, size: Pair) {
    self.pool = pool
    self.size = size
  }
}

public struct LinearGradInput: Hashable, Sendable {
  public var module: String
  public var inFeatures: Int

  public init(module: String, inFeatures: Int) {
    self.module = module
    self.inFeatures = inFeatures
  }
}

/// The residual mapping of the forward op and the shape of its source.
public struct ShortcutGrad: Hashable, Sendable {
  public var residual: Residual
  public var input: FeatureMapSize

  public init(residual: Residual, input: FeatureMapSize) {
    self.residual = residual
    self.input = input
  }
}

extension TrainingOp {
  /// The operand whose storage the op may write its result over when that operand dies there: the ops that
  /// compute element `i` of the result from element `i` of the operand (and per-channel or per-row values
  /// they finish reading before writing), so the memory planner can share the two.
  public var inPlaceOperand: Int? {
    switch self {
    case .batchNormTrain, .batchNormRecompute, .dropoutTrain, .reluGrad, .dropoutGrad, .batchNormGradInput, .flattenGrad, .softmaxGrad,
      .accumulate:
      0
    case .batchNormStats, .softmaxCrossEntropy, .softmaxCrossEntropyGrad, .convGradInput, .convGradWeight, .biasGrad,
      .batchNormGradWeight, .maxPoolGrad, .avgPoolGrad, .adaptiveAvgPoolGrad, .lrnGrad, .linearGradInput,
      .linearGradWeight, .shortcutGrad:
      nil
    }
  }
}
