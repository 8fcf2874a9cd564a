// The built-in layers: their parameters in positional order with defaults (the table the README documents),
// and how their evaluated arguments become an IR op.

struct BuiltinLayer: Sendable {
  enum Default: Sendable {
    case required
    case value(Value)
    /// Defaults to another parameter's value (`maxpool`'s stride is its kernel).
    case sameAs(String)
  }

  struct Parameter: Sendable {
    var name: String
    var defaultValue: Default
  }

  var name: String
  var parameters: [Parameter]
  /// Builds the op from every parameter's value (defaults filled in) and the layer's module path.
  var make: @Sendable (LayerArguments, String) throws -> Op

  var signature: Signature {
    Signature(
      name: name, parameters: parameters.map(\.name),
      required: parameters.prefix { if case .required = $0.defaultValue { true } else { false } }.count)
  }

  static func named(_ name: String) -> BuiltinLayer? { table.first { $0.name == name } }

  static let names = table.map(\.name)

  private static func p(_ name: String, _ defaultValue: Default = .required) -> Parameter {
    Parameter(name: name, defaultValue: defaultValue)
  }

  private static func int(_ value: Int) -> Default { .value(.integer(value)) }

  static let table: [BuiltinLayer] = [
    BuiltinLayer(
      name: "conv",
      parameters: [
        p("out"), p("kernel"), p("stride", int(1)), p("pad", int(0)), p("dilation", int(1)), p("groups", int(1)),
        p("bias", .value(.boolean(true))),
      ]
    ) { a, module in
      .conv(
        Conv(
          outChannels: try a["out"].size(), kernel: try a["kernel"].pair(), stride: try a["stride"].pair(),
          pad: try a["pad"].pair(), dilation: try a["dilation"].pair(), groups: try a["groups"].size(), module: module,
          hasBias: try a["bias"].boolean()))
    },
    BuiltinLayer(name: "batchnorm", parameters: [p("eps", .value(.float(1e-5))), p("momentum", .value(.float(0.1)))]) {
      a, module in
      let momentum = try a["momentum"].number()
      guard (0...1).contains(momentum) else {
        throw Diagnostic.error(FrontEndMessages.momentumOutOfRange(momentum), at: a["momentum"].range)
      }
      return .batchNorm(BatchNorm(eps: try a["eps"].number(), momentum: momentum, module: module))
    },
    BuiltinLayer(name: "relu", parameters: []) { _, _ in .relu },
    BuiltinLayer(
      name: "maxpool",
      parameters: [p("kernel"), p("stride", .sameAs("kernel")), p("pad", int(0)), p("ceil", .value(.boolean(false)))]
    ) { a, _ in
      .maxPool(try pool(a, countIncludePad: true))
    },
    BuiltinLayer(
      name: "avgpool",
      parameters: [
        p("kernel"), p("stride", .sameAs("kernel")), p("pad", int(0)), p("ceil", .value(.boolean(false))),
        p("count_pad", .value(.boolean(true))),
      ]
    ) { a, _ in
      .avgPool(try pool(a, countIncludePad: try a["count_pad"].boolean()))
    },
    BuiltinLayer(name: "adaptive_avgpool", parameters: [p("size")]) { a, _ in
      .adaptiveAvgPool(AdaptiveAvgPool(out: try a["size"].pair()))
    },
    BuiltinLayer(name: "global_avgpool", parameters: []) { _, _ in
      .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1)))
    },
    BuiltinLayer(name: "flatten", parameters: []) { _, _ in .flatten },
    BuiltinLayer(name: "linear", parameters: [p("out"), p("bias", .value(.boolean(true)))]) { a, module in
      .linear(Linear(outFeatures: try a["out"].size(), module: module, hasBias: try a["bias"].boolean()))
    },
    BuiltinLayer(name: "dropout", parameters: [p("p", .value(.float(0.5)))]) { a, _ in
      .dropout(Dropout(p: try a["p"].number()))
    },
    BuiltinLayer(
      name: "lrn",
      parameters: [
        p("size", int(5)), p("alpha", .value(.float(1e-4))), p("beta", .value(.float(0.75))), p("k", int(2)),
      ]
    ) { a, _ in
      .lrn(
        LRN(
          size: try a["size"].size(), alpha: try a["alpha"].number(), beta: try a["beta"].number(),
          k: try a["k"].number()))
    },
    BuiltinLayer(name: "softmax", parameters: []) { _, _ in .softmax },
  ]

  private static func pool(_ a: LayerArguments, countIncludePad: Bool) throws -> Pool {
    Pool(
      kernel: try a["kernel"].pair(), stride: try a["stride"].pair(), pad: try a["pad"].pair(),
      ceilMode: try a["ceil"].boolean(), countIncludePad: countIncludePad)
  }
}

/// Every parameter of a built-in layer call, evaluated, defaults filled in, in parameter order (an array, not
/// a dictionary: a layer has at most seven parameters and a network may have many thousand layers).
struct LayerArguments {
  var values: [TypedValue]

  subscript(_ name: String) -> TypedValue {
    guard let value = values.first(where: { $0.parameter == name }) else {
      preconditionFailure("built-in layer reads undeclared parameter '\(name)'")
    }
    return value
  }
}
