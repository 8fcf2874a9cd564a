// Lowerings of `conv2d`: direct convolution for any geometry, and 1x1 stride-1 convs as a matrix product.
// Both keep PyTorch's weight layout, sum in double, and share how weights load and how the epilogue reads.

struct DirectConvLowering: Lowering {
  var conv: Conv
  var summary: String { "direct convolution" }
  var kernels: [CKernel] { [.conv2dDirect] }
  func fields(_ layer: Layer) -> [ModelField] { ConvWeights.fields(conv, layer) }
  /// The sums of one output plane.
  func scratchBytes(_ layer: Layer) -> Int { layer.shape.height * layer.shape.width * 8 }
  func body(_ layer: Layer) -> [String]? { ConvWeights.body(conv, layer, kernel: "netc_conv2d_direct") }
}

struct PointwiseConvLowering: Lowering {
  var conv: Conv
  var summary: String { "1x1 convolution as a matrix product" }
  var kernels: [CKernel] { [.conv2dPointwise] }
  func fields(_ layer: Layer) -> [ModelField] { ConvWeights.fields(conv, layer) }
  /// The sums of one block of columns.
  func scratchBytes(_ layer: Layer) -> Int { min(layer.shape.height * layer.shape.width, CKernel.productColumns) * 8 }
  func body(_ layer: Layer) -> [String]? { ConvWeights.body(conv, layer, kernel: "netc_conv2d_1x1") }
}

/// Conv weights in PyTorch's `[out, in / groups, kh, kw]` layout, and the bias and batch norm after them folded
/// at load time into a scale and shift per channel that the epilogue applies to the double sums. (Folding the
/// batch norm into float weights instead would round every weight, an error deep plain networks amplify
/// hundreds of times: plain56 would miss the interpreter by 1.5e-4.)
enum ConvWeights {
  static func fields(_ conv: Conv, _ layer: Layer) -> [ModelField] {
    let weight = conv.module + ".weight"
    let bias = conv.hasBias ? conv.module + ".bias" : nil
    let perChannel = layer.input.channels / conv.groups * conv.kernel.h * conv.kernel.w
    var fields = [
      ModelField(
        name: layer.field("weight"), count: conv.outChannels * perChannel, source: .copy(weight), comment: weight)
    ]
    if let bn = conv.epilogue.batchNorm {
      let folded = ([bias].compactMap { $0 } + [bn.module]).joined(separator: " and ") + " folded"
      fields += [
        ModelField(
          name: layer.field("scale"), scalar: .double, count: conv.outChannels,
          source: .batchNormScale(bn: bn.module, eps: bn.eps), comment: bn.module + " folded"),
        ModelField(
          name: layer.field("shift"), scalar: .double, count: conv.outChannels,
          source: .batchNormShift(bn: bn.module, bias: bias, eps: bn.eps), comment: folded),
      ]
    } else if let bias {
      fields.append(
        ModelField(
          name: layer.field("shift"), scalar: .double, count: conv.outChannels, source: .copy(bias), comment: bias))
    }
    return fields
  }

  static func body(_ conv: Conv, _ layer: Layer, kernel: String) -> [String] {
    let x = layer.input
    let y = layer.shape
    let window = CText.initializer(
      "static const netc_window window",
      [
        ("batch", y.batch), ("in_c", x.channels), ("in_h", x.height), ("in_w", x.width), ("out_c", y.channels),
        ("out_h", y.height), ("out_w", y.width), ("kernel_h", conv.kernel.h), ("kernel_w", conv.kernel.w),
        ("stride_h", conv.stride.h), ("stride_w", conv.stride.w), ("pad_h", conv.pad.h), ("pad_w", conv.pad.w),
        ("dilation_h", conv.dilation.h), ("dilation_w", conv.dilation.w), ("groups", conv.groups),
      ])
    var items: [String] = []
    var residual: [String] = []
    if conv.epilogue.batchNorm != nil { items.append(".scale = m->" + layer.field("scale")) }
    if conv.epilogue.batchNorm != nil || conv.hasBias { items.append(".shift = m->" + layer.field("shift")) }
    if let shortcut = conv.epilogue.residual {
      residual = ShortcutText.declaration("residual", shortcut, layer, data: "shortcut")
      items.append(".shortcut = residual")
    }
    if conv.epilogue.relu { items.append(".relu = 1") }
    if items.isEmpty { items.append(".relu = 0") }
    let epilogue = CText.wrapped("const netc_epilogue epilogue = {", items, "};")
    return window + residual + epilogue
      + CText.call(kernel, ["&window", "m->" + layer.field("weight"), "in", "&epilogue", "scratch", "out"])
  }
}

/// A `netc_shortcut` over a layer's last operand (`data`), mapped onto its output by `residual`.
enum ShortcutText {
  static func declaration(_ name: String, _ residual: Residual, _ layer: Layer, data: String) -> [String] {
    let source = layer.inputShapes[layer.inputShapes.count - 1]
    let plane = Layer.planeSize(source)
    return CText.wrapped(
      "const netc_shortcut \(name) = {",
      [
        ".data = \(data)", ".channels = \(source.channels)", ".height = \(plane.height)", ".width = \(plane.width)",
        ".stride = \(residual.stride)", ".offset = \(residual.channelOffset)",
      ], "};")
  }
}
