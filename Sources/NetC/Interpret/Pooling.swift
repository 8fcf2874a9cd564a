// Max, average and adaptive average pooling, with PyTorch's window rules (padding, ceil mode,
// count_include_pad, adaptive start/end indices).

/// PyTorch's window of one pooled output along one axis: it starts at `o * stride - pad`; for the average's
/// divisor it ends at most `pad` past the input (`padded`), and it reads only the part inside the input
/// (`inside`, possibly empty).
struct PoolWindow {
  var padded: Range<Int>
  var inside: Range<Int>

  init(padded: Range<Int>, inside: Range<Int>) {
    self.padded = padded
    self.inside = inside
  }

  init(output o: Int, kernel: Int, stride: Int, pad: Int, size: Int) {
    let start = o * stride - pad
    let end = min(start + kernel, size + pad)
    padded = start..<end
    let insideStart = max(start, 0)
    inside = insideStart..<max(insideStart, min(end, size))
  }
}

/// Applies `reduce(plane, rows, columns)` to every output window of every channel plane.
private func pool(
  _ x: Tensor, outputShape: Shape, windows: (_ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow),
  reduce: (_ plane: ArraySlice<Float>, _ rows: PoolWindow, _ columns: PoolWindow) -> Float
) -> Tensor {
  let (height, width) = (x.shape.height, x.shape.width)
  let (outHeight, outWidth) = (outputShape.height, outputShape.width)
  var result: [Float] = []
  result.reserveCapacity(outputShape.elementCount)
  for plane in 0..<outputShape.batch * outputShape.channels {
    let values = x.scalars[plane * height * width..<(plane + 1) * height * width]
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        let (rows, columns) = windows(y, x)
        result.append(reduce(values, rows, columns))
      }
    }
  }
  return Tensor(shape: outputShape, scalars: result)
}

/// Padding never wins (PyTorch pads with −∞); a NaN in the window makes the result NaN, as in PyTorch.
func maxPool(_ x: Tensor, _ p: Pool, outputShape: Shape) -> Tensor {
  let width = x.shape.width
  return pool(x, outputShape: outputShape, windows: { windows(p, x.shape, $0, $1) }) { plane, rows, columns in
    var largest = -Float.infinity
    for row in rows.inside {
      for column in columns.inside {
        let value = plane[plane.startIndex + row * width + column]
        if value > largest || value.isNaN { largest = value }
        if largest.isNaN { return largest }
      }
    }
    return largest
  }
}

/// The divisor is the window clipped to the padded input when `countIncludePad`, else to the input itself
/// (PyTorch's rule, which matters at the edges in ceil mode); a window wholly outside the input gives 0.
func avgPool(_ x: Tensor, _ p: Pool, outputShape: Shape) -> Tensor {
  let width = x.shape.width
  return pool(x, outputShape: outputShape, windows: { windows(p, x.shape, $0, $1) }) { plane, rows, columns in
    if rows.inside.isEmpty || columns.inside.isEmpty { return 0 }
    let divisor =
      p.countIncludePad
      ? rows.padded.count * columns.padded.count : rows.inside.count * columns.inside.count
    return Float(windowSum(plane, width: width, rows.inside, columns.inside) / Double(divisor))
  }
}

/// Output `o` of `n` averages input indices `floor(o·size/n) ..< ceil((o+1)·size/n)`, PyTorch's rule.
func adaptiveAvgPool(_ x: Tensor, outputShape: Shape) -> Tensor {
  let (height, width) = (x.shape.height, x.shape.width)
  let (outHeight, outWidth) = (outputShape.height, outputShape.width)
  func window(_ o: Int, _ n: Int, _ size: Int) -> PoolWindow {
    let range = (o * size / n)..<((o + 1) * size + n - 1) / n
    return PoolWindow(padded: range, inside: range)
  }
  let windows = { (y: Int, x: Int) in (window(y, outHeight, height), window(x, outWidth, width)) }
  return pool(x, outputShape: outputShape, windows: windows) { plane, rows, columns in
    let sum = windowSum(plane, width: width, rows.inside, columns.inside)
    return Float(sum / Double(rows.inside.count * columns.inside.count))
  }
}

private func windows(_ p: Pool, _ input: Shape, _ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow) {
  (
    PoolWindow(output: y, kernel: p.kernel.h, stride: p.stride.h, pad: p.pad.h, size: input.height),
    PoolWindow(output: x, kernel: p.kernel.w, stride: p.stride.w, pad: p.pad.w, size: input.width)
  )
}

private func windowSum(_ plane: ArraySlice<Float>, width: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Double {
  var sum = 0.0
  for row in rows {
    for column in columns { sum += Double(plane[plane.startIndex + row * width + column]) }
  }
  return sum
}
