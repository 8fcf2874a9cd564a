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
    let y = layer.shape
    let plane = Layer.planeSize(y)
    return ShortcutText.declaration("residual", add.shortcut, layer, data: "shortcut")
      + CText.call(
        "netc_add",
        [
          "&residual", add.relu ? "1" : "0", "\(y.batch)", "\(y.channels)", "\(plane.height)", "\(plane.width)", "in",
          "out",
        ])
  }
}

struct ShortcutALowering: Lowering {
  var shortcut: ShortcutA
  var summary: String { "subsample and zero-pad channels" }
  var kernels: [CKernel] { [.shortcutA] }

  func body(_ layer: Layer) -> [String]? {
    let y = layer.shape
    let mapping = Residual(stride: shortcut.stride, channelOffset: (y.channels - layer.input.channels) / 2)
    return ShortcutText.declaration("shortcut", mapping, layer, data: "in")
      + CText.call("netc_shortcut_a", ["&shortcut", "\(y.batch)", "\(y.channels)", "\(y.height)", "\(y.width)", "out"])
  }
}

struct BatchNormLowering: Lowering {
  var batchNorm: BatchNorm
  var summary: String { "scale and shift per channel" }
  var kernels: [CKernel] { [.scaleShift] }

  func fields(_ layer: Layer) -> [ModelField] {
    let channels = layer.shape.channels
    let bn = batchNorm.module
    let eps = batchNorm.eps
    return [
      ModelField(
        name: layer.field("scale"), scalar: .double, count: channels, source: .batchNormScale(bn: bn, eps: eps),
        comment: bn + " folded"),
      ModelField(
        name: layer.field("shift"), scalar: .double, count: channels,
        source: .batchNormShift(bn: bn, bias: nil, eps: eps),
        comment: bn + " folded"),
    ]
  }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    return CText.call(
      "netc_scale_shift",
      [
        "\(x.batch)", "\(x.channels)", "\(x.height * x.width)", "m->" + layer.field("scale"),
        "m->" + layer.field("shift"), "in", "out",
      ])
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
