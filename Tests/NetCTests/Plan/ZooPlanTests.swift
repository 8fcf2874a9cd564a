// The memory planner on every zoo model: plans that the independent checker accepts, arenas at the lower
// bound, and the ResNet-50/152 targets.

import Testing

@testable import NetC

@Suite struct ZooPlanTests {
  static func graph(_ model: String, _ pipeline: Pipeline, options: LoadOptions = .init()) throws -> Graph {
    try pipeline.run(try ModelLoader.load(path: Zoo.path(model), options: options))
  }

  /// At the declared input size, batch 1, with and without the passes (without them, unfused ReLUs and batch
  /// norms are written in place); and at batch 3 at 64x64 for the ImageNet nets (AlexNet as published needs
  /// at least 67x67: its last pool would be empty).
  @Test(arguments: Zoo.names)
  func plansAreSoundAndReachTheLowerBound(model: String) throws {
    var settings: [(Pipeline, LoadOptions)] = [(.default, LoadOptions()), (Pipeline([]), LoadOptions())]
    if model != "alexnet_paper" { settings.append((.default, LoadOptions(batch: 3, input: [3, 64, 64]))) }
    for (pipeline, options) in settings {
      let graph = try Self.graph(model, pipeline, options: options)
      let plan = MemoryPlanner.plan(graph)
      let setting = "\(model), \(pipeline.passes.count) passes, \(options)"
      #expect(planProblems(plan, for: graph).isEmpty, "\(setting)")
      #expect(plan.arenaBytes == plan.lowerBoundBytes, "\(setting)")
      #expect(plan.lowerBoundBytes <= plan.naiveBytes)
    }
  }

  /// Batch 1, 224x224, after the default pipeline: at most 7 MiB of activations, where giving every
  /// activation its own buffer takes about 44 and 87 MiB. The peak is in the first stage: the block's input
  /// (256x56x56 floats, 3 MiB) stays live for the residual while two 64-channel maps (0.77 MiB each) are
  /// computed, and the last conv accumulates into the input's buffer.
  @Test(arguments: [("resnet50", 43.0...45.0), ("resnet152", 86.0...88.0)])
  func resNetTargets(model: String, naiveMiB: ClosedRange<Double>) throws {
    let plan = MemoryPlanner.plan(try Self.graph(model, .default))
    let mebibyte = 1_048_576.0
    #expect(Double(plan.arenaBytes) <= 7.0 * mebibyte)
    #expect(naiveMiB.contains(Double(plan.naiveBytes) / mebibyte))
  }
}
