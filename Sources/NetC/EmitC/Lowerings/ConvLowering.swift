// Lowerings of `conv2d`: direct convolution for any geometry, and 1x1 stride-1 convs as a matrix product.
// Both keep PyTorch's weight layout and share how weights load and how the epilogue is spelled.

struct DirectConvLowering: Lowering {
  var conv: Conv
  var summary: String { "direct convolution" }
  var kernels: [CKernel] { [.conv2dDirect] + ConvWeights.kernels(conv) }
  func fields(_ layer: Layer) -> [ModelField] { ConvWeights.fields(conv, layer) }
  func load(_ layer: Layer) -> [String] { ConvWeights.load(conv, layer) }
  func body(_ layer: Layer) -> [String]? { ConvWeights.body(conv, layer, kernel: "netc_conv2d_direct") }
}

struct PointwiseConvLowering: Lowering {
  var conv: Conv
  var summary: String { "1x1 convolution as a matrix product" }
  var kernels: [CKernel] { [.conv2dPointwise] + ConvWeights.kernels(conv) }
  func fields(_ layer: Layer) -> [ModelField] { ConvWeights.fields(conv, layer) }
  func load(_ layer: Layer) -> [String] { ConvWeights.load(conv, layer) }
  func body(_ layer: Layer) -> [String]? { ConvWeights.body(conv, layer, kernel: "netc_conv2d_1x1") }
}

/// Conv weights in PyTorch's `[out, in / groups, kh, kw]` layout with a batch norm folded in at load time, and
/// the call of a kernel taking `(window, weight, in, epilogue, out)`.
enum ConvWeights {
  static func kernels(_ conv: Conv) -> [CKernel] {
    conv.epilogue.batchNorm != nil ? [.foldBatchNorm] : [.copyF32]
  }

  static func hasBias(_ conv: Conv) -> Bool { conv.hasBias || conv.epilogue.batchNorm != nil }

  static func fields(_ conv: Conv, _ layer: Layer) -> [ModelField] {
    let perChannel = layer.input.channels / conv.groups * conv.kernel.h * conv.kernel.w
    let folded = conv.epilogue.batchNorm.map { ", \($0.module) folded in" } ?? ""
    var fields = [
      ModelField(
        name: layer.field("weight"), count: conv.outChannels * perChannel, comment: "\(conv.module).weight" + folded)
    ]
    if hasBias(conv) {
      let source = conv.hasBias ? "\(conv.module).bias" : "zero bias"
      fields.append(ModelField(name: layer.field("bias"), count: conv.outChannels, comment: source + folded))
    }
    return fields
  }

  static func load(_ conv: Conv, _ layer: Layer) -> [String] {
    let weight = layer.field("weight"), bias = layer.field("bias")
    let count = layer.node.parameters(inputShapes: layer.inputShapes)[0].shape.elementCount
    guard let bn = conv.epilogue.batchNorm else {
      var lines = CText.call("netc_copy_f32", ["m->\(weight)", layer.tensor(conv.module + ".weight"), "\(count)"])
      if conv.hasBias {
        lines += CText.call("netc_copy_f32", ["m->\(bias)", layer.tensor(conv.module + ".bias"), "\(conv.outChannels)"])
      }
      return lines
    }
    let convBias = conv.hasBias ? layer.tensor(conv.module + ".bias") : "NULL"
    return CText.call(
      "netc_fold_batchnorm",
      [
        "m->\(weight)", "m->\(bias)", "\(conv.outChannels)", "\(count / conv.outChannels)",
        layer.tensor(conv.module + ".weight"), convBias, "&" + layer.tensor(bn.module + ".weight"), CText.double(bn.eps),
      ])
  }

  static func body(_ conv: Conv, _ layer: Layer, kernel: String) -> [String] {
    let x = layer.input, y = layer.shape
    let window = CText.initializer(
      "static const netc_window window",
      [
        ("batch", y.batch), ("in_c", x.channels), ("in_h", x.height), ("in_w", x.width), ("out_c", y.channels),
        ("out_h", y.height), ("out_w", y.width), ("kernel_h", conv.kernel.h), ("kernel_w", conv.kernel.w),
        ("stride_h", conv.stride.h), ("stride_w", conv.stride.w), ("pad_h", conv.pad.h), ("pad_w", conv.pad.w),
        ("dilation_h", conv.dilation.h), ("dilation_w", conv.dilation.w), ("groups", conv.groups),
      ])
    let epilogue = EpilogueText.declaration(
      bias: hasBias(conv) ? "m->" + layer.field("bias") : nil, residual: conv.epilogue.residual, layer: layer,
      relu: conv.epilogue.relu)
    return window + epilogue
      + CText.call(kernel, ["&window", "m->" + layer.field("weight"), "in", "&epilogue", "out"])
  }
}

/// The `netc_epilogue` a conv or an add passes its kernel.
enum EpilogueText {
  static func declaration(bias: String?, residual: Residual?, layer: Layer, relu: Bool) -> [String] {
    var items: [String] = []
    if let bias { items.append(".bias = \(bias)") }
    if let residual, layer.inputShapes.count == 2 {
      let source = layer.inputShapes[1], plane = Layer.planeSize(source)
      items += [
        ".shortcut = shortcut", ".channels = \(source.channels)", ".height = \(plane.height)", ".width = \(plane.width)",
        ".stride = \(residual.stride)", ".offset = \(residual.channelOffset)",
      ]
    }
    if relu { items.append(".relu = 1") }
    if items.isEmpty { items.append(".bias = NULL") }
    return CText.wrapped("const netc_epilogue epilogue = {", items, "};")
  }
}
