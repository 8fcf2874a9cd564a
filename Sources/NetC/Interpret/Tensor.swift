// A dense f32 tensor in row-major (NCHW) order: what the interpreter reads, produces and compares.

public struct Tensor: Hashable, Sendable {
  public var shape: Shape
  /// Elements in row-major order; `scalars.count == shape.elementCount`.
  public var scalars: [Float]

  public init(shape: Shape, scalars: [Float]) {
    precondition(scalars.count == shape.elementCount, "\(scalars.count) scalars for a tensor of shape \(shape)")
    self.shape = shape
    self.scalars = scalars
  }

  public init(zeros shape: Shape) {
    self.init(shape: shape, scalars: Array(repeating: 0, count: shape.elementCount))
  }

  /// Elements drawn from the standard normal distribution of `RandomSource(seed:)`: reproducible test inputs.
  public init(randomNormal shape: Shape, seed: UInt64) {
    var random = RandomSource(seed: seed)
    self.init(shape: shape, scalars: (0..<shape.elementCount).map { _ in Float(random.normal()) })
  }

  /// The largest absolute elementwise difference, or nil when the shapes differ.
  public func maxAbsDifference(_ other: Tensor) -> Float? {
    guard shape == other.shape else { return nil }
    var largest: Float = 0
    for (a, b) in zip(scalars, other.scalars) {
      let difference = abs(a - b)
      if difference.isNaN { return .nan }
      largest = max(largest, difference)
    }
    return largest
  }

  /// The largest absolute element (NaN if any element is NaN).
  public var maxAbs: Float {
    var largest: Float = 0
    for value in scalars {
      if value.isNaN { return .nan }
      largest = max(largest, abs(value))
    }
    return largest
  }
}

extension Shape {
  /// `[1000,2048]`: the shape as messages about tensors spell it (without the IR's `f32` prefix).
  public var dimsText: String { "[" + dims.map(String.init).joined(separator: ",") + "]" }
}
