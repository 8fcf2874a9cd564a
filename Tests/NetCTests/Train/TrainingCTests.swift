// The generated training step against the interpreter's: loss, every gradient, updated weights, momentum
// buffers and running statistics, the checkpoint's bytes, and the exported inference model; under ASan and
// UBSan, warning-free.

import Foundation
import Testing

@testable import NetC

@Suite struct TrainingCTests {
  /// The C computes in f32, its convolutions' products summing in float (an element of a weight gradient adds
  /// at most one 32 x 32 plane's or one image's terms in float, about sqrt(n) * 6e-8 of their magnitude, 2e-6 for
  /// n = 1024, and those sums in double) and its batch-norm statistics in double; the interpreter in Double
  /// throughout. A gradient passes through every
  /// layer after its parameter, each adding such roundings to values whose sums cancel (batch norm's backward
  /// subtracts means): measured at most 4.1e-6 of a tensor's largest element from the C that summed in double
  /// (which was within 6e-7 of the interpreter) on ResNet-20 at batch 8. The bound is the brief's 1e-4; a
  /// wrong index or formula is off by far more than that.
  static let tolerance = 1e-4

  @Test(arguments: ["convolutions", "residual", "dense"])
  func stepMatchesTheInterpreter(_ name: String) throws {
    let graph = try #require(try TrainingNets.all.first { $0.name == name }).graph
    try compare(graph, steps: 3, seed: 13)
  }

  /// ResNet-20 at batch 2: the zoo's CIFAR net, option A shortcuts and all, on every vector width the machine
  /// runs (the batch norms' and residual adds' sweeps, their ragged plane ends and ReLU masks differ per width).
  @Test(arguments: InstructionSet.testable)
  func resnet20StepMatchesTheInterpreter(isa: InstructionSet) throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    try compare(graph, steps: 2, seed: 0, flags: CTest.sanitizerFlags + isa.flags)
  }

  /// A ReLU over a batch norm or residual add that it alone reads is applied by that layer, one sweep over the
  /// activation fewer (the comparisons with the interpreter run the fused step).
  @Test func reluIsAppliedByTheLayerItReads() throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    let source = try TrainingCEmitter(graph: graph).emit().source
    #expect(source.contains("  /* train_layer1_0_relu: relu applied by train_layer1_0_bn1, nothing to do */\n"))
    #expect(source.contains("  /* train_layer1_0_relu_1: relu applied by train_layer1_0_add, nothing to do */\n"))
    #expect(
      source.contains(
        "/* train_layer1_0_relu_recomputed: relu applied by train_layer1_0_bn1_recomputed, nothing to do */"))
  }

  /// Elementwise ops the graph keeps apart run in fewer sweeps (`BatchNormAddFusion`, `BackwardFusion`): a batch
  /// norm read by a residual add is applied by the add, forward and recomputed; β's gradient is summed with γ's;
  /// the ReLU gradient before a batch norm's backward is applied by its kernels (also after a sum of gradients,
  /// which then stays); a sum of gradients read by a ReLU gradient is added by it. The comparisons with the
  /// interpreter run the fused step.
  @Test func elementwiseOpsAreFused() throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    let source = try TrainingCEmitter(graph: graph).emit().source
    for line in [
      "train_layer1_0_bn2: batchnorm_train applied by train_layer1_0_add",
      "train_layer1_1_bn2_recomputed: batchnorm_recompute applied by train_layer1_1_add_recomputed",
      "train_layer1_0_bn1_bias_grad: bias_grad summed by train_layer1_0_bn1_weight_grad",
      "train_layer1_0_bn1_grad: relu_grad applied by train_layer1_0_bn1_weight_grad",
      "train_bn1_grad: relu_grad applied by train_bn1_weight_grad",
      "train_layer1_0_relu_1_grad: accumulate added by train_layer1_0_add_grad",
    ] {
      #expect(source.contains("  /* \(line), nothing to do */\n"), "\(line)")
    }
    #expect(source.contains("  netc_accumulate(team, 32768, 2, terms, out);\n"), "bn1's gradient sum stays")
  }

  /// The profiled step (the comparisons' last step goes through `<prefix>_train_profile`) times every layer
  /// with code once, in program order, and none that another layer does the work of.
  @Test func profileTimesEveryLayerWithCode() throws {
    let graph = try #require(try TrainingNets.all.first { $0.name == "residual" }).graph
    let program = try TrainingCEmitter(graph: graph).emit()
    let c = try TrainingDriver.run(
      try TrainingDriver.executable(program), graph: graph, weights: try TrainingNets.weights(graph, seed: 21),
      input: randomTensor(graph.input.shape.dims, seed: 22), labels: TrainingNets.labels(graph, seed: 23), steps: 2,
      optimizer: SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4), seed: 0)
    let order = try TrainingGraph.build(graph).indexByName()
    let names = c.profile.map(\.layer)
    let pass = try #require(program.source.components(separatedBy: "static void netc_train_pass(").last)
    let calls = try #require(pass.components(separatedBy: "\n}\n").first).components(separatedBy: "netc_step(").count
    #expect(names.count == calls - 1)
    #expect(zip(names, names.dropFirst()).allSatisfy { order[$0]! < order[$1]! }, "\(names)")
    #expect(names.contains("loss") && !names.contains("relu"), "bn1's layer applies the ReLU: no entry of its own")
    #expect(c.profile.allSatisfy { $0.seconds >= 0 } && c.profile.contains { $0.seconds > 0 })
  }

  /// Each layer the threads share is split so that every result is summed in a fixed order (the weight gradient
  /// over blocks of images fixed by the layer, their sums added in block order): 1, 2 and 3 threads (3 does not
  /// divide the batch of 4) give the same bytes, not merely close ones.
  @Test func everyThreadCountGivesTheSameBits() throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 4))
    try expectTheSameBitsOnEveryThreadCount(graph)
  }

  /// Every kind of training convolution (Winograd, im2col, col2im, in place) on every vector width the
  /// machine runs: its product tiles, their masked edges and the Winograd transforms differ per width.
  @Test(arguments: InstructionSet.testable)
  func convolutionKindsMatchTheInterpreter(isa: InstructionSet) throws {
    try compare(try TrainingNets.convolutionKinds(), steps: 2, seed: 5, flags: CTest.sanitizerFlags + isa.flags)
  }

  /// The same bits on 1, 2 and 3 threads (3 does not divide the batch of 4, nor the chunks of Winograd's
  /// images) on every vector width.
  @Test(arguments: InstructionSet.testable)
  func convolutionKindsGiveTheSameBitsOnEveryThreadCount(isa: InstructionSet) throws {
    try expectTheSameBitsOnEveryThreadCount(try TrainingNets.convolutionKinds(batch: 4), flags: isa.flags)
  }

  /// The weight gradient over shifted planes at batch 1 and 3, on every vector width: its dot-product tiles,
  /// their masked ends and lane sums differ per width.
  @Test(arguments: InstructionSet.testable, [1, 3])
  func shiftedWeightGradientsMatchTheInterpreter(isa: InstructionSet, batch: Int) throws {
    try compare(
      try TrainingNets.shiftedWeightGradients(batch: batch), steps: 2, seed: 9,
      flags: CTest.sanitizerFlags + isa.flags)
  }

  /// The shifted weight gradient's 3 blocks of one image each, and their input channels (5, 7, and 3 per group),
  /// shared out over 1, 2 and 3 threads (2 threads split the middle block's channels).
  @Test(arguments: InstructionSet.testable)
  func shiftedWeightGradientsGiveTheSameBitsOnEveryThreadCount(isa: InstructionSet) throws {
    try expectTheSameBitsOnEveryThreadCount(try TrainingNets.shiftedWeightGradients(batch: 3), flags: isa.flags)
  }

  /// The Winograd weight gradient at batch 1 and 6 (blocks of two images: the sums of a block's second image
  /// added to its first's), on every vector width: its transforms' partial vectors differ per width.
  @Test(arguments: InstructionSet.testable, [1, 6])
  func winogradWeightGradientsMatchTheInterpreter(isa: InstructionSet, batch: Int) throws {
    try compare(
      try TrainingNets.winogradWeightGradients(batch: batch), steps: 2, seed: 11,
      flags: CTest.sanitizerFlags + isa.flags)
  }

  /// The Winograd weight gradient's 4 blocks of 6 images, shared out over 1, 2 and 3 threads (3 split blocks by
  /// output channels).
  @Test(arguments: InstructionSet.testable)
  func winogradWeightGradientsGiveTheSameBitsOnEveryThreadCount(isa: InstructionSet) throws {
    try expectTheSameBitsOnEveryThreadCount(try TrainingNets.winogradWeightGradients(batch: 6), flags: isa.flags)
  }

  /// Two steps on 1, 2 and 3 threads give the same bytes, built with `flags` (a vector width's) beside threads.
  func expectTheSameBitsOnEveryThreadCount(_ graph: Graph, flags: [String] = []) throws {
    let program = try TrainingCEmitter(graph: graph).emit()
    let executable = try TrainingDriver.executable(
      program, flags: CTest.sanitizerFlags + flags + ["-D\(program.prefix.uppercased())_THREADS", "-pthread"])
    let weights = try TrainingNets.weights(graph, seed: 41)
    let input = randomTensor(graph.input.shape.dims, seed: 42)
    let labels = TrainingNets.labels(graph, seed: 43)
    let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
    let runs = try [1, 2, 3].map { threads in
      try TrainingDriver.run(
        executable, graph: graph, weights: weights, input: input, labels: labels, steps: 2, optimizer: optimizer,
        seed: 0, threads: threads)
    }
    for run in runs.dropFirst() {
      #expect(run.losses.map(\.bitPattern) == runs[0].losses.map(\.bitPattern))
      #expect(run.gradients.map(\.bitPattern) == runs[0].gradients.map(\.bitPattern))
      #expect(run.stateBytes == runs[0].stateBytes)
    }
  }

  func compare(_ graph: Graph, steps: Int, seed: UInt64, flags: [String] = CTest.sanitizerFlags) throws {
    let weights = try TrainingNets.weights(graph, seed: 21)
    let input = randomTensor(graph.input.shape.dims, seed: 22)
    let labels = TrainingNets.labels(graph, seed: 23)
    let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)
    let program = try TrainingCEmitter(graph: graph).emit()
    let c = try TrainingDriver.run(
      try TrainingDriver.executable(program, flags: flags), graph: graph, weights: weights, input: input, labels: labels,
      steps: steps, optimizer: optimizer, seed: seed)

    let training = try TrainingGraph.build(graph)
    let interpreter = try TrainingInterpreter(graph: training)
    var state = TrainingState(weights: weights, for: graph, seed: seed)
    for step in 0..<steps {
      let result = try interpreter.step(state, input: input, labels: labels, optimizer: optimizer)
      #expect(relativeError([c.losses[step]], [Float(result.loss)]) <= Self.tolerance, "loss of step \(step)")
      if step == 0 {
        var at = 0
        for parameter in graph.parameters where parameter.isTrainable {
          let count = parameter.shape.elementCount
          let expected = try #require(result.gradients[parameter.name]).scalars
          let error = relativeError(Array(c.gradients[at..<at + count]), expected)
          #expect(error <= Self.tolerance, "gradient of \(parameter.name): \(error)")
          at += count
        }
        #expect(at == c.gradients.count)
      }
      state = result.state
    }
    #expect(c.state.step == steps && c.state.seed == seed)
    for parameter in graph.parameters {
      let error = relativeError(c.state.weights[parameter.name]!.scalars, state.weights[parameter.name]!.scalars)
      #expect(error <= Self.tolerance, "\(parameter.name) after \(steps) steps: \(error)")
      if parameter.isTrainable {
        let momentum = relativeError(c.state.momentum[parameter.name]!.scalars, state.momentum[parameter.name]!.scalars)
        #expect(momentum <= Self.tolerance, "momentum of \(parameter.name): \(momentum)")
      }
    }
    // The checkpoint the C wrote is byte for byte the one netc writes for the C's state.
    #expect(c.stateBytes == Checkpoint.encode(c.state).encoded())
    let reference = try Interpreter(graph: graph, weights: c.state.weights).run(input)
    #expect(relativeError(c.logits, reference.scalars) <= Self.tolerance, "exported model's logits")
  }
}

@Suite struct TrainingCWarningTests {
  /// Every op's training C, with the header on its own, compiles without a warning under clang and gcc (whose
  /// optimizer warns about more).
  @Test(arguments: ["clang", "gcc"])
  func compilesWithoutWarnings(_ compiler: String) throws {
    let cc = try CCompiler.find(compiler)
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, graph) in try TrainingNets.all {
      let program = try TrainingCEmitter(graph: graph).emit()
      let source = directory.appendingPathComponent("\(name).c")
      try program.source.write(to: source, atomically: false, encoding: .utf8)
      let object = directory.appendingPathComponent("\(name).o").path
      try cc.compileOnly(source.path, output: object, flags: CCompiler.strictFlags + ["-O2"])
      let header = directory.appendingPathComponent("\(name)_header.c")
      try (program.header + "\nint netc_header_only;\n").write(to: header, atomically: false, encoding: .utf8)
      let headerObject = directory.appendingPathComponent("\(name)_header.o").path
      try cc.compileOnly(header.path, output: headerObject, flags: CCompiler.strictFlags)
    }
  }
}
