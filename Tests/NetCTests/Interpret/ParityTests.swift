// The interpreter against PyTorch on zoo nets with seeded, randomized weights (batch norms calibrated, so
// folding is exercised): logits from `Parity/make_parity.py`, which ran torchvision's models in float64.

import Foundation
import Testing

@testable import NetC

private let directory = "Tests/NetCTests/Interpret/Parity"
private let rerun = "re-run \(directory)/make_parity.py (see its header)"

private struct Manifest: Decodable {
  struct Entry: Decodable {
    var name: String
    var model: String
    var seed: UInt64
    var batch: Int
    var input: [Int]
    var weights_abs_sum: Double
  }

  var format: Int
  var netc_init: String
  var models: [Entry]
}

@Suite struct ParityTests {
  /// PyTorch's float64 result is exact to ~1e-15; the interpreter rounds every layer's output to f32
  /// (6e-8 relative), and those roundings add up over 8-50 layers to 5e-8 (AlexNet, ResNet-20) to 5e-6
  /// (ResNet-50, ResNeXt-50) of the largest logit. 1e-4 leaves a margin of 20 or more, while a semantic
  /// difference (a padding, pool or window rule, the batch-norm formula, a shortcut's offset, the LRN's
  /// alpha) moves logits by 1e-2 or more: dividing the LRN's alpha by its size, as PyTorch's LRN does, gives 6e-2.
  static let tolerance = 1e-4

  @Test(arguments: ["resnet18", "resnet50", "resnext50_32x4d", "alexnet", "resnet20", "alexnet_paper"])
  func interpreterMatchesPyTorch(_ name: String) throws {
    let manifestData = try Data(contentsOf: Fixtures.url(directory + "/manifest.json"))
    let manifest = try JSONDecoder().decode(Manifest.self, from: manifestData)
    try #require(manifest.format == 1, "parity fixtures have format \(manifest.format), this test reads 1; \(rerun)")
    let otherScheme =
      "parity fixtures were made with weight init '\(manifest.netc_init)', "
      + "netc now uses '\(WeightInitializer.scheme)'; \(rerun)"
    try #require(manifest.netc_init == WeightInitializer.scheme, "\(otherScheme)")
    let entry = try #require(manifest.models.first { $0.name == name }, "no parity fixture for '\(name)'; \(rerun)")

    let graph = try ModelLoader.load(
      path: Fixtures.url(entry.model).path, options: LoadOptions(batch: entry.batch, input: entry.input))
    let weights = try WeightInitializer(seed: entry.seed, randomizeBatchNorm: true).weights(for: graph)
    let absSum = weights.entries.reduce(0.0) { sum, item in item.tensor.scalars.reduce(sum) { $0 + Double(abs($1)) } }
    // Summation order differs from numpy's (~1e-12 relative); a changed weight changes the sum far more.
    // Batch-norm calibration runs the interpreter, so a change in its results shows here first.
    let otherWeights =
      "the weights for seed \(entry.seed) differ from the fixture's (sum of |w| \(absSum), fixture "
      + "\(entry.weights_abs_sum)): if the initialization changed on purpose, change WeightInitializer.scheme "
      + "and \(rerun); otherwise the interpreter, which calibrates batch norms, computes something else"
    try #require(abs(absSum / entry.weights_abs_sum - 1) < 1e-9, "\(otherWeights)")

    let input = try NPY.read(Fixtures.url("\(directory)/\(name)_input.npy").path)
    let expected = try NPY.read(Fixtures.url("\(directory)/\(name)_logits.npy").path)
    for (label, variant) in [("unfused", graph), ("fused", try Pipeline.default.run(graph))] {
      let logits = try Interpreter(graph: variant, weights: weights).run(input)
      #expect(logits.shape == expected.shape)
      #expect(relativeError(logits.scalars, expected.scalars) <= Self.tolerance, "\(name), \(label) graph")
    }
  }
}
