// 2-d convolution (groups, stride, padding, dilation) by direct summation in Double, and its epilogue:
// bias, batch norm, residual, ReLU, in the order `Epilogue` defines.

/// `out[n, o, y, x] = Σ_{i, ky, kx} w[o, i, ky, kx] · in[n, g·Cg + i, y·sy − py + ky·dy, x·sx − px + kx·dx]`
/// over the `Cg = C / groups` input channels of the output channel's group `g`; taps in the padding read 0.
func convolve(_ x: Accumulator, weights: [Double], _ conv: Conv, outputShape: Shape) -> Accumulator {
  var result = Accumulator(zeros: outputShape)
  let step = conv.stride.w
  x.values.withUnsafeBufferPointer { input in
    result.values.withUnsafeMutableBufferPointer { output in
      forEachConvolutionRun(conv, input: x.shape, output: outputShape) { weight, first, source, count in
        let w = weights[weight]
        for j in 0..<count { output[first + j] += w * input[source + j * step] }
      }
    }
  }
  return result
}

/// Every tap of a convolution as runs of consecutive outputs: for each item, output channel, input channel of
/// its group, kernel position and output row, the columns whose tap lands inside the input, as the weight's
/// index, the first output's and first input's element index, and the run's length; the inputs of a run are
/// `conv.stride.w` apart. The forward pass and both input and weight gradients walk the same runs.
@inline(__always)
func forEachConvolutionRun(
  _ conv: Conv, input: Shape, output: Shape, _ run: (_ weight: Int, _ output: Int, _ input: Int, _ count: Int) -> Void
) {
  let (channels, height, width) = (input.channels, input.height, input.width)
  let (outChannels, outHeight, outWidth) = (output.channels, output.height, output.width)
  let (kernel, stride, pad, dilation) = (conv.kernel, conv.stride, conv.pad, conv.dilation)
  let inPerGroup = channels / conv.groups
  let outPerGroup = outChannels / conv.groups
  // For each kernel row (column), the output rows (columns) whose tap lands inside the input.
  let rows = (0..<kernel.h).map {
    inputBounded(count: outHeight, stride: stride.h, offset: $0 * dilation.h - pad.h, size: height)
  }
  let columns = (0..<kernel.w).map {
    inputBounded(count: outWidth, stride: stride.w, offset: $0 * dilation.w - pad.w, size: width)
  }
  for item in 0..<input.batch {
    for o in 0..<outChannels {
      let outPlane = (item * outChannels + o) * outHeight * outWidth
      let firstInput = (o / outPerGroup) * inPerGroup
      for i in 0..<inPerGroup {
        let inPlane = (item * channels + firstInput + i) * height * width
        for ky in 0..<kernel.h {
          for kx in 0..<kernel.w where !columns[kx].isEmpty {
            let weight = ((o * inPerGroup + i) * kernel.h + ky) * kernel.w + kx
            let first = columns[kx].lowerBound
            for y in rows[ky] {
              let inRow = (y * stride.h + ky * dilation.h - pad.h) * width + kx * dilation.w - pad.w
              run(weight, outPlane + y * outWidth + first, inPlane + inRow + first * stride.w, columns[kx].count)
            }
          }
        }
      }
    }
  }
}

/// The outputs `o` in `0..<count` whose input index `o * stride + offset` lies in `0..<size`.
func inputBounded(count: Int, stride: Int, offset: Int, size: Int) -> Range<Int> {
  let first = offset >= 0 ? 0 : (-offset + stride - 1) / stride
  let lastInput = size - 1 - offset
  let end = lastInput < 0 ? 0 : min(count, lastInput / stride + 1)
  return first..<max(first, end)
}

/// The conv op: convolution, then its epilogue.
func convolution(
  _ operands: [Accumulator], _ conv: Conv, outputShape: Shape, parameters: some ParameterSource
) throws -> Accumulator {
  var result = convolve(
    operands[0], weights: try parameters.values(conv.module + ".weight"), conv, outputShape: outputShape)
  if conv.hasBias { result.addBias(try parameters.values(conv.module + ".bias")) }
  if let batchNorm = conv.epilogue.batchNorm {
    result.applyBatchNorm(try parameters.batchNorm(module: batchNorm.module, eps: batchNorm.eps))
  }
  if let residual = conv.epilogue.residual { result.addShortcut(operands[1], residual) }
  if conv.epilogue.relu { result.applyReLU() }
  return result
}
