// The IR text form: one op per line with its result shape, every attribute and its parameter names,
// nested in the stages and blocks the source declared. Same graph, same bytes; `IRParser` reads it back.
//
//   graph resnet20 {
//     %input: f32[1,3,32,32] = input
//     %conv1: f32[1,16,32,32] = conv2d(%input) out=16 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
//     stage layer1 = basic * 3 {
//       block layer1.0 = basic(planes=16, stride=1, shortcut=A) {
//         ...
//       }
//     }
//     return %fc
//   }

extension Graph {
  /// The IR text form of the graph.
  public var text: String {
    var out = "graph \(name) {\n"
    let scopesByPath = Dictionary(scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    var open: [Scope] = []
    for node in nodes {
      let chain = Scope.chain(of: node.scope, in: scopesByPath)
      var shared = 0
      while shared < open.count && shared < chain.count && open[shared].path == chain[shared].path { shared += 1 }
      while open.count > shared {
        open.removeLast()
        out += indent(open.count + 1) + "}\n"
      }
      for scope in chain[shared...] {
        out += indent(open.count + 1) + scope.header + " {\n"
        open.append(scope)
      }
      out += indent(open.count + 1) + node.text + "\n"
    }
    while !open.isEmpty {
      open.removeLast()
      out += indent(open.count + 1) + "}\n"
    }
    out += "  return %\(output)\n}\n"
    return out
  }

  private func indent(_ depth: Int) -> String { String(repeating: "  ", count: depth) }
}

extension Scope {
  /// `stage layer1 = bottleneck * 3`, `block layer1.0 = bottleneck(planes=64, stride=1)`, `sequential features`.
  public var header: String {
    switch kind {
    case .stage:
      let count = arguments.first { $0.name == "count" }?.value ?? "?"
      return "stage \(path) = \(template ?? "?") * \(count)"
    case .block:
      let args = arguments.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
      return "block \(path) = \(template ?? "?")(\(args))"
    case .sequential:
      return "sequential \(path)"
    }
  }
}

extension Node {
  /// `%name: f32[...] = op(%a, %b) key=value ... flag`.
  public var text: String {
    let operands = inputs.map { "%" + $0 }.joined(separator: ", ")
    let head = "%\(name): \(shape) = \(op.mnemonic)"
    if case .input = op { return head }
    let attributes = op.attributeText
    return head + "(\(operands))" + (attributes.isEmpty ? "" : " " + attributes.joined(separator: " "))
  }
}

extension Op {
  /// Attributes in their fixed print order. Every attribute is printed, defaults included, so a reader
  /// sees the value actually used; epilogue entries appear only when a pass fused them.
  public var attributeText: [String] {
    switch self {
    case .input, .relu, .flatten, .softmax:
      return []
    case .conv(let c):
      var attributes = [
        "out=\(c.outChannels)", "kernel=\(c.kernel)", "stride=\(c.stride)", "pad=\(c.pad)",
        "dilation=\(c.dilation)", "groups=\(c.groups)", "weight=@\(c.module).weight",
      ]
      if c.hasBias { attributes.append("bias=@\(c.module).bias") }
      attributes += c.epilogue.attributeText
      return attributes
    case .batchNorm(let bn):
      return ["bn=@\(bn.module)", "eps=\(bn.eps)", "momentum=\(bn.momentum)"]
    case .add(let add):
      return add.shortcut.attributeText + (add.relu ? ["relu"] : [])
    case .shortcutA(let a):
      return ["out=\(a.outChannels)", "stride=\(a.stride)"]
    case .maxPool(let p):
      return ["kernel=\(p.kernel)", "stride=\(p.stride)", "pad=\(p.pad)", "ceil_mode=\(p.ceilMode)"]
    case .avgPool(let p):
      return [
        "kernel=\(p.kernel)", "stride=\(p.stride)", "pad=\(p.pad)", "ceil_mode=\(p.ceilMode)",
        "count_include_pad=\(p.countIncludePad)",
      ]
    case .adaptiveAvgPool(let p):
      return ["out=\(p.out)"]
    case .linear(let l):
      var attributes = ["out=\(l.outFeatures)", "weight=@\(l.module).weight"]
      if l.hasBias { attributes.append("bias=@\(l.module).bias") }
      if l.relu { attributes.append("relu") }
      return attributes
    case .dropout(let d):
      return ["p=\(d.p)"]
    case .lrn(let l):
      return ["size=\(l.size)", "alpha=\(l.alpha)", "beta=\(l.beta)", "k=\(l.k)"]
    case .train(let op):
      return op.attributeText
    }
  }
}

extension Residual {
  var attributeText: [String] { ["residual_stride=\(stride)", "residual_offset=\(channelOffset)"] }
}

extension Epilogue {
  var attributeText: [String] {
    var attributes: [String] = []
    if let bn = batchNorm { attributes += ["bn=@\(bn.module)", "bn_eps=\(bn.eps)"] }
    if let residual { attributes += residual.attributeText }
    if relu { attributes.append("relu") }
    return attributes
  }
}
