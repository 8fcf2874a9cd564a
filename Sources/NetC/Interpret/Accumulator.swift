// An op's result while it is computed in Double, and the per-channel steps of a conv epilogue (bias, batch
// norm, ReLU) that every op producing it shares; f32 rounding happens once, at the end.

/// Values in the layout of `shape` (`[N, C, H, W]` or `[N, F]`), in Double so the interpreter is a more
/// accurate reference than the f32 C it checks.
struct Accumulator {
  var shape: Shape
  var values: [Double]

  init(zeros shape: Shape) {
    self.shape = shape
    values = Array(repeating: 0, count: shape.elementCount)
  }

  /// Exact: every f32 is a Double.
  init(_ tensor: Tensor) {
    shape = tensor.shape
    values = tensor.scalars.map(Double.init)
  }

  /// Elements per (item, channel): `H * W`, or 1 for `[N, F]`.
  var planeSize: Int { shape.dims.dropFirst(2).reduce(1, *) }

  /// Applies `body(channel, value)` to every element.
  mutating func updateEachChannel(_ body: (Int, Double) -> Double) {
    let channels = shape.channels
    let plane = planeSize
    for item in 0..<shape.batch {
      for channel in 0..<channels {
        let start = (item * channels + channel) * plane
        for i in start..<start + plane { values[i] = body(channel, values[i]) }
      }
    }
  }

  mutating func addBias(_ bias: Tensor) {
    updateEachChannel { channel, value in value + Double(bias.scalars[channel]) }
  }

  mutating func applyBatchNorm(_ batchNorm: BatchNormParameters) {
    updateEachChannel { channel, value in batchNorm.apply(value, channel: channel) }
  }

  /// Rounds to f32 (to nearest), after ReLU when asked. ReLU keeps NaN, as PyTorch's does.
  func rounded(relu: Bool) -> Tensor {
    Tensor(shape: shape, scalars: values.map { Float(relu && $0 < 0 ? 0 : $0) })
  }
}

/// Inference batch norm, `y = (x - running_mean) / sqrt(running_var + eps) * weight + bias`, exactly
/// `nn.BatchNorm2d` in eval mode. A conv epilogue applies it to the conv's output in this same form rather
/// than folding it into the conv's weights (`w' = w·γ/√(var+ε)`, `b' = β + (b−μ)·γ/√(var+ε)`) as the C does,
/// so the interpreter checks the fold instead of repeating it.
struct BatchNormParameters {
  var mean: [Double]
  var standardDeviation: [Double]
  var gamma: [Double]
  var beta: [Double]

  init(gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor, eps: Double) {
    self.gamma = gamma.scalars.map(Double.init)
    self.beta = beta.scalars.map(Double.init)
    self.mean = mean.scalars.map(Double.init)
    standardDeviation = variance.scalars.map { (Double($0) + eps).squareRoot() }
  }

  func apply(_ value: Double, channel: Int) -> Double {
    (value - mean[channel]) / standardDeviation[channel] * gamma[channel] + beta[channel]
  }
}
