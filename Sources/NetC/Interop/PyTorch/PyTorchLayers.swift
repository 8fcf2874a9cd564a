// Each IR op as PyTorch spells it: a module constructor (`nn.Conv2d(…)`) or, for ops without attributes outside
// an `nn.Sequential`, a functional expression (`F.relu(x)`), with exactly netc's semantics.

enum PyTorchLayer {
  /// The module for `node`, or nil for an op PyTorch has no module for (`add`). `inputShapes` are the
  /// operands' shapes; `role` prefixes the literals' roles (`conv1`).
  static func module(_ node: Node, inputShapes: [Shape], role: String) -> PythonCall? {
    func int(_ value: Int, _ name: String) -> PythonCall.Value { .literal(.int(value, role: role + "_" + name)) }
    func pair(_ value: Pair, _ name: String) -> PythonCall.Value { .literal(.pair(value, role: role + "_" + name)) }
    func text(_ value: String, _ name: String) -> PythonCall.Value { .literal(Literal(value, role: role + "_" + name)) }
    typealias Argument = PythonCall.Argument
    switch node.op {
    case .input, .add:
      return nil
    case .train:
      preconditionFailure("emit pytorch rejects training graphs (requireUnfused) before this")
    case .conv(let c):
      return PythonCall(
        "nn.Conv2d",
        [
          Argument(int(inputShapes[0].channels, "in_channels")), Argument(int(c.outChannels, "out_channels")),
          Argument(pair(c.kernel, "kernel_size")), Argument("stride", pair(c.stride, "stride"), default: "1"),
          Argument("padding", pair(c.pad, "padding"), default: "0"),
          Argument("dilation", pair(c.dilation, "dilation"), default: "1"),
          Argument("groups", int(c.groups, "groups"), default: "1"),
          Argument("bias", text(Python.bool(c.hasBias), "bias"), default: "True"),
        ])
    case .batchNorm(let bn):
      return PythonCall(
        "nn.BatchNorm2d",
        [
          Argument(int(node.shape.channels, "num_features")),
          Argument("eps", text(Python.float(bn.eps), "eps"), default: "1e-05"),
          Argument("momentum", text(Python.float(bn.momentum), "momentum"), default: "0.1"),
        ])
    case .linear(let l):
      return PythonCall(
        "nn.Linear",
        [
          Argument(int(inputShapes[0].channels, "in_features")), Argument(int(l.outFeatures, "out_features")),
          Argument("bias", text(Python.bool(l.hasBias), "bias"), default: "True"),
        ])
    case .relu:
      return PythonCall("nn.ReLU", [])
    case .shortcutA(let a):
      return PythonCall("ShortcutA", [Argument(int(a.outChannels, "channels")), Argument(int(a.stride, "stride"))])
    case .maxPool(let p):
      return PythonCall(
        "nn.MaxPool2d",
        [
          Argument(pair(p.kernel, "kernel_size")), Argument("stride", pair(p.stride, "stride")),
          Argument("padding", pair(p.pad, "padding"), default: "0"),
          Argument("ceil_mode", text(Python.bool(p.ceilMode), "ceil_mode"), default: "False"),
        ])
    case .avgPool(let p):
      return PythonCall(
        "nn.AvgPool2d",
        [
          Argument(pair(p.kernel, "kernel_size")), Argument("stride", pair(p.stride, "stride")),
          Argument("padding", pair(p.pad, "padding"), default: "0"),
          Argument("ceil_mode", text(Python.bool(p.ceilMode), "ceil_mode"), default: "False"),
          Argument("count_include_pad", text(Python.bool(p.countIncludePad), "count_include_pad"), default: "True"),
        ])
    case .adaptiveAvgPool(let p):
      return PythonCall("nn.AdaptiveAvgPool2d", [Argument(pair(p.out, "output_size"))])
    case .flatten:
      return PythonCall("nn.Flatten", [])
    case .dropout(let d):
      return PythonCall("nn.Dropout", [Argument(text(Python.float(d.p), "p"))])
    case .lrn(let l):
      // PyTorch divides alpha by the window size; netc's alpha is the paper's, so PyTorch gets size * alpha.
      return PythonCall(
        "nn.LocalResponseNorm",
        [
          Argument(int(l.size, "size")), Argument("alpha", text("\(l.size) * \(Python.float(l.alpha))", "alpha")),
          Argument("beta", text(Python.float(l.beta), "beta"), default: "0.75"),
          Argument("k", text(Python.float(l.k), "k"), default: "1.0"),
        ])
    case .softmax:
      return PythonCall("nn.Softmax", [Argument("dim", text("1", "dim"))])
    }
  }

  /// The expression for an op that needs no module outside an `nn.Sequential`; nil for ops that keep one.
  static func functional(_ op: Op, _ operands: [String]) -> String? {
    switch op {
    case .relu: "F.relu(\(operands[0]))"
    case .flatten: "torch.flatten(\(operands[0]), 1)"
    case .softmax: "torch.softmax(\(operands[0]), dim=1)"
    case .add: "\(operands[0]) + \(operands[1])"
    default: nil
    }
  }

  /// Helper modules the generated file defines when some op uses them.
  static let shortcutAClass = """
    class ShortcutA(nn.Module):
        \"\"\"Option A shortcut of He et al. 2015: subsample by `stride`, then zero-pad the channels up to
        `channels`, half of the new ones before the input's and the rest after. No parameters.\"\"\"

        def __init__(self, channels: int, stride: int) -> None:
            super().__init__()
            self.channels = channels
            self.stride = stride

        def forward(self, x: Tensor) -> Tensor:
            x = x[:, :, :: self.stride, :: self.stride]
            before = (self.channels - x.shape[1]) // 2
            return F.pad(x, (0, 0, 0, 0, before, self.channels - x.shape[1] - before))

    """
}
