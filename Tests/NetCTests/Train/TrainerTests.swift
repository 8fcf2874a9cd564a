// The training loop on the interpreter: resuming from a checkpoint continues exactly as if never stopped, the
// schedule's rates reach the optimizer, and events report what happened.

import Foundation
import Testing

@testable import NetC

@Suite struct TrainerTests {
  /// A net small enough for the interpreter on 3x32x32 images: a strided conv, batch norm, dropout, a classifier.
  static func tinyNet() throws -> Graph {
    var net = GraphBuilder("tiny", input: [4, 3, 32, 32])
    try net.add(
      "conv",
      .conv(Conv(outChannels: 4, kernel: Pair(square: 4), stride: Pair(square: 4), module: "conv", hasBias: false)))
    try net.add("bn", .batchNorm(BatchNorm(module: "bn")))
    try net.add("relu", .relu)
    try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 2))))
    try net.add("flatten", .flatten)
    try net.add("dropout", .dropout(Dropout(p: 0.25)))
    try net.add("fc", .linear(Linear(outFeatures: 10, module: "fc", hasBias: true)))
    return net.graph()
  }

  static func data() -> (ImageSet, ImageSet) {
    (TrainingDataTests.images((0..<10).map { UInt8($0 % 10) }), TrainingDataTests.images([1, 2, 3, 4, 5]))
  }

  static func trainer(steps: Int, checkpoint: String? = nil) -> Trainer {
    let (train, test) = data()
    let schedule = LearningRateSchedule(
      initial: 0.1, milestones: [.init(step: 3, rate: 0.01)], warmup: .init(step: 1, rate: 0.02))
    var ticks = 0.0
    return Trainer(
      train: train, test: test, totalSteps: steps, schedule: schedule, checkpointPath: checkpoint,
      clock: {
        ticks += 1
        return ticks
      })
  }

  @Test func resumingContinuesBitForBit() throws {
    let graph = try Self.tinyNet()
    let initial = TrainingState(weights: try WeightInitializer(seed: 3).weights(for: graph), for: graph, seed: 11)
    let straight = try InterpreterBackend(graph: graph, state: initial)
    _ = try Self.trainer(steps: 5).run(straight) { _ in }

    let path = FileManager.default.temporaryDirectory.appendingPathComponent("netc-ckpt-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = try InterpreterBackend(graph: graph, state: initial)
    _ = try Self.trainer(steps: 2, checkpoint: path).run(first) { _ in }
    let resumed = try InterpreterBackend(graph: graph, state: try Checkpoint.read(path, for: graph).state)
    _ = try Self.trainer(steps: 5).run(resumed) { _ in }
    #expect(try resumed.state.step == 5)
    #expect(Checkpoint.encode(try resumed.state).encoded() == Checkpoint.encode(try straight.state).encoded())
  }

  /// Resuming a run that already reached its end trains nothing and still reports the test accuracy.
  @Test func finishedRunOnlyEvaluates() throws {
    let graph = try Self.tinyNet()
    var state = TrainingState(weights: try WeightInitializer(seed: 3).weights(for: graph), for: graph)
    state.step = 5
    let backend = try InterpreterBackend(graph: graph, state: state)
    let summary = try Self.trainer(steps: 5).run(backend) { _ in Issue.record("no events expected") }
    #expect(summary.steps == 0 && summary.testAccuracy.isFinite)
    #expect(try backend.state == state)
  }

  @Test func scheduleWarmsUpThenDrops() {
    let schedule = LearningRateSchedule(
      initial: 0.1, milestones: [.init(step: 48, rate: 0.001), .init(step: 32, rate: 0.01)],
      warmup: .init(step: 4, rate: 0.01))
    #expect([0, 3, 4, 31, 32, 47, 48, 1000].map(schedule.rate) == [0.01, 0.01, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001])
  }

  /// 10 images in batches of 4: 2 steps per epoch; evaluations at steps 2 and 4 and at the end (5).
  @Test func reportsStepsEvaluationsAndCheckpoints() throws {
    let graph = try Self.tinyNet()
    let backend = try InterpreterBackend(
      graph: graph, state: TrainingState(weights: try WeightInitializer(seed: 3).weights(for: graph), for: graph))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("netc-ckpt-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var events: [String] = []
    let summary = try Self.trainer(steps: 5, checkpoint: path).run(backend) { event in
      switch event {
      case .step(let p):
        events.append("step \(p.step) epoch \(p.epoch) \(p.stepInEpoch)/\(p.stepsPerEpoch) lr \(p.learningRate)")
      case .evaluated(let p, let accuracy): events.append("evaluated \(p.step) \(accuracy >= 0 && accuracy <= 1)")
      case .checkpoint: events.append("checkpoint")
      }
    }
    #expect(
      events == [
        "step 1 epoch 1 1/2 lr 0.02", "step 2 epoch 1 2/2 lr 0.1", "evaluated 2 true", "checkpoint",
        "step 3 epoch 2 1/2 lr 0.1", "step 4 epoch 2 2/2 lr 0.01", "evaluated 4 true", "checkpoint",
        "step 5 epoch 3 1/2 lr 0.01", "evaluated 5 true", "checkpoint",
      ])
    #expect(summary.steps == 5 && summary.finalLoss.isFinite)
  }
}
