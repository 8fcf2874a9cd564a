// The memory plan of training graphs: sound by the planner's independent overlap checker, parameter
// gradients kept to the end, gradients written in place where they die, and `netc plan --train`.

import Testing

@testable import NetC

@Suite struct TrainingPlanTests {
  @Test(arguments: ["convolutions", "residual", "dense"])
  func plansAreSound(_ name: String) throws {
    let training = try TrainingGraph.build(try #require(try TrainingNets.all.first { $0.name == name }).graph)
    let plan = MemoryPlanner.plan(training)
    #expect(planProblems(plan, for: training) == [])
    for (_, value) in training.parameterGradients {
      #expect(plan.buffers.first { $0.values.contains(value) }?.lastUse == training.nodes.count - 1)
    }
  }

  @Test func resnet20PlanIsSoundAndSharesGradients() throws {
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 4))
    let training = try TrainingGraph.build(graph)
    let plan = MemoryPlanner.plan(training)
    #expect(planProblems(plan, for: training) == [])
    // relu_grad writes the block output's gradient over the incoming one; the batch norm's input gradient
    // then goes over relu_grad's (each dies there).
    let shared = try #require(plan.buffers.first { $0.values.contains("layer3.2.relu.grad") })
    #expect(shared.values == ["layer3.2.relu.grad", "layer3.2.bn1.grad", "layer3.2.conv1.grad"])
    #expect(plan.arenaBytes < plan.naiveBytes / 2)
  }

  @Test func planTrainReportsWhereTheMemoryGoes() throws {
    let result = try runNetc(["plan", "--train", "Models/resnet20.net", "--batch", "2"])
    #expect(result.status == 0)
    let report = try #require(result.stdout.components(separatedBy: "\ntraining memory\n").last)
    let labels = report.split(separator: "\n").map { String($0.prefix(20)).trimmingCharacters(in: .whitespaces) }
    #expect(
      labels == [
        "saved for backward", "parameter grads", "peak", "forward", "activation grads", "parameter grads",
        "layer scratch",
      ])
    // resnet20's 269,722 trainable parameters (the paper's 0.27M) have 1,078,888 bytes of gradients, which
    // take 1,078,912 bytes in whole 64-byte lines.
    #expect(report.contains("parameter grads     1078912 bytes  live until the optimizer step\n"))
  }

  /// The plan is the generated training step's: its arena holds the layers' scratch too (the Winograd tiles,
  /// the weight gradients' block sums), so it is the size the header asks the caller to allocate.
  @Test func planTrainIsTheGeneratedStepsArena() throws {
    let result = try runNetc(["plan", "--train", "Models/resnet20.net", "--batch", "2"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("layer1.0.conv1#scratch"))
    let arena = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("arena") })
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    let header = try TrainingCEmitter(graph: graph).emit().header
    let define = try #require(
      header.split(separator: "\n").first { $0.hasPrefix("#define RESNET20_TRAIN_ARENA_BYTES ") })
    let bytes = try #require(define.split(separator: " ").last)
    #expect(arena.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == bytes)
  }

  @Test func passesAreNotForTrainingGraphs() throws {
    let result = try runNetc(["plan", "--train", "Models/resnet20.net", "--passes", "fold-bn"])
    #expect(result.status == 2)
    #expect(
      result.stderr.hasPrefix(
        "error: '--train' plans the training graph, which no pass optimizes; drop the pass options\n"))
  }
}
