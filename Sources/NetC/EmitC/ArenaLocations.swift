// Where every value lives while the forward pass runs: the caller's input and output buffers, or an offset in
// the arena from the memory plan. Also checks that the plan gives each kernel operands it can work on.
// Values inside the forward pass are NHWC; where the caller's NCHW input or output differs from that, the
// value lives in its arena buffer and the forward pass converts it at the start or the end.

enum ValueLocation: Hashable, Sendable {
  case input, output
  case arena(offset: Int)

  /// The C expression of the value's first float inside `netc_forward`.
  var expression: String {
    switch self {
    case .input: "input"
    case .output: "output"
    case .arena(let offset): "netc_at(arena, \(offset))"
    }
  }

  /// For layer comments: "= the caller's input", "@802816".
  var description: String {
    switch self {
    case .input: "= the caller's input"
    case .output: "= the caller's output"
    case .arena(let offset): "@\(offset)"
    }
  }
}

struct ArenaLocations {
  private(set) var locations: [String: ValueLocation] = [:]
  /// Arena offset of each layer's scratch memory, for the layers that asked for some.
  private(set) var scratch: [String: Int] = [:]
  /// Where the forward pass first copies the caller's input as NHWC, when the layers do not read it in place.
  private(set) var inputCopy: Int?
  /// Where the last layer leaves the output as NHWC for the forward pass to copy out, when NCHW differs.
  private(set) var outputCopy: Int?

  /// The graph input is the caller's input when its layers read it in place (`readsInput`: every reader takes
  /// NCHW, or NCHW is NHWC for it), and the graph output is written straight into the caller's output when its
  /// layouts agree; every other value lives at its planned offset.
  init(graph: Graph, plan: MemoryPlan, scratch scratchBytes: [String: Int], readsInput: Bool) throws {
    var buffers: [String: MemoryPlan.Buffer] = [:]
    for buffer in plan.buffers {
      for value in buffer.values { buffers[value] = buffer }
    }
    for node in graph.nodes {
      guard let bytes = scratchBytes[node.name] else { continue }
      let name = MemoryPlan.scratchName(of: node.name)
      guard let buffer = buffers[name], buffer.bytes >= bytes, buffer.offset % MemoryPlan.alignment == 0,
        buffer.offset + buffer.bytes <= plan.arenaBytes
      else { throw internalError("the memory plan has no \(bytes)-byte scratch buffer '\(name)'") }
      scratch[node.name] = buffer.offset
    }
    for node in graph.nodes {
      if node.name == graph.input.name && (readsInput || graph.output == node.name) {
        locations[node.name] = .input
      } else if node.name == graph.output && Layout.isTrivial(node.shape) {
        locations[node.name] = .output
      } else {
        guard let buffer = buffers[node.name] else {
          throw internalError("the memory plan has no buffer for '\(node.name)'")
        }
        guard buffer.offset >= 0, buffer.offset % MemoryPlan.alignment == 0, node.shape.byteCount <= buffer.bytes,
          buffer.offset + buffer.bytes <= plan.arenaBytes
        else {
          throw internalError(
            "the memory plan puts '\(node.name)' (\(node.shape.byteCount) bytes) in a buffer of \(buffer.bytes) bytes "
              + "at offset \(buffer.offset) of an arena of \(plan.arenaBytes)")
        }
        locations[node.name] = .arena(offset: buffer.offset)
        if node.name == graph.input.name { inputCopy = buffer.offset }
        if node.name == graph.output { outputCopy = buffer.offset }
      }
    }
    for node in graph.nodes.dropFirst() { try checkOperands(node, graph) }
  }

  subscript(value: String) -> ValueLocation { locations[value]! }

  /// Each kernel reads its operands and writes its output either in distinct memory or, where it allows that,
  /// in exactly the same memory; never in memory that partly overlaps.
  private func checkOperands(_ node: Node, _ graph: Graph) throws {
    let output = self[node.name]
    for (i, operand) in node.inputs.enumerated() where ranges(operand, graph).overlaps(ranges(node.name, graph)) {
      guard self[operand] == output, Self.mayShare(node, operand: i) else {
        throw internalError("the memory plan overlaps '\(node.name)' with its operand '\(operand)'")
      }
    }
  }

  /// Byte range in the arena, or an empty range for the caller's buffers (distinct from the arena and each other).
  private func ranges(_ value: String, _ graph: Graph) -> Range<Int> {
    guard case .arena(let offset) = self[value] else { return 0..<0 }
    return offset..<(offset + graph.node(named: value)!.shape.byteCount)
  }

  /// Whether the kernel of `node` allows its output to be operand `operand`.
  static func mayShare(_ node: Node, operand: Int) -> Bool {
    switch node.op {
    case .relu, .batchNorm, .softmax, .flatten, .dropout: true
    case .add(let add): operand == 0 || add.shortcut == .identity
    case .conv(let conv): operand == 1 && conv.epilogue.residual == .identity
    case .input, .shortcutA, .maxPool, .avgPool, .adaptiveAvgPool, .linear, .lrn, .train: false
    }
  }
}

func internalError(_ message: String) -> DiagnosticError {
  DiagnosticError(.error("internal error in the C back end: " + message))
}
