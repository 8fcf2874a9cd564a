// The drop-dropout pass: inference keeps every activation, so dropout is the identity.

extension Pass {
  /// `y = dropout(x) p=…  ⇒  (removed)`, every use of `y` reads `x`.
  ///
  /// Inference only: training needs the dropout masks.
  public static let dropDropout = Pass(
    name: "drop-dropout", summary: "remove dropout, which is the identity at inference"
  ) { graph in
    var rewriter = Rewriter(graph)
    var dropped = 0
    for node in graph.nodes {
      if case .dropout = node.op {
        rewriter.drop(node, forwardingTo: node.inputs[0])
        dropped += 1
      } else {
        rewriter.emit(node)
      }
    }
    return (rewriter.graph, PassStatistics([.init("dropped", dropped)]))
  }
}
