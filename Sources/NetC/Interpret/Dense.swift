// Ops on `[N, F]` values and the reshapes around them: flatten, linear, softmax.

import Foundation

/// `[N, C, H, W] -> [N, C·H·W]`: the row-major order already is PyTorch's `flatten(1)` order.
func flatten(_ x: Accumulator, outputShape: Shape) -> Accumulator {
  Accumulator(shape: outputShape, values: x.values)
}

/// `y[n, o] = Σ_i w[o, i] · x[n, i] + b[o]`.
func linear(_ x: Accumulator, weights: [Double], bias: [Double]?, outputShape: Shape) -> Accumulator {
  let inFeatures = x.shape.channels
  let outFeatures = outputShape.channels
  var result = Accumulator(zeros: outputShape)
  for item in 0..<x.shape.batch {
    let row = x.values[item * inFeatures..<(item + 1) * inFeatures]
    for o in 0..<outFeatures {
      var sum = 0.0
      for (w, value) in zip(weights[o * inFeatures..<(o + 1) * inFeatures], row) { sum += w * value }
      result.values[item * outFeatures + o] = sum
    }
  }
  if let bias { result.addBias(bias) }
  return result
}

/// Softmax over dimension 1 (the channels or features), at every other index; the maximum is subtracted
/// first so large inputs do not overflow.
func softmax(_ x: Accumulator) -> Accumulator {
  let channels = x.shape.channels
  let plane = x.planeSize
  var result = x
  for item in 0..<x.shape.batch {
    for position in 0..<plane {
      let indices = (0..<channels).map { (item * channels + $0) * plane + position }
      let largest = indices.map { x.values[$0] }.max() ?? 0
      let exponentials = indices.map { exp(x.values[$0] - largest) }
      let total = exponentials.reduce(0, +)
      for (index, value) in zip(indices, exponentials) { result.values[index] = value / total }
    }
  }
  return result
}
