// Words for the comment above each layer function: the op with its IR attributes (as `netc dump` prints
// them, so the C and the IR read alike) and what a pass fused into it.

enum LayerDescription {
  /// `conv2d out=64 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight`, without the
  /// fused epilogue, which `fused` lists.
  static func op(_ op: Op) -> String {
    var bare = op
    if case .conv(var conv) = op {
      conv.epilogue = .none
      bare = .conv(conv)
    }
    return ([bare.mnemonic] + bare.attributeText).joined(separator: " ")
  }

  static func fused(_ op: Op) -> [String] {
    guard case .conv(let conv) = op else { return [] }
    var fused: [String] = []
    if let bn = conv.epilogue.batchNorm {
      fused.append("batchnorm @\(bn.module) eps=\(bn.eps) (folded at load into a scale and shift)")
    }
    if let residual = conv.epilogue.residual {
      fused.append(
        residual == .identity
          ? "+ shortcut"
          : "+ shortcut (option A: stride \(residual.stride), channel offset \(residual.channelOffset))")
    }
    if conv.epilogue.relu { fused.append("relu") }
    return fused
  }
}
