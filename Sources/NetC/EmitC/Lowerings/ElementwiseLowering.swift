// Lowerings of the ops that map elements one to one (ReLU, residual add, option A shortcut, inference batch
// norm) and of the reshapes (flatten, inference dropout); their kernels allow the output to be an input.

struct ReLULowering: Lowering {
  var summary: String { "elementwise" }
  var kernels: [CKernel] { [.relu] }
  func body(_ layer: Layer) -> [String]? { CText.call("netc_relu", ["\(layer.shape.elementCount)", "in", "out"]) }
}

struct AddLowering: Lowering {
  var add: Add
  var summary: String { "elementwise" }
  var kernels: [CKernel] { [.add] }

  func body(_ layer: Layer) -> [String]? {
    let y = layer.shape, plane = Layer.planeSize(y)
    let epilogue = EpilogueText.declaration(bias: nil, residual: add.shortcut, layer: layer, relu: add.relu)
    return epilogue
      + CText.call(
        "netc_add", ["&epilogue", "\(y.batch)", "\(y.channels)", "\(plane.height)", "\(plane.width)", "in", "out"])
  }
}

struct ShortcutALowering: Lowering {
  var summary: String { "subsample and zero-pad channels" }
  var kernels: [CKernel] { [.shortcutA] }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.input, y = layer.shape
    let items = [
      ".shortcut = in", ".channels = \(x.channels)", ".height = \(x.height)", ".width = \(x.width)",
      ".stride = \(ShortcutALowering.stride(layer))", ".offset = \((y.channels - x.channels) / 2)",
    ]
    return CText.wrapped("const netc_epilogue shortcut = {", items, "};")
      + CText.call("netc_shortcut_a", ["&shortcut", "\(y.batch)", "\(y.channels)", "\(y.height)", "\(y.width)", "out"])
  }

  static func stride(_ layer: Layer) -> Int {
    if case .shortcutA(let a) = layer.node.op { return a.stride }
    return 1
  }
}

struct BatchNormLowering: Lowering {
  var batchNorm: BatchNorm
  var summary: String { "scale and shift per channel" }
  var kernels: [CKernel] { [.scaleShift, .loadBatchNorm] }

  func fields(_ layer: Layer) -> [ModelField] {
    let channels = layer.shape.channels
    return [
      ModelField(name: layer.field("scale"), count: channels, comment: "\(batchNorm.module): weight / sqrt(var + eps)"),
      ModelField(name: layer.field("shift"), count: channels, comment: "\(batchNorm.module): bias - mean * scale"),
    ]
  }

  func load(_ layer: Layer) -> [String] {
    CText.call(
      "netc_load_batchnorm",
      ["m->" + layer.field("scale"), "m->" + layer.field("shift"), "\(layer.shape.channels)",
       "&" + layer.tensor(batchNorm.module + ".weight"), CText.double(batchNorm.eps)])
  }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    return CText.call(
      "netc_scale_shift",
      ["\(x.batch)", "\(x.channels)", "\(x.height * x.width)", "m->" + layer.field("scale"),
       "m->" + layer.field("shift"), "in", "out"])
  }
}

/// Flatten and inference dropout keep every byte: nothing to do when the planner stored the output over the
/// input, a copy otherwise.
struct CopyLowering: Lowering {
  var summary: String { "copy" }
  var kernels: [CKernel] { [] }

  func body(_ layer: Layer) -> [String]? {
    layer.inPlace ? nil : ["  memcpy(out, in, \(layer.shape.byteCount));"]
  }
}
