// The IR text form of a small hand-built graph, byte for byte.

import Testing

@testable import NetC

@Suite struct IRPrinterTests {
  @Test func printsNestedScopesAndEveryAttribute() {
    let graph = Graph(
      name: "tiny",
      nodes: [
        Node(name: "input", op: .input, inputs: [], shape: Shape([1, 3, 8, 8])),
        Node(
          name: "conv1",
          op: .conv(Conv(outChannels: 4, kernel: Pair(square: 3), pad: Pair(square: 1), module: "conv1", hasBias: false)),
          inputs: ["input"], shape: Shape([1, 4, 8, 8])),
        Node(
          name: "layer1.0.bn1", op: .batchNorm(BatchNorm(module: "layer1.0.bn1")), inputs: ["conv1"],
          shape: Shape([1, 4, 8, 8]), scope: "layer1.0"),
        Node(name: "layer1.0.relu", op: .relu, inputs: ["layer1.0.bn1"], shape: Shape([1, 4, 8, 8]), scope: "layer1.0"),
      ],
      output: "layer1.0.relu",
      scopes: [
        Scope(path: "layer1", kind: .stage, template: "basic", arguments: [.init(name: "count", value: "1")]),
        Scope(
          path: "layer1.0", kind: .block, template: "basic", arguments: [.init(name: "planes", value: "4")],
          parent: "layer1"),
      ])
    #expect(
      graph.text == """
        graph tiny {
          %input: f32[1,3,8,8] = input
          %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
          stage layer1 = basic * 1 {
            block layer1.0 = basic(planes=4) {
              %layer1.0.bn1: f32[1,4,8,8] = batchnorm(%conv1) bn=@layer1.0.bn1 eps=1e-05 momentum=0.1
              %layer1.0.relu: f32[1,4,8,8] = relu(%layer1.0.bn1)
            }
          }
          return %layer1.0.relu
        }

        """)
    #expect(graph.trainableParameterCount == 4 * 3 * 9 + 8)
  }
}
