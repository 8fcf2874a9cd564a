// Pooling against values PyTorch 2.x computes (`torch.nn.functional.avg_pool2d` / `max_pool2d` /
// `adaptive_avg_pool2d` on `torch.arange(1., 26.).reshape(1, 1, 5, 5)`), covering padding, ceil mode and
// count_include_pad at the edges.

import Testing

@testable import NetC

private let grid5 = Tensor(shape: Shape([1, 1, 5, 5]), scalars: (1...25).map(Float.init))

private func pooled(
  _ op: Op, _ x: Tensor = grid5, kernel: Int = 3, stride: Int = 2, pad: Int = 1
) throws -> Tensor {
  let shape = try op.inferShape([x.shape]).get()
  switch op {
  case .maxPool(let p): return maxPool(Accumulator(x), p, outputShape: shape).rounded
  case .avgPool(let p): return avgPool(Accumulator(x), p, outputShape: shape).rounded
  default: return adaptiveAvgPool(Accumulator(x), outputShape: shape).rounded
  }
}

private func pool(_ kernel: Int, _ stride: Int, _ pad: Int, ceil: Bool, countPad: Bool = true) -> Pool {
  Pool(
    kernel: Pair(square: kernel), stride: Pair(square: stride), pad: Pair(square: pad), ceilMode: ceil,
    countIncludePad: countPad)
}

@Suite struct PoolingTests {
  // PyTorch prints these in f32; the interpreter divides in Double and rounds once, so they agree to 1 unit.
  @Test func averageCeilModeCountingPadding() throws {
    let y = try pooled(.avgPool(pool(3, 2, 1, ceil: true)))
    let torch: [Double] = [16 / 9, 33 / 9, 28 / 9, 69 / 9, 13, 87 / 9, 76 / 9, 123 / 9, 88 / 9]
    #expect(y.shape == Shape([1, 1, 3, 3]))
    #expect(f32Units(y.scalars, torch) <= 1)
  }

  @Test func averageCeilModeNotCountingPadding() throws {
    let y = try pooled(.avgPool(pool(3, 2, 1, ceil: true, countPad: false)))
    #expect(y.scalars == [4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22])
  }

  /// Ceil mode adds a last window that hangs over the right and bottom edge; its divisor counts only the
  /// part inside the input when there is no padding.
  @Test func averageCeilModeWithoutPadding() throws {
    let y = try pooled(.avgPool(pool(2, 2, 0, ceil: true)))
    #expect(y.scalars == [4, 6, 7.5, 14, 16, 17.5, 21.5, 23.5, 25])
  }

  /// 6x6, kernel 3, stride 2, pad 1, ceil mode: the last window starts in the input and runs past the
  /// padding; PyTorch divides by the part inside input-plus-padding (2x2 in the corner, giving 36 / 4).
  @Test func averageDivisorClippedToPaddedInput() throws {
    let x = Tensor(shape: Shape([1, 1, 6, 6]), scalars: (1...36).map(Float.init))
    let y = try pooled(.avgPool(pool(3, 2, 1, ceil: true)), x)
    let torch: [Double] = [2, 4, 16 / 3, 3, 9, 15, 17, 9, 17, 27, 29, 15, 10.5, 16.5, 17.5, 9]
    #expect(y.shape == Shape([1, 1, 4, 4]))
    #expect(f32Units(y.scalars, torch) <= 1)
  }

  @Test func maxCeilMode() throws {
    let y = try pooled(.maxPool(pool(2, 2, 0, ceil: true)))
    #expect(y.scalars == [7, 9, 10, 17, 19, 20, 22, 24, 25])
  }

  /// All-negative input: the padding (−∞ in PyTorch, not 0) never wins.
  @Test func maxIgnoresPadding() throws {
    let negative = Tensor(shape: grid5.shape, scalars: grid5.scalars.map { -$0 })
    let y = try pooled(.maxPool(pool(3, 2, 1, ceil: false)), negative)
    #expect(y.scalars == [-1, -2, -4, -6, -7, -9, -16, -17, -19])
  }

  @Test func maxPropagatesNaN() throws {
    var x = grid5
    x.scalars[6] = .nan
    let y = try pooled(.maxPool(pool(3, 2, 1, ceil: false)), x)
    #expect(y.scalars[0].isNaN && y.scalars[1].isNaN && y.scalars[3].isNaN && y.scalars[4].isNaN)
    #expect(y.scalars[2] == 10 && y.scalars[8] == 25)
  }

  /// Rows split 5 → 3 as [0, 2), [1, 4), [3, 5); columns 5 → 2 as [0, 3), [2, 5).
  @Test func adaptiveAverageStartEndRule() throws {
    let y = try pooled(.adaptiveAvgPool(AdaptiveAvgPool(out: Pair(3, 2))))
    #expect(y.scalars == [4.5, 6.5, 12, 14, 19.5, 21.5])
  }

  @Test func globalAverageOverBatchAndChannels() throws {
    let x = randomTensor([3, 4, 5, 7], seed: 9)
    let y = try pooled(.adaptiveAvgPool(AdaptiveAvgPool(out: Pair(1, 1))), x)
    let means = (0..<12).map { plane in x.scalars[plane * 35..<(plane + 1) * 35].reduce(0.0) { $0 + Double($1) } / 35 }
    #expect(f32Units(y.scalars, means) <= 1)  // one rounding of a Double sum: see f32Units
  }
}
