// How far a conv's rounding errors travel unchecked: the length of the chain of convs it sits in with no
// residual connection between them. Deep plain chains amplify every rounding (measured on the zoo's plain56
// with calibrated random batch norms: one extra float rounding per layer moves the output by 3e-5 of its
// largest value, float sums by 1.5e-4; PyTorch's float32 forward is 8e-4 off a double one), while a residual
// path bounds the gain of each block. The lowering policy keeps fast kernels' larger errors to short chains.

struct PlainChains {
  /// Per conv node name, the convs in the longest residual-free chain through it.
  private(set) var length: [String: Int] = [:]

  init(_ graph: Graph) {
    // Convs up to and including a node since the last residual merge, along any path; then the same downstream.
    var upstream: [String: Int] = [:]
    for node in graph.nodes {
      let before = node.inputs.map { upstream[$0] ?? 0 }.max() ?? 0
      upstream[node.name] = Self.merges(node) ? 0 : before + (Self.isConv(node) ? 1 : 0)
    }
    var downstream: [String: Int] = [:]
    for node in graph.nodes.reversed() {
      let after = downstream[node.name] ?? 0
      for input in node.inputs where !Self.merges(node) {
        downstream[input] = max(downstream[input] ?? 0, after + (Self.isConv(node) ? 1 : 0))
      }
    }
    for node in graph.nodes where Self.isConv(node) {
      let before = node.inputs.first.flatMap { upstream[$0] } ?? 0
      length[node.name] = before + 1 + (downstream[node.name] ?? 0)
    }
  }

  /// Chains longer than this keep float sums out of their convs: plain56's 55 convs would miss `netc check`'s
  /// 1e-4 with them (2e-4), plain34's 33 stay at 2e-5.
  static let floatLimit = 40

  /// Chains longer than this keep Winograd out of their convs: its transforms add roundings of their own (see
  /// WinogradTests), which residual blocks (chains of 2 or 3 convs) absorb and plain chains would amplify.
  static let winogradLimit = 4

  private static func isConv(_ node: Node) -> Bool {
    if case .conv = node.op { true } else { false }
  }

  /// A residual add, in its own op or in a conv's epilogue: past it, the identity path carries the signal.
  private static func merges(_ node: Node) -> Bool {
    switch node.op {
    case .add: true
    case .conv(let conv): conv.epilogue.residual != nil
    default: false
    }
  }
}
