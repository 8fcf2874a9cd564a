// Seeded mutations of the zoo through the whole front end: byte flips, token deletions, duplications and
// swaps, number changes and truncations. Nothing may crash or hang; every rejection must be diagnosed.

import Foundation
import Testing

@testable import NetC

/// SplitMix64: a small seeded generator, so every run mutates the same way.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// One way of breaking a file.
enum Mutation: CaseIterable {
  case flipByte, deleteToken, duplicateToken, swapTokens, changeNumber, truncate

  /// Numbers chosen to hit limits: zero, one, sizes around the attribute, element and 64-bit limits.
  static let numbers = [
    "0", "1", "2", "3", "7", "64", "255", "1000", "65535", "16777216", "16777217", "2147483648",
    "9223372036854775807", "99999999999999999999", "1e-5", "0.5", "1e308",
  ]

  func apply(to bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    guard !bytes.isEmpty else { return bytes }
    switch self {
    case .flipByte:
      var copy = bytes
      copy[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
      return copy
    case .truncate:
      return Array(bytes[..<Int.random(in: 0..<bytes.count, using: &random)])
    case .deleteToken, .duplicateToken, .swapTokens, .changeNumber:
      var tokens = Mutation.tokens(bytes)
      let words = tokens.indices.filter { !tokens[$0].allSatisfy { $0 == 0x20 || $0 == 0x0A } }
      guard let i = words.randomElement(using: &random), let j = words.randomElement(using: &random) else {
        return bytes
      }
      switch self {
      case .deleteToken: tokens.remove(at: i)
      case .duplicateToken: tokens.insert(tokens[i], at: i)
      case .swapTokens: tokens.swapAt(i, j)
      default:
        let numbers = words.filter { tokens[$0].first.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        guard let k = numbers.randomElement(using: &random) else { return bytes }
        tokens[k] = Array(Mutation.numbers.randomElement(using: &random)!.utf8)
      }
      return tokens.flatMap { $0 }
    }
  }

  /// Words, numbers, runs of spaces and newlines, and single other bytes, in order; joined they give the file.
  static func tokens(_ bytes: [UInt8]) -> [[UInt8]] {
    func kind(_ byte: UInt8) -> Int {
      switch byte {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2E: 0
      case 0x20, 0x0A: 1
      default: 2
      }
    }
    var tokens: [[UInt8]] = []
    for byte in bytes {
      if let last = tokens.last?.last, kind(last) == kind(byte), kind(byte) != 2 {
        tokens[tokens.count - 1].append(byte)
      } else {
        tokens.append([byte])
      }
    }
    return tokens
  }
}

@Suite struct FuzzTests {
  static let iterations = 10_000
  /// Each input takes milliseconds; a second means something is badly wrong (a loop, a blow-up), on any
  /// machine, even a loaded one.
  static let perInputLimit = Duration.seconds(1)

  @Test func mutatedZooIsAlwaysDiagnosed() throws {
    let files = try Zoo.files()
    let mains = Zoo.names.map { Zoo.path($0) }
    let libraries = files.keys.filter { $0.contains("/lib/") }.sorted()
    var random = SplitMix64(state: 0x6E65_7463)
    var accepted = 0
    var slowest = Duration.zero
    for iteration in 0..<FuzzTests.iterations {
      let main = mains.randomElement(using: &random)!
      let target = Bool.random(using: &random) ? main : libraries.randomElement(using: &random)!
      var mutated = files
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        let mutation = Mutation.allCases.randomElement(using: &random)!
        mutated[target] = mutation.apply(to: mutated[target]!, &random)
      }
      let clock = ContinuousClock()
      let start = clock.now
      let outcome = Result { try ModelLoader.load(path: main, files: mutated) }
      let elapsed = clock.now - start
      slowest = max(slowest, elapsed)
      #expect(elapsed < FuzzTests.perInputLimit, "iteration \(iteration) took \(elapsed)")
      switch outcome {
      case .success(let graph):
        accepted += 1
        #expect(!graph.text.isEmpty && graph.trainableParameterCount >= 0 && graph.multiplyAccumulateCount >= 0)
      case .failure(let error as DiagnosticError):
        #expect(FuzzTests.isWellDiagnosed(error), "iteration \(iteration): \(error.rendered)")
        _ = error.rendered
      case .failure(let error):
        Issue.record("iteration \(iteration): not a DiagnosticError: \(error)")
      }
    }
    // Both outcomes must occur, or the mutations are not exercising the front end.
    #expect(accepted > 0 && accepted < FuzzTests.iterations, "\(accepted) accepted, slowest \(slowest)")
  }

  /// At least one error, and every diagnostic either points into a file or is a file-level message that
  /// names its file (or closes a flood of located ones).
  static func isWellDiagnosed(_ error: DiagnosticError) -> Bool {
    let errors = error.diagnostics.filter { $0.severity == .error }
    let tooMany = FrontEndMessages.tooManyErrors(Parser.maxErrors)
    return !errors.isEmpty
      && error.diagnostics.allSatisfy { diagnostic in
        diagnostic.range != nil || diagnostic.message == tooMany
          || error.sources.contains { diagnostic.message.hasPrefix($0.path + ": ") }
      }
  }
}
