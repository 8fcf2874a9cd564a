// Small graphs for tests, built layer by layer with shapes from `Op.inferShape`.

@testable import NetC

struct GraphBuilder {
  private(set) var nodes: [Node]
  let name: String

  init(_ name: String = "test", input dims: [Int]) {
    self.name = name
    nodes = [Node(name: "input", op: .input, inputs: [], shape: Shape(dims))]
  }

  /// Appends a node reading `inputs` (by default the last node's value); returns its name.
  @discardableResult
  mutating func add(_ name: String, _ op: Op, _ inputs: [String]? = nil) throws -> String {
    let operands = inputs ?? [nodes[nodes.count - 1].name]
    let shapes = operands.map { operand in nodes.first { $0.name == operand }!.shape }
    nodes.append(Node(name: name, op: op, inputs: operands, shape: try op.inferShape(shapes).get()))
    return name
  }

  /// A 3x3 conv with padding 1 and no bias, named after its module.
  @discardableResult
  mutating func conv3x3(_ module: String, _ out: Int, stride: Int = 1, _ inputs: [String]? = nil) throws -> String {
    let conv = Conv(
      outChannels: out, kernel: Pair(square: 3), stride: Pair(square: stride), pad: Pair(square: 1), module: module,
      hasBias: false)
    return try add(module, .conv(conv), inputs)
  }

  /// The graph returning `output`, by default the last node's value.
  func graph(output: String? = nil) -> Graph {
    Graph(name: name, nodes: nodes, output: output ?? nodes[nodes.count - 1].name)
  }
}
