// The layers part of the generated file: one function per layer, named after it, with a comment giving its
// op, shapes, fused ops, lowering and arena offsets; then the forward pass, a straight list of calls that every
// thread of a team runs, meeting after each layer.

struct LayerSection {
  var prefix: String
  var graph: Graph
  var locations: ArenaLocations
  var layers: [(layer: Layer, lowering: any Lowering)]

  /// The layers with code, in program order: the entries of the profile.
  static func profiled(_ layers: [(layer: Layer, lowering: any Lowering)]) -> [Layer] {
    layers.filter { $0.lowering.body($0.layer) != nil }.map(\.layer)
  }

  var text: String {
    var out = ""
    if valuesInArena {
      out += "/* A value's first float in the arena, at an offset from the memory plan. */\n"
      out += "static float *netc_at(unsigned char *arena, size_t offset) { return (float *)(arena + offset); }\n\n"
    }
    for (layer, lowering) in layers {
      guard let body = lowering.body(layer) else { continue }
      out += CText.comment(comment(layer, lowering))
      out +=
        CText.wrapped("static void \(layer.function)(", parameters(layer, lowering), ") {", indent: "")
        .joined(separator: "\n") + "\n"
      out += body.joined(separator: "\n") + "\n}\n\n"
    }
    return out + forward
  }

  private var valuesInArena: Bool {
    graph.nodes.contains { if case .arena = locations[$0.name] { true } else { false } }
      || !locations.scratch.isEmpty
  }

  private func parameters(_ layer: Layer, _ lowering: any Lowering) -> [String] {
    var parameters: [String] = []
    if !lowering.fields(layer).isEmpty { parameters.append("const struct \(prefix)_model *m") }
    parameters.append("const float *in")
    if layer.node.inputs.count == 2 { parameters.append("const float *shortcut") }
    if locations.scratch[layer.node.name] != nil { parameters.append("void *scratch") }
    return parameters + ["float *out", "const netc_team *team"]
  }

  private func comment(_ layer: Layer, _ lowering: any Lowering) -> [String] {
    let node = layer.node
    let shapes = layer.inputShapes.map(\.dimsText).joined(separator: " + ") + " -> " + node.shape.dimsText
    var lines = ["\(node.name): \(shapes)", LayerDescription.op(node.op)]
    let fused = LayerDescription.fused(node.op)
    if !fused.isEmpty { lines.append("fused: " + fused.joined(separator: ", ")) }
    let output = locations[node.name]
    let names = node.inputs.count == 2 ? ["in", "shortcut"] : ["in"]
    let operands = zip(names, node.inputs).map { "\($0) \(locations[$1].description)" }
    let scratch = locations.scratch[node.name].map { ["scratch @\($0)"] } ?? []
    let overwritten = zip(names, node.inputs).first { locations[$1] == output }.map { " (over \($0.0))" } ?? ""
    lines.append(
      "lowering: \(lowering.summary); arena: "
        + (operands + scratch + ["out \(output.description)\(overwritten)"]).joined(separator: ", "))
    return lines
  }

  private var forward: String {
    var out = "/* The forward pass: every layer in program order, reading and writing values at their arena offsets.\n"
    out += "   Every thread of the team runs it, each doing its share of every layer; they meet after each one.\n"
    out += "   With seconds, thread 0 records each layer's time, the meeting included. */\n"
    out += "static void netc_forward(const struct \(prefix)_model *model, const float *input, float *output,\n"
    out += "                         unsigned char *arena, const netc_team *team, double *seconds) {\n"
    let profiled = !Self.profiled(layers).isEmpty
    if graph.output == graph.input.name {
      out += "  (void)model, (void)arena, (void)seconds;\n"
      out += "  if (team->index == 0) memcpy(output, input, \(graph.input.shape.byteCount));\n"
      return out + "  netc_sync(team);\n}\n\n"
    }
    if let copy = locations.inputCopy {
      let x = graph.input.shape
      out += "  /* The input, NCHW, as NHWC. */\n"
      out += CText.call(
        "netc_transpose", ["\(x.batch)", "\(x.channels)", "\(x.height * x.width)", "input", "netc_at(arena, \(copy))",
        "team"]).joined(separator: "\n") + "\n"
      out += "  netc_sync(team);\n"
    }
    // Layers that all run in place take no time to profile (and the file has no netc_step).
    out += profiled ? "  double clock = seconds && team->index == 0 ? netc_now() : 0.0;\n" : "  (void)seconds;\n"
    var usesModel = false
    var entry = 0
    for (layer, lowering) in layers {
      let node = layer.node
      guard lowering.body(layer) != nil else {
        out += "  /* \(layer.function): \(node.op.mnemonic) stored in place, nothing to do */\n"
        continue
      }
      let output = locations[node.name].expression
      let scratch = locations.scratch[node.name].map { ["netc_at(arena, \($0))"] } ?? []
      var arguments = node.inputs.map { locations[$0].expression } + scratch + [output, "team"]
      if !lowering.fields(layer).isEmpty {
        arguments.insert("model", at: 0)
        usesModel = true
      }
      out += CText.call(layer.function, arguments).joined(separator: "\n") + "\n"
      out += "  netc_step(team, seconds, \(entry), &clock);\n"
      entry += 1
    }
    if let copy = locations.outputCopy {
      let y = graph.outputShape
      out += "  /* The output, NHWC, as NCHW. */\n"
      out += CText.call(
        "netc_transpose", ["\(y.batch)", "\(y.height * y.width)", "\(y.channels)", "netc_at(arena, \(copy))", "output",
        "team"]).joined(separator: "\n") + "\n"
      out += "  netc_sync(team);\n"
    }
    if !usesModel { out += "  (void)model;\n" }
    if !valuesInArena { out += "  (void)arena;\n" }
    return out + "}\n\n"
  }
}
