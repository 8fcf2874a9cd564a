// The grouped conv kernel (several narrow groups per panel, each lane picking its own group's inputs) against the
// interpreter on every instruction set this machine runs: group widths 1 to 32, strides, padding, dilation, a
// last panel only partly filled, fewer inputs than outputs per group, rows split into several runs (kernels 3
// wide at stride 1), and the widths it leaves to the general product; and the same bits on any number of threads.

import Testing

@testable import NetC

/// Float sums in the C's order against the interpreter's Double sums rounded once: K ≤ 72 products per output
/// here, so about √72·2⁻²⁴ ≈ 5e-7 relative; 1e-5 of the largest output still catches any lane picking a wrong
/// input or weight, an error of order 1.
private let tolerance = 1e-5

/// A grouped conv layer, and whether the grouped kernel (rather than the general product) should run it.
struct GroupedCase: CustomStringConvertible, Sendable {
  var layer: ProductCase
  var groupedKernel: Bool
  var description: String { layer.why }
}

private let folded = FoldedBatchNorm(module: "bn", eps: 1e-3)
private let bnReLU = Epilogue(batchNorm: folded, relu: true)

private let groupedCases = [
  GroupedCase(
    layer: ProductCase(input: [1, 32, 9, 8], out: 32, kernel: 3, pad: 1, groups: 32, why: "width 1: depthwise"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 20, 8, 7], out: 20, kernel: 3, stride: 2, pad: 1, groups: 10, bias: true,
      why: "width 2, stride 2: a last panel of two groups"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(input: [1, 12, 7, 7], out: 12, kernel: 3, pad: 1, groups: 4, epilogue: bnReLU, why: "width 3"),
    groupedKernel: false),
  GroupedCase(
    layer: ProductCase(
      input: [2, 48, 9, 9], out: 48, kernel: 3, pad: 1, groups: 12,
      epilogue: Epilogue(batchNorm: folded, residual: .identity, relu: true),
      why: "width 4, batch 2, identity residual in place"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 32, 11, 10], out: 32, kernel: 3, stride: 2, pad: 2, dilation: 2, groups: 8, bias: true,
      why: "width 4, stride 2, dilation 2"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(input: [1, 24, 5, 6], out: 24, kernel: 1, groups: 6, epilogue: bnReLU, why: "width 4, 1x1"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 64, 7, 9], out: 64, kernel: 3, pad: 1, groups: 8, epilogue: bnReLU,
      why: "width 8 (ResNeXt's layer2), odd sizes"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 16, 6, 7], out: 32, kernel: 3, pad: 1, groups: 4, why: "4 inputs and 8 outputs per group"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 32, 4, 29], out: 32, kernel: 3, pad: 1, groups: 8, epilogue: bnReLU,
      why: "width 4, rows of 29: several runs along a row, split evenly"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(
      input: [1, 16, 6, 17], out: 16, kernel: 3, groups: 2, why: "width 8, unpadded: every run's pixels inside"),
    groupedKernel: true),
  GroupedCase(
    layer: ProductCase(input: [1, 64, 6, 6], out: 64, kernel: 3, pad: 1, groups: 4, why: "width 16"),
    groupedKernel: false),
  GroupedCase(
    layer: ProductCase(
      input: [1, 64, 5, 5], out: 64, kernel: 3, stride: 2, pad: 1, groups: 2, epilogue: bnReLU, why: "width 32"),
    groupedKernel: false),
  GroupedCase(
    layer: ProductCase(
      input: [1, 32, 6, 6], out: 16, kernel: 3, pad: 1, groups: 4, why: "8 inputs and 4 outputs per group"),
    groupedKernel: false),
]

@Suite struct GroupedKernelTests {
  @Test(arguments: groupedCases, InstructionSet.testable)
  func groupedConvolution(_ grouped: GroupedCase, isa: InstructionSet) throws {
    let (c, reference) = try CTest.run(try grouped.layer.graph(), isa: isa)
    #expect(relativeError(c.scalars, reference.scalars) <= tolerance)
  }

  @Test(arguments: groupedCases)
  func lowering(_ grouped: GroupedCase) throws {
    let source = try CEmitter(graph: grouped.layer.graph()).emit().source
    #expect(source.contains("netc_conv_grouped(&window") == grouped.groupedKernel)
  }

  /// Row tiles go to threads whole, and a row's sums run in the same order in any tile, so any team computes
  /// the same bits: ResNeXt's bottleneck middle (widths 4 and 8, strides 1 and 2) on 1 to 4 threads.
  @Test(arguments: InstructionSet.testable)
  func sameBitsOnAnyNumberOfThreads(isa: InstructionSet) throws {
    var net = GraphBuilder(input: [1, 64, 13, 11])
    try net.add("relu", .relu)
    try net.add("conv1", conv("conv1", 64, Pair(square: 3), pad: Pair(square: 1), groups: 16, epilogue: bnReLU))
    try net.add(
      "conv2", conv("conv2", 128, Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1), groups: 16))
    let (outputs, reference) = try CTest.run(net.graph(), isa: isa, threads: [1, 2, 3, 4])
    for output in outputs.dropFirst() {
      #expect(output.scalars.map(\.bitPattern) == outputs[0].scalars.map(\.bitPattern))
    }
    #expect(relativeError(outputs[0].scalars, reference.scalars) <= tolerance)
  }
}
