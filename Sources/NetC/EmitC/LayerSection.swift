// The layers part of the generated file: one function per layer, named after it, with a comment giving its
// op, shapes, fused ops, lowering and arena offsets; then the forward pass, a straight list of calls.

struct LayerSection {
  var prefix: String
  var graph: Graph
  var locations: ArenaLocations
  var layers: [(layer: Layer, lowering: any Lowering)]
  /// Whether the forward pass calls `<prefix>_profile_layer` around every layer (`netc compile --profile`).
  var profile = false

  var text: String {
    var out = ""
    if valuesInArena {
      out += "/* A value's first float in the arena, at an offset from the memory plan. */\n"
      out += "static float *netc_at(unsigned char *arena, size_t offset) { return (float *)(arena + offset); }\n\n"
    }
    if !locations.scratch.isEmpty {
      out += "/* A layer's scratch memory in the arena, at an offset from the memory plan. */\n"
      out +=
        "static double *netc_scratch(unsigned char *arena, size_t offset) { return (double *)(arena + offset); }\n\n"
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
  }

  private func parameters(_ layer: Layer, _ lowering: any Lowering) -> [String] {
    var parameters: [String] = []
    if !lowering.fields(layer).isEmpty { parameters.append("const struct \(prefix)_model *m") }
    parameters.append("const float *in")
    if layer.node.inputs.count == 2 { parameters.append("const float *shortcut") }
    if locations.scratch[layer.node.name] != nil { parameters.append("double *scratch") }
    return parameters + ["float *out"]
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
    var out =
      "/* The forward pass: every layer in program order, reading and writing values at their arena offsets. */\n"
    out += "static void netc_forward(const struct \(prefix)_model *model, const float *input, float *output,\n"
    out += "                         unsigned char *arena) {\n"
    var usesModel = false
    for (layer, lowering) in layers {
      let node = layer.node
      let output = locations[node.name].expression
      guard lowering.body(layer) != nil else {
        out += "  /* \(layer.function): \(node.op.mnemonic) stored in place, nothing to do */\n"
        continue
      }
      let scratch = locations.scratch[node.name].map { ["netc_scratch(arena, \($0))"] } ?? []
      var arguments = node.inputs.map { locations[$0].expression } + scratch + [output]
      if !lowering.fields(layer).isEmpty {
        arguments.insert("model", at: 0)
        usesModel = true
      }
      let call = CText.call(layer.function, arguments).joined(separator: "\n") + "\n"
      out += profile ? profiled(call, layer) : call
    }
    if graph.output == graph.input.name { out += "  memcpy(output, input, \(graph.input.shape.byteCount));\n" }
    if !usesModel { out += "  (void)model;\n" }
    if !valuesInArena && locations.scratch.isEmpty { out += "  (void)arena;\n" }
    return out + "}\n\n"
  }

  /// A layer's call between the two calls of the profiling hook.
  private func profiled(_ call: String, _ layer: Layer) -> String {
    let name = CText.string(layer.node.name)
    let macs = layer.node.multiplyAccumulates(inputShapes: layer.inputShapes)
    return "  \(prefix)_profile_layer(\(name), \(macs), 1);\n" + call
      + "  \(prefix)_profile_layer(\(name), \(macs), 0);\n"
  }
}
