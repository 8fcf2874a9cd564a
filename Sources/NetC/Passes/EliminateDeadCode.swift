// The eliminate-dead-code pass: drops ops whose result nobody needs and ops that return their operand.

extension Pass {
  /// Identity ops `y = f(x)` with `f(x) = x` ⇒ removed, every use of `y` reads `x`: max or average pooling
  /// with a 1x1 window, stride 1 and no padding; adaptive pooling to the operand's own size; `flatten` of an
  /// `[N, F]` value; an option A shortcut with stride 1 that adds no channels; dropout with `p = 0`.
  /// Then every node the output does not depend on is removed, except the graph input (the C entry point's
  /// signature keeps it).
  public static let eliminateDeadCode = Pass(
    name: "eliminate-dead-code", summary: "remove ops the output does not need and ops that return their operand"
  ) { graph in
    var rewriter = Rewriter(graph)
    var identities = 0
    for node in graph.nodes {
      if let operand = rewriter.node(node.inputs.first ?? ""), isIdentity(node, operand: operand.shape) {
        rewriter.drop(node, forwardingTo: operand.name)
        identities += 1
      } else {
        rewriter.emit(node)
      }
    }
    var result = rewriter.graph
    var needed: Set<String> = [result.output]
    var kept: [Node] = []
    for (index, node) in result.nodes.enumerated().reversed() where index == 0 || needed.contains(node.name) {
      needed.formUnion(node.inputs)
      kept.append(node)
    }
    let dead = result.nodes.count - kept.count
    result.nodes = kept.reversed()
    return (result.withoutEmptyScopes(), PassStatistics([.init("dead", dead), .init("identities", identities)]))
  }

  private static func isIdentity(_ node: Node, operand: Shape) -> Bool {
    let one = Pair(square: 1)
    let zero = Pair(square: 0)
    switch node.op {
    case .maxPool(let pool), .avgPool(let pool):
      return pool.kernel == one && pool.stride == one && pool.pad == zero
    case .adaptiveAvgPool(let pool):
      return operand.rank == 4 && pool.out == Pair(operand.height, operand.width)
    case .flatten:
      return operand.rank == 2
    case .shortcutA(let shortcut):
      return shortcut.stride == 1 && shortcut.outChannels == operand.channels
    case .dropout(let dropout):
      return dropout.p == 0
    default:
      return false
    }
  }
}
