// Spelling values and names as Python source: literals, identifiers, class names, and how a submodule with a
// given name is registered and reached (`self.conv1`, or `getattr` when the name is not an identifier).

enum Python {
  static let keywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
  ]

  /// Public attributes of `torch.nn.Module` (torch 2.x): a submodule cannot take one of these names.
  static let moduleAttributes: Set<String> = [
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile", "cpu",
    "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer", "get_extra_state",
    "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers",
    "named_children", "named_modules", "named_parameters", "parameters", "register_backward_hook",
    "register_buffer", "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
    "register_module", "register_parameter", "register_state_dict_post_hook", "register_state_dict_pre_hook",
    "requires_grad_", "set_extra_state", "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train",
    "training", "type", "xpu", "zero_grad",
  ]

  static func isIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
    else { return false }
    return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || isDigit($0))) }
      && !keywords.contains(name)
  }

  static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

  static func bool(_ value: Bool) -> String { value ? "True" : "False" }

  /// Swift and Python both print the shortest text that reads back as the same double (`1e-05`, `0.1`, `2.0`).
  static func float(_ value: Double) -> String { "\(value)" }

  static func string(_ value: String) -> String {
    "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }

  /// `3` for a square pair, `(1, 3)` otherwise: what PyTorch's `_pair` arguments accept.
  static func pair(_ pair: Pair) -> String { pair.isSquare ? String(pair.h) : "(\(pair.h), \(pair.w))" }

  /// `bottleneck` → `Bottleneck`, `conv_group` → `ConvGroup`, `resnext50_32x4d` → `Resnext50_32x4d`: underscores
  /// before a letter start a new word; the others stay, so digits do not run together.
  static func className(_ name: String) -> String {
    var result = ""
    var capitalizeNext = true
    let characters = Array(name)
    for (i, c) in characters.enumerated() {
      if c == "_", i + 1 < characters.count, characters[i + 1].isLetter, !result.isEmpty {
        capitalizeNext = true
        continue
      }
      guard c.isASCII && (c.isLetter || c.isNumber || c == "_") else {
        result.append("_")
        continue
      }
      result += capitalizeNext ? c.uppercased() : String(c)
      capitalizeNext = false
    }
    if result.isEmpty || result.first!.isNumber { result = "Net" + result }
    return result
  }
}

/// How a class refers to one of its submodules.
struct SubmoduleName {
  var name: String

  /// A submodule name PyTorch cannot register (it would shadow an `nn.Module` attribute) is an error.
  init(_ name: String, path: String) throws {
    if Python.moduleAttributes.contains(name) {
      throw DiagnosticError(
        .error("layer '\(path)' cannot be a PyTorch submodule: '\(name)' is an attribute of nn.Module; rename it"))
    }
    self.name = name
  }

  /// `self.conv1`, or `getattr(self, "class")` for a name Python cannot spell as an attribute.
  var access: String { Python.isIdentifier(name) ? "self.\(name)" : "getattr(self, \(Python.string(name)))" }

  /// The `__init__` line that registers `value` under this name.
  func registration(_ value: String) -> String {
    Python.isIdentifier(name) ? "self.\(name) = \(value)" : "self.add_module(\(Python.string(name)), \(value))"
  }
}
