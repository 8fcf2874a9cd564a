// `netc graph`: the network as a Graphviz picture, drawn the way papers draw it: stages and sequentials as
// clusters, each block one box (its template and arguments, its output shape), ops outside blocks one box each,
// and residual shortcuts as edges beside the main path, styled by kind (identity, projection, option A).

public enum DotRenderer {
  /// The DOT source; deterministic.
  public static func dot(_ graph: Graph) -> String {
    var writer = DotWriter(graph)
    return writer.write()
  }
}

/// How a block's residual add gets its second operand.
enum ShortcutKind: Equatable {
  case identity
  /// Option A: subsample and zero-pad (`shortcut_a`).
  case optionA(stride: Int)
  /// A conv (usually 1x1, strided) and its batch norm: option B's or C's projection.
  case projection(kernel: Pair, stride: Pair)

  var attributes: String {
    switch self {
    case .identity:
      return "style=dashed, color=\"#7f7f7f\", label=\"identity\""
    case .optionA(let stride):
      return "style=dotted, penwidth=2, color=\"#1f77b4\", label=\"option A /\(stride)\""
    case .projection(let kernel, let stride):
      let by = stride.isSquare ? "/\(stride.h)" : "/\(stride)"
      return "style=bold, color=\"#d62728\", label=\"projection \(kernel)\(by)\""
    }
  }
}

private struct DotWriter {
  let graph: Graph
  let scopes: [String: Scope]
  let index: [String: Int]
  /// For every op, the box it is drawn in: the outermost block around it, or the op itself.
  var unitOf: [String: String] = [:]
  var lines: [String] = []

  init(_ graph: Graph) {
    self.graph = graph
    scopes = Dictionary(graph.scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    index = graph.indexByName()
    for node in graph.nodes {
      unitOf[node.name] = chain(node.scope).first { scopes[$0]?.kind == .block } ?? node.name
    }
  }

  func chain(_ path: String) -> [String] {
    Scope.chain(of: path, in: scopes).map(\.path)
  }

  mutating func write() -> String {
    let parameters = grouped(graph.trainableParameterCount)
    lines = [
      "digraph \(quote(graph.name)) {",
      "  graph [label=\(quote("\(graph.name): \(graph.nodes.count - 1) ops, \(parameters) parameters")), "
        + "labelloc=t, fontname=Helvetica, fontsize=14, rankdir=TB, nodesep=0.3, ranksep=0.3]",
      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", fontname=Helvetica, fontsize=10]",
      "  edge [fontname=Helvetica, fontsize=9, arrowsize=0.6]",
    ]
    writeBoxes()
    writeEdges()
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Boxes in program order, inside the clusters of their stages and sequentials.
  private mutating func writeBoxes() {
    var open: [String] = []
    var drawn: Set<String> = []
    for node in graph.nodes {
      let unit = unitOf[node.name]!
      guard !drawn.contains(unit) else { continue }
      drawn.insert(unit)
      let clusters = chain(node.scope).filter { scopes[$0]!.kind != .block && !isInsideBlock($0) }
      var shared = 0
      while shared < open.count && shared < clusters.count && open[shared] == clusters[shared] { shared += 1 }
      while open.count > shared {
        open.removeLast()
        lines.append(indent(open.count) + "}")
      }
      for path in clusters[shared...] {
        lines.append(indent(open.count) + "subgraph \(quote("cluster_" + path)) {")
        let label = scopes[path]!.header.replacingOccurrences(of: " * ", with: " × ")
        lines.append(
          indent(open.count + 1) + "label=\(quote(label)); style=\"rounded,filled\"; fillcolor=\"#eef3fb\"; "
            + "color=\"#9fb6d9\"; fontname=Helvetica; fontsize=11")
        open.append(path)
      }
      lines.append(indent(open.count) + box(unit))
    }
    while !open.isEmpty {
      open.removeLast()
      lines.append(indent(open.count) + "}")
    }
    lines.append("  \(quote("output")) [label=\(quote("output\n\(graph.outputShape.dimsText)")), shape=ellipse]")
  }

  private func isInsideBlock(_ path: String) -> Bool {
    chain(scopes[path]!.parent).contains { scopes[$0]?.kind == .block }
  }

  private func indent(_ depth: Int) -> String { String(repeating: "  ", count: depth + 1) }

  /// A block: path, template and arguments, output shape. An op: name, what it does, output shape.
  private func box(_ unit: String) -> String {
    if let scope = scopes[unit] {
      let arguments = scope.arguments.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
      let label = "\(unit)\n\(scope.template ?? "block")(\(arguments))\n\(outputShape(of: unit).dimsText)"
      return "\(quote(unit)) [label=\(quote(label)), fillcolor=\"#ffffff\", penwidth=1.5]"
    }
    let node = graph.nodes[index[unit]!]
    if case .input = node.op {
      return "\(quote(unit)) [label=\(quote("\(unit)\n\(node.shape.dimsText)")), shape=ellipse]"
    }
    return "\(quote(unit)) [label=\(quote("\(unit)\n\(describe(node.op))\n\(node.shape.dimsText)"))]"
  }

  /// The last value a block defines that something outside it reads (its result).
  private func outputShape(of block: String) -> Shape {
    let users = graph.users()
    let inside = graph.nodes.filter { unitOf[$0.name] == block }
    let result = inside.last { node in
      users[node.name, default: []].contains { $0 == graph.nodes.count || unitOf[graph.nodes[$0].name] != block }
    }
    return (result ?? inside.last!).shape
  }

  /// One edge per producer and consumer box; a block's shortcut is a second, styled edge from its input.
  private mutating func writeEdges() {
    var seen: Set<String> = []
    for node in graph.nodes {
      let consumer = unitOf[node.name]!
      for operand in node.inputs {
        let producer = unitOf[operand]!
        guard producer != consumer else { continue }
        let key = producer + "\u{0}" + consumer
        if seen.insert(key).inserted { lines.append("  \(quote(producer)) -> \(quote(consumer))") }
      }
    }
    for node in graph.nodes {
      guard case .add = node.op, let block = scopes[unitOf[node.name]!], block.kind == .block,
        let shortcut = shortcut(node.inputs[1], block: block.path)
      else { continue }
      let producer = unitOf[shortcut.source]!
      lines.append("  \(quote(producer)) -> \(quote(block.path)) [\(shortcut.kind.attributes), tailport=e, headport=e]")
    }
    lines.append("  \(quote(unitOf[graph.output]!)) -> \(quote("output"))")
  }

  /// Follows a residual operand back to the value that enters the block, noting what it passes through.
  func shortcut(_ operand: String, block: String) -> (source: String, kind: ShortcutKind)? {
    var kind = ShortcutKind.identity
    var current = operand
    while unitOf[current] == block {
      let node = graph.nodes[index[current]!]
      switch node.op {
      case .shortcutA(let a): kind = .optionA(stride: a.stride)
      case .conv(let c): kind = .projection(kernel: c.kernel, stride: c.stride)
      case .batchNorm, .relu: break
      default: return nil  // not a shortcut path: a residual around something else
      }
      current = node.inputs[0]
    }
    return (current, kind)
  }

  private func describe(_ op: Op) -> String {
    switch op {
    case .conv(let c):
      let stride = c.stride.isSquare ? "/\(c.stride.h)" : "/\(c.stride)"
      return "conv \(c.kernel)\(c.stride == Pair(square: 1) ? "" : stride), \(c.outChannels)"
        + (c.groups > 1 ? ", groups \(c.groups)" : "")
    case .maxPool(let p), .avgPool(let p):
      return "\(op.mnemonic) \(p.kernel)/\(p.stride.isSquare ? "\(p.stride.h)" : "\(p.stride)")"
    case .adaptiveAvgPool(let p): return "adaptive avgpool \(p.out)"
    case .linear(let l): return "linear \(l.outFeatures)"
    case .dropout(let d): return "dropout \(d.p)"
    case .lrn(let l): return "lrn \(l.size)"
    case .shortcutA(let a): return "option A /\(a.stride)"
    default: return op.mnemonic
    }
  }

  private func quote(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n") + "\""
  }
}
