// The conv kernel against a hand-worked case and an independent im2col matrix product, and its epilogue
// (bias, batch norm, option A residual, ReLU) against the fold formula and explicit loops.

import Testing

@testable import NetC

/// Reference conv: per item and group, the im2col matrix (one row per output position, one column per
/// (input channel, ky, kx) tap, zeros for taps in the padding) times the group's weights as a matrix.
private func im2colConv(_ x: Tensor, _ weight: [Double], bias: [Double]?, _ conv: Conv, _ out: Shape) -> [Double] {
  let (n, c, h, w) = (x.shape.batch, x.shape.channels, x.shape.height, x.shape.width)
  let (kh, kw) = (conv.kernel.h, conv.kernel.w)
  let cg = c / conv.groups
  let og = conv.outChannels / conv.groups
  let taps = cg * kh * kw
  let positions = out.height * out.width
  var result = [Double](repeating: 0, count: out.elementCount)
  for item in 0..<n {
    for g in 0..<conv.groups {
      var columns = [[Double]](repeating: [Double](repeating: 0, count: taps), count: positions)
      for p in 0..<positions {
        let (oy, ox) = (p / out.width, p % out.width)
        for t in 0..<taps {
          let (i, ky, kx) = (t / (kh * kw), (t / kw) % kh, t % kw)
          let iy = oy * conv.stride.h - conv.pad.h + ky * conv.dilation.h
          let ix = ox * conv.stride.w - conv.pad.w + kx * conv.dilation.w
          if iy >= 0 && iy < h && ix >= 0 && ix < w {
            columns[p][t] = Double(x.scalars[((item * c + g * cg + i) * h + iy) * w + ix])
          }
        }
      }
      for o in g * og..<(g + 1) * og {
        let row = weight[o * taps..<(o + 1) * taps]
        for p in 0..<positions {
          var sum = bias?[o] ?? 0
          for t in 0..<taps { sum += row[row.startIndex + t] * columns[p][t] }
          result[(item * conv.outChannels + o) * positions + p] = sum
        }
      }
    }
  }
  return result
}

private struct ConvCase: CustomStringConvertible {
  var input: [Int]
  var conv: Conv
  var description: String { "\(input) \(conv.kernel) s\(conv.stride) p\(conv.pad) d\(conv.dilation) g\(conv.groups)" }

  /// Kernel, stride, pad and dilation as (height, width).
  init(_ input: [Int], out: Int, k: (Int, Int), s: (Int, Int), p: (Int, Int), d: (Int, Int), groups: Int) {
    self.input = input
    conv = Conv(
      outChannels: out, kernel: Pair(k.0, k.1), stride: Pair(s.0, s.1), pad: Pair(p.0, p.1),
      dilation: Pair(d.0, d.1), groups: groups, module: "c", hasBias: true)
  }

  var outputShape: Shape { try! Op.conv(conv).inferShape([Shape(input)]).get() }
  var weightShape: [Int] { [conv.outChannels, input[1] / conv.groups, conv.kernel.h, conv.kernel.w] }
}

private let cases = [
  ConvCase([2, 3, 7, 5], out: 4, k: (3, 3), s: (1, 1), p: (1, 1), d: (1, 1), groups: 1),
  ConvCase([3, 4, 9, 8], out: 6, k: (3, 2), s: (2, 1), p: (1, 0), d: (1, 1), groups: 2),
  ConvCase([2, 6, 11, 10], out: 6, k: (3, 3), s: (2, 3), p: (2, 1), d: (2, 2), groups: 3),
  ConvCase([1, 8, 5, 5], out: 8, k: (3, 3), s: (1, 1), p: (1, 1), d: (1, 1), groups: 8),
  ConvCase([2, 3, 13, 13], out: 5, k: (7, 7), s: (2, 2), p: (3, 3), d: (1, 1), groups: 1),
  ConvCase([2, 4, 6, 6], out: 2, k: (1, 1), s: (2, 2), p: (0, 0), d: (1, 1), groups: 1),
  ConvCase([1, 2, 4, 3], out: 3, k: (5, 5), s: (1, 1), p: (2, 2), d: (1, 1), groups: 1),
  ConvCase([2, 2, 5, 7], out: 4, k: (2, 3), s: (3, 2), p: (0, 2), d: (3, 1), groups: 2),
]

@Suite struct ConvolutionTests {
  @Test func handWorkedTwoByTwo() throws {
    let x = Tensor(shape: Shape([1, 1, 3, 3]), scalars: (1...9).map(Float.init))
    let conv = Conv(outChannels: 1, kernel: Pair(square: 2), module: "c", hasBias: true)
    let weights = Weights([
      ("c.weight", Tensor(shape: Shape([1, 1, 2, 2]), scalars: [1, 2, 3, 4])),
      ("c.bias", Tensor(shape: Shape([1]), scalars: [0.5])),
    ])
    let y = try convolution([Accumulator(x)], conv, outputShape: Shape([1, 1, 2, 2]), parameters: weights).rounded
    // 1·1 + 2·2 + 3·4 + 4·5 = 37, and so on, plus the bias.
    #expect(y.scalars == [37.5, 47.5, 67.5, 77.5])
  }

  @Test(arguments: cases.indices)
  func matchesIm2colProduct(_ index: Int) throws {
    let c = cases[index]
    let x = randomTensor(c.input, seed: UInt64(index))
    let weight = randomTensor(c.weightShape, seed: 100 + UInt64(index))
    let bias = randomTensor([c.conv.outChannels], seed: 200 + UInt64(index))
    let weights = Weights([("c.weight", weight), ("c.bias", bias)])
    let y = try convolution([Accumulator(x)], c.conv, outputShape: c.outputShape, parameters: weights).rounded
    let expected = im2colConv(
      x, weight.scalars.map(Double.init), bias: bias.scalars.map(Double.init), c.conv, c.outputShape)
    #expect(y.shape == c.outputShape, "\(c)")
    #expect(f32Units(y.scalars, expected) <= 1, "\(c)")  // one rounding of a Double sum: see f32Units
  }

  /// The interpreter applies batch norm to the conv's output; folding it into the weights, as the C does,
  /// must give the same values: `w' = w·γ/√(var+ε)`, `b' = β + (b−μ)·γ/√(var+ε)`.
  @Test func batchNormEpilogueEqualsFoldedWeights() throws {
    let c = cases[2]
    let channels = c.conv.outChannels
    var conv = c.conv
    conv.epilogue = Epilogue(batchNorm: FoldedBatchNorm(module: "bn", eps: 1e-3))
    let x = randomTensor(c.input, seed: 1)
    let weight = randomTensor(c.weightShape, seed: 2)
    let bias = randomTensor([channels], seed: 3)
    let gamma = randomTensor([channels], seed: 4)
    let beta = randomTensor([channels], seed: 5)
    let mean = randomTensor([channels], seed: 6)
    let variance = Tensor(shape: Shape([channels]), scalars: randomTensor([channels], seed: 7).scalars.map { $0 * $0 })
    let weights = Weights([
      ("c.weight", weight), ("c.bias", bias), ("bn.weight", gamma), ("bn.bias", beta), ("bn.running_mean", mean),
      ("bn.running_var", variance),
    ])
    let y = try convolution([Accumulator(x)], conv, outputShape: c.outputShape, parameters: weights).rounded

    let scale = (0..<channels).map { Double(gamma.scalars[$0]) / (Double(variance.scalars[$0]) + 1e-3).squareRoot() }
    let perOutput = weight.scalars.count / channels
    let foldedWeight = weight.scalars.indices.map { Double(weight.scalars[$0]) * scale[$0 / perOutput] }
    let foldedBias = (0..<channels).map {
      Double(beta.scalars[$0]) + (Double(bias.scalars[$0]) - Double(mean.scalars[$0])) * scale[$0]
    }
    let expected = im2colConv(x, foldedWeight, bias: foldedBias, c.conv, c.outputShape)
    #expect(f32Units(y.scalars, expected) <= 1)  // both exact in Double up to summation order: see f32Units
  }

  /// Bias, option A residual (stride 2, channel offset 1) and ReLU, against explicit loops in the test.
  @Test func residualEpilogueWithStrideAndChannelOffset() throws {
    let conv = Conv(
      outChannels: 4, kernel: Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1), module: "c",
      hasBias: true, epilogue: Epilogue(residual: Residual(stride: 2, channelOffset: 1), relu: true))
    let x = randomTensor([2, 3, 7, 7], seed: 11)
    let shortcut = randomTensor([2, 2, 7, 7], seed: 12)
    let weight = randomTensor([4, 3, 3, 3], seed: 13)
    let bias = randomTensor([4], seed: 14)
    let out = Shape([2, 4, 4, 4])
    let parameters = Weights([("c.weight", weight), ("c.bias", bias)])
    let y = try convolution(
      [Accumulator(x), Accumulator(shortcut)], conv, outputShape: out, parameters: parameters
    ).rounded
    var plain = conv
    plain.epilogue = .none
    var expected = im2colConv(x, weight.scalars.map(Double.init), bias: bias.scalars.map(Double.init), plain, out)
    for n in 0..<2 {
      for c in 1...2 {
        for oy in 0..<4 {
          for ox in 0..<4 {
            let source = ((n * 2 + c - 1) * 7 + 2 * oy) * 7 + 2 * ox
            expected[((n * 4 + c) * 4 + oy) * 4 + ox] += Double(shortcut.scalars[source])
          }
        }
      }
    }
    expected = expected.map { max(0, $0) }
    #expect(f32Units(y.scalars, expected) <= 1)  // one rounding of a Double sum: see f32Units
  }
}
