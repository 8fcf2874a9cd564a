// The counter-based hash behind dropout masks: a pure function of (seed, step, stream, element), so any
// pass over a dropout — forward, backward, a resumed run, the generated C — draws exactly the same mask.

extension DropoutMask {
  /// Element `index` of this dropout's result is kept at `step` when its draw is at least this: `⌈p·2²⁴⌉`.
  /// Integers, so Swift and C decide every element identically.
  public var threshold: UInt32 { UInt32((p * 16_777_216).rounded(.up)) }

  /// What a kept element is multiplied by, `1/(1−p)`, so the expected value is unchanged (PyTorch's scaling).
  public var scale: Double { 1 / (1 - p) }

  /// Whether element `index` is kept at `step`.
  public func keeps(seed: UInt64, step: Int, index: Int) -> Bool {
    Self.draw(seed: seed, step: UInt64(step), stream: UInt64(stream), index: UInt64(index)) >= threshold
  }

  /// 24 uniform bits: SplitMix64 steps chained over the seed, step, stream and element index.
  public static func draw(seed: UInt64, step: UInt64, stream: UInt64, index: UInt64) -> UInt32 {
    var h = splitMix(seed)
    h = splitMix(h ^ step)
    h = splitMix(h ^ stream)
    h = splitMix(h ^ index)
    return UInt32(h >> 40)
  }

  /// One step of SplitMix64 (add the golden gamma, then Stafford's mix 13), as a function of its state.
  static func splitMix(_ state: UInt64) -> UInt64 {
    var z = state &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
