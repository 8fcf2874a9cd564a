// `netc check`'s comparison: the generated C, built and run on a seeded random input, against the reference
// interpreter running the same IR on the same input and weights. (That passes keep a network's results is
// the passes' own tests' business; comparing with the unoptimized IR would also count the roundings a fusion
// removes, which deep plain networks amplify.)

import Foundation

public struct ModelCheck: Sendable {
  /// The largest absolute error may be at most this fraction of the largest reference output: float32 kernels
  /// summing in their own order stay near 1e-6 even for the deepest zoo nets, while any real mistake (a wrong
  /// index, a missed epilogue) is of the order of the outputs themselves.
  public static let tolerance = 1e-4

  /// The seed of the input (and, without a weights file, of the weights).
  public static let seed: UInt64 = 1

  public var maxAbsoluteError: Double
  /// The largest absolute value of the reference output.
  public var referenceScale: Double
  public var c: Tensor
  public var reference: Tensor

  /// max |C − reference| / max |reference|; infinite when either has a NaN.
  public var relativeError: Double {
    maxAbsoluteError.isNaN || referenceScale.isNaN
      ? .infinity : maxAbsoluteError / max(referenceScale, .leastNormalMagnitude)
  }

  public var passed: Bool { relativeError <= Self.tolerance }

  /// Builds `program` (generated from `graph`) with `builder`, runs it on `threads` threads with the weights in
  /// `weightsFile` on a seeded random input, and runs the interpreter on `graph` with `weights`.
  public static func run(
    _ program: CProgram, reference graph: Graph, weights: Weights, weightsFile: String, builder: ModelBuilder,
    threads: Int = 1
  ) throws -> ModelCheck {
    let input = Tensor(randomNormal: graph.input.shape, seed: seed)
    let executable = try builder.executable(for: program)
    let c = try ModelRunner.run(
      executable, weights: weightsFile, input: input, outputShape: graph.outputShape, threads: threads)
    let reference = try Interpreter(graph: graph, weights: weights).run(input)
    let error = c.maxAbsDifference(reference).map(Double.init) ?? .infinity
    return ModelCheck(maxAbsoluteError: error, referenceScale: Double(reference.maxAbs), c: c, reference: reference)
  }

  /// Seeded weights for `graph` with randomized, calibrated batch-norm statistics (so folding them matters),
  /// written to a temporary safetensors file; the caller removes the file.
  public static func randomWeights(for graph: Graph) throws -> (weights: Weights, file: String) {
    let initializer = WeightInitializer(seed: seed, randomizeBatchNorm: true)
    let weights = try initializer.weights(for: graph)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent(
      "netc-check-\(UUID().uuidString).safetensors")
    try SafeTensors(weights: weights, metadata: initializer.metadata).write(to: file.path)
    return (weights, file.path)
  }
}
