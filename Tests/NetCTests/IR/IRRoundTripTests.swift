// Optimized zoo graphs (fused epilogues, moved convs) read back by the IR parser into the same graphs, and IR
// reshaped to another input like the front end would have built it. (The front end's own graphs are
// round-tripped in GoldenDumpTests.)

import Testing

@testable import NetC

@Suite struct IRRoundTripTests {
  @Test(arguments: Zoo.names)
  func optimizedZooGraphsReadBack(model: String) throws {
    let source = try ModelLoader.load(path: Zoo.path(model), options: LoadOptions(batch: 2))
    let optimized = try Pipeline.default.run(source)
    #expect(try IRParser.parse(SourceFile(path: "\(model).nir", text: optimized.text)) == optimized)
  }

  @Test func reshapedIRMatchesTheFrontEnd() throws {
    let path = Zoo.path("resnet50")
    let source = try ModelLoader.load(path: path)
    let reduced = try ModelLoader.load(path: path, options: LoadOptions(batch: 3, input: [3, 64, 64]))
    #expect(try source.withInputShape(Shape([3, 3, 64, 64])) == reduced)
    let paper = try ModelLoader.load(path: Zoo.path("alexnet_paper"))
    do {
      _ = try paper.withInputShape(Shape([1, 3, 64, 64]))
      Issue.record("AlexNet's last pool cannot take 64x64 inputs")
    } catch let error as DiagnosticError {
      #expect(
        error.rendered == "error: conv5.pool: 'maxpool' output would be empty: input 2x2 with padding 0x0 is "
          + "smaller than the kernel 3x3; graph input f32[1,3,64,64]\n")
    }
  }
}
