// The training state of the generated C: one float array per parameter (torchvision's tensors, updated in
// place), one per momentum buffer, and the step counter and seed; with the tables that tie its arrays to the
// safetensors tensors.

struct TrainingStateLayout {
  struct Field {
    var name: String
    var scalar: ModelField.Scalar
    var count: Int
    var comment: String
  }

  /// Per parameter, in `parameters` order: its array, and its momentum buffer's if it is trainable.
  var parameters: [Parameter]
  var weightField: [String: String] = [:]
  var momentumField: [String: String] = [:]
  /// The C name every field of a module starts with, by module path.
  var moduleBase: [String: String] = [:]
  private(set) var fields: [Field] = []

  /// Fields for every parameter of `graph` (a training graph), named `<module>_<suffix>` after the module path
  /// (`layer1_0_conv1_weight`), unique even where two module paths spell the same identifier.
  init(graph: Graph) {
    parameters = graph.parameters
    var taken: Set<String> = []
    for parameter in parameters {
      let (module, suffix) = Self.split(parameter.name)
      if moduleBase[module] == nil {
        moduleBase[module] = taken.claimUnique(CNames.identifier(module))
      }
      let field = moduleBase[module]! + "_" + suffix
      weightField[parameter.name] = field
      fields.append(Field(name: field, scalar: .float, count: parameter.shape.elementCount, comment: parameter.name))
    }
    for parameter in parameters where parameter.isTrainable {
      let field = weightField[parameter.name]! + "_momentum"
      momentumField[parameter.name] = field
      fields.append(
        Field(
          name: field, scalar: .float, count: parameter.shape.elementCount, comment: "momentum of " + parameter.name))
    }
  }

  /// `conv1.weight` → (`conv1`, `weight`); BN statistics keep their two-word suffix.
  static func split(_ name: String) -> (module: String, suffix: String) {
    for suffix in ["running_mean", "running_var", "weight", "bias"] where name.hasSuffix("." + suffix) {
      return (String(name.dropLast(suffix.count + 1)), suffix)
    }
    preconditionFailure("parameter '\(name)' has no known suffix")
  }

  /// Bytes of the state struct: the step and seed, the doubles, then the floats (no padding anywhere), rounded
  /// up to the struct's 8-byte alignment.
  var bytes: Int {
    let data = 16 + fields.reduce(0) { $0 + $1.count * $1.scalar.bytes }
    return (data + 7) / 8 * 8
  }

  func structText(prefix: String) -> String {
    var out = "/* The training state: every parameter (updated in place by SGD), its momentum buffer, the conv\n"
    out += "   biases as doubles for the conv kernel, and the step counter and seed dropout masks derive from. */\n"
    out += "struct \(prefix)_train_state {\n"
    out += "  uint64_t step; /* steps taken */\n  uint64_t seed; /* seeds dropout masks */\n"
    for field in fields.filter({ $0.scalar == .double }) + fields.filter({ $0.scalar == .float }) {
      out += "  \(field.scalar.rawValue) \(field.name)[\(field.count)]; /* \(field.comment) */\n"
    }
    out += "};\n\n"
    out += "_Static_assert(sizeof(struct \(prefix)_train_state) == \(prefix.uppercased())_TRAIN_STATE_BYTES, "
    out += "\"the training state is laid out as netc computed\");\n\n"
    return out
  }

  /// For each tensor of `netc_tensors` (the inference file's table, in `order`), where its array and momentum
  /// buffer are in the state (momentum 0 for running statistics) and, after a step, its gradient in the arena.
  func tensorTable(prefix: String, order: [String], gradientOffsets: [String: Int]) -> String {
    var out = "/* Where each tensor of netc_tensors lives: its array and momentum buffer in the state, and its\n"
    out += "   gradient in the arena after a step; a running statistic has neither (momentum 0). */\n"
    out += "typedef struct {\n  size_t weight, momentum, gradient;\n} netc_train_tensor;\n\n"
    out += "static const netc_train_tensor netc_train_tensors[netc_tensor_count + 1] = {\n"
    for name in order {
      let weight = "offsetof(struct \(prefix)_train_state, \(weightField[name]!))"
      let momentum = momentumField[name].map { "offsetof(struct \(prefix)_train_state, \($0))" } ?? "0"
      out += CText.wrapped("{", [weight, momentum, "\(gradientOffsets[name] ?? 0)"], "},", indent: "  ")
        .joined(separator: "\n") + " /* \(name) */\n"
    }
    out += "  {0, 0, 0},\n};\n\n"
    return out
  }
}
