// The operations of the IR. Every op produces exactly one value; its attributes are typed here, so a
// `switch` over `Op` is exhaustive wherever a stage handles ops (interpreter, emitter, printer, passes).

/// One IR operation with its attributes. Operands live in `Node.inputs`.
public enum Op: Hashable, Sendable {
  /// The graph input, `[N, C, H, W]`.
  case input
  /// 2-d convolution, `inputs = [x]` or `[x, shortcut]` once a residual add is fused into its epilogue.
  case conv(Conv)
  /// Batch normalization over channels (inference: running statistics; training: batch statistics).
  case batchNorm(BatchNorm)
  case relu
  /// `inputs[0] + shortcut(inputs[1])`, optionally followed by ReLU.
  case add(Add)
  /// Option A shortcut of the ResNet paper: subsample by `stride`, zero-pad channels up to `channels`.
  case shortcutA(ShortcutA)
  case maxPool(Pool)
  case avgPool(Pool)
  /// PyTorch's adaptive average pooling; `out = 1x1` is global average pooling.
  case adaptiveAvgPool(AdaptiveAvgPool)
  /// `[N, C, H, W] -> [N, C*H*W]`.
  case flatten
  /// Fully connected layer on `[N, F]`.
  case linear(Linear)
  case dropout(Dropout)
  /// Local response normalization across channels, with the AlexNet paper's formula
  /// `b = a / (k + alpha * sum(a^2))^beta` (alpha is not divided by `size`, unlike PyTorch's).
  case lrn(LRN)
  /// Softmax over dimension 1.
  case softmax
  /// An op of training graphs only (forward in training mode, loss, backward): see `TrainingOp`. Inference
  /// stages (passes, the C back end) reject it.
  case train(TrainingOp)

  /// The op's name in the IR text form.
  public var mnemonic: String {
    switch self {
    case .input: "input"
    case .conv: "conv2d"
    case .batchNorm: "batchnorm"
    case .relu: "relu"
    case .add: "add"
    case .shortcutA: "shortcut_a"
    case .maxPool: "maxpool"
    case .avgPool: "avgpool"
    case .adaptiveAvgPool: "adaptive_avgpool"
    case .flatten: "flatten"
    case .linear: "linear"
    case .dropout: "dropout"
    case .lrn: "lrn"
    case .softmax: "softmax"
    case .train(let op): op.mnemonic
    }
  }
}

/// How the second operand of a residual add maps onto the output: identity (`stride 1, offset 0`),
/// or option A (`out[n, c, y, x] += in[n, c - channelOffset, y*stride, x*stride]` where that channel
/// exists, zero elsewhere).
public struct Residual: Hashable, Sendable {
  public var stride: Int
  public var channelOffset: Int

  public init(stride: Int = 1, channelOffset: Int = 0) {
    self.stride = stride
    self.channelOffset = channelOffset
  }

  public static let identity = Residual()
}

/// A batch norm folded into the preceding conv. The fold happens on the weights when they are loaded,
/// because weights are a run-time input (safetensors with torchvision names), not a compile-time constant.
public struct FoldedBatchNorm: Hashable, Sendable {
  /// Module path of the BN parameters: `<module>.weight`, `.bias`, `.running_mean`, `.running_var`.
  public var module: String
  public var eps: Double

  public init(module: String, eps: Double) {
    self.module = module
    self.eps = eps
  }
}

/// What a conv does to its accumulators before the single store, in this order:
/// `+ bias`, folded batch norm, `+ residual(inputs[1])`, ReLU.
public struct Epilogue: Hashable, Sendable {
  public var batchNorm: FoldedBatchNorm?
  public var residual: Residual?
  public var relu: Bool

  public init(batchNorm: FoldedBatchNorm? = nil, residual: Residual? = nil, relu: Bool = false) {
    self.batchNorm = batchNorm
    self.residual = residual
    self.relu = relu
  }

  public static let none = Epilogue()
  public var isEmpty: Bool { batchNorm == nil && residual == nil && !relu }
}

public struct Conv: Hashable, Sendable {
  public var outChannels: Int
  public var kernel: Pair
  public var stride: Pair
  public var pad: Pair
  public var dilation: Pair
  public var groups: Int
  /// Module path; the weight is `<module>.weight` (`[out, in/groups, kh, kw]`), the bias `<module>.bias`.
  public var module: String
  public var hasBias: Bool
  public var epilogue: Epilogue

  public init(
    outChannels: Int, kernel: Pair, stride: Pair = Pair(square: 1), pad: Pair = Pair(square: 0),
    dilation: Pair = Pair(square: 1), groups: Int = 1, module: String, hasBias: Bool,
    epilogue: Epilogue = .none
  ) {
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.pad = pad
    self.dilation = dilation
    self.groups = groups
    self.module = module
    self.hasBias = hasBias
    self.epilogue = epilogue
  }
}

public struct BatchNorm: Hashable, Sendable {
  public var eps: Double
  /// PyTorch's convention: `running = (1 - momentum) * running + momentum * batch`.
  public var momentum: Double
  /// Module path of `<module>.weight`, `.bias`, `.running_mean`, `.running_var`.
  public var module: String

  public init(eps: Double = 1e-5, momentum: Double = 0.1, module: String) {
    self.eps = eps
    self.momentum = momentum
    self.module = module
  }
}

public struct Add: Hashable, Sendable {
  public var shortcut: Residual
  public var relu: Bool

  public init(shortcut: Residual = .identity, relu: Bool = false) {
    self.shortcut = shortcut
    self.relu = relu
  }
}

public struct ShortcutA: Hashable, Sendable {
  public var outChannels: Int
  public var stride: Int

  public init(outChannels: Int, stride: Int) {
    self.outChannels = outChannels
    self.stride = stride
  }
}

public struct Pool: Hashable, Sendable {
  public var kernel: Pair
  public var stride: Pair
  public var pad: Pair
  /// PyTorch's `ceil_mode`: output size rounds up, a window may not start in the right/bottom padding.
  public var ceilMode: Bool
  /// Average pooling only: whether padded zeros count in the divisor (PyTorch's default: true).
  public var countIncludePad: Bool

  public init(kernel: Pair, stride: Pair, pad: Pair = Pair(square: 0), ceilMode: Bool = false, countIncludePad: Bool = true) {
    self.kernel = kernel
    self.stride = stride
    self.pad = pad
    self.ceilMode = ceilMode
    self.countIncludePad = countIncludePad
  }
}

public struct AdaptiveAvgPool: Hashable, Sendable {
  public var out: Pair
  public init(out: Pair) { self.out = out }
}

public struct Linear: Hashable, Sendable {
  public var outFeatures: Int
  /// Module path; the weight is `<module>.weight` (`[out, in]`), the bias `<module>.bias`.
  public var module: String
  public var hasBias: Bool
  public var relu: Bool

  public init(outFeatures: Int, module: String, hasBias: Bool, relu: Bool = false) {
    self.outFeatures = outFeatures
    self.module = module
    self.hasBias = hasBias
    self.relu = relu
  }
}

public struct Dropout: Hashable, Sendable {
  public var p: Double
  public init(p: Double) { self.p = p }
}

public struct LRN: Hashable, Sendable {
  public var size: Int
  public var alpha: Double
  public var beta: Double
  public var k: Double

  public init(size: Int = 5, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 2) {
    self.size = size
    self.alpha = alpha
    self.beta = beta
    self.k = k
  }
}
