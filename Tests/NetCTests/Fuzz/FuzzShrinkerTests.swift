// The shrinker on a failure whose cause is known: "the network has an LRN". Everything else must go — blocks,
// constants, every other statement, batch and input size — and the failure must stay the same.

import Testing

@testable import NetC

@Suite struct FuzzShrinkerTests {
  static func hasLRN(_ program: FuzzProgram) -> String? {
    let graph = try? FuzzCase(program).load()
    return graph?.nodes.contains { $0.op.mnemonic == "lrn" } == true ? "lrn" : nil
  }

  @Test func shrinksToTheOneStatementThatFails() throws {
    let seed = try #require(
      FuzzBatchTests.seeds.first { seed in
        let program = FuzzGenerator.program(seed: seed)
        return Self.hasLRN(program) != nil && program.blocks.count > 1 && program.body.count > 3
      })
    let program = FuzzGenerator.program(seed: seed)
    var accepted = 0
    let shrunk = FuzzShrinker(budget: 4000).shrink(program, fails: Self.hasLRN) { _ in accepted += 1 }
    #expect(Self.hasLRN(shrunk) == "lrn")
    #expect(accepted > 0)
    #expect(shrunk.blocks.isEmpty && shrunk.constants.isEmpty, "\(shrunk.source)")
    #expect(shrunk.batch == 1 && shrunk.input == [1, 1, 1], "\(shrunk.source)")
    guard shrunk.body.count == 1, case .layer(_, let call) = shrunk.body[0] else {
      Issue.record("expected one statement: \(shrunk.source)")
      return
    }
    #expect(call.callee == "lrn")
  }

  @Test func aPassingProgramIsLeftAlone() {
    let program = FuzzGenerator.program(seed: 3)
    #expect(FuzzShrinker().shrink(program, fails: { _ in nil }) == program)
  }

  @Test func reproducersKeepTheirBatchAndSeed() throws {
    let fuzzCase = FuzzCase(seed: 12)
    let text = FuzzReproducer.text(fuzzCase, failure: FuzzFailure("c-mismatch clang O0 threads=1", "0.5\nmore"))
    #expect(text.hasPrefix("# netc fuzz reproducer (seed 12): c-mismatch clang O0 threads=1\n# 0.5\n"))
    let scratch = try ScratchDirectory("fuzz-reproducer")
    defer { scratch.cleanUp() }
    try text.write(toFile: scratch.path("r.net"), atomically: true, encoding: .utf8)
    let read = try FuzzReproducer.read(scratch.path("r.net"))
    #expect(read.batch == fuzzCase.batch && read.seed == 12 && read.name == "r.net")
    #expect(try read.load() == (try fuzzCase.load()))
  }
}
