// The verifier: every broken invariant reported, each naming the op, what was expected and what was found.

import Testing

@testable import NetC

@Suite struct VerifierTests {
  static func conv(_ name: String, _ input: String, out: Int, shape: [Int], scope: String = "") -> Node {
    Node(
      name: name, op: .conv(Conv(outChannels: out, kernel: Pair(square: 1), module: name, hasBias: false)),
      inputs: [input], shape: Shape(shape), scope: scope)
  }

  static let input = Node(name: "input", op: .input, inputs: [], shape: Shape([1, 4, 8, 8]))

  @Test func validGraphHasNoViolations() {
    let graph = Graph(
      name: "ok", nodes: [Self.input, Self.conv("conv1", "input", out: 8, shape: [1, 8, 8, 8])], output: "conv1")
    #expect(Verifier.violations(in: graph).isEmpty)
    #expect(throws: Never.self) { try Verifier.verify(graph) }
  }

  @Test func reportsEveryViolation() {
    let graph = Graph(
      name: "broken",
      nodes: [
        Self.conv("conv0", "input", out: 4, shape: [1, 4, 8, 8]),
        Self.input,
        Self.conv("layer2.0.conv1", "input", out: 8, shape: [1, 8, 4, 4], scope: "layer2.0"),
        Self.conv("layer2.0.conv1", "layer2.0.conv1", out: 8, shape: [1, 8, 8, 8]),
        Self.conv("conv2", "conv3", out: 8, shape: [1, 8, 8, 8]),
        Self.conv("conv3", "conv_1", out: 8, shape: [1, 8, 8, 8]),
        Node(name: "bad name", op: .relu, inputs: ["input"], shape: Shape([1, 4, 8, 8])),
        Node(
          name: "pool", op: .maxPool(Pool(kernel: Pair(square: 9), stride: Pair(square: 1))), inputs: ["input"],
          shape: Shape([1, 4, 1, 1])),
      ],
      output: "fc",
      scopes: [
        Scope(path: "layer2.0", kind: .block, template: "basic", parent: "layer2"),
        Scope(path: "layer2", kind: .stage, template: "basic"),
      ])
    #expect(
      Verifier.violations(in: graph).map(\.description) == [
        "layer2.0: parent scope 'layer2' is not declared before it",
        "layer2: a stage needs a 'count' argument",
        "conv0: the first node must be the graph input, got 'conv2d'",
        "conv0: operand '%input' is used before its definition",
        "input: only the first node may be the graph input",
        "layer2.0.conv1: expected shape f32[1,8,8,8], got f32[1,8,4,4]",
        "layer2.0.conv1: value '%layer2.0.conv1' is defined twice",
        "layer2.0.conv1: parameter 'layer2.0.conv1.weight' is already read by 'layer2.0.conv1'",
        "conv2: operand '%conv3' is used before its definition",
        "conv3: operand '%conv_1' is not defined; did you mean '%conv0'?",
        "bad name: value name must consist of letters, digits, '_', '.' and '-'",
        "pool: 'maxpool' output would be empty: input 8x8 with padding 0x0 is smaller than the kernel 9x9",
        "returned value '%fc' is not defined",
      ])
  }

  @Test func emptyGraphAndUndeclaredScope() {
    #expect(
      Verifier.violations(in: Graph(name: "empty", nodes: [], output: "x")).map(\.description) == [
        "graph 'empty' has no input", "returned value '%x' is not defined",
      ])
    var input = Self.input
    input.scope = "stem"
    input.shape = Shape([1, 4, 8])
    #expect(
      Verifier.violations(in: Graph(name: "g", nodes: [input], output: "input")).map(\.description) == [
        "input: scope 'stem' is not declared",
        "input: the graph input must have shape f32[N,C,H,W] with positive sizes, got f32[1,4,8]",
      ])
  }

  @Test func verifyNamesThePassInANote() throws {
    let graph = Graph(
      name: "g", nodes: [Self.input, Self.conv("conv1", "input", out: 8, shape: [1, 8, 4, 4])], output: "conv1")
    let error = try #require(throws: DiagnosticError.self) { try Verifier.verify(graph, producedBy: "fold-bn") }
    #expect(
      error.rendered == """
        error: conv1: expected shape f32[1,8,8,8], got f32[1,8,4,4]
        note: in the IR produced by pass 'fold-bn'

        """)
  }
}
