// The same network for another input size or batch: every shape inferred again from the new input shape.

extension Graph {
  /// The graph with input shape `shape` (`[N, C, H, W]`) and every other shape re-inferred; throws a
  /// `DiagnosticError` naming the first op that cannot take the new size.
  public func withInputShape(_ shape: Shape) throws -> Graph {
    var graph = self
    var shapes: [String: Shape] = [:]
    for index in graph.nodes.indices {
      let node = graph.nodes[index]
      if case .input = node.op {
        graph.nodes[index].shape = shape
      } else {
        switch node.op.inferShape(node.inputs.compactMap { shapes[$0] }) {
        case .success(let inferred): graph.nodes[index].shape = inferred
        case .failure(let error):
          throw DiagnosticError(.error("\(node.name): \(error.message); graph input \(shape)"))
        }
      }
      shapes[node.name] = graph.nodes[index].shape
    }
    return graph
  }
}
