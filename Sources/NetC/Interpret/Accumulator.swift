// Values in Double: an op's result while it is computed (f32 rounding happens once, at the end, for the
// inference interpreter) and every value of the training interpreter, which never rounds; plus the per-channel
// steps of a conv epilogue (bias, batch norm) that the ops producing such values share.

/// Values in the layout of `shape` (`[N, C, H, W]` or `[N, F]`), in Double so the interpreter is a more
/// accurate reference than the f32 C it checks.
struct Accumulator {
  var shape: Shape
  var values: [Double]

  init(zeros shape: Shape) {
    self.shape = shape
    values = Array(repeating: 0, count: shape.elementCount)
  }

  init(shape: Shape, values: [Double]) {
    precondition(values.count == shape.elementCount, "\(values.count) values for a tensor of shape \(shape)")
    self.shape = shape
    self.values = values
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

  mutating func addBias(_ bias: [Double]) {
    updateEachChannel { channel, value in value + bias[channel] }
  }

  mutating func applyBatchNorm(_ batchNorm: BatchNormParameters) {
    updateEachChannel { channel, value in batchNorm.apply(value, channel: channel) }
  }

  /// ReLU, which keeps NaN as PyTorch's does.
  mutating func applyReLU() {
    for i in values.indices where values[i] < 0 { values[i] = 0 }
  }

  /// Rounds to f32 (to nearest).
  var rounded: Tensor {
    Tensor(shape: shape, scalars: values.map { Float($0) })
  }
}

/// Batch norm with given statistics, `y = (x - mean) / sqrt(var + eps) * weight + bias`: `nn.BatchNorm2d` in
/// eval mode with the running statistics, in training mode with the batch's. A conv epilogue applies it to the
/// conv's output in this same form rather than folding it into the conv's weights (`w' = w·γ/√(var+ε)`,
/// `b' = β + (b−μ)·γ/√(var+ε)`) as the C does, so the interpreter checks the fold instead of repeating it.
struct BatchNormParameters {
  var mean: [Double]
  var standardDeviation: [Double]
  var gamma: [Double]
  var beta: [Double]

  init(gamma: [Double], beta: [Double], mean: [Double], variance: [Double], eps: Double) {
    self.gamma = gamma
    self.beta = beta
    self.mean = mean
    standardDeviation = variance.map { ($0 + eps).squareRoot() }
  }

  func apply(_ value: Double, channel: Int) -> Double {
    (value - mean[channel]) / standardDeviation[channel] * gamma[channel] + beta[channel]
  }
}
