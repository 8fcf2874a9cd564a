// The matrix-product kernels of the generated C (convs and fully connected layers) against the interpreter, for
// every instruction set this machine runs: channel counts off the 16-wide panels, every tile tail, gathered and
// indirect rows, both loop orders, groups, and results that stay the same bit for bit on any number of threads.

import Testing

@testable import NetC

/// The C sums in float, in its own order, where the interpreter sums in Double and rounds once: about √K·2⁻²⁴
/// relative for K products (K ≤ 2400 here, ≈ 3e-6). 1e-5 of the largest output leaves room for that and
/// still catches any indexing mistake, of order 1.
private let tolerance = 1e-5

/// One conv layer's shape and epilogue.
struct ProductCase: CustomStringConvertible, Sendable {
  var input: [Int]
  var out: Int
  var kernel: Int
  var stride = 1
  var pad = 0
  var dilation = 1
  var groups = 1
  var bias = false
  var epilogue = Epilogue.none
  /// A ReLU before the conv, so the conv reads an NHWC value rather than the caller's NCHW input.
  var afterReLU = true
  var why: String

  var description: String { why }

  func graph() throws -> Graph {
    var net = GraphBuilder(input: input)
    if afterReLU { try net.add("relu", .relu) }
    let operands = epilogue.residual == nil ? nil : [net.graph().output, "input"]
    try net.add(
      "conv",
      conv(
        "conv", out, Pair(square: kernel), stride: Pair(square: stride), pad: Pair(square: pad),
        dilation: Pair(square: dilation), groups: groups, bias: bias, epilogue: epilogue), operands)
    return net.graph()
  }
}

private let folded = FoldedBatchNorm(module: "bn", eps: 1e-3)

private let convCases = [
  ProductCase(input: [1, 24, 7, 9], out: 40, kernel: 1, bias: true, why: "1x1: channels off the panels, a tail panel"),
  ProductCase(input: [2, 16, 9, 7], out: 80, kernel: 3, pad: 1, why: "3x3, batch 2, five panels: a run and a tail"),
  ProductCase(
    input: [1, 96, 6, 5], out: 96, kernel: 3, pad: 1,
    epilogue: Epilogue(batchNorm: folded, residual: .identity, relu: true),
    why: "weights past 128 KB (panels outer), identity residual in place"),
  ProductCase(
    input: [1, 192, 14, 14], out: 192, kernel: 1, epilogue: Epilogue(batchNorm: folded, relu: true),
    why: "1x1, weights past 128 KB but smaller than its rows (rows outer)"),
  ProductCase(
    input: [1, 3, 19, 17], out: 20, kernel: 7, stride: 2, pad: 3, afterReLU: false,
    why: "NCHW input, 7x7 kernel rows read in place, stride 2, copies at both sides"),
  ProductCase(
    input: [1, 3, 37, 30], out: 64, kernel: 11, stride: 4, pad: 2, bias: true, afterReLU: false,
    why: "NCHW input, 11x11 kernel rows read in place, stride 4, four panels"),
  ProductCase(
    input: [1, 3, 19, 17], out: 20, kernel: 3, pad: 2, dilation: 2, afterReLU: false,
    why: "NCHW input, dilated: gathered"),
  ProductCase(
    input: [2, 3, 13, 11], out: 20, kernel: 3, stride: 2, pad: 1, afterReLU: false,
    why: "NCHW input, 3x3 kernel rows read in place, batch 2, copies at both sides"),
  ProductCase(
    input: [1, 6, 9, 10], out: 18, kernel: 3, pad: 2, groups: 2, afterReLU: false,
    why: "NCHW input read in place, groups of 3 channels, rows wholly in the padding"),
  ProductCase(input: [1, 5, 11, 8], out: 33, kernel: 5, stride: 2, pad: 2, why: "few channels per tap, gathered"),
  ProductCase(input: [1, 20, 12, 11], out: 18, kernel: 3, stride: 2, pad: 1, dilation: 2, bias: true, why: "dilation"),
  ProductCase(
    input: [1, 12, 8, 7], out: 24, kernel: 3, pad: 1, groups: 3, epilogue: Epilogue(batchNorm: folded, relu: true),
    why: "groups of 4 and 8 channels, each padded to a panel"),
  ProductCase(
    input: [1, 32, 5, 5], out: 64, kernel: 1, stride: 2,
    epilogue: Epilogue(batchNorm: folded, residual: Residual(stride: 2, channelOffset: 16), relu: true),
    why: "1x1 stride 2, option A residual after the product"),
  ProductCase(input: [1, 8, 30, 30], out: 16, kernel: 3, pad: 1, why: "one panel: the tallest tiles"),
]

@Suite struct GemmKernelTests {
  @Test(arguments: convCases, InstructionSet.testable)
  func convolution(_ layer: ProductCase, isa: InstructionSet) throws {
    let (c, reference) = try CTest.run(try layer.graph(), isa: isa)
    #expect(relativeError(c.scalars, reference.scalars) <= tolerance)
  }

  /// A thousand outputs (a tail panel) for three batch items.
  @Test(arguments: InstructionSet.testable)
  func linear(isa: InstructionSet) throws {
    var net = GraphBuilder(input: [3, 70, 1, 1])
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 1000, module: "fc", hasBias: true, relu: true)))
    let (c, reference) = try CTest.run(net.graph(), isa: isa)
    #expect(relativeError(c.scalars, reference.scalars) <= tolerance)
  }

  /// Every layer splits its work statically and no thread sums another's products, so any team computes the
  /// same bits; here a small network of every kind of layer on 1 to 4 threads.
  @Test(arguments: InstructionSet.testable)
  func sameBitsOnAnyNumberOfThreads(isa: InstructionSet) throws {
    var net = GraphBuilder(input: [2, 3, 20, 20])
    try net.add("conv1", conv("conv1", 24, Pair(square: 3), pad: Pair(square: 1), bias: true))
    try net.add("pool", .maxPool(Pool(kernel: Pair(square: 2), stride: Pair(square: 2))))
    let residual = Epilogue(batchNorm: folded, residual: .identity, relu: true)
    try net.add("conv2", conv("conv2", 24, Pair(square: 3), pad: Pair(square: 1), epilogue: residual), ["pool", "pool"])
    try net.add("conv3", conv("conv3", 40, Pair(square: 1), stride: Pair(square: 2)))
    try net.add("avg", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 2))))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 37, module: "fc", hasBias: true)))
    let (outputs, reference) = try CTest.run(net.graph(), isa: isa, threads: [1, 2, 3, 4])
    for output in outputs.dropFirst() {
      #expect(output.scalars.map(\.bitPattern) == outputs[0].scalars.map(\.bitPattern))
    }
    #expect(relativeError(outputs[0].scalars, reference.scalars) <= tolerance)
  }
}
