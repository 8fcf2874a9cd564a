// How closely the generated C's convolution weight gradients sum their many products: an element of dW adds
// batch * plane terms, which a float sum over the whole batch would round far more than the chunks summed in
// double that the kernels use.

import Testing

@testable import NetC

@Suite struct WeightGradientSumTests {
  /// A 3x3 convolution straight into the classifier (so its output gradient is one short float sum away from
  /// exact) with 16384 terms an element of its weight gradient: 16 images of 32 x 32 (Winograd F(3x3, 2x2))
  /// and 64 of 16 x 16 (the in-place product). Measured: 3.5e-7 and 5.6e-7 of the largest element from the
  /// interpreter's double sums (the shifted-planes kernel that ran the first before Winograd: 3.3e-7); when the
  /// shifted kernel's float lanes ran over 14 images before the double sum, the first was 1.3e-6, which the
  /// bound rejects.
  @Test(arguments: [(16, 32), (64, 16)])
  func weightGradientIsNearTheDoubleSum(batch: Int, size: Int) throws {
    var net = GraphBuilder("sums", input: [batch, 8, size, size])
    try net.add(
      "conv",
      .conv(Conv(outChannels: 8, kernel: Pair(square: 3), pad: Pair(square: 1), module: "conv", hasBias: false)))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 10, module: "fc", hasBias: true)))
    let graph = net.graph()
    let weights = try TrainingNets.weights(graph, seed: 31)
    let input = randomTensor(graph.input.shape.dims, seed: 32)
    let labels = TrainingNets.labels(graph, seed: 33)
    let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
    let c = try TrainingDriver.run(
      try TrainingDriver.executable(try TrainingCEmitter(graph: graph).emit(), flags: []), graph: graph,
      weights: weights, input: input, labels: labels, steps: 1, optimizer: optimizer, seed: 0)
    let interpreter = try TrainingInterpreter(graph: try TrainingGraph.build(graph))
    let result = try interpreter.step(
      TrainingState(weights: weights, for: graph, seed: 0), input: input, labels: labels, optimizer: optimizer)
    let count = try #require(graph.parameters.first { $0.name == "conv.weight" }).shape.elementCount
    let exact = try #require(result.gradients["conv.weight"]).scalars
    let error = relativeError(Array(c.gradients[0..<count]), exact)
    #expect(error <= 1e-6, "conv.weight gradient: \(error)")
  }
}
