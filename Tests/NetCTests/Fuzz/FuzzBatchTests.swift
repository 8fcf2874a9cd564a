// The CI batch: a fixed range of random programs through every path — front end against the generator's model,
// IR text round trips, the default and a random pass pipeline against the front end's IR in the interpreter,
// and the generated C (clang) against the interpreter — plus every committed reproducer of a past failure.

import Foundation
import Testing

@testable import NetC

@Suite struct FuzzBatchTests {
  /// Seeds 1…240: with two C compiles per program, about two minutes on two cores.
  static let seeds: ClosedRange<UInt64> = 1...240

  @Test func randomProgramsAgreeOnEveryPath() throws {
    var options = FuzzOptions()
    options.compilers = [try CCompiler.find("clang")]
    let outcomes = Fuzzer(options: options).check(Self.seeds.map { FuzzCase(seed: $0) })
    #expect(outcomes.count == Self.seeds.count)
    for outcome in outcomes {
      let reproduce = "netc fuzz --seed \(outcome.fuzzCase.seed) --count 1 --keep DIR"
      #expect(outcome.failure == nil, "\(outcome.fuzzCase.name): \(outcome.failure!); shrink it with '\(reproduce)'")
    }
  }

  /// Every shrunk reproducer of a bug the fuzzer found, through every path: all three graphs in C, with every
  /// compiler installed, and PyTorch where `bench/.venv` has it.
  @Test func regressionsStayFixed() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".net") }
      .sorted()
    try #require(!files.isEmpty, "no reproducers in \(directory.path)")
    var options = FuzzOptions()
    options.compilers = [try CCompiler.find("clang")] + ((try? CCompiler.find("gcc")).map { [$0] } ?? [])
    options.alternateGraphs = false
    if PythonEnvironment.hasTorch { options.python = PythonEnvironment.python.path }
    let cases = try files.map { try FuzzReproducer.read(directory.appendingPathComponent($0).path) }
    for outcome in Fuzzer(options: options).check(cases) {
      #expect(outcome.failure == nil, "\(outcome.fuzzCase.name): \(outcome.failure!)")
    }
  }
}
