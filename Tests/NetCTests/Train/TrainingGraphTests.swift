// The training graph as IR: its dump reads back byte for byte (zoo models included), a small one is a golden
// file, the verifier and parser check its ops, and graphs that cannot be trained get clear errors.

import Foundation
import Testing

@testable import NetC

@Suite struct TrainingGraphTests {
  @Test func residualNetDumpIsGolden() throws {
    let training = try TrainingGraph.build(try TrainingNets.residual())
    try Fixtures.expectGolden(training.text, "Tests/NetCTests/Train/residual.train.nir")
  }

  /// Zoo models of every kind: the training graph parses back to the same bytes and the same graph.
  @Test(arguments: ["resnet20", "resnet110", "resnet18", "resnext50_32x4d", "alexnet", "alexnet_paper", "plain20"])
  func zooTrainingGraphsReadBack(model: String) throws {
    let graph = try ModelLoader.load(path: Zoo.path(model), options: LoadOptions(batch: 2))
    let training = try TrainingGraph.build(graph)
    let parsed = try IRParser.parse(SourceFile(path: "\(model).nir", text: training.text))
    #expect(parsed == training)
    #expect(parsed.text == training.text)
    #expect(training.parameters == graph.parameters)
    #expect(training.parameterGradients.count == graph.parameters.filter(\.isTrainable).count)
  }

  /// The parts of a residual block's backward pass a reader looks for: the gradient fan-in of the block
  /// input summed by `accumulate`, the `add` passing its gradient through unchanged, option A's inverse.
  @Test func residualGradientsFanInAndPassThrough() throws {
    let training = try TrainingGraph.build(try TrainingNets.residual())
    let accumulate = try #require(training.node(named: "relu.grad"))
    #expect(accumulate.op == .train(.accumulate))
    #expect(accumulate.inputs == ["layer1.add.grad", "relu.grad_2"])
    #expect(training.node(named: "layer1.bn2.grad") == nil)  // the add's gradient is reused, not copied
    let shortcut = try #require(training.node(named: "layer1.relu_1.grad_1"))
    #expect(shortcut.op == .train(.shortcutGrad(ShortcutGrad(
      residual: Residual(stride: 2, channelOffset: 2), input: FeatureMapSize(channels: 4, size: Pair(8, 8))))))
    #expect(training.node(named: "input.grad") == nil)  // nothing flows into the graph input
    #expect(!training.nodes.contains { $0.op == .train(.convGradInput(ConvGradInput(
      conv: Conv(outChannels: 4, kernel: Pair(square: 3), pad: Pair(square: 1), module: "conv1", hasBias: false),
      input: FeatureMapSize(channels: 3, size: Pair(8, 8))))) })
  }

  /// What a residual stage keeps for the backward pass: each block's convolution outputs (the batch norms'
  /// inputs) and every other block output; the ReLUs of batch norms and the other block outputs are recomputed
  /// from them where the backward pass first reads them.
  @Test func backwardRecomputesWhatElementwiseOpsMake() throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    let training = try TrainingGraph.build(graph)
    let loss = try #require(training.indexByName()[training.output])
    let backward = training.nodes[(loss + 1)...]
    let read = Set(backward.flatMap(\.inputs))
    let kept = training.nodes[...loss].map(\.name).filter { read.contains($0) && $0.hasPrefix("layer1.") }
    #expect(
      kept == [
        "layer1.0.conv1", "layer1.0.bn1.stats", "layer1.0.conv2", "layer1.0.bn2.stats", "layer1.0.relu_1",
        "layer1.1.conv1", "layer1.1.bn1.stats", "layer1.1.conv2", "layer1.1.bn2.stats", "layer1.2.conv1",
        "layer1.2.bn1.stats", "layer1.2.conv2", "layer1.2.bn2.stats", "layer1.2.relu_1",
      ])
    let relu = try #require(training.node(named: "layer1.1.relu_1.recomputed"))
    #expect(relu.inputs == ["layer1.1.add.recomputed"])
    #expect(training.node(named: "layer1.1.add.recomputed")?.inputs == ["layer1.1.bn2.recomputed", "layer1.0.relu_1"])
    #expect(
      training.node(named: "layer1.1.bn2.recomputed")?.op
        == .train(.batchNormRecompute(try #require(graph.node(named: "layer1.1.bn2").flatMap { node in
          if case .batchNorm(let bn) = node.op { bn } else { nil }
        }))))
    // Recomputed just before the first backward op that reads it: the next block's weight gradient.
    let index = training.indexByName()
    let reader = try #require(backward.first { $0.inputs.contains("layer1.1.relu_1.recomputed") })
    #expect(reader.name == "layer1.2.conv1.weight.grad")
    #expect(index[reader.name]! == index["layer1.1.relu_1.recomputed"]! + 1)
  }

  @Test func finalSoftmaxIsLeftToTheLoss() throws {
    let training = try TrainingGraph.build(try TrainingNets.dense())
    #expect(training.node(named: "probabilities") == nil)
    #expect(training.node(named: "loss")?.inputs == ["fc2"])
    #expect(training.node(named: "fc1.grad")?.op == .train(.softmaxGrad))
  }

  @Test func fusedGraphsAreRejected() throws {
    let fused = try Pipeline.default.run(try TrainingNets.residual())
    #expect(
      diagnosticText { _ = try TrainingGraph.build(fused) }
        == "error: 'conv1' has a fused batch norm, relu from a pass; training needs the graph before passes "
        + "(as 'netc dump -O0' prints it)\n")
  }

  @Test func trainingNeedsClassLogits() throws {
    var net = GraphBuilder("maps", input: [2, 3, 4, 4])
    try net.conv3x3("conv", 2)
    #expect(
      diagnosticText { _ = try TrainingGraph.build(net.graph()) }
        == "error: training needs [N, classes] logits from 'maps', got f32[2,2,4,4] from 'conv'; end the network "
        + "with 'flatten' and 'linear'\n")
  }

  @Test func trainingGraphsAreNotTrainedAgain() throws {
    let training = try TrainingGraph.build(try TrainingNets.dense())
    #expect(
      diagnosticText { _ = try TrainingGraph.build(training) }
        == "error: 'loss' is already a training op ('softmax_cross_entropy'); start from the network's inference IR\n")
  }

  @Test func batchStatisticsNeedTwoValues() throws {
    var net = GraphBuilder("one", input: [1, 2, 1, 1])
    try net.add("bn", .batchNorm(BatchNorm(module: "bn")))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 2, module: "fc", hasBias: true)))
    #expect(
      diagnosticText { _ = try TrainingGraph.build(net.graph()) }
        == "error: bn.stats: batch statistics need more than 1 value per channel, got 1; use a larger batch\n"
        + "note: in the IR produced by pass 'autodiff'\n")
  }

  /// A backward op whose operands do not fit its forward op is a verifier error at that op.
  @Test func parserChecksBackwardShapesAgainstTheForwardOp() throws {
    let text = try TrainingGraph.build(try TrainingNets.dense()).text
    let broken = text.replacingOccurrences(
      of: "linear_grad_input(%fc2.grad) in=5", with: "linear_grad_input(%fc2.grad) in=6")
    #expect(broken != text)
    let message = diagnosticText { _ = try IRParser.parse(SourceFile(path: "t.nir", text: broken)) } ?? ""
    #expect(message.contains("t.nir:11:18: error: expected shape f32[4,6], got f32[4,5]\n"))
  }

  @Test func dumpTrainPrintsTheTrainingGraph() throws {
    let result = try runNetc(["dump", "--train", "Models/resnet20.net", "--batch", "2"])
    #expect(result.status == 0)
    #expect(result.stdout.hasPrefix("graph resnet20.train {\n  %input: f32[2,3,32,32] = input\n"))
    #expect(result.stdout.contains("  %loss: f32[1] = softmax_cross_entropy(%fc)\n"))
    #expect(result.stdout.hasSuffix("  return %loss\n}\n"))
  }
}
