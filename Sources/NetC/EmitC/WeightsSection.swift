// The weights part of the generated file: the model struct (one float array per weight, named after its
// layer), the table of parameter tensors the safetensors reader checks, and the function that fills the model.

struct WeightsSection {
  var prefix: String
  var network: String
  /// Every parameter tensor in program order: index `i` is `t[i]` in the load function.
  var parameters: [Parameter]
  var layers: [(layer: Layer, lowering: any Lowering)]

  /// The model's arrays, in program order.
  var fields: [ModelField] { layers.flatMap { $0.lowering.fields($0.layer) } }

  /// Bytes of the model struct: its arrays, each whole 64-byte lines; a network without weights keeps one float
  /// because C has no empty structs.
  var modelBytes: Int { max(4, fields.reduce(0) { $0 + $1.reserved * $1.scalar.bytes }) }

  var modelStruct: String {
    var out = "/* The weights as the layers read them, filled from the safetensors tensors by netc_load_weights;\n"
    out += "   every array takes whole 64-byte lines, so each is as aligned as the model (64 bytes is fastest). */\n"
    out += "struct \(prefix)_model {\n"
    let fields = self.fields
    for field in fields {
      out += "  \(field.scalar.rawValue) \(field.name)[\(field.reserved)]; /* \(field.comment) */\n"
    }
    if fields.isEmpty { out += "  float unused; /* the network has no weights, and C no empty structs */\n" }
    out += "};\n\n"
    out += "_Static_assert(sizeof(struct \(prefix)_model) == \(prefix.uppercased())_MODEL_BYTES, "
    out += "\"the model struct is laid out as netc computed\");\n\n"
    return out
  }

  /// The parameters in program order (the order of errors about them), with the sorted index the reader's
  /// binary search uses; both end with a sentinel so they are never empty.
  var tensorTable: String {
    var out = "/* The network's name, for errors about tensors it does not read. */\n"
    out += "static const char netc_network[] = \(CText.string(network));\n\n"
    out += "/* The parameter tensors the network reads (t[i] below is netc_tensors[i]), in program order. */\n"
    out += "enum { netc_tensor_count = \(parameters.count) };\n\n"
    out += "typedef struct {\n  const char *name;\n  int rank, dims[4];\n"
    out += "  int variance; /* a batch-norm running variance: checked to be non-negative */\n} netc_tensor;\n\n"
    out += "static const netc_tensor netc_tensors[netc_tensor_count + 1] = {\n"
    for (i, parameter) in parameters.enumerated() {
      let dims = parameter.shape.dims.map(String.init).joined(separator: ", ")
      let variance = parameter.role == .runningVar ? 1 : 0
      out += "  {\(CText.string(parameter.name)), \(parameter.shape.rank), {\(dims)}, \(variance)}, /* t[\(i)] */\n"
    }
    out += "  {NULL, 0, {0}, 0},\n};\n\n"
    let sorted = parameters.indices.sorted {
      parameters[$0].name.utf8.lexicographicallyPrecedes(parameters[$1].name.utf8)
    }
    out += "/* Indices of netc_tensors sorted by name, in byte order. */\n"
    out +=
      CText.wrapped(
        "static const int netc_tensors_by_name[netc_tensor_count + 1] = {", sorted.map(String.init) + ["-1"], "};",
        indent: ""
      ).joined(separator: "\n") + "\n\n"
    return out
  }

  /// The load steps, one per array, in program order: `netc_load_weights` runs through them.
  var loadSteps: String {
    let fields = self.fields
    let index = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { ($1.name, $0) })
    var out = "/* How netc_load_weights fills each array of the model, in program order. */\n"
    out += "enum { netc_load_step_count = \(fields.count) };\n\n"
    out += "static const netc_load_step netc_load_steps[netc_load_step_count + 1] = {\n"
    for field in fields {
      var items = [".field = offsetof(struct \(prefix)_model, \(field.name))", ".count = \(field.count)"]
      let comment: String
      switch field.source {
      case .copy(let tensor):
        items = [".kind = NETC_COPY"] + items + [".tensor = \(index[tensor]!)"]
        comment = tensor
      case .pack(let tensor, let groups, let outChannels, let inChannels, let taps, let channelMajor):
        items = [".kind = NETC_PACK"] + items + [
          ".tensor = \(index[tensor]!)", ".groups = \(groups)", ".out = \(outChannels)", ".in = \(inChannels)",
          ".taps = \(taps)", ".channel_major = \(channelMajor ? 1 : 0)",
        ]
        comment = tensor + " in panels of 16 output channels" + (channelMajor ? ", channel-major" : "")
      case .winograd(let tensor, let outChannels, let inChannels, let points):
        items = [".kind = NETC_WINOGRAD"] + items + [
          ".tensor = \(index[tensor]!)", ".out = \(outChannels)", ".in = \(inChannels)", ".taps = \(points)",
        ]
        comment = tensor + " as its Winograd transform, in panels of 16 output channels"
      case .scale(let bn, let eps, let groups, let outChannels, let padded):
        items = [".kind = NETC_SCALE"] + items + [".tensor = \(index[bn + ".weight"]!)", ".bias = -1"]
        items += [".groups = \(groups)", ".out = \(outChannels)", ".padded = \(padded ? 1 : 0)", ".eps = \(eps)"]
        if field.scalar == .double { items.append(".in_double = 1") }
        comment = bn + ": weight / sqrt(running_var + eps)"
      case .shift(let bn, let bias, let eps, let groups, let outChannels, let padded):
        items = [".kind = NETC_SHIFT"] + items + [
          ".tensor = \(bn.map { index[$0 + ".weight"]! } ?? -1)", ".bias = \(bias.map { index[$0]! } ?? -1)",
          ".groups = \(groups)", ".out = \(outChannels)", ".padded = \(padded ? 1 : 0)", ".eps = \(eps)",
        ]
        if field.scalar == .double { items.append(".in_double = 1") }
        switch (bn, bias) {
        case (let bn?, let bias?): comment = bn + ": bias + (\(bias) - running_mean) * scale"
        case (let bn?, nil): comment = bn + ": bias - running_mean * scale"
        case (nil, let bias): comment = bias ?? "zero"
        }
      }
      out += "  /* \(field.name): \(comment) */\n"
      out += CText.wrapped("{", items, "},", indent: "  ").joined(separator: "\n") + "\n"
    }
    out += "  {.kind = NETC_COPY},\n};\n\n"
    return out
  }
}
