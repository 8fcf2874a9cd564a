// The fuse-residual-add pass: a residual add (and the ReLU after it) moves into the epilogue of the conv
// computing its main operand, so the block's last conv stores its output once, already summed.

extension Pass {
  /// `c = conv2d(x) [bn]; … ; y = add(c, s) residual=R [relu]  ⇒  … ; c = conv2d(x, s) [bn] residual=R [relu]`
  /// at the add's position (so `s` is defined before the conv), every use of `y` reads `c`; when `c` has no
  /// other use and its epilogue holds no residual or ReLU yet. An identity add commutes, so its second
  /// operand is tried when the first is not such a conv. A ReLU that alone reads such an add joins too:
  /// `z = relu(y)  ⇒  c = conv2d(x, s) … relu`, every use of `z` reads `c`.
  public static let fuseResidualAdd = Pass(
    name: "fuse-residual-add", summary: "fuse a residual add and its ReLU into the conv computing its main operand"
  ) { graph in
    var rewriter = Rewriter(graph)
    var fusedAdds: Set<String> = []
    var fusedRelus = 0
    for node in graph.nodes {
      if case .add(let add) = node.op,
        let main = (add.shortcut == .identity ? [0, 1] : [0]).first(where: {
          fusableConv(node.inputs[$0], rewriter) != nil
        }),
        var (conv, attributes) = fusableConv(node.inputs[main], rewriter)
      {
        attributes.epilogue.residual = add.shortcut
        attributes.epilogue.relu = add.relu
        conv.op = .conv(attributes)
        conv.inputs.append(node.inputs[1 - main])
        rewriter.remove(conv.name)
        rewriter.emit(conv)
        rewriter.drop(node, forwardingTo: conv.name)
        fusedAdds.insert(node.name)
      } else if case .relu = node.op, fusedAdds.contains(node.inputs[0]), rewriter.hasSingleUse(node.inputs[0]),
        setRelu(of: node.inputs[0], &rewriter)
      {
        rewriter.drop(node, forwardingTo: node.inputs[0])
        fusedRelus += 1
      } else {
        rewriter.emit(node)
      }
    }
    return (rewriter.graph, PassStatistics([.init("adds", fusedAdds.count), .init("relus", fusedRelus)]))
  }

  /// The conv `value` refers to, if its epilogue can still take a residual and nothing else reads it.
  private static func fusableConv(_ value: String, _ rewriter: Rewriter) -> (Node, Conv)? {
    guard let node = rewriter.node(value), case .conv(let conv) = node.op, node.inputs.count == 1,
      conv.epilogue.residual == nil, !conv.epilogue.relu, rewriter.hasSingleUse(value)
    else { return nil }
    return (node, conv)
  }
}
