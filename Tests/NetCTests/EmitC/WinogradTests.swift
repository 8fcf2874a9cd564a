// Winograd F(2x2, 3x3) convs of the generated C against the interpreter, for every instruction set this machine
// runs: partial tiles at the edges, channel counts off the vectors and panels, batch 2, every epilogue, its
// error on a wide layer, and the same bits on any number of threads. One network per build: C builds dominate.

import Testing

@testable import NetC

@Suite struct WinogradTests {
  /// 17x19 maps (partial tiles), 20 and 40 channels (off the vectors and the 16-wide panels), batch 2: a conv
  /// with a bias, one with a batch norm, an identity residual and ReLU, one with an option A residual. The first
  /// two are small enough for each thread to take its tiles through the three steps alone; the third's
  /// transformed input and products (1.2 MiB) are not, so its steps are split over the team.
  private func network() throws -> Graph {
    var net = GraphBuilder(input: [2, 20, 17, 19])
    try net.add("relu", .relu)
    let same = (kernel: Pair(square: 3), pad: Pair(square: 1))
    try net.add("conv1", conv("conv1", 40, same.kernel, pad: same.pad, bias: true))
    let residual = Epilogue(
      batchNorm: FoldedBatchNorm(module: "bn2", eps: 1e-3), residual: .identity, relu: true)
    try net.add("conv2", conv("conv2", 40, same.kernel, pad: same.pad, epilogue: residual), ["conv1", "conv1"])
    let optionA = Epilogue(
      batchNorm: FoldedBatchNorm(module: "bn3", eps: 1e-3), residual: Residual(stride: 1, channelOffset: 8),
      relu: true)
    try net.add("conv3", conv("conv3", 56, same.kernel, pad: same.pad, epilogue: optionA), ["conv2", "conv2"])
    return net.graph()
  }

  @Test(arguments: InstructionSet.testable)
  func convolutionsOnAnyNumberOfThreads(isa: InstructionSet) throws {
    let graph = try network()
    let source = try CEmitter(graph: graph).emit().source
    #expect(source.components(separatedBy: "  netc_conv_winograd(&window,").count - 1 == 3)
    #expect(source.components(separatedBy: "_weight, 0, 1, &epilogue,").count - 1 == 2)
    #expect(source.components(separatedBy: "conv3_weight, 0, 0, &epilogue,").count - 1 == 1)
    let (outputs, reference) = try CTest.run(graph, isa: isa, threads: [1, 2, 3])
    // Three layers of float sums of 9 * 40 products and the transforms' few additions: a few 2⁻²⁴ each.
    #expect(relativeError(outputs[0].scalars, reference.scalars) <= 1e-5)
    // Both ways split their work statically and no thread sums another's products.
    for output in outputs.dropFirst() {
      #expect(output.scalars.map(\.bitPattern) == outputs[0].scalars.map(\.bitPattern))
    }
  }

  /// The error of F(2x2, 3x3) on a wide layer (256 channels, 14x14, as in ResNet-50's third stage) against the
  /// interpreter's double sums: measured 5.1e-7 of the largest output with AVX2+FMA and AVX-512, 4.8e-7 in
  /// portable C, about the error of float sums of its 2304 products (√2304 · 2⁻²⁴ ≈ 3e-6 at worst). 2e-6 bounds
  /// it with room for other compilers. (F(4x4, 3x3), tried too, doubled `netc check`'s error on ResNet-50, 1.2e-5
  /// to 3.1e-5, and on ResNet-152, 2.2e-4 to 4.3e-4; F(2x2, 3x3) leaves them at 1.1e-5 and 1.9e-4.)
  @Test(arguments: InstructionSet.testable)
  func errorOnAWideLayer(isa: InstructionSet) throws {
    var net = GraphBuilder(input: [1, 256, 14, 14])
    try net.add("relu", .relu)
    try net.add("conv", conv("conv", 256, Pair(square: 3), pad: Pair(square: 1)))
    let (c, reference) = try CTest.run(net.graph(), isa: isa)
    #expect(relativeError(c.scalars, reference.scalars) <= 2e-6)
  }
}
