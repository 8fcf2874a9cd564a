// Ops on `[N, F]` values and the reshapes around them: flatten, linear, softmax.

import Foundation

/// `[N, C, H, W] -> [N, C·H·W]`: the row-major order already is PyTorch's `flatten(1)` order.
func flatten(_ x: Tensor, outputShape: Shape) -> Tensor {
  Tensor(shape: outputShape, scalars: x.scalars)
}

/// `y[n, o] = Σ_i w[o, i] · x[n, i] + b[o]`, then ReLU if asked.
func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool, outputShape: Shape) -> Tensor {
  let inFeatures = x.shape.channels
  let outFeatures = outputShape.channels
  var result = Accumulator(zeros: outputShape)
  for item in 0..<x.shape.batch {
    let row = x.scalars[item * inFeatures..<(item + 1) * inFeatures]
    for o in 0..<outFeatures {
      var sum = 0.0
      let weights = weight.scalars[o * inFeatures..<(o + 1) * inFeatures]
      for (w, value) in zip(weights, row) { sum += Double(w) * Double(value) }
      result.values[item * outFeatures + o] = sum
    }
  }
  if let bias { result.addBias(bias) }
  return result.rounded(relu: relu)
}

/// Softmax over dimension 1 (the channels or features), at every other index; the maximum is subtracted
/// first so large inputs do not overflow.
func softmax(_ x: Tensor) -> Tensor {
  let channels = x.shape.channels
  let plane = x.shape.dims.dropFirst(2).reduce(1, *)
  var result = x.scalars
  for item in 0..<x.shape.batch {
    for position in 0..<plane {
      let indices = (0..<channels).map { (item * channels + $0) * plane + position }
      let largest = indices.map { Double(x.scalars[$0]) }.max() ?? 0
      let exponentials = indices.map { exp(Double(x.scalars[$0]) - largest) }
      let total = exponentials.reduce(0, +)
      for (index, value) in zip(indices, exponentials) { result[index] = Float(value / total) }
    }
  }
  return Tensor(shape: x.shape, scalars: result)
}
