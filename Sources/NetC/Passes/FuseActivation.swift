// The fuse-activation pass: a ReLU is applied by the op producing its operand, before that op's one store.

extension Pass {
  /// `p = conv2d|linear|add(…); y = relu(p)  ⇒  p = conv2d|linear|add(…) relu`, every use of `y` reads `p`,
  /// when `p` has no other use. ReLU is idempotent, so a flag already set absorbs another ReLU.
  public static let fuseActivation = Pass(
    name: "fuse-activation", summary: "fuse a ReLU into the conv, linear or add producing its operand"
  ) { graph in
    var rewriter = Rewriter(graph)
    var fused = 0
    for node in graph.nodes {
      guard case .relu = node.op, rewriter.hasSingleUse(node.inputs[0]), setRelu(of: node.inputs[0], &rewriter) else {
        rewriter.emit(node)
        continue
      }
      rewriter.drop(node, forwardingTo: node.inputs[0])
      fused += 1
    }
    return (rewriter.graph, PassStatistics([.init("fused", fused)]))
  }

  /// Sets the ReLU flag of the conv, linear or add that `value` refers to; false for any other op.
  static func setRelu(of value: String, _ rewriter: inout Rewriter) -> Bool {
    guard var node = rewriter.node(value) else { return false }
    switch node.op {
    case .conv(var conv):
      conv.epilogue.relu = true
      node.op = .conv(conv)
    case .linear(var linear):
      linear.relu = true
      node.op = .linear(linear)
    case .add(var add):
      add.relu = true
      node.op = .add(add)
    default:
      return false
    }
    rewriter.update(value) { $0 = node }
    return true
  }
}
