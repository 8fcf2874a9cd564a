// Winograd F(2x2, 3x3) and F(4x4, 3x3) convs of the generated C against the interpreter, for every instruction
// set this machine runs: partial tiles at the edges, padding 0 and 1, channel counts off the vectors and panels,
// every epilogue, both ways of splitting the work, their error on a wide layer, and the same bits on any number
// of threads. One network per tile size and build: C builds dominate.

import Testing

@testable import NetC

@Suite struct WinogradTests {
  /// A network whose convs all run one tile size, the layers of each kind named in `alone` and `split`.
  struct Case: CustomTestStringConvertible, Sendable {
    var tile: String
    var input: [Int]
    /// The option A residual conv's output channels (its channel offset is their excess over 40, halved):
    /// enough for its transformed input and products to pass 1 MiB, so its steps are split over the team.
    var wide: Int
    var testDescription: String { tile }

    /// 17x19 maps in batch 2: 50 tiles of 4x4 outputs, F(4x4, 3x3)'s.
    static let f4x4 = Case(tile: "netc_conv_winograd4", input: [2, 20, 17, 19], wide: 120)
    /// 10x11 maps in batch 1: 9 tiles of 4x4 outputs, too few for F(4x4, 3x3).
    static let f2x2 = Case(tile: "netc_conv_winograd", input: [1, 20, 10, 11], wide: 520)
  }

  /// Maps off the tiles (partial tiles at the right and bottom), 20, 40, `wide` and 24 channels (off the vectors
  /// and the 16-wide panels): a conv with a bias, one with a batch norm, an identity residual and ReLU, one with
  /// an option A residual, and one with padding 0. All but the third take their tiles through the three steps
  /// alone; the third's are split over the team.
  private func network(_ test: Case) throws -> Graph {
    var net = GraphBuilder(input: test.input)
    try net.add("relu", .relu)
    let (kernel, same) = (Pair(square: 3), Pair(square: 1))
    try net.add("conv1", conv("conv1", 40, kernel, pad: same, bias: true))
    let residual = Epilogue(
      batchNorm: FoldedBatchNorm(module: "bn2", eps: 1e-3), residual: .identity, relu: true)
    try net.add("conv2", conv("conv2", 40, kernel, pad: same, epilogue: residual), ["conv1", "conv1"])
    let optionA = Epilogue(
      batchNorm: FoldedBatchNorm(module: "bn3", eps: 1e-3),
      residual: Residual(stride: 1, channelOffset: (test.wide - 40) / 2), relu: true)
    try net.add("conv3", conv("conv3", test.wide, kernel, pad: same, epilogue: optionA), ["conv2", "conv2"])
    try net.add("conv4", conv("conv4", 24, kernel, pad: Pair(square: 0)))
    return net.graph()
  }

  @Test(arguments: InstructionSet.testable, [Case.f4x4, Case.f2x2])
  func convolutionsOnAnyNumberOfThreads(isa: InstructionSet, test: Case) throws {
    let graph = try network(test)
    let source = try CEmitter(graph: graph).emit().source
    #expect(source.components(separatedBy: "  \(test.tile)(&window,").count - 1 == 4)
    #expect(source.components(separatedBy: "_weight, 0, 1, &epilogue,").count - 1 == 3)
    #expect(source.components(separatedBy: "conv3_weight, 0, 0, &epilogue,").count - 1 == 1)
    let (outputs, reference) = try CTest.run(graph, isa: isa, threads: [1, 2, 3])
    // Four layers of float sums of 9 * 40 to 9 * 520 products and the transforms' few additions: a few 2⁻²⁴
    // each.
    #expect(relativeError(outputs[0].scalars, reference.scalars) <= 1e-5)
    // Both ways split their work statically and no thread sums another's products.
    for output in outputs.dropFirst() {
      #expect(output.scalars.map(\.bitPattern) == outputs[0].scalars.map(\.bitPattern))
    }
  }

  /// The error of each tile size on a wide layer against the interpreter's double sums: F(2x2, 3x3) on 256
  /// channels at 14x14 (ResNet-50's third stage), F(4x4, 3x3) on 128 at 28x28 (its second). F(2x2, 3x3)
  /// measured 5.1e-7 of the largest output with AVX2+FMA and AVX-512, 4.8e-7 in portable C, about the error of
  /// float sums of its 2304 products (√2304 · 2⁻²⁴ ≈ 3e-6 at worst); F(4x4, 3x3), whose transforms weigh the
  /// inputs by up to 5 in Bᵀ and the products by up to 8 in Aᵀ, 7.4e-6 with AVX2+FMA and AVX-512, 8.0e-6 in
  /// portable C (over ResNet-50 at 224x224 `netc check` measured 1.4e-6 where F(2x2, 3x3) gives 1.2e-6: residual
  /// blocks absorb it). The bounds leave room for other compilers.
  @Test(arguments: InstructionSet.testable, [(256, 14, 2e-6), (128, 28, 2e-5)])
  func errorOnAWideLayer(isa: InstructionSet, layer: (channels: Int, side: Int, bound: Double)) throws {
    var net = GraphBuilder(input: [1, layer.channels, layer.side, layer.side])
    try net.add("relu", .relu)
    try net.add("conv", conv("conv", layer.channels, Pair(square: 3), pad: Pair(square: 1)))
    let graph = net.graph()
    let tile = layer.side == 28 ? "netc_conv_winograd4(" : "netc_conv_winograd("
    #expect(try CEmitter(graph: graph).emit().source.contains("  " + tile))
    let (c, reference) = try CTest.run(graph, isa: isa)
    #expect(relativeError(c.scalars, reference.scalars) <= layer.bound)
  }
}
