// `residual(shortcut) { body }`: y = body(x) + shortcut(x), with the ResNet paper's shortcut options
// (identity, A: subsample and zero-pad, B: project where shapes change, C: project always, none: no add).

extension Elaborator {
  mutating func residual(
    _ shortcutExpr: Expr, _ body: [Statement], at range: SourceRange, _ context: inout Context
  )
    throws
  {
    let value = try Evaluator(environment: context.environment).evaluate(shortcutExpr)
    let shortcut = try TypedValue(value: value, parameter: "shortcut", range: shortcutExpr.range).shortcut()
    let input = context.flow
    try nestedBody(body, &context)
    let output = context.flow
    if shortcut == .none { return }
    let bodyEnd = body.last.map { [Diagnostic.Note(FrontEndMessages.residualBodyEndsHere, at: $0.range)] } ?? []
    guard let x = input.shape, let y = output.shape else {
      context.flow.shape = nil
      return
    }
    let scope = context.names.path
    var shortcutValue = input
    if shortcut == .C || (shortcut != .identity && x != y) {
      guard x.rank == 4, y.rank == 4 else {
        throw Diagnostic.error(FrontEndMessages.residualNeedsFeatureMaps(x, y), at: range, notes: bodyEnd)
      }
      let stride = try shortcutStride(from: x, to: y, at: range, notes: bodyEnd)
      if shortcut == .A {
        let name = context.names.qualified(context.names.automaticName("shortcut", at: range))
        shortcutValue = try addNode(
          name, .shortcutA(ShortcutA(outChannels: y.channels, stride: stride)), inputs: [input], at: range,
          scope: scope,
          notes: bodyEnd)
      } else {
        let module = context.names.qualified(context.names.automaticName("downsample", at: range))
        let projection = Conv(
          outChannels: y.channels, kernel: Pair(square: 1), stride: Pair(square: stride), module: module + ".0",
          hasBias: false)
        let projected = try addNode(module + ".0", .conv(projection), inputs: [input], at: range, scope: scope)
        shortcutValue = try addNode(
          module + ".1", .batchNorm(BatchNorm(module: module + ".1")), inputs: [projected], at: range, scope: scope)
      }
    }
    let add = context.names.qualified(context.names.automaticName("add", at: range))
    context.flow = try addNode(
      add, .add(Add()), inputs: [output, shortcutValue], at: range, scope: scope, notes: bodyEnd)
  }

  /// The stride `s` with `ceil(x / s) == y` in both spatial dimensions (the size a 1x1 conv or a subsampling
  /// with stride `s` produces), or an error when the sizes are not related that way.
  private func shortcutStride(from x: Shape, to y: Shape, at range: SourceRange, notes: [Diagnostic.Note]) throws -> Int
  {
    let stride = ceilDiv(x.height, y.height)
    guard ceilDiv(x.height, stride) == y.height, ceilDiv(x.width, stride) == y.width else {
      throw Diagnostic.error(
        FrontEndMessages.shortcutStride(from: Pair(x.height, x.width), to: Pair(y.height, y.width)), at: range,
        notes: notes)
    }
    return stride
  }
}
