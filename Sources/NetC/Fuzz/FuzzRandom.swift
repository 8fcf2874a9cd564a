// The few random choices the fuzzer makes, on netc's one seeded generator, so a seed names a program forever.

extension RandomSource {
  /// Uniform in `range`.
  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(uniform() * Double(range.count))
  }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { uniform() < p }

  /// One element of a non-empty array.
  mutating func pick<T>(_ choices: [T]) -> T { choices[int(0...choices.count - 1)] }

  /// An index drawn with the given relative weights.
  mutating func weighted(_ weights: [Double]) -> Int {
    var remaining = uniform() * weights.reduce(0, +)
    for (index, weight) in weights.enumerated() {
      remaining -= weight
      if remaining < 0 { return index }
    }
    return weights.count - 1
  }
}
