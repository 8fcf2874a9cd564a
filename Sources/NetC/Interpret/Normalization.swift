// Normalization ops: inference batch norm (unfused) and local response normalization.

import Foundation

func batchNorm(_ x: Accumulator, _ parameters: BatchNormParameters) -> Accumulator {
  var result = x
  result.applyBatchNorm(parameters)
  return result
}

/// The AlexNet paper's LRN, `b[c] = a[c] / (k + alpha · Σ a[j]²)^beta` with `alpha` not divided by `size`,
/// summed over channels `j` in `c − size/2 ... c + (size−1)/2` that exist: PyTorch's window (the paper's
/// `c ± size/2` for odd sizes), so it equals `nn.LocalResponseNorm(size, alpha * size, beta, k)`.
func localResponseNorm(_ x: Accumulator, _ lrn: LRN) -> Accumulator {
  let scales = lrnScales(x, lrn)
  var result = x
  for i in result.values.indices { result.values[i] /= pow(scales[i], lrn.beta) }
  return result
}

/// `k + alpha · Σ a[j]²` over the window of channels around each element.
func lrnScales(_ x: Accumulator, _ lrn: LRN) -> [Double] {
  let channels = x.shape.channels
  let plane = x.planeSize
  var sumsOfSquares = [Double](repeating: 0, count: x.values.count)
  for item in 0..<x.shape.batch {
    let base = item * channels * plane
    for channel in 0..<channels {
      for j in lrnWindow(channel, channels: channels, lrn) {
        for position in 0..<plane {
          let a = x.values[base + j * plane + position]
          sumsOfSquares[base + channel * plane + position] += a * a
        }
      }
    }
  }
  return sumsOfSquares.map { lrn.k + lrn.alpha * $0 }
}

/// The channels whose squares enter the scale of `channel`.
func lrnWindow(_ channel: Int, channels: Int, _ lrn: LRN) -> ClosedRange<Int> {
  max(0, channel - lrn.size / 2)...min(channels - 1, channel + (lrn.size - 1) / 2)
}
