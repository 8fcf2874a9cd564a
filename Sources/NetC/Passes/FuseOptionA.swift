// The fuse-option-a pass: the option A shortcut's subsample-and-zero-pad becomes the add's way of reading
// its second operand, so no padded copy is ever stored.

extension Pass {
  /// `s = shortcut_a(x) out=C stride=S; y = add(m, s)`
  /// `  ⇒  y = add(m, x) residual_stride=S residual_offset=(C − Cx)/2`
  /// when `s` has no other use and the add's shortcut is the identity. `Cx` is the channel count of `x`; the
  /// zero channels are split evenly, the odd one after. An identity add commutes, so `add(s, m)` is
  /// treated alike. A shortcut of stride 1 that adds a single channel stays: its offset would be 0, and the
  /// add's operand read with stride 1 at offset 0 is the identity, which needs equal shapes.
  public static let fuseOptionA = Pass(
    name: "fuse-option-a", summary: "make an option A shortcut the strided, channel-offset operand of its add"
  ) { graph in
    var rewriter = Rewriter(graph)
    var fused = 0
    for var node in graph.nodes {
      guard case .add(var add) = node.op, add.shortcut == .identity,
        let side = [1, 0].first(where: { fusableShortcut(node.inputs[$0], rewriter) != nil }),
        let (shortcut, a) = fusableShortcut(node.inputs[side], rewriter),
        let source = rewriter.node(shortcut.inputs[0])
      else {
        rewriter.emit(node)
        continue
      }
      let residual = Residual(stride: a.stride, channelOffset: (a.outChannels - source.shape.channels) / 2)
      if residual == .identity && a.outChannels != source.shape.channels {
        rewriter.emit(node)
        continue
      }
      rewriter.remove(shortcut.name)
      add.shortcut = residual
      node.op = .add(add)
      node.inputs = [node.inputs[1 - side], shortcut.inputs[0]]
      rewriter.emit(node)
      fused += 1
    }
    return (rewriter.graph, PassStatistics([.init("fused", fused)]))
  }

  /// The option A shortcut `value` refers to, if nothing else reads it.
  private static func fusableShortcut(_ value: String, _ rewriter: Rewriter) -> (Node, ShortcutA)? {
    guard let node = rewriter.node(value), case .shortcutA(let a) = node.op, rewriter.hasSingleUse(value) else {
      return nil
    }
    return (node, a)
  }
}
