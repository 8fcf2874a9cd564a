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
  _ x: Accumulator, outputShape: Shape, windows: (_ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow),
  reduce: (_ plane: ArraySlice<Double>, _ rows: PoolWindow, _ columns: PoolWindow) -> Double
) -> Accumulator {
  let (height, width) = (x.shape.height, x.shape.width)
  let (outHeight, outWidth) = (outputShape.height, outputShape.width)
  var result: [Double] = []
  result.reserveCapacity(outputShape.elementCount)
  for plane in 0..<outputShape.batch * outputShape.channels {
    let values = x.values[plane * height * width..<(plane + 1) * height * width]
    for y in 0..<outHeight {
      for x in 0..<outWidth {
        let (rows, columns) = windows(y, x)
        result.append(reduce(values, rows, columns))
      }
    }
  }
  return Accumulator(shape: outputShape, values: result)
}

/// Padding never wins (PyTorch pads with −∞); a NaN in the window makes the result NaN, as in PyTorch.
func maxPool(_ x: Accumulator, _ p: Pool, outputShape: Shape) -> Accumulator {
  let width = x.shape.width
  return pool(x, outputShape: outputShape, windows: { windows(p, x.shape, $0, $1) }) { plane, rows, columns in
    maxPoolArgument(plane, width: width, rows.inside, columns.inside).map { plane[plane.startIndex + $0] }
      ?? -.infinity
  }
}

/// Where a max pool window's maximum is, as an index into its plane: the first largest value in row-major
/// order, or the first NaN (PyTorch's choice, which its backward also routes the gradient to); nil when the
/// window lies wholly in the padding.
func maxPoolArgument(_ plane: ArraySlice<Double>, width: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Int? {
  var best: Int?
  var largest = -Double.infinity
  for row in rows {
    for column in columns {
      let index = row * width + column
      let value = plane[plane.startIndex + index]
      if best == nil || value > largest || value.isNaN {
        best = index
        largest = value
      }
      if largest.isNaN { return best }
    }
  }
  return best
}

/// The divisor is the window clipped to the padded input when `countIncludePad`, else to the input itself
/// (PyTorch's rule, which matters at the edges in ceil mode); a window wholly outside the input gives 0.
func avgPool(_ x: Accumulator, _ p: Pool, outputShape: Shape) -> Accumulator {
  let width = x.shape.width
  return pool(x, outputShape: outputShape, windows: { windows(p, x.shape, $0, $1) }) { plane, rows, columns in
    windowSum(plane, width: width, rows.inside, columns.inside) / Double(averageDivisor(p, rows, columns))
  }
}

/// The divisor of one average pool window; a window wholly outside the input sums nothing, and its (zero)
/// average divides by 1 so that it does not divide by zero.
func averageDivisor(_ p: Pool, _ rows: PoolWindow, _ columns: PoolWindow) -> Int {
  if rows.inside.isEmpty || columns.inside.isEmpty { return 1 }
  return p.countIncludePad ? rows.padded.count * columns.padded.count : rows.inside.count * columns.inside.count
}

/// Output `o` of `n` averages input indices `floor(o·size/n) ..< ceil((o+1)·size/n)`, PyTorch's rule.
func adaptiveAvgPool(_ x: Accumulator, outputShape: Shape) -> Accumulator {
  let width = x.shape.width
  let windows = { (y: Int, x2: Int) in adaptiveWindows(input: x.shape, output: outputShape, y, x2) }
  return pool(x, outputShape: outputShape, windows: windows) { plane, rows, columns in
    let sum = windowSum(plane, width: width, rows.inside, columns.inside)
    return sum / Double(rows.inside.count * columns.inside.count)
  }
}

/// The rows and columns adaptive pooling from `input` to `output` averages for output `(y, x)`.
func adaptiveWindows(input: Shape, output: Shape, _ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow) {
  func window(_ o: Int, _ n: Int, _ size: Int) -> PoolWindow {
    let range = (o * size / n)..<((o + 1) * size + n - 1) / n
    return PoolWindow(padded: range, inside: range)
  }
  return (window(y, output.height, input.height), window(x, output.width, input.width))
}

/// The rows and columns of pooling window `(y, x)` over `input`.
func windows(_ p: Pool, _ input: Shape, _ y: Int, _ x: Int) -> (rows: PoolWindow, columns: PoolWindow) {
  (
    PoolWindow(output: y, kernel: p.kernel.h, stride: p.stride.h, pad: p.pad.h, size: input.height),
    PoolWindow(output: x, kernel: p.kernel.w, stride: p.stride.w, pad: p.pad.w, size: input.width)
  )
}

private func windowSum(_ plane: ArraySlice<Double>, width: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Double {
  var sum = 0.0
  for row in rows {
    for column in columns { sum += plane[plane.startIndex + row * width + column] }
  }
  return sum
}
