// The backward ops of the pools and of the parameter-free ops (ReLU, dropout, residual mappings, flatten,
// softmax, LRN), in Double, each over the same windows and index mappings as its forward op.

import Foundation

/// Each `dy` goes to its window's maximum in `x`, chosen as the forward pass chose it.
func maxPoolGrad(_ dy: Accumulator, _ x: Accumulator, _ p: Pool) -> Accumulator {
  let width = x.shape.width
  return poolGrad(dy, inputShape: x.shape, windows: { windows(p, x.shape, $0, $1) }) { plane, rows, columns in
    let values = x.values[plane..<plane + x.shape.height * width]
    return maxPoolArgument(values, width: width, rows.inside, columns.inside).map { [($0, 1.0)] } ?? []
  }
}

/// Each `dy` spread over its window with the forward's divisor.
func avgPoolGrad(_ dy: Accumulator, _ p: Pool, inputShape: Shape) -> Accumulator {
  poolGrad(dy, inputShape: inputShape, windows: { windows(p, inputShape, $0, $1) }) { _, rows, columns in
    let share = 1 / Double(averageDivisor(p, rows, columns))
    return rows.inside.flatMap { row in columns.inside.map { (row * inputShape.width + $0, share) } }
  }
}

func adaptiveAvgPoolGrad(_ dy: Accumulator, inputShape: Shape) -> Accumulator {
  let windows = { (y: Int, x: Int) in adaptiveWindows(input: inputShape, output: dy.shape, y, x) }
  return poolGrad(dy, inputShape: inputShape, windows: windows) { _, rows, columns in
    let share = 1 / Double(rows.inside.count * columns.inside.count)
    return rows.inside.flatMap { row in columns.inside.map { (row * inputShape.width + $0, share) } }
  }
}

/// Adds `weight · dy` of every output to the inputs `spread(planeStart, rows, columns)` lists (indices within
/// the plane, with their weights).
private func poolGrad(
  _ dy: Accumulator, inputShape: Shape, windows: (_ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow),
  spread: (_ plane: Int, _ rows: PoolWindow, _ columns: PoolWindow) -> [(Int, Double)]
) -> Accumulator {
  var result = Accumulator(zeros: inputShape)
  let planeSize = inputShape.height * inputShape.width
  let (outHeight, outWidth) = (dy.shape.height, dy.shape.width)
  for plane in 0..<dy.shape.batch * dy.shape.channels {
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        let (rows, columns) = windows(y, x)
        let g = dy.values[(plane * outHeight + y) * outWidth + x]
        for (index, weight) in spread(plane * planeSize, rows, columns) {
          result.values[plane * planeSize + index] += weight * g
        }
      }
    }
  }
  return result
}

/// `dy` where the ReLU's result is positive.
func reluGrad(_ dy: Accumulator, _ y: Accumulator) -> Accumulator {
  var result = dy
  for i in result.values.indices where !(y.values[i] > 0) { result.values[i] = 0 }
  return result
}

/// `x · mask / (1 − p)` at `step`: the forward and the backward of training-mode dropout alike.
func dropoutTrain(_ x: Accumulator, _ mask: DropoutMask, seed: UInt64, step: Int) -> Accumulator {
  var result = x
  let scale = mask.scale
  for i in result.values.indices {
    result.values[i] = mask.keeps(seed: seed, step: step, index: i) ? result.values[i] * scale : 0
  }
  return result
}

/// The source's gradient of a residual mapping: each `dy` goes back to the element it was added from.
func shortcutGrad(_ dy: Accumulator, _ residual: Residual, inputShape: Shape) -> Accumulator {
  var result = Accumulator(zeros: inputShape)
  forEachShortcutPair(target: dy.shape, source: inputShape, residual) { target, source in
    result.values[source] += dy.values[target]
  }
  return result
}

/// `y · (dy − Σ_c dy·y)` over dimension 1 at every other index.
func softmaxGrad(_ dy: Accumulator, _ y: Accumulator) -> Accumulator {
  let channels = y.shape.channels
  let plane = y.planeSize
  var result = dy
  for item in 0..<y.shape.batch {
    for position in 0..<plane {
      let indices = (0..<channels).map { (item * channels + $0) * plane + position }
      let dot = indices.reduce(0) { $0 + dy.values[$1] * y.values[$1] }
      for i in indices { result.values[i] = y.values[i] * (dy.values[i] - dot) }
    }
  }
  return result
}

/// With `b = a·s^−β` and `s = k + α·Σ_window a²`:
/// `dx_j = dy_j·s_j^−β − 2αβ·a_j·Σ_{c: j ∈ window(c)} dy_c·a_c·s_c^−β−1`.
func lrnGrad(_ dy: Accumulator, _ x: Accumulator, _ lrn: LRN) -> Accumulator {
  let scales = lrnScales(x, lrn)
  let channels = x.shape.channels
  let plane = x.planeSize
  var through = [Double](repeating: 0, count: x.values.count)
  for item in 0..<x.shape.batch {
    let base = item * channels * plane
    for channel in 0..<channels {
      for position in 0..<plane {
        let c = base + channel * plane + position
        let term = dy.values[c] * x.values[c] * pow(scales[c], -lrn.beta - 1)
        for j in lrnWindow(channel, channels: channels, lrn) { through[base + j * plane + position] += term }
      }
    }
  }
  var result = dy
  for i in result.values.indices {
    result.values[i] =
      dy.values[i] * pow(scales[i], -lrn.beta) - 2 * lrn.alpha * lrn.beta * x.values[i] * through[i]
  }
  return result
}
