// Shape inference for the training ops. A backward op's operands must be what its forward op produced and
// read: each check runs the forward op's own shape inference, so the two can never disagree.

extension TrainingOp {
  func inferShape(_ inputs: [Shape]) throws -> Shape {
    let dy = inputs[0]
    switch self {
    case .batchNormStats(let bn):
      let x = try forward(.batchNorm(bn), [dy])
      let count = x.batch * x.height * x.width
      if count < 2 {
        throw ShapeError("batch statistics need more than 1 value per channel, got \(count); use a larger batch")
      }
      return Shape([2, x.channels])
    case .batchNormTrain(let bn), .batchNormRecompute(let bn):
      let x = try forward(.batchNorm(bn), [dy])
      try requireStatistics(inputs[1], of: x)
      return x
    case .dropoutTrain(let mask), .dropoutGrad(let mask):
      if mask.stream < 0 { throw ShapeError("dropout stream must not be negative, got \(mask.stream)") }
      return try forward(.dropout(Dropout(p: mask.p)), [dy])
    case .softmaxCrossEntropy, .softmaxCrossEntropyGrad:
      guard dy.rank == 2 else {
        throw ShapeError(
          "'\(mnemonic)' expects [N, classes] logits, got \(dy); insert 'flatten' and 'linear' before it")
      }
      return self == .softmaxCrossEntropy ? Shape([1]) : dy
    case .convGradInput(let grad):
      let x = grad.input.shape(batch: dy.batch)
      try requireGradient(dy, of: .conv(grad.conv), [x])
      return x
    case .convGradWeight(let conv):
      let x = inputs[1]
      try requireGradient(dy, of: .conv(conv), [x])
      return Shape([conv.outChannels, x.channels / conv.groups, conv.kernel.h, conv.kernel.w])
    case .biasGrad:
      return Shape([dy.channels])
    case .batchNormGradWeight(let bn), .batchNormGradInput(let bn):
      let x = try forward(.batchNorm(bn), [inputs[1]])
      try requireSame(dy, x, "gradient", "input")
      try requireStatistics(inputs[2], of: x)
      if self == .batchNormGradWeight(bn) { return Shape([x.channels]) }
      for (name, shape) in zip(["gamma", "beta"], inputs[3...]) where shape != Shape([x.channels]) {
        throw ShapeError("the \(name) gradient must have shape \(Shape([x.channels])), got \(shape)")
      }
      return x
    case .reluGrad, .softmaxGrad:
      try requireSame(dy, inputs[1], "gradient", "result")
      return dy
    case .maxPoolGrad(let pool):
      try requireGradient(dy, of: .maxPool(pool), [inputs[1]])
      return inputs[1]
    case .avgPoolGrad(let grad):
      let x = Shape([dy.batch, dy.channels, grad.size.h, grad.size.w])
      try requireGradient(dy, of: .avgPool(grad.pool), [x])
      return x
    case .adaptiveAvgPoolGrad(let size):
      guard dy.rank == 4 else { throw ShapeError("'\(mnemonic)' expects a [N, C, H, W] gradient, got \(dy)") }
      let x = Shape([dy.batch, dy.channels, size.h, size.w])
      try requireGradient(dy, of: .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(dy.height, dy.width))), [x])
      return x
    case .lrnGrad(let lrn):
      try requireGradient(dy, of: .lrn(lrn), [inputs[1]])
      return inputs[1]
    case .linearGradInput(let grad):
      let x = Shape([dy.batch, grad.inFeatures])
      try requireGradient(dy, of: .linear(Linear(outFeatures: dy.channels, module: grad.module, hasBias: false)), [x])
      return x
    case .linearGradWeight(let module):
      let x = inputs[1]
      try requireGradient(dy, of: .linear(Linear(outFeatures: dy.channels, module: module, hasBias: false)), [x])
      return Shape([dy.channels, x.channels])
    case .shortcutGrad(let grad):
      let x = grad.input.shape(batch: dy.batch)
      guard grad.residual == .identity, dy.channels != x.channels else {
        _ = try forward(.add(Add(shortcut: grad.residual)), [dy, x])
        return x
      }
      // An option A shortcut adding one channel at stride 1 maps with the identity's stride and offset, though
      // the channel counts differ: check it as that shortcut.
      let shortcut = ShortcutA(outChannels: dy.channels, stride: 1)
      try requireGradient(dy, of: .shortcutA(shortcut), [x])
      if shortcut.residual(inputChannels: x.channels) != grad.residual {
        throw ShapeError("a shortcut from \(x.channels) to \(dy.channels) channels does not map with offset 0")
      }
      return x
    case .flattenGrad(let input):
      let x = input.shape(batch: dy.batch)
      try requireGradient(dy, of: .flatten, [x])
      return x
    case .accumulate:
      for shape in inputs.dropFirst() { try requireSame(dy, shape, "first gradient", "gradient") }
      return dy
    }
  }

  /// Multiply-accumulates of the backward convolutions and matrix products: each costs what its forward op does.
  func multiplyAccumulates(shape: Shape, inputShapes: [Shape]) -> Int {
    switch self {
    case .convGradInput(let grad):
      return inputShapes[0].elementCount * (grad.input.channels / grad.conv.groups) * grad.conv.kernel.h
        * grad.conv.kernel.w
    case .convGradWeight(let conv):
      return inputShapes[0].elementCount * (inputShapes[1].channels / conv.groups) * conv.kernel.h * conv.kernel.w
    case .linearGradInput, .linearGradWeight:
      return inputShapes[0].elementCount * (self.isLinearGradWeight ? inputShapes[1].channels : shape.channels)
    default:
      return 0
    }
  }

  private var isLinearGradWeight: Bool {
    if case .linearGradWeight = self { true } else { false }
  }

  /// The forward op's shape for these operands, or its error.
  private func forward(_ op: Op, _ inputs: [Shape]) throws -> Shape {
    try op.inferShape(inputs).get()
  }

  /// `dy` must be the shape `op` gives for `inputs`.
  private func requireGradient(_ dy: Shape, of op: Op, _ inputs: [Shape]) throws {
    let y = try forward(op, inputs)
    if y != dy {
      let operands = inputs.map(\.description).joined(separator: ", ")
      throw ShapeError("gradient has shape \(dy), but '\(op.mnemonic)' of \(operands) gives \(y)")
    }
  }

  private func requireSame(_ a: Shape, _ b: Shape, _ first: String, _ second: String) throws {
    if a != b { throw ShapeError("the \(first) has shape \(a), but the \(second) has shape \(b)") }
  }

  private func requireStatistics(_ stats: Shape, of x: Shape) throws {
    let expected = Shape([2, x.channels])
    if stats != expected { throw ShapeError("batch statistics must have shape \(expected), got \(stats)") }
  }
}
