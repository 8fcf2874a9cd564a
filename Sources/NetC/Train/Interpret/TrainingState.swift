// What training carries from one step to the next, and the optimizer that moves it: SGD with momentum and
// weight decay exactly as PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov).

/// SGD's hyperparameters for one step.
public struct SGD: Hashable, Sendable {
  public var learningRate: Double
  public var momentum: Double
  /// L2 penalty added to every trainable parameter's gradient, BN γ and β included (PyTorch's default
  /// parameter group applies it to all parameters).
  public var weightDecay: Double

  public init(learningRate: Double = 0.1, momentum: Double = 0.9, weightDecay: Double = 1e-4) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
  }

  /// One parameter's update, in Double: `g += wd·w; buf = momentum·buf + g; w −= lr·buf`. Buffers start at zero,
  /// which makes the first step's `buf = g`, as PyTorch's first step sets it.
  func update(weight: Double, gradient: Double, buffer: Double) -> (weight: Double, buffer: Double) {
    let g = gradient + weightDecay * weight
    let newBuffer = momentum * buffer + g
    return (weight - learningRate * newBuffer, newBuffer)
  }
}

/// The state of a training run between steps.
public struct TrainingState: Hashable, Sendable {
  /// Every parameter of the network under its torchvision name, BN running statistics included: exactly what
  /// the inference C and PyTorch load.
  public var weights: Weights
  /// SGD's momentum buffer of each trainable parameter, under the parameter's name.
  public var momentum: Weights
  /// Steps taken so far; dropout masks depend on it.
  public var step: Int
  /// Seeds the dropout masks (and, in `netc train`, shuffling and augmentation).
  public var seed: UInt64

  public init(weights: Weights, momentum: Weights, step: Int = 0, seed: UInt64 = 0) {
    self.weights = weights
    self.momentum = momentum
    self.step = step
    self.seed = seed
  }

  /// A fresh run: zero momentum buffers for every trainable parameter of `graph` (inference or training form).
  public init(weights: Weights, for graph: Graph, seed: UInt64 = 0) {
    let trainable = graph.parameters.filter(\.isTrainable)
    self.init(
      weights: weights, momentum: Weights(trainable.map { ($0.name, Tensor(zeros: $0.shape)) }), step: 0, seed: seed)
  }
}
