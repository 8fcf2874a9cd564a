// The seeded generator against an independent implementation, and initial weights: deterministic per name,
// distributed as torchvision's ResNet and PyTorch's defaults say, and calibrated batch norms.

import Foundation
import Testing

@testable import NetC

/// conv1 (3 → 64, 7x7, bias) → bn1 → relu → grouped conv2 (64 → 64, 3x3, 4 groups) → bn2 → relu → pool → fc.
private func smallNet(batch: Int = 2) throws -> Graph {
  var net = GraphBuilder("small", input: [batch, 3, 16, 16])
  try net.add(
    "conv1",
    .conv(Conv(outChannels: 64, kernel: Pair(square: 7), stride: Pair(square: 2), pad: Pair(square: 3), module: "conv1",
               hasBias: true)))
  try net.add("bn1", .batchNorm(BatchNorm(module: "bn1")))
  try net.add("relu1", .relu)
  try net.add(
    "conv2",
    .conv(Conv(outChannels: 64, kernel: Pair(square: 3), pad: Pair(square: 1), groups: 4, module: "conv2",
               hasBias: false)))
  try net.add("bn2", .batchNorm(BatchNorm(module: "bn2")))
  try net.add("relu2", .relu)
  try net.add("avgpool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
  try net.add("flatten", .flatten)
  try net.add("fc", .linear(Linear(outFeatures: 10, module: "fc", hasBias: true)))
  return net.graph()
}

private func standardDeviation(_ values: [Float]) -> Double {
  let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
  return (values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)).squareRoot()
}

@Suite struct WeightInitializerTests {
  /// Reference values from a separate Python implementation of SplitMix64 and xoshiro256**; SplitMix64's
  /// first output for seed 0 is the published 0xE220A8397B1DCDAF.
  @Test func generatorMatchesReferenceImplementation() {
    var random = RandomSource(seed: 42)
    let expected: [UInt64] = [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1]
    #expect([random.next(), random.next(), random.next()] == expected)
    var normals = RandomSource(seed: 42)
    // Box–Muller through libm's log, cos and sin: equal to Python's to within an ulp or two.
    #expect(abs(normals.normal() - -0.303263064678738) < 1e-15)
    #expect(abs(normals.normal() - 0.28846173882942383) < 1e-15)
    var stream = RandomSource(seed: 7, stream: "conv1.weight")  // seed 7 xor FNV-1a("conv1.weight")
    #expect(stream.next() == 0x024F_4254_7744_6BB4)
  }

  @Test func deterministicPerSeedAndName() throws {
    let graph = try smallNet()
    let a = try WeightInitializer(seed: 3).weights(for: graph)
    #expect(a == (try WeightInitializer(seed: 3).weights(for: graph)))
    #expect(a["conv1.weight"] != (try WeightInitializer(seed: 4).weights(for: graph))["conv1.weight"])
    #expect(a.names == graph.parameters.map(\.name))
    // A different network with a same-named, same-shaped layer gets the same values for it.
    var other = GraphBuilder("other", input: [1, 64, 4, 4])
    try other.add(
      "conv2",
      .conv(Conv(outChannels: 64, kernel: Pair(square: 3), pad: Pair(square: 1), groups: 4, module: "conv2",
                 hasBias: false)))
    #expect(try WeightInitializer(seed: 3).weights(for: other.graph())["conv2.weight"] == a["conv2.weight"])
  }

  /// He normal with fan-out (64·7·7 = 3136 for conv1, 64·3·3 = 576 for the grouped conv2, groups not
  /// dividing it, as PyTorch computes fan-out); with 9 408 and 9 216 samples the sample standard deviation is
  /// within 1/√(2n) ≈ 0.7% of the true one per standard error, so 5% is a > 6σ bound.
  @Test func convWeightsAreHeNormalWithFanOut() throws {
    let weights = try WeightInitializer(seed: 1).weights(for: try smallNet())
    let conv1 = standardDeviation(weights["conv1.weight"]!.scalars)
    let conv2 = standardDeviation(weights["conv2.weight"]!.scalars)
    #expect(abs(conv1 / (2.0 / 3136).squareRoot() - 1) < 0.05)
    #expect(abs(conv2 / (2.0 / 576).squareRoot() - 1) < 0.05)
  }

  /// Uniform in ±1/√fan_in: every value inside the bound, and the extremes near it (for 640 and 10 values of
  /// a uniform distribution, the largest |value| is within 2% of the bound with overwhelming probability for
  /// the weight, and within 50% for the 10 biases).
  @Test func linearWeightsAndBiasesAreUniformInFanInBounds() throws {
    let weights = try WeightInitializer(seed: 1).weights(for: try smallNet())
    let checks: [(String, Double, Double)] = [
      ("fc.weight", 1 / 8.0, 0.98), ("fc.bias", 1 / 8.0, 0.5), ("conv1.bias", 1 / (3.0 * 49).squareRoot(), 0.9),
    ]
    for (name, bound, nearness) in checks {
      let largest = Double(weights[name]!.maxAbs)
      #expect(largest <= bound && largest >= nearness * bound, "\(name): \(largest) vs bound \(bound)")
    }
  }

  @Test func batchNormsStartAsIdentity() throws {
    let weights = try WeightInitializer(seed: 1).weights(for: try smallNet())
    #expect(weights["bn1.weight"]!.scalars.allSatisfy { $0 == 1 })
    #expect(weights["bn1.bias"]!.scalars.allSatisfy { $0 == 0 })
    #expect(weights["bn2.running_mean"]!.scalars.allSatisfy { $0 == 0 })
    #expect(weights["bn2.running_var"]!.scalars.allSatisfy { $0 == 1 })
  }

  /// After calibration each batch norm's running statistics are near the statistics of its own input on the
  /// calibration batch: the mean within 0.5σ (the noise is 0.1σ·z, |z| < 5) and the variance within a factor
  /// e (the noise is exp(0.2·z)), up to the shrinkage toward the layer's average (16 pseudo-samples against
  /// 128 and 32 real ones per channel here) and the 1% floor.
  @Test func randomizedBatchNormsAreCalibratedOnTheirInputs() throws {
    let graph = try smallNet()
    let initializer = WeightInitializer(seed: 5, randomizeBatchNorm: true)
    let weights = try initializer.weights(for: graph)
    var random = RandomSource(seed: 5, stream: "netc.calibration-input")
    let input = Tensor(shape: graph.input.shape, scalars: (0..<graph.input.shape.elementCount).map { _ in
      Float(random.normal())
    })
    let values = try Interpreter(graph: graph, weights: weights).values(input)
    for (bn, source) in [("bn1", "conv1"), ("bn2", "conv2")] {
      let x = values[source]!
      let plane = x.shape.height * x.shape.width
      for channel in 0..<x.shape.channels {
        var samples: [Float] = []
        for item in 0..<x.shape.batch {
          let start = (item * x.shape.channels + channel) * plane
          samples += x.scalars[start..<start + plane]
        }
        let mean: Double = samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count)
        let variance: Double = standardDeviation(samples) * standardDeviation(samples)
        let runningMean = Double(weights[bn + ".running_mean"]!.scalars[channel])
        let runningVar = Double(weights[bn + ".running_var"]!.scalars[channel])
        let e: Double = exp(1)
        #expect(abs(runningMean - mean) <= 0.5 * variance.squareRoot(), "\(bn)[\(channel)]")
        #expect(runningVar >= variance / e && runningVar <= variance * e + 0.1, "\(bn)[\(channel)]")
      }
      #expect(weights[bn + ".weight"]!.scalars.allSatisfy { $0 >= 0.5 && $0 < 1 })
      #expect(weights[bn + ".bias"]!.scalars.allSatisfy { $0 >= -0.25 && $0 < 0.25 })
    }
  }

  /// A graph whose batch norms the passes folded into conv epilogues calibrates to the same statistics (up
  /// to the f32 roundings fusion removes between layers, ~1e-7 relative, so 1e-5 is ample).
  @Test func foldedBatchNormsCalibrateAlike() throws {
    let graph = try smallNet()
    let initializer = WeightInitializer(seed: 8, randomizeBatchNorm: true)
    let unfused = try initializer.weights(for: graph)
    let fused = try initializer.weights(for: try Pipeline.default.run(graph))
    #expect(Set(fused.names) == Set(unfused.names))
    for name in unfused.names {
      #expect(relativeError(fused[name]!.scalars, unfused[name]!.scalars) <= 1e-5, "\(name)")
    }
  }

  /// Twenty conv–BN–ReLU layers: with identity batch norms He initialization keeps the scale only
  /// approximately; calibrated batch norms keep every layer's output near unit scale.
  @Test func calibrationKeepsDeepStacksWellScaled() throws {
    var net = GraphBuilder("deep", input: [1, 8, 8, 8])
    for layer in 0..<20 {
      try net.conv3x3("conv\(layer)", 16)
      try net.add("bn\(layer)", .batchNorm(BatchNorm(module: "bn\(layer)")))
      try net.add("relu\(layer)", .relu)
    }
    let graph = net.graph()
    let weights = try WeightInitializer(seed: 2, randomizeBatchNorm: true).weights(for: graph)
    let output = try Interpreter(graph: graph, weights: weights).run(Tensor(randomNormal: graph.input.shape, seed: 99))
    let rms = (output.scalars.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(output.scalars.count)).squareRoot()
    #expect(rms > 0.1 && rms < 10, "rms \(rms)")
  }

  /// ResNet-152, 3x64x64: 50 residual blocks, each adding its branch to the running sum. Calibrated batch
  /// norms keep the logits finite and of the order of a trained network's (1 to 100 at the largest).
  @Test func randomizedResNet152HasWellScaledLogits() throws {
    let graph = try ModelLoader.load(
      path: Zoo.path("resnet152"), options: LoadOptions(batch: 1, input: [3, 64, 64]))
    let weights = try WeightInitializer(seed: 0, randomizeBatchNorm: true).weights(for: graph)
    let logits = try Interpreter(graph: graph, weights: weights).run(Tensor(randomNormal: graph.input.shape, seed: 1))
    #expect(logits.scalars.allSatisfy { $0.isFinite })
    #expect(logits.maxAbs >= 1 && logits.maxAbs <= 100, "largest logit \(logits.maxAbs)")
  }

  /// The batch norm that ends each residual branch (a basic block's bn2, a bottleneck's bn3) is found alike
  /// before and after the passes fold it and fuse the add, and only it draws γ from [0.1, 0.3): ResNet-20's
  /// option A shortcuts and ResNet-50's downsample batch norms are shortcuts, not branch ends.
  @Test func residualBranchesEndInSmallBatchNorms() throws {
    for (model, blocks, end) in [("resnet20", [3, 3, 3], "bn2"), ("resnet50", [3, 4, 6, 3], "bn3")] {
      let graph = try ModelLoader.load(path: Zoo.path(model), options: LoadOptions(batch: 1, input: [3, 32, 32]))
      let expected = Set(blocks.enumerated().flatMap { stage, count in
        (0..<count).map { "layer\(stage + 1).\($0).\(end)" }
      })
      #expect(WeightInitializer.residualBranchEnds(graph) == expected, "\(model)")
      #expect(WeightInitializer.residualBranchEnds(try Pipeline.default.run(graph)) == expected, "\(model) optimized")
      let weights = try WeightInitializer(seed: 4, randomizeBatchNorm: true).weights(for: graph)
      for parameter in graph.parameters where parameter.role == .bnWeight {
        let module = String(parameter.name.dropLast(".weight".count))
        let range: Range<Float> = expected.contains(module) ? 0.1..<0.3 : 0.5..<1
        #expect(weights[parameter.name]!.scalars.allSatisfy(range.contains), "\(parameter.name)")
      }
    }
  }
}
