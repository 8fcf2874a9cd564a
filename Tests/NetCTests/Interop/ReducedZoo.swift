// The zoo at the reduced sizes the interop tests run it at, with seeded weights (random BN statistics, so a
// mistake in batch norm shows) and a seeded input, and the interpreter's output as the reference.

import Foundation

@testable import NetC

struct ReducedModel {
  var name: String
  var graph: Graph
  var weights: Weights
  var input: Tensor

  /// CIFAR nets at their own 3x32x32; ImageNet nets at 3x64x64, except alexnet_paper at 3x99x99 (its unpadded
  /// 11x11 stride-4 conv and three 3x3 stride-2 pools need at least 67 pixels). Batch 2 shows that items are
  /// kept apart; the deepest nets run batch 1 to keep the suite fast.
  init(_ name: String) throws {
    let declared = try ModelLoader.load(path: Repository.model(name).path)
    let size = declared.input.shape.height <= 32 ? 32 : (name == "alexnet_paper" ? 99 : 64)
    let batch = ReducedModel.batchOne.contains(name) ? 1 : 2
    graph = try ModelLoader.load(
      path: Repository.model(name).path, options: LoadOptions(batch: batch, input: [3, size, size]))
    self.name = name
    weights = try WeightInitializer(seed: 2024, randomizeBatchNorm: true).weights(for: graph)
    input = Tensor(randomNormal: graph.input.shape, seed: 7)
  }

  static let batchOne: Set<String> = ["resnet101", "resnet152", "resnext50_32x4d", "resnet1202"]

  func reference() throws -> Tensor { try Interpreter(graph: graph, weights: weights).run(input) }
}
