// Batch norm in training mode, in Double: the batch's statistics and the running-statistics update, the
// normalization with them, and the gradients of γ and of the input (whose batch statistics depend on it).

/// A batch's per-channel mean and biased variance over `N·H·W`, as the `[2, C]` value `batchnorm_stats` makes.
struct BatchStatistics {
  var mean: [Double]
  var variance: [Double]
  /// Values per channel, `N·H·W`.
  var count: Int

  init(_ x: Accumulator) {
    let channels = x.shape.channels
    let plane = x.planeSize
    count = x.shape.batch * plane
    mean = Array(repeating: 0, count: channels)
    variance = Array(repeating: 0, count: channels)
    for channel in 0..<channels {
      let values = Self.channel(channel, of: x)
      mean[channel] = values.reduce(0) { $0 + x.values[$1] } / Double(count)
      // Two passes: subtracting the mean first keeps the variance accurate when the mean is large.
      let squares = values.reduce(0) { sum, i in sum + (x.values[i] - mean[channel]) * (x.values[i] - mean[channel]) }
      variance[channel] = squares / Double(count)
    }
  }

  /// Reads the statistics back from a `[2, C]` value.
  init(_ value: Accumulator, count: Int) {
    let channels = value.shape.dims[1]
    mean = Array(value.values[0..<channels])
    variance = Array(value.values[channels...])
    self.count = count
  }

  var value: Accumulator { Accumulator(shape: Shape([2, mean.count]), values: mean + variance) }

  /// `1/√(var + eps)` per channel.
  func inverseStandardDeviation(eps: Double) -> [Double] { variance.map { 1 / ($0 + eps).squareRoot() } }

  /// PyTorch's update: `(1 − momentum)·running + momentum·batch`, with the unbiased variance `var·n/(n−1)`.
  func updated(mean running: [Double], variance runningVariance: [Double], momentum: Double) -> (
    mean: [Double], variance: [Double]
  ) {
    let correction = Double(count) / Double(count - 1)
    return (
      zip(running, mean).map { (1 - momentum) * $0 + momentum * $1 },
      zip(runningVariance, variance).map { (1 - momentum) * $0 + momentum * $1 * correction }
    )
  }

  /// Element indices of one channel of `[N, C, H, W]`.
  static func channel(_ channel: Int, of x: Accumulator) -> [Int] {
    let plane = x.planeSize
    return (0..<x.shape.batch).flatMap { item -> Range<Int> in
      let start = (item * x.shape.channels + channel) * plane
      return start..<start + plane
    }
  }
}

/// `y = (x − mean)/√(var + eps)·γ + β` with the batch's statistics.
func batchNormTrain(_ x: Accumulator, _ stats: BatchStatistics, gamma: [Double], beta: [Double], eps: Double)
  -> Accumulator
{
  var result = x
  result.applyBatchNorm(
    BatchNormParameters(gamma: gamma, beta: beta, mean: stats.mean, variance: stats.variance, eps: eps))
  return result
}

/// `dγ[c] = Σ dy·x̂` with `x̂ = (x − mean)/√(var + eps)`.
func batchNormGradWeight(_ dy: Accumulator, _ x: Accumulator, _ stats: BatchStatistics, eps: Double) -> Accumulator {
  let inverse = stats.inverseStandardDeviation(eps: eps)
  var result = Accumulator(zeros: Shape([x.shape.channels]))
  for channel in 0..<x.shape.channels {
    for i in BatchStatistics.channel(channel, of: x) {
      result.values[channel] += dy.values[i] * (x.values[i] - stats.mean[channel]) * inverse[channel]
    }
  }
  return result
}

/// `dx = γ/σ · (dy − (dβ + x̂·dγ)/n)`: the gradient through the normalization and through the batch mean and
/// variance, which `dβ = Σ dy` and `dγ = Σ dy·x̂` already summarize.
func batchNormGradInput(
  _ dy: Accumulator, _ x: Accumulator, _ stats: BatchStatistics, gamma: [Double], gammaGrad: [Double],
  betaGrad: [Double], eps: Double
) -> Accumulator {
  let inverse = stats.inverseStandardDeviation(eps: eps)
  let n = Double(stats.count)
  var result = Accumulator(zeros: x.shape)
  for channel in 0..<x.shape.channels {
    for i in BatchStatistics.channel(channel, of: x) {
      let normalized = (x.values[i] - stats.mean[channel]) * inverse[channel]
      result.values[i] =
        gamma[channel] * inverse[channel] * (dy.values[i] - (betaGrad[channel] + normalized * gammaGrad[channel]) / n)
    }
  }
  return result
}

/// `Σ dy` over everything but the channels: the gradient of a per-channel bias (or of β).
func biasGrad(_ dy: Accumulator) -> Accumulator {
  var result = Accumulator(zeros: Shape([dy.shape.channels]))
  let plane = dy.planeSize
  for (i, value) in dy.values.enumerated() { result.values[(i / plane) % dy.shape.channels] += value }
  return result
}
