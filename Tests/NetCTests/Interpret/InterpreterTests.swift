// Whole graphs through the interpreter: a residual block written unfused and fused agree, batch items are
// independent, intermediate values are exposed, and malformed graphs, weights or inputs are diagnosed.

import Foundation
import Testing

@testable import NetC

/// A stem and one basic residual block, either as separate ops or with what the fusion pass makes of them
/// (batch norm, residual add and ReLU in the conv epilogues).
private func residualNet(batch: Int, fused: Bool) -> Graph {
  func conv(_ name: String, _ out: Int, _ epilogue: Epilogue) -> Op {
    .conv(Conv(outChannels: out, kernel: Pair(square: 3), pad: Pair(square: 1), module: name, hasBias: false,
               epilogue: fused ? epilogue : .none))
  }
  let map = Shape([batch, 4, 5, 5])
  var nodes = [
    Node(name: "input", op: .input, inputs: [], shape: Shape([batch, 3, 9, 9])),
    Node(
      name: "conv1", op: conv("conv1", 4, Epilogue(batchNorm: FoldedBatchNorm(module: "bn1", eps: 1e-5), relu: true)),
      inputs: ["input"], shape: Shape([batch, 4, 9, 9])),
  ]
  if !fused {
    nodes += [
      Node(name: "bn1", op: .batchNorm(BatchNorm(module: "bn1")), inputs: ["conv1"], shape: Shape([batch, 4, 9, 9])),
      Node(name: "relu", op: .relu, inputs: ["bn1"], shape: Shape([batch, 4, 9, 9])),
    ]
  }
  let pool = Pool(kernel: Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1))
  nodes.append(Node(name: "maxpool", op: .maxPool(pool), inputs: [nodes.last!.name], shape: map))
  let bn2 = Epilogue(batchNorm: FoldedBatchNorm(module: "block.bn2", eps: 1e-5), residual: .identity, relu: true)
  if fused {
    nodes.append(Node(name: "block.conv2", op: conv("block.conv2", 4, bn2), inputs: ["maxpool", "maxpool"], shape: map))
  } else {
    nodes += [
      Node(name: "block.conv2", op: conv("block.conv2", 4, .none), inputs: ["maxpool"], shape: map),
      Node(
        name: "block.bn2", op: .batchNorm(BatchNorm(module: "block.bn2")), inputs: ["block.conv2"], shape: map),
      Node(name: "block.add", op: .add(Add()), inputs: ["block.bn2", "maxpool"], shape: map),
      Node(name: "block.relu", op: .relu, inputs: ["block.add"], shape: map),
    ]
  }
  nodes += [
    Node(
      name: "avgpool", op: .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))), inputs: [nodes.last!.name],
      shape: Shape([batch, 4, 1, 1])),
    Node(name: "flatten", op: .flatten, inputs: ["avgpool"], shape: Shape([batch, 4])),
    Node(name: "fc", op: .linear(Linear(outFeatures: 3, module: "fc", hasBias: true)), inputs: ["flatten"],
         shape: Shape([batch, 3])),
  ]
  return Graph(name: "tiny", nodes: nodes, output: "fc")
}

/// A CIFAR-style option A block (stride 2, 4 → 8 channels), dropout and a classifier, unfused.
private func optionANet() throws -> Graph {
  var net = GraphBuilder("option_a", input: [2, 4, 8, 8])
  try net.conv3x3("conv1", 8, stride: 2)
  try net.add("bn1", .batchNorm(BatchNorm(module: "bn1")))
  try net.add("relu1", .relu)
  try net.conv3x3("conv2", 8)
  try net.add("bn2", .batchNorm(BatchNorm(module: "bn2")))
  try net.add("shortcut", .shortcutA(ShortcutA(outChannels: 8, stride: 2)), ["input"])
  try net.add("add", .add(Add()), ["bn2", "shortcut"])
  try net.add("relu2", .relu)
  try net.add("dropout", .dropout(Dropout(p: 0.5)))
  try net.add("avgpool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
  try net.add("flatten", .flatten)
  try net.add("fc", .linear(Linear(outFeatures: 5, module: "fc", hasBias: true)))
  return net.graph()
}

/// Random values for every parameter; variances positive.
private func randomWeights(_ graph: Graph, seed: UInt64) -> Weights {
  Weights(graph.parameters.enumerated().map { index, parameter in
    var tensor = randomTensor(parameter.shape.dims, seed: seed + UInt64(index))
    if parameter.role == .runningVar { tensor.scalars = tensor.scalars.map { $0 * $0 + 0.1 } }
    return (parameter.name, tensor)
  })
}

@Suite struct InterpreterTests {
  /// The unfused graph rounds to f32 after every op (about 6e-8 relative each), the fused one once per conv,
  /// so they agree to well within 1e-6 of the output's scale.
  @Test func fusedAndUnfusedGraphsAgree() throws {
    let unfused = residualNet(batch: 2, fused: false)
    let weights = randomWeights(unfused, seed: 40)
    let input = randomTensor([2, 3, 9, 9], seed: 41)
    let expected = try Interpreter(graph: unfused, weights: weights).run(input)
    let actual = try Interpreter(graph: residualNet(batch: 2, fused: true), weights: weights).run(input)
    #expect(actual.shape == Shape([2, 3]))
    #expect(relativeError(actual.scalars, expected.scalars) <= 1e-6)
  }

  /// The default pass pipeline fuses batch norms, the option A shortcut, residual adds and ReLUs and drops
  /// the dropout; the interpreter's result must not change beyond the f32 roundings fusion removes.
  @Test(arguments: [false, true])
  func defaultPipelinePreservesResults(optionA: Bool) throws {
    let graph = optionA ? try optionANet() : residualNet(batch: 2, fused: false)
    let fused = try Pipeline.default.run(graph)
    #expect(fused.nodes.count < graph.nodes.count - 3)
    let weights = randomWeights(graph, seed: 70)
    let input = Tensor(randomNormal: graph.input.shape, seed: 71)
    let expected = try Interpreter(graph: graph, weights: weights).run(input)
    let actual = try Interpreter(graph: fused, weights: weights).run(input)
    #expect(relativeError(actual.scalars, expected.scalars) <= 1e-6)  // as in fusedAndUnfusedGraphsAgree
  }

  /// Each batch item is computed on its own: a batch of 3 equals three runs of batch 1, bit for bit.
  @Test func batchItemsAreIndependent() throws {
    let batched = residualNet(batch: 3, fused: true)
    let single = residualNet(batch: 1, fused: true)
    let weights = randomWeights(batched, seed: 50)
    let input = randomTensor([3, 3, 9, 9], seed: 51)
    let together = try Interpreter(graph: batched, weights: weights).run(input)
    let itemSize = input.shape.itemCount
    var separately: [Float] = []
    for item in 0..<3 {
      let scalars = Array(input.scalars[item * itemSize..<(item + 1) * itemSize])
      let one = Tensor(shape: Shape([1, 3, 9, 9]), scalars: scalars)
      separately += try Interpreter(graph: single, weights: weights).run(one).scalars
    }
    #expect(together.scalars == separately)
  }

  @Test func valuesExposeEveryNode() throws {
    let graph = residualNet(batch: 1, fused: false)
    let interpreter = try Interpreter(graph: graph, weights: randomWeights(graph, seed: 60))
    let input = randomTensor([1, 3, 9, 9], seed: 61)
    let values = try interpreter.values(input)
    #expect(values.keys.sorted() == graph.nodes.map(\.name).sorted())
    for node in graph.nodes { #expect(values[node.name]?.shape == node.shape) }
    #expect(values["fc"] == (try interpreter.run(input)))
    #expect(values["relu"]!.scalars.allSatisfy { $0 >= 0 })
  }

  @Test func wrongInputShapeIsDiagnosed() throws {
    let graph = residualNet(batch: 2, fused: true)
    let interpreter = try Interpreter(graph: graph, weights: randomWeights(graph, seed: 1))
    let error = #expect(throws: DiagnosticError.self) { try interpreter.run(randomTensor([1, 3, 9, 9], seed: 2)) }
    #expect(error?.rendered == "error: input has shape [1,3,9,9], expected [2,3,9,9] for 'tiny'\n")
  }

  @Test func missingAndMisshapenWeightsAreDiagnosed() throws {
    let graph = residualNet(batch: 1, fused: true)
    var weights = randomWeights(graph, seed: 1)
    weights["conv1.weight"] = nil
    weights["fc.bias"] = Tensor(zeros: Shape([4]))
    let error = #expect(throws: DiagnosticError.self) { try Interpreter(graph: graph, weights: weights) }
    #expect(
      error?.rendered == """
        error: weights: missing tensor 'conv1.weight' of shape [4,3,3,3]
        error: weights: tensor 'fc.bias' has shape [4], expected [3]

        """)
  }

  @Test func malformedGraphsAreDiagnosed() throws {
    var graph = residualNet(batch: 1, fused: false)
    graph.nodes[3].inputs = ["nothing"]
    var error = #expect(throws: DiagnosticError.self) { try Interpreter(graph: graph, weights: Weights()) }
    #expect(error?.rendered == "error: relu: operand '%nothing' is not defined\n")

    graph = residualNet(batch: 1, fused: false)
    graph.nodes[3].shape = Shape([1, 4, 9, 8])
    error = #expect(throws: DiagnosticError.self) { try Interpreter(graph: graph, weights: Weights()) }
    // The verifier checks each op against its operands' inferred shapes, so one wrong shape is one error.
    #expect(error?.rendered == "error: relu: expected shape f32[1,4,9,9], got f32[1,4,9,8]\n")

    graph = residualNet(batch: 1, fused: false)
    graph.output = "logits"
    error = #expect(throws: DiagnosticError.self) { try Interpreter(graph: graph, weights: Weights()) }
    #expect(error?.rendered == "error: returned value '%logits' is not defined\n")
  }

  /// An `[N, F]` input, which the verifier reserves for feature maps, runs straight into dense ops.
  @Test func acceptsFeatureVectorInputs() throws {
    var net = GraphBuilder("dense", input: [3, 4])
    try net.add("fc", .linear(Linear(outFeatures: 2, module: "fc", hasBias: false)))
    try net.add("softmax", .softmax)
    let weights = Weights([("fc.weight", Tensor(shape: Shape([2, 4]), scalars: [1, 0, 0, 0, 0, 0, 0, 0]))])
    let input = Tensor(shape: Shape([3, 4]), scalars: [0, 1, 2, 3, 1, 1, 1, 1, 2, 0, 0, 0])
    let output = try Interpreter(graph: net.graph(), weights: weights).run(input)
    // Logits (x0, 0): softmax gives 1/(1+e^-x0) then its complement.
    var expected: [Double] = []
    for x in [0.0, 1, 2] {
      let first: Double = 1 / (1 + exp(-x))
      expected += [first, 1 - first]
    }
    #expect(f32Units(output.scalars, expected) <= 1)  // one rounding of a Double expression: see f32Units
  }

  @Test func evaluateRejectsOperandsOfTheWrongShape() throws {
    let interpreter = try Interpreter(graph: inputOnly(Shape([1, 1, 1, 1])), weights: Weights())
    let relu = Node(name: "r", op: .relu, inputs: ["x"], shape: Shape([1, 4]))
    #expect(
      diagnosticText { _ = try interpreter.evaluate(relu, operands: [Tensor(zeros: Shape([1, 3]))]) }
        == "error: node 'r' cannot take operands of shapes [1,3]\n")
  }
}
