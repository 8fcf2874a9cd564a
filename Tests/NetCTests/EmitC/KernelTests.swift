// Each kernel of the generated C against the interpreter, on small random shapes with odd sizes, padding,
// strides, dilation, groups and every epilogue, built with the address and undefined-behaviour sanitizers.

import Testing

@testable import NetC

/// The C accumulates in float in its own order where the interpreter sums in Double and rounds once, so
/// results differ by float rounding: about √K·2⁻²⁴ relative for K products (K ≤ 600 here, ≈ 1.5e-6).
/// 1e-5 of the largest output leaves room for that and still catches any indexing mistake, of order 1.
private let tolerance = 1e-5

private func expectMatch(_ graph: Graph, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
  let (c, reference) = try CTest.run(graph)
  #expect(c.shape == reference.shape, sourceLocation: sourceLocation)
  #expect(relativeError(c.scalars, reference.scalars) <= tolerance, sourceLocation: sourceLocation)
}

private func fold(_ module: String) -> FoldedBatchNorm { FoldedBatchNorm(module: module, eps: 1e-3) }

@Suite struct ConvKernelTests {
  @Test(arguments: [
    // kernel, stride, pad, dilation, groups, input channels, output channels
    (Pair(square: 3), Pair(square: 1), Pair(square: 1), Pair(square: 1), 1, 3, 5),
    (Pair(3, 2), Pair(2, 1), Pair(1, 0), Pair(2, 1), 1, 4, 3),
    (Pair(square: 7), Pair(square: 2), Pair(square: 3), Pair(square: 1), 1, 3, 4),
    (Pair(square: 3), Pair(square: 2), Pair(square: 1), Pair(square: 1), 3, 6, 9),
    (Pair(square: 3), Pair(square: 1), Pair(square: 2), Pair(square: 2), 4, 4, 4),
    (Pair(square: 1), Pair(square: 2), Pair(square: 0), Pair(square: 1), 1, 5, 7),
    (Pair(square: 5), Pair(square: 3), Pair(square: 0), Pair(square: 1), 1, 2, 3),
  ])
  func direct(kernel: Pair, stride: Pair, pad: Pair, dilation: Pair, groups: Int, inChannels: Int, out: Int) throws {
    var net = GraphBuilder(input: [2, inChannels, 11, 9])
    try net.add(
      "conv", conv("conv", out, kernel, stride: stride, pad: pad, dilation: dilation, groups: groups, bias: true))
    try expectMatch(net.graph())
  }

  /// Plane sizes below, at and above the matrix product's 512-column block.
  @Test(arguments: [(5, 7, 1), (16, 32, 2), (25, 23, 1)])
  func pointwise(height: Int, width: Int, groups: Int) throws {
    var net = GraphBuilder(input: [1, 6, height, width])
    try net.add("conv", conv("conv", 10, Pair(square: 1), groups: groups, bias: true))
    try expectMatch(net.graph())
  }

  @Test(arguments: [Pair(square: 3), Pair(square: 1)])
  func foldedBatchNormIdentityResidualAndReLU(kernel: Pair) throws {
    var net = GraphBuilder(input: [2, 4, 7, 5])
    let epilogue = Epilogue(batchNorm: fold("bn"), residual: .identity, relu: true)
    try net.add(
      "conv", conv("conv", 4, kernel, pad: Pair(square: kernel.h / 2), bias: true, epilogue: epilogue),
      ["input", "input"])
    try expectMatch(net.graph())
  }

  @Test(arguments: [Pair(square: 3), Pair(square: 1)])
  func optionAResidual(kernel: Pair) throws {
    var net = GraphBuilder(input: [2, 3, 7, 9])
    let stride = kernel.h == 3 ? 2 : 1
    let epilogue = Epilogue(batchNorm: fold("bn"), residual: Residual(stride: stride, channelOffset: 2), relu: true)
    try net.add(
      "conv",
      conv("conv", 8, kernel, stride: Pair(square: stride), pad: Pair(square: kernel.h / 2), epilogue: epilogue),
      ["input", "input"])
    try expectMatch(net.graph())
  }
}

@Suite struct PoolKernelTests {
  @Test(arguments: [(3, 2, 1, false), (3, 2, 1, true), (2, 2, 0, true), (3, 1, 1, false)])
  func maxPool(kernel: Int, stride: Int, pad: Int, ceil: Bool) throws {
    var net = GraphBuilder(input: [2, 3, 8, 11])
    try net.add(
      "pool",
      .maxPool(
        Pool(kernel: Pair(square: kernel), stride: Pair(square: stride), pad: Pair(square: pad), ceilMode: ceil)))
    try expectMatch(net.graph())
  }

  @Test(arguments: [(3, 2, 1, false, true), (3, 2, 1, true, false), (2, 2, 1, true, true), (3, 3, 0, true, true)])
  func averagePool(kernel: Int, stride: Int, pad: Int, ceil: Bool, countPad: Bool) throws {
    var net = GraphBuilder(input: [2, 3, 8, 11])
    try net.add(
      "pool",
      .avgPool(
        Pool(
          kernel: Pair(square: kernel), stride: Pair(square: stride), pad: Pair(square: pad), ceilMode: ceil,
          countIncludePad: countPad)))
    try expectMatch(net.graph())
  }

  @Test(arguments: [Pair(3, 2), Pair(square: 1), Pair(5, 7), Pair(9, 8)])
  func adaptiveAveragePool(out: Pair) throws {
    var net = GraphBuilder(input: [2, 3, 7, 5])
    try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: out)))
    try expectMatch(net.graph())
  }
}

@Suite struct DenseKernelTests {
  @Test(arguments: [(true, false), (false, true)])
  func linear(bias: Bool, relu: Bool) throws {
    var net = GraphBuilder(input: [3, 37, 1, 1])
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 11, module: "fc", hasBias: bias, relu: relu)))
    try expectMatch(net.graph())
  }

  /// A wide layer, past the product's 512-column block.
  @Test func wideLinear() throws {
    var net = GraphBuilder(input: [1, 2, 3, 5])
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 1000, module: "fc", hasBias: true)))
    try expectMatch(net.graph())
  }

  @Test(arguments: [5, 4, 1])
  func localResponseNorm(size: Int) throws {
    var net = GraphBuilder(input: [2, 7, 3, 5])
    try net.add("lrn", .lrn(LRN(size: size, alpha: 0.5, beta: 0.75, k: 2)))
    try expectMatch(net.graph())
  }

  @Test(arguments: [[3, 10, 1, 1], [2, 6, 3, 5]])
  func softmax(dims: [Int]) throws {
    var net = GraphBuilder(input: dims)
    if dims[2] == 1 { try net.add("flatten", .flatten) }
    try net.add("softmax", .softmax)
    try expectMatch(net.graph())
  }
}

@Suite struct ElementwiseKernelTests {
  @Test func batchNormAndReLU() throws {
    var net = GraphBuilder(input: [2, 5, 3, 7])
    try net.add("bn", .batchNorm(BatchNorm(eps: 1e-3, module: "bn")))
    try net.add("relu", .relu)
    try expectMatch(net.graph())
  }

  @Test(arguments: [false, true])
  func identityAdd(relu: Bool) throws {
    var net = GraphBuilder(input: [2, 4, 5, 3])
    try net.add("a", conv("a", 4, Pair(square: 1)))
    try net.add("add", .add(Add(relu: relu)), ["a", "input"])
    try expectMatch(net.graph())
  }

  @Test func identityAddOnFeatures() throws {
    var net = GraphBuilder(input: [3, 6, 1, 1])
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 6, module: "fc", hasBias: false)))
    try net.add("add", .add(Add(relu: true)), ["fc", "flatten"])
    try expectMatch(net.graph())
  }

  @Test func optionAAddAndShortcut() throws {
    var net = GraphBuilder(input: [2, 4, 7, 5])
    try net.add("conv", conv("conv", 8, Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1)))
    try net.add("add", .add(Add(shortcut: Residual(stride: 2, channelOffset: 2), relu: true)), ["conv", "input"])
    try net.add("shortcut", .shortcutA(ShortcutA(outChannels: 12, stride: 2)))
    try expectMatch(net.graph())
  }

  @Test func flattenAndDropoutCopy() throws {
    var net = GraphBuilder(input: [2, 3, 2, 5])
    try net.add("relu", .relu)
    try net.add("flatten", .flatten)
    try net.add("dropout", .dropout(Dropout(p: 0.5)))
    try net.add("fc", .linear(Linear(outFeatures: 4, module: "fc", hasBias: true)))
    try expectMatch(net.graph())
  }
}
