// The weights part of the generated file: the model struct (one float array per weight, named after its
// layer), the table of parameter tensors the safetensors reader checks, and the function that fills the model.

struct WeightsSection {
  var prefix: String
  var network: String
  /// Every parameter tensor in program order: index `i` is `t[i]` in the load function.
  var parameters: [Parameter]
  var layers: [(layer: Layer, lowering: any Lowering)]

  var fields: [ModelField] { layers.flatMap { $0.lowering.fields($0.layer) } }

  /// Bytes of the model struct: float arrays only, so no padding; a network without weights keeps one float
  /// because C has no empty structs.
  var modelBytes: Int { max(1, fields.reduce(0) { $0 + $1.count }) * 4 }

  var modelStruct: String {
    var out = "/* The weights as the layers read them, filled from the safetensors tensors by netc_load_weights. */\n"
    out += "struct \(prefix)_model {\n"
    let fields = self.fields
    for field in fields {
      out += "  float \(field.name)[\(field.count)]; /* \(field.comment) */\n"
    }
    if fields.isEmpty { out += "  float unused; /* the network has no weights, and C no empty structs */\n" }
    out += "};\n\n"
    out += "_Static_assert(sizeof(struct \(prefix)_model) == \(prefix.uppercased())_MODEL_BYTES, "
    out += "\"the model struct has no padding\");\n\n"
    return out
  }

  /// The parameters in program order (the order of errors about them), with the sorted index the reader's
  /// binary search uses; both end with a sentinel so they are never empty.
  var tensorTable: String {
    var out = "/* The network's name, for errors about tensors it does not read. */\n"
    out += "static const char netc_network[] = \"\(network)\";\n\n"
    out += "/* The parameter tensors the network reads (t[i] below is netc_tensors[i]), in program order. */\n"
    out += "enum { netc_tensor_count = \(parameters.count) };\n\n"
    out += "typedef struct {\n  const char *name;\n  int rank, dims[4];\n"
    out += "  int variance; /* a batch-norm running variance: checked to be non-negative */\n} netc_tensor;\n\n"
    out += "static const netc_tensor netc_tensors[netc_tensor_count + 1] = {\n"
    for (i, parameter) in parameters.enumerated() {
      let dims = parameter.shape.dims.map(String.init).joined(separator: ", ")
      let variance = parameter.role == .runningVar ? 1 : 0
      out += "  {\"\(parameter.name)\", \(parameter.shape.rank), {\(dims)}, \(variance)}, /* t[\(i)] */\n"
    }
    out += "  {NULL, 0, {0}, 0},\n};\n\n"
    let sorted = parameters.indices.sorted { parameters[$0].name.utf8.lexicographicallyPrecedes(parameters[$1].name.utf8) }
    out += "/* Indices of netc_tensors sorted by name, in byte order. */\n"
    out += CText.wrapped(
      "static const int netc_tensors_by_name[netc_tensor_count + 1] = {", sorted.map(String.init) + ["-1"], "};",
      indent: ""
    ).joined(separator: "\n") + "\n\n"
    return out
  }

  var loadFunction: String {
    var out = "/* Fills the model from the checked tensors: t[i] is the data of netc_tensors[i]. */\n"
    out += "static void netc_load_weights(struct \(prefix)_model *m, const unsigned char *const *t) {\n"
    var any = false
    for (layer, lowering) in layers {
      let lines = lowering.load(layer)
      guard !lines.isEmpty else { continue }
      if any { out += "\n" }
      out += "  /* \(layer.node.name) */\n" + lines.joined(separator: "\n") + "\n"
      any = true
    }
    if !any { out += "  (void)m;\n  (void)t;\n" }
    out += "}\n\n"
    return out
  }
}
