// The CI batch: a fixed range of random programs through every path — front end against the generator's model,
// IR text round trips, the default and a random pass pipeline against the front end's IR in the interpreter,
// and the generated C (clang, and gcc where installed, for each kernel path the machine runs, on 1 and 2
// threads where the C takes a thread count) against the interpreter; one training step in C (on each kernel path
// by turns, at 1 and 2 threads, which must agree bit for bit) against the training interpreter; PyTorch where
// `bench/.venv` has it — plus every committed reproducer of a past failure.

import Foundation
import Testing

@testable import NetC

@Suite struct FuzzBatchTests {
  /// Seeds 1…240: two graphs' C per program, built by one compiler for one kernel path, both in turn.
  static let seeds: ClosedRange<UInt64> = 1...240

  /// Seeds of the training batch: each trainable program's training C is a compile of its own, so fewer.
  static let trainingSeeds: ClosedRange<UInt64> = 1001...1040

  static var compilers: [CCompiler] {
    get throws { [try CCompiler.find("clang")] + ((try? CCompiler.find("gcc")).map { [$0] } ?? []) }
  }

  @Test func randomProgramsAgreeOnEveryPath() throws {
    var options = FuzzOptions()
    options.compilers = try Self.compilers
    // -O1 compiles the batch in two thirds of -O2's time; campaigns and the reproducers build at netc's -O2.
    options.cFlags = CCompiler.strictFlags + ["-O1"]
    try expectPass(Fuzzer(options: options).check(Self.seeds.map { FuzzCase(seed: $0) }), count: Self.seeds.count)
  }

  @Test func trainingStepAgreesWithTheInterpreter() throws {
    var options = FuzzOptions()
    options.compilers = [try CCompiler.find("clang")]
    options.cGraphs = []
    options.train = true
    let outcomes = Fuzzer(options: options).check(Self.trainingSeeds.map { FuzzCase(seed: $0) })
    try expectPass(outcomes, count: Self.trainingSeeds.count, flags: "--train --no-c")
    // Not a vacuous pass: most random programs end in a linear layer and train.
    let trained = outcomes.filter { $0.errors["train"] != nil }.count
    #expect(trained >= Self.trainingSeeds.count / 4, "only \(trained) programs trained")
  }

  @Test(.enabled(if: PythonEnvironment.hasTorch, "needs torch and safetensors in bench/.venv (not in CI)"))
  func pytorchAgreesWithTheInterpreter() throws {
    var options = FuzzOptions()
    options.python = PythonEnvironment.python.path
    let seeds = Self.seeds.prefix(60)
    try expectPass(
      Fuzzer(options: options).check(seeds.map { FuzzCase(seed: $0) }), count: seeds.count,
      flags: "--no-c --pytorch bench/.venv/bin/python")
  }

  private func expectPass(_ outcomes: [FuzzOutcome], count: Int, flags: String = "") throws {
    #expect(outcomes.count == count)
    for outcome in outcomes {
      let reproduce = "netc fuzz --seed \(outcome.fuzzCase.seed) --count 1 \(flags) --keep DIR"
      #expect(outcome.failure == nil, "\(outcome.fuzzCase.name): \(outcome.failure!); shrink it with '\(reproduce)'")
    }
  }

  /// Every shrunk reproducer of a bug the fuzzer found, through every path: all three graphs in C on every
  /// kernel path, with every compiler installed, a training step, and PyTorch where `bench/.venv` has it.
  @Test func regressionsStayFixed() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".net") }
      .sorted()
    try #require(!files.isEmpty, "no reproducers in \(directory.path)")
    var options = FuzzOptions()
    options.compilers = try Self.compilers
    options.alternateGraphs = false
    options.alternateKernelPaths = false
    options.alternateCompilers = false
    options.train = true
    if PythonEnvironment.hasTorch { options.python = PythonEnvironment.python.path }
    let cases = try files.map { try FuzzReproducer.read(directory.appendingPathComponent($0).path) }
    for outcome in Fuzzer(options: options).check(cases) {
      #expect(outcome.failure == nil, "\(outcome.fuzzCase.name): \(outcome.failure!)")
    }
  }
}
