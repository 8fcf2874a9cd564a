// Thousands of deterministically corrupted safetensors and .npy files: each must decode or be diagnosed,
// never trap (a trap would kill the test process) or read out of bounds.

import Testing

@testable import NetC

/// `count` corruptions of `bytes`: truncations, flipped bytes, and digits or punctuation written into the
/// text header, where most of the parser's decisions are.
private func corruptions(of bytes: [UInt8], headerEnd: Int, count: Int, seed: UInt64) -> [[UInt8]] {
  var random = RandomSource(seed: seed)
  let characters = Array("0123456789[]{},:\"-eE .".utf8) + [0x00, 0xFF, 0x80]
  return (0..<count).map { _ in
    var copy = bytes
    switch random.next() % 3 {
    case 0:
      copy.removeLast(Int(random.next() % UInt64(copy.count)))
    case 1:
      for _ in 0...(random.next() % 4) { copy[Int(random.next() % UInt64(copy.count))] ^= UInt8(random.next() & 0xFF) }
    default:
      let position = Int(random.next() % UInt64(headerEnd))
      copy[position] = characters[Int(random.next() % UInt64(characters.count))]
    }
    return copy
  }
}

@Suite struct CorruptFileTests {
  @Test func safetensorsNeverTrap() {
    let weights = Weights([
      ("a.weight", Tensor(randomNormal: Shape([2, 3, 1, 1]), seed: 1)),
      ("a.bias", Tensor(randomNormal: Shape([2]), seed: 2)),
      ("b", Tensor(zeros: Shape([0, 4]))),
    ])
    let bytes = SafeTensors(weights: weights, metadata: ["k": "v"]).encoded()
    var diagnosed = 0
    for corrupt in corruptions(of: bytes, headerEnd: bytes.count - 32, count: 3000, seed: 11) {
      do {
        _ = try SafeTensors(decoding: corrupt, file: "w.safetensors")
      } catch let error as DiagnosticError {
        diagnosed += 1
        #expect(error.diagnostics.allSatisfy { $0.message.hasPrefix("w.safetensors: ") })
      } catch {
        Issue.record("not a diagnostic: \(error)")
      }
    }
    #expect(diagnosed > 2000)  // most corruptions are caught; some (a flipped data byte) are valid files
  }

  @Test func npyNeverTraps() {
    let bytes = NPY.encode(Tensor(randomNormal: Shape([2, 3]), seed: 3))
    var diagnosed = 0
    for corrupt in corruptions(of: bytes, headerEnd: bytes.count - 24, count: 3000, seed: 12) {
      do {
        _ = try NPY.decode(corrupt, file: "x.npy")
      } catch let error as DiagnosticError {
        diagnosed += 1
        #expect(error.diagnostics.allSatisfy { $0.message.hasPrefix("x.npy: ") })
      } catch {
        Issue.record("not a diagnostic: \(error)")
      }
    }
    #expect(diagnosed > 1500)
  }
}
