// Shape inference for every op: the one place that decides whether an op is well formed, shared by the
// front end (which reports errors at source locations) and the IR parser and verifier.

/// Why an op cannot produce a value; `message` follows the diagnostics house style (lowercase, no period).
public struct ShapeError: Error, Equatable, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}

/// The largest tensor the generated C indexes with 32-bit element counts.
public let maxElementCount = Int(Int32.max)

extension Op {
  /// The result shape of this op applied to operands of the given shapes.
  public func inferShape(_ inputs: [Shape]) -> Result<Shape, ShapeError> {
    do {
      let shape = try inferShapeThrowing(inputs)
      try checkSize(shape)
      return .success(shape)
    } catch let error as ShapeError {
      return .failure(error)
    } catch {
      preconditionFailure("shape inference throws only ShapeError")
    }
  }

  /// How many operands the op takes.
  public var arityRange: ClosedRange<Int> {
    switch self {
    case .input: 0...0
    case .conv: 1...2
    case .add: 2...2
    case .train(let op): op.arityRange
    default: 1...1
    }
  }

  private func inferShapeThrowing(_ inputs: [Shape]) throws -> Shape {
    guard arityRange.contains(inputs.count) else {
      throw ShapeError("'\(mnemonic)' takes \(arityDescription), got \(inputs.count)")
    }
    switch self {
    case .input:
      preconditionFailure("the input's shape is declared, not inferred")
    case .conv(let conv):
      let x = try featureMap(inputs[0])
      try requirePositive(conv.outChannels, "output channels")
      try requirePositive(conv.groups, "groups")
      try requireWindow(kernel: conv.kernel, stride: conv.stride, pad: conv.pad, dilation: conv.dilation)
      if x.channels % conv.groups != 0 {
        throw ShapeError("groups (\(conv.groups)) must divide input channels \(x.channels)")
      }
      if conv.outChannels % conv.groups != 0 {
        throw ShapeError("groups (\(conv.groups)) must divide output channels \(conv.outChannels)")
      }
      let out = try windowOutput(
        x, kernel: conv.kernel, stride: conv.stride, pad: conv.pad, dilation: conv.dilation, ceilMode: false)
      let shape = Shape([x.batch, conv.outChannels, out.h, out.w])
      if let residual = conv.epilogue.residual {
        guard inputs.count == 2 else { throw ShapeError("a conv with a residual epilogue takes 2 operands") }
        try checkShortcut(residual, from: inputs[1], to: shape)
      } else if inputs.count == 2 {
        throw ShapeError("a conv takes a second operand only with a residual epilogue")
      }
      return shape
    case .batchNorm(let bn):
      let x = try featureMap(inputs[0])
      try requireFinitePositive(bn.eps, "eps")
      return x
    case .relu, .dropout, .softmax:
      if case .dropout(let d) = self, !(d.p >= 0 && d.p < 1) {
        throw ShapeError("dropout probability must be in [0, 1), got \(d.p)")
      }
      return inputs[0]
    case .lrn(let lrn):
      try requirePositive(lrn.size, "size")
      return try featureMap(inputs[0])
    case .add(let add):
      try checkShortcut(add.shortcut, from: inputs[1], to: inputs[0])
      return inputs[0]
    case .shortcutA(let a):
      let x = try featureMap(inputs[0])
      try requirePositive(a.stride, "stride")
      if a.outChannels < x.channels {
        throw ShapeError("option A shortcut cannot reduce channels from \(x.channels) to \(a.outChannels)")
      }
      return Shape([x.batch, a.outChannels, ceilDiv(x.height, a.stride), ceilDiv(x.width, a.stride)])
    case .maxPool(let pool), .avgPool(let pool):
      let x = try featureMap(inputs[0])
      try requireWindow(kernel: pool.kernel, stride: pool.stride, pad: pool.pad, dilation: Pair(square: 1))
      if 2 * pool.pad.h > pool.kernel.h || 2 * pool.pad.w > pool.kernel.w {
        throw ShapeError("pool padding \(pool.pad) must be at most half the kernel \(pool.kernel)")
      }
      let out = try windowOutput(
        x, kernel: pool.kernel, stride: pool.stride, pad: pool.pad, dilation: Pair(square: 1), ceilMode: pool.ceilMode)
      return Shape([x.batch, x.channels, out.h, out.w])
    case .adaptiveAvgPool(let pool):
      let x = try featureMap(inputs[0])
      try requirePositive(pool.out.h, "output height")
      try requirePositive(pool.out.w, "output width")
      return Shape([x.batch, x.channels, pool.out.h, pool.out.w])
    case .flatten:
      let x = inputs[0]
      return Shape([x.batch, x.itemCount])
    case .linear(let linear):
      let x = inputs[0]
      guard x.rank == 2 else {
        throw ShapeError("'linear' expects a [N, F] input, got \(x); insert 'flatten' before it")
      }
      try requirePositive(linear.outFeatures, "output features")
      return Shape([x.batch, linear.outFeatures])
    case .train(let op):
      return try op.inferShape(inputs)
    }
  }

  private var arityDescription: String {
    let range = arityRange
    let count =
      range.lowerBound == range.upperBound
      ? "\(range.lowerBound)"
      : range.upperBound == Int.max ? "at least \(range.lowerBound)" : "\(range.lowerBound) or \(range.upperBound)"
    return count + (range.upperBound == 1 ? " operand" : " operands")
  }

  private func featureMap(_ shape: Shape) throws -> Shape {
    guard shape.rank == 4 else {
      throw ShapeError("'\(mnemonic)' expects a [N, C, H, W] input, got \(shape)")
    }
    return shape
  }

  private func requirePositive(_ value: Int, _ what: String) throws {
    if value < 1 { throw ShapeError("\(what) must be positive, got \(value)") }
  }

  private func requireFinitePositive(_ value: Double, _ what: String) throws {
    if !(value > 0 && value.isFinite) { throw ShapeError("\(what) must be positive, got \(value)") }
  }

  private func requireWindow(kernel: Pair, stride: Pair, pad: Pair, dilation: Pair) throws {
    try requirePositive(min(kernel.h, kernel.w), "kernel size")
    try requirePositive(min(stride.h, stride.w), "stride")
    try requirePositive(min(dilation.h, dilation.w), "dilation")
    if pad.h < 0 || pad.w < 0 { throw ShapeError("padding must not be negative, got \(pad)") }
  }

  /// Output size of a sliding window, PyTorch's formula (with its `ceil_mode` rule that the last window
  /// must start inside the input or the left padding).
  private func windowOutput(
    _ x: Shape, kernel: Pair, stride: Pair, pad: Pair, dilation: Pair, ceilMode: Bool
  ) throws -> Pair {
    func size(_ input: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int {
      let span = input + 2 * p - d * (k - 1) - 1
      if span < 0 { return 0 }
      var out = (ceilMode ? ceilDiv(span, s) : span / s) + 1
      if ceilMode && (out - 1) * s >= input + p { out -= 1 }
      return out
    }
    let out = Pair(
      size(x.height, kernel.h, stride.h, pad.h, dilation.h), size(x.width, kernel.w, stride.w, pad.w, dilation.w))
    if out.h < 1 || out.w < 1 {
      let effective = Pair(dilation.h * (kernel.h - 1) + 1, dilation.w * (kernel.w - 1) + 1)
      throw ShapeError(
        "'\(mnemonic)' output would be empty: input \(x.height)x\(x.width) with padding \(pad) "
          + "is smaller than the kernel \(effective)")
    }
    return out
  }

  private func checkShortcut(_ shortcut: Residual, from source: Shape, to target: Shape) throws {
    if shortcut == .identity {
      if source != target {
        throw ShapeError("residual shapes differ: \(target) and \(source)")
      }
      return
    }
    let x = try featureMap(source)
    try requirePositive(shortcut.stride, "residual stride")
    if target.rank != 4 || target.batch != x.batch
      || target.height != ceilDiv(x.height, shortcut.stride) || target.width != ceilDiv(x.width, shortcut.stride)
      || shortcut.channelOffset < 0 || shortcut.channelOffset + x.channels > target.channels
    {
      throw ShapeError(
        "option A shortcut (stride \(shortcut.stride), channel offset \(shortcut.channelOffset)) "
          + "cannot map \(source) onto \(target)")
    }
  }

  private func checkSize(_ shape: Shape) throws {
    var count = 1
    for dim in shape.dims {
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      if overflow || product > maxElementCount {
        throw ShapeError("tensor \(shape) is too large: at most \(maxElementCount) elements are supported")
      }
      count = product
    }
  }
}

public func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
