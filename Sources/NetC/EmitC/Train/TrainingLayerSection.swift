// The training step's layers in the generated file: one function per op of the training graph (named
// `train_<value>`, with a comment giving its op, shapes and arena offsets), then the pass that calls them all,
// timing each when profiled.

struct TrainingLayer {
  var layer: Layer
  var lowering: any TrainingLowering
  /// The C function's name (also `layer.function`).
  var function: String
}

/// The layers against their graph, for the fusions that rewrite them: layer i computes node i + 1 (node 0 is the
/// graph's input, which no layer computes).
extension [TrainingLayer] {
  /// The index of the layer computing each value but the graph's input.
  var indexByValue: [String: Int] {
    Dictionary(uniqueKeysWithValues: indices.map { (self[$0].layer.node.name, $0) })
  }

  /// The indices of the layers reading each value, in order (the graph's output is read after the last).
  func readers(in graph: Graph) -> [String: [Int]] {
    graph.users().mapValues { $0.map { $0 - 1 } }
  }
}

struct TrainingLayerSection {
  var prefix: String
  var graph: Graph
  var layers: [TrainingLayer]
  var state: TrainingStateLayout
  /// Arena offset of every value but the graph input, of each layer's own scratch (thread 0's), and of the
  /// scratch its team shares.
  var offsets: [String: Int]
  var scratch: [String: Int]
  var shared: [String: Int] = [:]

  /// The values of the layers with code, in program order: the entries of the training profile.
  var profiled: [String] {
    layers.filter { $0.lowering.body($0.layer, state) != nil }.map(\.layer.node.name)
  }

  var text: String {
    var out = "/* A value's first float, and a layer's scratch, at an offset from the training plan. */\n"
    out += "static float *netc_train_value(unsigned char *arena, size_t offset) { return (float *)(arena + offset); }\n"
    if !scratch.isEmpty || !shared.isEmpty {
      out += "static void *netc_train_scratch(unsigned char *arena, size_t offset) { return arena + offset; }\n"
    }
    if sharesScratch {
      out += "/* The scratch a thread works in: its own workspace, or the arena's for thread 0. */\n"
      out += "static void *netc_train_own(const netc_team *team, unsigned char *workspace, void *scratch) {\n"
      out += "  return team->index ? workspace : scratch;\n}\n"
    }
    out += "\n"
    for entry in layers {
      guard let body = entry.lowering.body(entry.layer, state) else { continue }
      out += CText.comment(comment(entry))
      out += "static void \(entry.function)(" + parameters(entry).joined(separator: ", ") + ") {\n"
      out += body.joined(separator: "\n") + "\n}\n\n"
    }
    return out + pass
  }

  /// Whether a layer that the threads share needs scratch (each thread then works in its own).
  private var sharesScratch: Bool {
    layers.contains { $0.lowering.splitsWork && scratch[$0.layer.node.name] != nil }
  }

  func location(_ value: String) -> String {
    value == graph.input.name ? "input" : "netc_train_value(arena, \(offsets[value]!))"
  }

  private func parameters(_ entry: TrainingLayer) -> [String] {
    var parameters = entry.lowering.splitsWork ? ["const netc_team *team"] : []
    switch entry.lowering.stateAccess(entry.layer) {
    case .none: break
    case .read: parameters.append("const struct \(prefix)_train_state *m")
    case .write: parameters.append("struct \(prefix)_train_state *m")
    }
    if entry.lowering.readsLabels { parameters.append("const int32_t *labels") }
    parameters += entry.lowering.operands(entry.layer).map { "const float *\($0)" }
    if scratch[entry.layer.node.name] != nil { parameters.append(entry.lowering.scratchScalar + " *scratch") }
    if shared[entry.layer.node.name] != nil { parameters.append("double *shared") }
    return parameters + entry.lowering.alsoWrites(entry.layer).map { "float *\($0.name)" } + ["float *out"]
  }

  private func comment(_ entry: TrainingLayer) -> [String] {
    let node = entry.layer.node
    let shapes = entry.layer.inputShapes.map(\.dimsText).joined(separator: " + ") + " -> " + node.shape.dimsText
    let lowering = entry.lowering
    let operands = zip(lowering.operands(entry.layer), lowering.operandValues(entry.layer)).map { name, value in
      "\(name) " + (value == graph.input.name ? "the caller's input" : "@\(offsets[value]!)")
    }
    let written = lowering.alsoWrites(entry.layer).map { "\($0.name) (%\($0.value)) @\(offsets[$0.value]!)" }
    let team = shared[node.name].map { ["shared @\($0)"] } ?? []
    return [
      "\(node.name): \(LayerDescription.op(node.op)), \(shapes)",
      "\(lowering.summary); arena: "
        + (operands + written + team + ["out @\(offsets[node.name]!)"]).joined(separator: ", "),
    ]
  }

  /// Every layer in program order, run by every thread of the team (layers that do not split their work by
  /// thread 0 alone), with a barrier after each; the logits are copied out right after the loss, before the
  /// backward pass may reuse their memory.
  private var pass: String {
    var out = "/* The training graph: forward pass in training mode, loss, backward pass. With seconds, thread 0\n"
    out += "   records each layer's time, the meeting after it included. */\n"
    out += "static void netc_train_pass(struct \(prefix)_train_state *m, const int32_t *labels, const float *input,\n"
    out += "                            unsigned char *arena, float *logits, const netc_team *team,\n"
    out += "                            unsigned char *workspace, double *seconds) {\n"
    if !sharesScratch { out += "  (void)workspace; /* no layer that threads share needs scratch */\n" }
    out += "  double clock = seconds && team->index == 0 ? netc_now() : 0.0;\n"
    let readsState = layers.contains {
      $0.lowering.stateAccess($0.layer) != .none && $0.lowering.body($0.layer, state) != nil
    }
    if !readsState { out += "  (void)m; /* a network without parameters */\n" }
    let loss = graph.node(named: graph.output)!
    var profiled = 0
    for entry in layers {
      let node = entry.layer.node
      if entry.lowering.body(entry.layer, state) == nil {
        out += "  /* \(entry.function): \(node.op.mnemonic) \(entry.lowering.nothingToDo) */\n"
        continue
      }
      var arguments = entry.lowering.splitsWork ? ["team"] : []
      if entry.lowering.stateAccess(entry.layer) != .none { arguments.append("m") }
      if entry.lowering.readsLabels { arguments.append("labels") }
      arguments += entry.lowering.operandValues(entry.layer).map(location)
      if let offset = scratch[node.name] {
        let arena = "netc_train_scratch(arena, \(offset))"
        arguments.append(entry.lowering.splitsWork ? "netc_train_own(team, workspace, \(arena))" : arena)
      }
      if let offset = shared[node.name] { arguments.append("netc_train_scratch(arena, \(offset))") }
      arguments += entry.lowering.alsoWrites(entry.layer).map { location($0.value) }
      arguments.append(location(node.name))
      let call = CText.call(entry.function, arguments)
      out += entry.lowering.splitsWork ? call.joined(separator: "\n") + "\n" : Self.threadZero(call)
      if node.name == loss.name {
        let logits = graph.node(named: loss.inputs[0])!
        out += "  if (logits) memcpy(logits, \(location(logits.name)), \(logits.shape.byteCount));\n"
      }
      out += "  netc_step(team, seconds, \(profiled), &clock);\n"
      profiled += 1
    }
    return out + "}\n\n"
  }

  /// A call only thread 0 makes, its lines indented under the condition.
  private static func threadZero(_ call: [String]) -> String {
    "  if (team->index == 0) {\n" + call.map { "  " + $0 }.joined(separator: "\n") + "\n  }\n"
  }
}
