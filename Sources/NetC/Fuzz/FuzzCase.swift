// One program to check (its text, batch and seed) and the ways a check can fail, named so that a shrunk
// program can be required to fail "the same way".

import Foundation

public struct FuzzCase: Hashable, Sendable {
  /// For reports: `seed 1234` or a reproducer's file name.
  public var name: String
  public var source: String
  public var batch: Int
  /// Seed of the weights and of the input.
  public var seed: UInt64
  /// The generator's model of the program, when it came from the generator.
  var model: FuzzSimulation?
  /// The tree, when it came from the generator (the shrinker edits it).
  public var program: FuzzProgram?

  public init(name: String, source: String, batch: Int, seed: UInt64) {
    self.name = name
    self.source = source
    self.batch = batch
    self.seed = seed
  }

  /// A generated program, with the generator's model of it.
  public init(_ program: FuzzProgram, name: String? = nil) {
    self.init(name: name ?? "seed \(program.seed)", source: program.source, batch: program.batch, seed: program.seed)
    self.program = program
    model = FuzzSimulator.run(program)?.simulation
  }

  /// The generated program a seed names.
  public init(seed: UInt64) { self.init(FuzzGenerator.program(seed: seed)) }

  /// The front end's graph of the program.
  public func load() throws -> Graph {
    try ModelLoader.load(path: "fuzz.net", files: ["fuzz.net": source], options: LoadOptions(batch: batch))
  }

  /// The weights every path runs with: seeded, batch norms randomized and calibrated on the front end's graph.
  public func weights(for graph: Graph) throws -> Weights {
    try WeightInitializer(seed: seed, randomizeBatchNorm: true).weights(for: graph)
  }

  /// The input every path runs on.
  public func input(for graph: Graph) -> Tensor { Tensor(randomNormal: graph.input.shape, seed: seed) }
}

/// How a program failed. `check` says which comparison or stage failed and on which path, and is what
/// "fails the same way" compares; `detail` says how (the numbers, the message).
public struct FuzzFailure: Error, Hashable, Sendable, CustomStringConvertible {
  public var check: String
  public var detail: String

  public init(_ check: String, _ detail: String) {
    self.check = check
    self.detail = detail
  }

  public var description: String { "\(check): \(detail)" }
}

/// The tolerances of every comparison, relative: the largest absolute difference over the largest absolute
/// value of the reference output.
public enum FuzzTolerance {
  /// The C against the interpreter on the same graph: what `netc check` allows. Both sum convs and linear
  /// layers in double and round once per op, so today they agree to the last bit or within a few ulps; the
  /// fast kernels (float accumulation, other summation orders, Winograd's transforms) may move outputs by up
  /// to ~1e-5, while a real mistake (a padding, an index, a missed epilogue) moves them by 1e-2 or more.
  public static let c = ModelCheck.tolerance

  /// The interpreter after passes against the interpreter on the front end's IR. A fusion only removes
  /// roundings to float (a conv's result before its batch norm, an add's operand), each worth 6e-8 relative;
  /// the programs are at most a few dozen ops deep, and batch norms calibrated on random inputs amplify by
  /// at most a few hundred, so legitimate differences stay far below this.
  public static let passes = 1e-4

  /// PyTorch (float32, its own summation orders and algorithms) against the interpreter: as the zoo's parity
  /// tests, with the same fallback for ill-conditioned programs (see `FuzzPyTorch`); like the other comparisons,
  /// more where the conditioning probe moves the output more (the fallback cannot tell when the interpreter's
  /// own rounding, amplified, is what lands it far from float64).
  public static let pytorch = 1e-4

  /// How far each element of the input and the weights moves, relative, for the conditioning probe: a few
  /// float roundings.
  public static let perturbation = 1e-6

  /// How many times the probe's movement a comparison may differ by, if that is more than its tolerance.
  public static let conditioningFactor = 10.0

  /// The tensor with each element moved by `perturbation` of itself, in a random direction. How far moving the
  /// input and every weight so moves the output measures how much the program amplifies rounding: a batch
  /// norm calibrated on one value per channel (a 1x1 map at batch 1, or a constant after a ReLU that cut the
  /// input off) has a running variance of 0 and divides a difference that is all rounding by √ε, and a chain
  /// of them turns the ulps every path is entitled to into percent. Such a program cannot tell a bug from
  /// rounding; the weights are moved too because such a difference may not depend on the input at all.
  /// `sign` −1 moves every element the other way than +1 with the same `random` state.
  static func perturbed(_ tensor: Tensor, towards sign: Double, _ random: inout RandomSource) -> Tensor {
    Tensor(
      shape: tensor.shape,
      scalars: tensor.scalars.map { $0 * Float(1 + sign * (random.chance(0.5) ? 1 : -1) * perturbation) })
  }

  /// max |a − b| / max |reference|; infinite when shapes differ or either has a NaN or an infinity.
  public static func relativeError(_ a: Tensor, _ reference: Tensor) -> Double {
    guard a.shape == reference.shape, let difference = a.maxAbsDifference(reference), difference.isFinite else {
      return .infinity
    }
    let scale = Double(reference.maxAbs)
    guard scale.isFinite else { return .infinity }
    return Double(difference) / max(scale, Double(Float.leastNormalMagnitude))
  }
}

extension Double {
  /// This tolerance, or more for a program that amplifies rounding: `conditioningFactor` times the output's
  /// movement under the conditioning probe (none when the probe's output is not finite).
  func allowing(_ conditioning: Double) -> Double {
    conditioning.isFinite ? Swift.max(self, FuzzTolerance.conditioningFactor * conditioning) : self
  }
}
