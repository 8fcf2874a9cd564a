// The pass pipeline: its catalog, and a broken pass caught by the verifier with a named error.

import Testing

@testable import NetC

@Suite struct PipelineTests {
  @Test func catalogNamesAreKebabCaseAndUnique() {
    let names = Pipeline.catalog.map(\.name)
    #expect(Set(names).count == names.count)
    for pass in Pipeline.catalog {
      #expect(pass.name.allSatisfy { $0.isLowercase || $0 == "-" }, "\(pass.name)")
      #expect(!pass.summary.isEmpty && !pass.summary.hasSuffix(".") && pass.summary.first?.isLowercase == true)
    }
    #expect(
      names == [
        "drop-dropout", "eliminate-dead-code", "fold-bn", "fuse-option-a", "fuse-residual-add", "fuse-activation",
      ])
    #expect(Pipeline.pass(named: "fold-bn")?.name == "fold-bn")
    #expect(Pipeline.pass(named: "fold") == nil)
  }

  static let block = """
    graph block {
      %input: f32[1,4,8,8] = input
      %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
      %bn1: f32[1,4,8,8] = batchnorm(%conv1) bn=@bn1 eps=1e-05 momentum=0.1
      %add: f32[1,4,8,8] = add(%bn1, %input) residual_stride=1 residual_offset=0
      %relu: f32[1,4,8,8] = relu(%add)
      %dropout: f32[1,4,8,8] = dropout(%relu) p=0.5
      return %dropout
    }

    """

  @Test func defaultPipelineFusesABlockIntoOneConv() throws {
    let graph = try IRParser.parse(SourceFile(path: "block.nir", text: Self.block))
    var seen: [String] = []
    let result = try Pipeline.default.run(graph) { pass, _, statistics in seen.append("\(pass.name): \(statistics)") }
    #expect(
      seen == [
        "drop-dropout: dropped=1", "eliminate-dead-code: dead=0 identities=0", "fold-bn: folded=1",
        "fuse-option-a: fused=0", "fuse-residual-add: adds=1 relus=1", "fuse-activation: fused=0",
      ])
    #expect(
      result.text == """
        graph block {
          %input: f32[1,4,8,8] = input
          %conv1: f32[1,4,8,8] = conv2d(%input, %input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight bn=@bn1 bn_eps=1e-05 residual_stride=1 residual_offset=0 relu
          return %conv1
        }

        """)
  }

  /// A pass that corrupts a shape fails at that pass with the verifier's named error, not in a later stage.
  @Test func brokenPassIsCaughtByTheVerifier() throws {
    let broken = Pass(name: "halve-conv", summary: "a deliberately broken pass") { graph in
      var graph = graph
      graph.nodes[1].shape.dims[2] /= 2
      return (graph, PassStatistics([.init("broken", 1)]))
    }
    let graph = try IRParser.parse(SourceFile(path: "block.nir", text: Self.block))
    let error = try #require(throws: DiagnosticError.self) {
      try Pipeline([.dropDropout, broken, .foldBatchNorm]).run(graph)
    }
    #expect(
      error.rendered == """
        error: conv1: expected shape f32[1,4,8,8], got f32[1,4,4,8]
        note: in the IR produced by pass 'halve-conv'

        """)
  }
}
