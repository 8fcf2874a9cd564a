// Lowerings of the ops that map elements one to one (ReLU, residual add, option A shortcut, inference batch
// norm) and of the reshapes (flatten, inference dropout); their kernels allow the output to be an input.

struct ReLULowering: Lowering {
  var summary: String { "elementwise" }
  var kernels: [CKernel] { [.relu] }
  func body(_ layer: Layer) -> [String]? {
    CText.call("netc_relu", ["\(layer.shape.elementCount)", "in", "out", "team"])
  }
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
          "&residual", add.relu ? "1" : "0", "\(y.batch)", "\(plane.height)", "\(plane.width)", "\(y.channels)", "in",
          "out", "team",
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
      + CText.call(
        "netc_shortcut_a", ["&shortcut", "\(y.batch)", "\(y.height)", "\(y.width)", "\(y.channels)", "out", "team"])
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
        name: layer.field("scale"), count: channels,
        source: .scale(bn: bn, eps: eps, groups: 1, out: channels, padded: false), comment: bn + " folded"),
      ModelField(
        name: layer.field("shift"), count: channels,
        source: .shift(bn: bn, bias: nil, eps: eps, groups: 1, out: channels, padded: false), comment: bn + " folded"),
    ]
  }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    return CText.call(
      "netc_scale_shift",
      [
        "\(x.elementCount / x.channels)", "\(x.channels)", "m->" + layer.field("scale"), "m->" + layer.field("shift"),
        "in", "out", "team",
      ])
  }
}

/// Inference dropout keeps every byte: nothing to do when the planner stored the output over the input, a copy
/// otherwise. Flatten keeps the bytes too, unless its input has channels and pixels, which NHWC orders the other
/// way round from the NCHW order a flattened value has.
struct CopyLowering: Lowering {
  /// A flatten of a value with channels and pixels: the copy reorders them.
  var transposes: Bool
  var summary: String { transposes ? "copy from NHWC to NCHW order" : "copy" }
  var kernels: [CKernel] { transposes ? [.transpose] : [] }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.input
    if transposes {
      return CText.call(
        "netc_transpose", ["\(x.batch)", "\(x.height * x.width)", "\(x.channels)", "in", "out", "team"])
    }
    return layer.inPlace ? nil : ["  if (team->index == 0) memcpy(out, in, \(layer.shape.byteCount));"]
  }
}
