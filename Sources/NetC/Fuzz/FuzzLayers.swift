// The built-in layers as the README documents them (parameters in positional order, defaults), written out
// independently of the front end's table so the two are checked against each other on every program.

enum FuzzLayers {
  /// Parameter names in positional order; `nil` marks a required parameter's missing default.
  static let parameters: [String: [(name: String, defaultValue: FuzzValue?)]] = [
    "conv": [
      ("out", nil), ("kernel", nil), ("stride", .integer(1)), ("pad", .integer(0)), ("dilation", .integer(1)),
      ("groups", .integer(1)), ("bias", .boolean(true)),
    ],
    "batchnorm": [("eps", .float(1e-5)), ("momentum", .float(0.1))],
    "relu": [],
    // The pools' stride defaults to their kernel: `nil` default, filled in below.
    "maxpool": [("kernel", nil), ("stride", nil), ("pad", .integer(0)), ("ceil", .boolean(false))],
    "avgpool": [
      ("kernel", nil), ("stride", nil), ("pad", .integer(0)), ("ceil", .boolean(false)),
      ("count_pad", .boolean(true)),
    ],
    "adaptive_avgpool": [("size", nil)],
    "global_avgpool": [],
    "flatten": [],
    "linear": [("out", nil), ("bias", .boolean(true))],
    "dropout": [("p", .float(0.5))],
    "lrn": [("size", .integer(5)), ("alpha", .float(1e-4)), ("beta", .float(0.75)), ("k", .integer(2))],
    "softmax": [],
  ]

  /// The argument for each parameter (nil where the call leaves it out), or nil for a call the front end
  /// rejects: too many positional arguments, an unknown or repeated keyword.
  static func bind(_ call: FuzzCall, to names: [String]) -> [FuzzExpr?]? {
    guard call.positional.count <= names.count else { return nil }
    var bound: [FuzzExpr?] = call.positional + Array(repeating: nil, count: names.count - call.positional.count)
    for keyword in call.keywords {
      guard let index = names.firstIndex(of: keyword.name), bound[index] == nil else { return nil }
      bound[index] = keyword.value
    }
    return bound
  }

  /// The op a built-in layer call makes (module paths empty), or nil where the front end rejects the call.
  static func op(_ call: FuzzCall, _ environment: FuzzEnvironment) -> Op? {
    guard let parameters = parameters[call.callee],
      let bound = bind(call, to: parameters.map(\.name))
    else { return nil }
    var values: [String: FuzzValue] = [:]
    for (parameter, argument) in zip(parameters, bound) {
      if let argument {
        guard let value = argument.evaluate(environment) else { return nil }
        values[parameter.name] = value
      } else if let value = parameter.defaultValue {
        values[parameter.name] = value
      }
    }
    if values["stride"] == nil, call.callee.hasSuffix("pool") { values["stride"] = values["kernel"] }
    return make(call.callee, Arguments(values: values))
  }

  private struct Arguments {
    var values: [String: FuzzValue]

    func size(_ name: String) -> Int? {
      values[name]?.integer.flatMap { (0...maxAttribute).contains($0) ? $0 : nil }
    }

    func pair(_ name: String) -> Pair? {
      values[name]?.pair.flatMap { (0...maxAttribute) ~= $0.h && (0...maxAttribute) ~= $0.w ? $0 : nil }
    }

    func number(_ name: String) -> Double? { values[name]?.number }

    func boolean(_ name: String) -> Bool? {
      guard case .boolean(let value) = values[name] else { return nil }
      return value
    }
  }

  private static func make(_ layer: String, _ a: Arguments) -> Op? {
    switch layer {
    case "conv":
      guard let out = a.size("out"), let kernel = a.pair("kernel"), let stride = a.pair("stride"),
        let pad = a.pair("pad"), let dilation = a.pair("dilation"), let groups = a.size("groups"),
        let bias = a.boolean("bias")
      else { return nil }
      return .conv(
        Conv(
          outChannels: out, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups, module: "",
          hasBias: bias))
    case "batchnorm":
      guard let eps = a.number("eps"), let momentum = a.number("momentum"), (0...1).contains(momentum) else {
        return nil
      }
      return .batchNorm(BatchNorm(eps: eps, momentum: momentum, module: ""))
    case "maxpool", "avgpool":
      guard let kernel = a.pair("kernel"), let stride = a.pair("stride"), let pad = a.pair("pad"),
        let ceil = a.boolean("ceil")
      else { return nil }
      if layer == "maxpool" { return .maxPool(Pool(kernel: kernel, stride: stride, pad: pad, ceilMode: ceil)) }
      guard let countPad = a.boolean("count_pad") else { return nil }
      return .avgPool(Pool(kernel: kernel, stride: stride, pad: pad, ceilMode: ceil, countIncludePad: countPad))
    case "adaptive_avgpool":
      return a.pair("size").map { .adaptiveAvgPool(AdaptiveAvgPool(out: $0)) }
    case "global_avgpool":
      return .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1)))
    case "linear":
      guard let out = a.size("out"), let bias = a.boolean("bias") else { return nil }
      return .linear(Linear(outFeatures: out, module: "", hasBias: bias))
    case "dropout":
      return a.number("p").map { .dropout(Dropout(p: $0)) }
    case "lrn":
      guard let size = a.size("size"), let alpha = a.number("alpha"), let beta = a.number("beta"),
        let k = a.number("k")
      else { return nil }
      return .lrn(LRN(size: size, alpha: alpha, beta: beta, k: k))
    case "relu": return .relu
    case "flatten": return .flatten
    case "softmax": return .softmax
    default: return nil
    }
  }
}
