// Normalization ops: inference batch norm (unfused) and local response normalization.

import Foundation

func batchNorm(_ x: Tensor, _ parameters: BatchNormParameters) -> Tensor {
  var result = Accumulator(x)
  result.applyBatchNorm(parameters)
  return result.rounded(relu: false)
}

/// The AlexNet paper's LRN, `b[c] = a[c] / (k + alpha · Σ a[j]²)^beta` with `alpha` not divided by `size`,
/// summed over channels `j` in `c − size/2 ... c + (size−1)/2` that exist: PyTorch's window (the paper's
/// `c ± size/2` for odd sizes), so it equals `nn.LocalResponseNorm(size, alpha * size, beta, k)`.
func localResponseNorm(_ x: Tensor, _ lrn: LRN) -> Tensor {
  let channels = x.shape.channels
  let plane = x.shape.height * x.shape.width
  var result = x.scalars
  for item in 0..<x.shape.batch {
    let base = item * channels * plane
    for channel in 0..<channels {
      let window = max(0, channel - lrn.size / 2)...min(channels - 1, channel + (lrn.size - 1) / 2)
      for position in 0..<plane {
        var sumOfSquares = 0.0
        for j in window {
          let a = Double(x.scalars[base + j * plane + position])
          sumOfSquares += a * a
        }
        let index = base + channel * plane + position
        result[index] = Float(Double(x.scalars[index]) / pow(lrn.k + lrn.alpha * sumOfSquares, lrn.beta))
      }
    }
  }
  return Tensor(shape: x.shape, scalars: result)
}
