// Running statistics for randomized batch norms, measured on a seeded input as the network runs, so every
// batch norm normalizes what it actually receives (see `WeightInitializer`).

import Foundation

extension WeightInitializer {
  func calibrateBatchNorms(_ graph: Graph, _ weights: Weights) throws -> Weights {
    var random = RandomSource(seed: seed, stream: "netc.calibration-input")
    let shape = graph.input.shape
    let input = Tensor(shape: shape, scalars: (0..<shape.elementCount).map { _ in Float(random.normal()) })
    let interpreter = try Interpreter(graph: graph, weights: weights)
    return try interpreter.evaluateAll(input, keepingIntermediates: false) { weights, node, operands in
      switch node.op {
      case .batchNorm(let bn):
        calibrate(module: bn.module, on: operands[0], &weights)
      case .conv(var conv):
        guard let bn = conv.epilogue.batchNorm else { return }
        // The value the folded batch norm sees: the conv and its bias, before the rest of the epilogue.
        conv.epilogue = .none
        var convolution = node
        convolution.op = .conv(conv)
        convolution.inputs = [node.inputs[0]]
        let preNorm = try Interpreter.compute(convolution, [operands[0]], weights)
        calibrate(module: bn.module, on: preNorm, &weights)
      default:
        return
      }
    }.weights
  }

  /// Sets `<module>.running_mean` and `.running_var` from the per-channel statistics of `x`, perturbed.
  private func calibrate(module: String, on x: Tensor, _ weights: inout Weights) {
    let channels = x.shape.channels
    let plane = x.shape.height * x.shape.width
    let count = Double(x.shape.batch * plane)
    var means = [Double](repeating: 0, count: channels)
    var variances = [Double](repeating: 0, count: channels)
    for channel in 0..<channels {
      var sum = 0.0
      var sumOfSquares = 0.0
      for item in 0..<x.shape.batch {
        let start = (item * channels + channel) * plane
        for value in x.scalars[start..<start + plane] {
          sum += Double(value)
          sumOfSquares += Double(value) * Double(value)
        }
      }
      means[channel] = sum / count
      variances[channel] = max(0, sumOfSquares / count - means[channel] * means[channel])
    }
    // Shrink each channel's estimates toward the layer's average, as if the layer contributed `priorSamples`
    // more samples: deep layers of a small input see only a few positions per channel, and a variance
    // measured on four samples can be near zero by chance and blow up every other input.
    let priorSamples = 16.0
    let own = count / (count + priorSamples)
    let layerMean = means.reduce(0, +) / Double(channels)
    let layerVariance = variances.reduce(0, +) / Double(channels)
    means = means.map { own * $0 + (1 - own) * layerMean }
    variances = variances.map { own * $0 + (1 - own) * layerVariance + 0.01 * layerVariance }
    var meanNoise = RandomSource(seed: seed, stream: module + ".running_mean")
    var varianceNoise = RandomSource(seed: seed, stream: module + ".running_var")
    let shape = Shape([channels])
    let runningMean = (0..<channels).map { means[$0] + 0.1 * variances[$0].squareRoot() * meanNoise.normal() }
    let runningVar = (0..<channels).map { variances[$0] * exp(0.2 * varianceNoise.normal()) }
    weights[module + ".running_mean"] = Tensor(shape: shape, scalars: runningMean.map(Float.init))
    weights[module + ".running_var"] = Tensor(shape: shape, scalars: runningVar.map(Float.init))
  }
}
