// The backward ops of convolutions, linear layers and the loss, in Double: each walks the same index
// mapping as its forward op (`forEachConvolutionRun`) in the other direction.

import Foundation

/// `dx[n, c, y·s − p + k·d] += w · dy[n, o, y]` over every tap: the conv's input gradient.
func convGradInput(_ dy: Accumulator, weights: [Double], _ conv: Conv, inputShape: Shape) -> Accumulator {
  var result = Accumulator(zeros: inputShape)
  let step = conv.stride.w
  let outputShape = dy.shape
  dy.values.withUnsafeBufferPointer { dy in
    result.values.withUnsafeMutableBufferPointer { dx in
      forEachConvolutionRun(conv, input: inputShape, output: outputShape) { weight, first, source, count in
        let w = weights[weight]
        for j in 0..<count { dx[source + j * step] += w * dy[first + j] }
      }
    }
  }
  return result
}

/// `dw[o, i, ky, kx] = Σ dy[n, o, y, x] · x[n, i, y·s − p + ky·d, x·s − p + kx·d]`, summed in `Sum`: Double for
/// the reference, Float when modelling the C, whose GEMM sums these long reductions (N·H·W terms) in f32.
func convGradWeight<Sum: BinaryFloatingPoint>(
  _ dy: Accumulator, _ x: Accumulator, _ conv: Conv, weightShape: Shape, summingIn _: Sum.Type
) -> Accumulator {
  var sums = [Sum](repeating: 0, count: weightShape.elementCount)
  let step = conv.stride.w
  let outputShape = dy.shape
  dy.values.withUnsafeBufferPointer { dy in
    x.values.withUnsafeBufferPointer { input in
      forEachConvolutionRun(conv, input: x.shape, output: outputShape) { weight, first, source, count in
        var sum: Sum = 0
        for j in 0..<count { sum += Sum(dy[first + j]) * Sum(input[source + j * step]) }
        sums[weight] += sum
      }
    }
  }
  return Accumulator(shape: weightShape, values: sums.map { Double($0) })
}

/// `dx[n, i] = Σ_o dy[n, o] · w[o, i]`.
func linearGradInput(_ dy: Accumulator, weights: [Double], inputShape: Shape) -> Accumulator {
  let (batch, outFeatures, inFeatures) = (dy.shape.batch, dy.shape.channels, inputShape.channels)
  var result = Accumulator(zeros: inputShape)
  for item in 0..<batch {
    for o in 0..<outFeatures {
      let g = dy.values[item * outFeatures + o]
      for i in 0..<inFeatures { result.values[item * inFeatures + i] += g * weights[o * inFeatures + i] }
    }
  }
  return result
}

/// `dw[o, i] = Σ_n dy[n, o] · x[n, i]`.
func linearGradWeight(_ dy: Accumulator, _ x: Accumulator) -> Accumulator {
  let (batch, outFeatures, inFeatures) = (dy.shape.batch, dy.shape.channels, x.shape.channels)
  var result = Accumulator(zeros: Shape([outFeatures, inFeatures]))
  for item in 0..<batch {
    for o in 0..<outFeatures {
      let g = dy.values[item * outFeatures + o]
      for i in 0..<inFeatures { result.values[o * inFeatures + i] += g * x.values[item * inFeatures + i] }
    }
  }
  return result
}

/// The mean over the batch of `log Σ_k exp(z_k) − z_label`, the maximum subtracted before exponentiating.
func softmaxCrossEntropy(_ logits: Accumulator, labels: [Int]) -> Double {
  let classes = logits.shape.channels
  var total = 0.0
  for (item, label) in labels.enumerated() {
    let row = logits.values[item * classes..<(item + 1) * classes]
    let largest = row.max() ?? 0
    total += log(row.reduce(0) { $0 + exp($1 - largest) }) + largest - row[row.startIndex + label]
  }
  return total / Double(labels.count)
}

/// `(softmax(z) − onehot(label)) / N`.
func softmaxCrossEntropyGrad(_ logits: Accumulator, labels: [Int]) -> Accumulator {
  var result = softmax(logits)
  let classes = logits.shape.channels
  for (item, label) in labels.enumerated() { result.values[item * classes + label] -= 1 }
  let batch = Double(labels.count)
  for i in result.values.indices { result.values[i] /= batch }
  return result
}
