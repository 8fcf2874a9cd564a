// The fold-bn pass: a batch norm right after a conv becomes part of the conv's epilogue.

extension Pass {
  /// `c = conv2d(x); y = batchnorm(c) bn=@m eps=ε  ⇒  c = conv2d(x) bn=@m bn_eps=ε`, every use of `y` reads
  /// `c`, when `c` has no other use and an empty epilogue (the epilogue applies BN before residual and ReLU).
  ///
  /// The epilogue computes `s·(acc + b − μ) + β` with `s = γ / √(var + ε)`. The arithmetic fold
  /// `w' = w·s, b' = β + (b − μ)·s` (per output channel; `b = 0` without a conv bias) is done on the weights
  /// when the interpreter or the generated C loads them, not here: weights are a run-time input (a
  /// safetensors file with torchvision's names, `m.weight`, `m.bias`, `m.running_mean`, `m.running_var`),
  /// unknown when the graph is compiled. Inference only: training normalizes with batch statistics.
  public static let foldBatchNorm = Pass(
    name: "fold-bn", summary: "fold a batch norm into the epilogue of the conv before it"
  ) { graph in
    var rewriter = Rewriter(graph)
    var folded = 0
    for node in graph.nodes {
      guard case .batchNorm(let bn) = node.op, let conv = rewriter.node(node.inputs[0]),
        case .conv(var attributes) = conv.op, attributes.epilogue.isEmpty, rewriter.hasSingleUse(node.inputs[0])
      else {
        rewriter.emit(node)
        continue
      }
      attributes.epilogue.batchNorm = FoldedBatchNorm(module: bn.module, eps: bn.eps)
      rewriter.update(conv.name) { $0.op = .conv(attributes) }
      rewriter.drop(node, forwardingTo: conv.name)
      folded += 1
    }
    return (rewriter.graph, PassStatistics([.init("folded", folded)]))
  }
}
