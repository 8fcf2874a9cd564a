// The smaller ops: batch norm, ReLU, add, option A shortcut, LRN, flatten, linear, softmax, dropout.

import Foundation
import Testing

@testable import NetC

@Suite struct ElementwiseTests {
  @Test func batchNormIsTheEvalModeFormula() throws {
    let x = randomTensor([2, 3, 2, 3], seed: 1)
    let stats: [(gamma: Double, beta: Double, mean: Double, variance: Double)] = [
      (1, 0, 0, 1), (0.5, 2, -1, 4), (-2, 0.25, 3, 0.01),
    ]
    let parameters = BatchNormParameters(
      gamma: stats.map(\.gamma), beta: stats.map(\.beta), mean: stats.map(\.mean), variance: stats.map(\.variance),
      eps: 1e-5)
    let y = batchNorm(Accumulator(x), parameters).rounded
    let expected = x.scalars.indices.map { i in
      let s = stats[(i / 6) % 3]
      return (Double(x.scalars[i]) - s.mean) / (s.variance + 1e-5).squareRoot() * s.gamma + s.beta
    }
    #expect(f32Units(y.scalars, expected) <= 1)  // one rounding of a Double expression: see f32Units
  }

  @Test func reluAndDropout() throws {
    let x = Tensor(shape: Shape([1, 4]), scalars: [-1, 0, 2.5, .nan])
    let relu = Node(name: "r", op: .relu, inputs: ["x"], shape: x.shape)
    let dropout = Node(name: "d", op: .dropout(Dropout(p: 0.5)), inputs: ["x"], shape: x.shape)
    let interpreter = try Interpreter(graph: inputOnly(Shape([1, 1, 1, 1])), weights: Weights())
    let y = try interpreter.evaluate(relu, operands: [x])
    #expect(y.scalars[0...2] == [0, 0, 2.5] && y.scalars[3].isNaN)
    #expect(try interpreter.evaluate(dropout, operands: [x]).scalars[0...2] == [-1, 0, 2.5])
  }

  @Test func addWithReLU() {
    let x = Tensor(shape: Shape([1, 2, 1, 2]), scalars: [1, -2, 3, -4])
    let y = Tensor(shape: Shape([1, 2, 1, 2]), scalars: [0.5, 0.5, -5, 5])
    #expect(add(Accumulator(x), Accumulator(y), Add(relu: true)).rounded.scalars == [1.5, 0, 0, 1])
    #expect(add(Accumulator(x), Accumulator(y), Add()).rounded.scalars == [1.5, -1.5, -2, 1])
  }

  /// Option A: 2 channels of 3x3 become 4 channels of 2x2, one zero channel on each side, taking rows and
  /// columns 0 and 2.
  @Test func shortcutAPadsChannelsAndSubsamples() {
    let x = Tensor(shape: Shape([1, 2, 3, 3]), scalars: (1...18).map(Float.init))
    let y = shortcutA(Accumulator(x), ShortcutA(outChannels: 4, stride: 2), outputShape: Shape([1, 4, 2, 2])).rounded
    #expect(y.scalars == [0, 0, 0, 0, 1, 3, 7, 9, 10, 12, 16, 18, 0, 0, 0, 0])
  }

  @Test func addWithOptionAShortcut() {
    let x = Tensor(zeros: Shape([2, 3, 2, 1]))
    let y = Tensor(shape: Shape([2, 1, 3, 2]), scalars: (1...12).map(Float.init))
    let sum = add(Accumulator(x), Accumulator(y), Add(shortcut: Residual(stride: 2, channelOffset: 2))).rounded
    #expect(sum.scalars == [0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 7, 11])
  }

  /// a = [1, 2, 3] at one position, k = alpha = beta = 1: b[c] = a[c] / (1 + Σ a[j]²) over the window.
  @Test func lrnHandWorked() {
    let x = Tensor(shape: Shape([1, 3, 1, 1]), scalars: [1, 2, 3])
    let odd = localResponseNorm(Accumulator(x), LRN(size: 3, alpha: 1, beta: 1, k: 1)).rounded
    #expect(f32Units(odd.scalars, [1.0 / 6, 2.0 / 15, 3.0 / 14]) <= 1)
    // An even size reaches size/2 channels back and size/2 − 1 forward, as PyTorch does.
    let even = localResponseNorm(Accumulator(x), LRN(size: 2, alpha: 1, beta: 1, k: 1)).rounded
    #expect(f32Units(even.scalars, [1.0 / 2, 2.0 / 6, 3.0 / 14]) <= 1)
  }

  /// PyTorch 2.x `nn.LocalResponseNorm(size, alpha * size, 0.75, 2)` on `arange(1., 15.) / 3` as
  /// `[1, 7, 1, 2]`, for size 5 and 4 with the paper's alpha 0.1. PyTorch averages squares in f32, so it
  /// agrees to about 1e-7 relative, not to the last bit.
  @Test func lrnMatchesPyTorchWithAlphaTimesSize() {
    let x = Tensor(shape: Shape([1, 7, 1, 2]), scalars: (1...14).map { Float($0) / 3 })
    let torch5: [Float] = [
      0.17347297, 0.32352412, 0.44614798, 0.54048008, 0.60836792, 0.65338153, 0.68087745, 0.69559318,
      0.70128268, 0.70074701, 0.88377124, 0.87387598, 1.11337209, 1.09747577,
    ]
    let torch4: [Float] = [
      0.19032481, 0.36628416, 0.52041888, 0.64704823, 0.74357992, 0.81072009, 0.85357130, 0.87776697,
      0.88834059, 0.88932836, 0.88377124, 0.87387598, 1.11337197, 1.09747565,
    ]
    let y5 = localResponseNorm(Accumulator(x), LRN(size: 5, alpha: 0.1, beta: 0.75, k: 2)).rounded
    let y4 = localResponseNorm(Accumulator(x), LRN(size: 4, alpha: 0.1, beta: 0.75, k: 2)).rounded
    #expect(relativeError(y5.scalars, torch5) <= 1e-6)
    #expect(relativeError(y4.scalars, torch4) <= 1e-6)
  }

  @Test func linearWithBiasAndReLUOverABatch() throws {
    let x = Tensor(shape: Shape([3, 2]), scalars: [1, 2, -1, 0, 0.5, 0.5])
    let weight = Tensor(shape: Shape([2, 2]), scalars: [1, 1, 2, -1])
    let bias = Tensor(shape: Shape([2]), scalars: [0, -1])
    func linearNode(bias: Bool, relu: Bool) -> Node {
      let op = Op.linear(Linear(outFeatures: 2, module: "fc", hasBias: bias, relu: relu))
      return Node(name: "fc", op: op, inputs: ["x"], shape: Shape([3, 2]))
    }
    let y = try Interpreter.compute(
      linearNode(bias: true, relu: true), [x], Weights([("fc.weight", weight), ("fc.bias", bias)]))
    #expect(y.scalars == [3, 0, 0, 0, 1, 0])
    let noBias = try Interpreter.compute(linearNode(bias: false, relu: false), [x], Weights([("fc.weight", weight)]))
    #expect(noBias.scalars == [3, 0, -1, -2, 1, 0.5])
  }

  @Test func flattenKeepsOrder() {
    let x = randomTensor([2, 3, 2, 2], seed: 3)
    let y = flatten(Accumulator(x), outputShape: Shape([2, 12])).rounded
    #expect(y.scalars == x.scalars && y.shape == Shape([2, 12]))
  }

  @Test func softmaxOverDimensionOne() {
    let x = Tensor(shape: Shape([2, 3]), scalars: [1, 2, 3, 1000, 1000, 1000])
    let y = softmax(Accumulator(x)).rounded
    let e: [Double] = [exp(-2), exp(-1), 1]
    let total = e.reduce(0, +)
    let expected: [Double] = e.map { $0 / total } + Array(repeating: 1.0 / 3, count: 3)
    #expect(f32Units(y.scalars, expected) <= 1)
    // On a feature map, per spatial position: channels 0 and 1 at each of 2 positions.
    let map = Tensor(shape: Shape([1, 2, 1, 2]), scalars: [0, 5, 0, -5])
    let ym = softmax(Accumulator(map)).rounded
    #expect(ym.scalars[0] == 0.5 && ym.scalars[2] == 0.5)
    #expect(f32Units([ym.scalars[1] + ym.scalars[3]], [1]) <= 1)
  }
}

/// A graph that only returns its input: enough to construct an interpreter for `evaluate` calls.
func inputOnly(_ shape: Shape) -> Graph {
  Graph(name: "g", nodes: [Node(name: "x", op: .input, inputs: [], shape: shape)], output: "x")
}
