// The training graph's gradients against central finite differences of its own loss, all in Double, on small
// nets that together use every op; the optimizer's arithmetic; and the f32 sums of the fuzzer's rounding model.

import Testing

@testable import NetC

@Suite struct GradientCheckTests {
  /// Central differences with step h = 1e-5 in Double: truncation error ~h²·|L'''| ≈ 1e-10 and rounding error
  /// ~ε·|L|/h ≈ 1e-11, so a correct gradient agrees to ~1e-9 absolute. The tolerance, 1e-6 of the tensor's
  /// largest gradient element (plus 1e-9), leaves room for that while any wrong formula (a missing term, a
  /// transposed index) is off by a sizable fraction of the gradient. Up to 12 elements per tensor are checked,
  /// spread over it, which reaches every op through the parameters before it.
  @Test(arguments: ["convolutions", "residual", "dense"])
  func gradientsMatchFiniteDifferences(_ name: String) throws {
    let graph = try #require(try TrainingNets.all.first { $0.name == name }).graph
    let training = try TrainingGraph.build(graph)
    let interpreter = try TrainingInterpreter(graph: training)
    let parameters = DoubleParameters(try TrainingNets.weights(graph, seed: 7))
    let input = randomTensor(graph.input.shape.dims, seed: 8)
    let labels = TrainingNets.labels(graph, seed: 9)
    func loss(_ parameters: DoubleParameters) throws -> Double {
      try interpreter.run(parameters, input: input, labels: labels, seed: 5, step: 3, keepingIntermediates: false).loss
    }
    let pass = try interpreter.run(
      parameters, input: input, labels: labels, seed: 5, step: 3, keepingIntermediates: false)
    let h = 1e-5
    #expect(training.parameterGradients.count == graph.parameters.filter(\.isTrainable).count)
    for (parameter, value) in training.parameterGradients {
      let analytic = try #require(pass.values[value]).values
      let scale = analytic.map(abs).max() ?? 0
      let count = analytic.count
      var worst = 0.0
      for i in Set((0..<min(count, 12)).map { $0 * count / min(count, 12) }).sorted() {
        var plus = parameters
        var minus = parameters
        plus.tensors[parameter]![i] += h
        minus.tensors[parameter]![i] -= h
        let numeric = (try loss(plus) - loss(minus)) / (2 * h)
        worst = max(worst, abs(numeric - analytic[i]))
      }
      #expect(worst <= 1e-6 * scale + 1e-9, "\(name): \(parameter): error \(worst), largest gradient \(scale)")
      #expect(scale > 1e-6, "\(name): \(parameter) gets a vanishing gradient, which would check nothing")
    }
  }

  /// PyTorch's SGD, worked by hand for one element over two steps: `g += wd·w; buf = m·buf + g; w −= lr·buf`.
  @Test func sgdMatchesPyTorchsUpdateRule() {
    let sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
    let first = sgd.update(weight: 2, gradient: 0.5, buffer: 0)
    #expect(first.buffer == 0.5 + 0.01 * 2)  // the first buffer is the gradient itself
    #expect(first.weight == 2 - 0.1 * 0.52)
    let second = sgd.update(weight: first.weight, gradient: -1, buffer: first.buffer)
    #expect(second.buffer == 0.9 * 0.52 + (-1 + 0.01 * first.weight))
    #expect(second.weight == first.weight - 0.1 * second.buffer)
  }

  /// The fuzzer's model of the C's f32 sums: a 1x1 conv's weight gradient over three positions, dy = 1e8, 1, −1e8
  /// against x = 1, is exactly 1 in Double, and 0 in f32, where 1e8 + 1 rounds back to 1e8 (ulp 8) before −1e8
  /// cancels it, as the C's GEMM would.
  @Test func weightGradientSumsInTheModelsPrecision() {
    let conv = Conv(outChannels: 1, kernel: Pair(square: 1), module: "conv", hasBias: false)
    let dy = Accumulator(shape: Shape([1, 1, 1, 3]), values: [1e8, 1, -1e8])
    let x = Accumulator(shape: Shape([1, 1, 1, 3]), values: [1, 1, 1])
    let weightShape = Shape([1, 1, 1, 1])
    #expect(convGradWeight(dy, x, conv, weightShape: weightShape, summingIn: Double.self).values == [1])
    #expect(convGradWeight(dy, x, conv, weightShape: weightShape, summingIn: Float.self).values == [0])
  }
}
