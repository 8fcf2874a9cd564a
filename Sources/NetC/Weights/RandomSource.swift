// The one pseudo-random generator netc uses (weight initialization, test inputs): xoshiro256** seeded through
// SplitMix64, with Box–Muller normals in Double; a seed gives the same numbers on every run and platform
// (normals up to the last bit of the platform's `log`, `sin` and `cos`).

import Foundation

/// xoshiro256** (Blackman and Vigna), its 256-bit state filled from a 64-bit seed by SplitMix64, as its
/// authors recommend. Uniforms take the top 53 bits; normals come from the Box–Muller transform.
public struct RandomSource: Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)
  /// Box–Muller makes normals in pairs; the second waits here.
  private var spareNormal: Double?

  public init(seed: UInt64) {
    var splitMix = seed
    func nextSplitMix() -> UInt64 {
      splitMix &+= 0x9E37_79B9_7F4A_7C15
      var z = splitMix
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
  }

  /// An independent stream per name (a parameter's), so a tensor's values depend only on the seed and its
  /// name: adding a layer to a network does not change the initial weights of the others.
  public init(seed: UInt64, stream name: String) {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a, 64-bit
    for byte in name.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    self.init(seed: seed ^ hash)
  }

  public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  /// Uniform in [0, 1), a multiple of 2⁻⁵³.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform in [low, high).
  public mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * uniform()
  }

  /// Standard normal.
  public mutating func normal() -> Double {
    if let spare = spareNormal {
      spareNormal = nil
      return spare
    }
    let u1 = 1 - uniform()  // in (0, 1], so the logarithm is finite
    let u2 = uniform()
    let radius = (-2 * log(u1)).squareRoot()
    let angle = 2 * Double.pi * u2
    spareNormal = radius * sin(angle)
    return radius * cos(angle)
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
