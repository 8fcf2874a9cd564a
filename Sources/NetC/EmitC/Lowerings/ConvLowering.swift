// Lowerings of `conv2d`: a matrix product over weights packed at load (any kernel, stride, padding, dilation and
// group count within the product's limits), and the direct double-precision reference for the rest. Both fold
// the bias and batch norm into a float scale and shift per channel, applied to the sums before the store.

struct GemmConvLowering: Lowering {
  var conv: Conv
  /// How the product walks the layer, decided from its shape when the layer is lowered.
  var gather: Bool
  /// The input is NCHW and its kernel rows are read in place (`netc_conv_rows_nchw`).
  var readsNCHWRows: Bool
  var rowsOuter: Bool
  var tiles: Int
  var prefetch: Bool
  var shifted: Bool

  var summary: String {
    "matrix product over packed weights, " + (gather ? "rows gathered" : "rows read in place")
      + (shifted
        ? ", row tiles through every group" : rowsOuter ? ", \(tiles) row tiles through every panel" : ", panels outer")
      + (prefetch ? ", the next panels prefetched" : "")
  }

  var kernels: [CKernel] { [.convGemm] + (ResidualText.isOptionA(conv) ? [.add] : []) }
  /// Planned for an NCHW input, the product gathers it or reads its kernel rows in place.
  var readsNCHWInput: Bool { gather || readsNCHWRows }

  func fields(_ layer: Layer) -> [ModelField] {
    let (cin, taps) = (layer.input.channels / conv.groups, conv.kernel.h * conv.kernel.w)
    let cout = conv.outChannels / conv.groups
    let weight = conv.module + ".weight"
    let packed = ModelField(
      name: layer.field("weight"), count: conv.groups * GemmConvLowering.panels(cout) * 16 * cin * taps,
      source: .pack(weight, groups: conv.groups, out: cout, in: cin, taps: taps, channelMajor: layer.inputIsNCHW),
      comment: weight + ", packed in panels" + (layer.inputIsNCHW ? " (channel-major)" : ""))
    return [packed] + ChannelFields.fields(conv, layer, padded: true)
  }

  func body(_ layer: Layer) -> [String]? {
    let window = ConvText.window(conv, layer).map { ".\($0.0) = \($0.1)" }
    let plan = [
      ".nchw = \(layer.inputIsNCHW ? 1 : 0)", ".gather = \(gather ? 1 : 0)", ".rows_outer = \(rowsOuter ? 1 : 0)",
      ".tiles = \(tiles)", ".prefetch = \(prefetch ? 1 : 0)",
      ".shifted = \(shifted ? 1 : 0)",
    ]
    let conv =
      CText.wrapped("static const netc_conv conv = {.window = {", window, "},")
      + CText.wrapped("", plan, "};", indent: "                                 ")
    let (epilogue, after) = ResidualText.split(self.conv, layer)
    return conv + ChannelFields.epilogue(self.conv, layer, relu: epilogue.relu)
      + CText.call(
        "netc_conv_gemm",
        ["&conv", "m->" + layer.field("weight"), "&epilogue", ResidualText.inKernel(self.conv), "in", "out", "team"])
      + after
  }

  /// Panels of 16 output channels a group's `channels` take.
  static func panels(_ channels: Int) -> Int { (channels + 15) / 16 }

  /// The product's plan for a layer, or nil when the layer is beyond its limits: a tap too wide to gather
  /// (more than `gatherFloats` floats for the widest tile) when gathering is needed.
  static func plan(_ conv: Conv, input: Shape, output: Shape, inputIsNCHW: Bool) -> GemmConvLowering? {
    let cin = input.channels / conv.groups
    let taps = conv.kernel.h * conv.kernel.w
    let depth = cin * taps
    let padded = conv.pad.h > 0 || conv.pad.w > 0
    // Few channels per tap make the indirect rows short; an NCHW input has no contiguous channel rows at all,
    // but a kernel's rows along it are read in place (netc_conv_rows_nchw) when their pointers and the copies at
    // the sides (a tile of the tallest kernel's rows, 14) fit: ResNet-20's 3x3 stem 37 -> 24 µs, ResNet-50's
    // 7x7 stem 2.07 -> 1.58 ms, where gathering copied every tap row of every output pixel.
    let nchwRows =
      inputIsNCHW && conv.dilation.w == 1 && cin * conv.kernel.h <= CKernel.indirectTaps
      && depth * 14 <= CKernel.gatherFloats
    let gather =
      (inputIsNCHW && !nchwRows)
      || (!inputIsNCHW && (cin < 8 || taps > CKernel.indirectTaps || (padded && cin > CKernel.zeroRowFloats)))
    let widestTile = 6
    if gather && depth * widestTile > CKernel.gatherFloats { return nil }
    let weightBytes = conv.outChannels * depth * 4
    // Small weights stay in cache while a block of rows runs through every panel; large ones are streamed once,
    // each panel run through every row. A 1x1 conv whose weights fit L2 beside its rows keeps the weights there
    // when its rows are the larger operand: re-reading them beats re-reading the rows once per panel run
    // (ResNeXt-50's 56x56 and 28x28 1x1 convs: 5 % faster; at 14x14 the rows are smaller and it is 10 % slower).
    let rowBytes = output.batch * output.height * output.width * depth * 4
    let rowsOuter =
      gather || weightBytes <= 128 * 1024 || (taps == 1 && weightBytes <= 1 << 20 && weightBytes <= rowBytes)
    let tiles = !rowsOuter ? 1 : gather ? min(4, CKernel.gatherFloats / (depth * widestTile)) : 4
    // Weights beyond L2 come from memory at each panel run's first row tile unless fetched during the run
    // before; two runs' panels must then fit in L2 beside the rows (measured on ResNet-50 and ResNeXt-50's
    // stage 4: 7-10 % faster; smaller weights stay in the caches, where the fetches only cost).
    let runBytes = depth * 16 * 4 * 4
    let prefetch = !rowsOuter && weightBytes > 2 << 20 && runBytes <= 512 << 10
    // Narrow groups spend as long on their row pointers as on their products unless groups share them (ResNeXt
    // stage 3: 30 % faster); the tile then reads every group's weights, which must stay in L2 (stage 4's do
    // not, and run 10 % slower that way).
    let shifted =
      conv.groups > 1 && !gather && !nchwRows && weightBytes <= 512 << 10
      && (!padded || input.channels <= CKernel.zeroRowFloats)
    return GemmConvLowering(
      conv: conv, gather: gather, readsNCHWRows: nchwRows, rowsOuter: rowsOuter, tiles: tiles,
      prefetch: prefetch && !shifted, shifted: shifted)
  }
}

struct DirectConvLowering: Lowering {
  var conv: Conv
  var summary: String { "direct convolution in double" }
  var kernels: [CKernel] { [.conv2dDirect] + (ResidualText.isOptionA(conv) ? [.add] : []) }

  func fields(_ layer: Layer) -> [ModelField] {
    let weight = conv.module + ".weight"
    let count = conv.outChannels * layer.input.channels / conv.groups * conv.kernel.h * conv.kernel.w
    return [ModelField(name: layer.field("weight"), count: count, source: .copy(weight), comment: weight)]
      + ChannelFields.fields(conv, layer, padded: false, scalar: .double)
  }

  func body(_ layer: Layer) -> [String]? {
    let window = CText.initializer("static const netc_window window", ConvText.window(conv, layer))
    let (epilogue, after) = ResidualText.split(conv, layer)
    let fields = ChannelFields.names(conv, layer)
    return window
      + CText.call(
        "netc_conv2d_direct",
        [
          "&window", "m->" + layer.field("weight"), fields.scale, fields.shift, epilogue.relu ? "1" : "0",
          ResidualText.inKernel(conv), "in", "out", "team",
        ])
      + after
  }
}

/// The geometry fields of a conv's `netc_window`.
enum ConvText {
  static func window(_ conv: Conv, _ layer: Layer) -> [(String, Int)] {
    let (x, y) = (layer.input, layer.shape)
    return [
      ("batch", y.batch), ("in_c", x.channels), ("in_h", x.height), ("in_w", x.width), ("out_c", y.channels),
      ("out_h", y.height), ("out_w", y.width), ("kernel_h", conv.kernel.h), ("kernel_w", conv.kernel.w),
      ("stride_h", conv.stride.h), ("stride_w", conv.stride.w), ("pad_h", conv.pad.h), ("pad_w", conv.pad.w),
      ("dilation_h", conv.dilation.h), ("dilation_w", conv.dilation.w), ("groups", conv.groups),
    ]
  }
}

/// A conv's residual: an identity shortcut the kernel adds in its epilogue (reading each element just before
/// writing it, so the output may be the shortcut), or an option A shortcut added after the kernel by `netc_add`
/// over the finished output, then ReLU.
enum ResidualText {
  static func isOptionA(_ conv: Conv) -> Bool {
    conv.epilogue.residual.map { $0 != .identity } ?? false
  }

  /// The residual argument of the kernel: the shortcut operand, or NULL.
  static func inKernel(_ conv: Conv) -> String { conv.epilogue.residual == .identity ? "shortcut" : "NULL" }

  /// The epilogue the kernel applies, and the statements after it.
  static func split(_ conv: Conv, _ layer: Layer) -> (Epilogue, [String]) {
    guard let residual = conv.epilogue.residual, residual != .identity else { return (conv.epilogue, []) }
    let y = layer.shape
    let after =
      ["  netc_sync(team);"] + ShortcutText.declaration("residual", residual, layer, data: "shortcut")
      + CText.call(
        "netc_add",
        ["&residual", conv.epilogue.relu ? "1" : "0", "\(y.batch)", "\(y.height)", "\(y.width)", "\(y.channels)", "out",
         "out", "team"])
    return (Epilogue(batchNorm: conv.epilogue.batchNorm), after)
  }
}

/// The bias and batch norm of a conv, folded at load time into a scale and shift per output channel: floats for
/// the fast kernels, doubles for the reference. (Folding the scale into the weights instead would round every
/// weight once more, an error deep plain networks amplify hundreds of times.)
enum ChannelFields {
  /// Channels are laid out per group, each padded to whole panels when `padded`, unless `panelsSpanGroups`,
  /// when panels hold several groups and only the whole layer is padded.
  static func fields(
    _ conv: Conv, _ layer: Layer, padded: Bool, scalar: ModelField.Scalar = .float, panelsSpanGroups: Bool = false
  ) -> [ModelField] {
    let bias = conv.hasBias ? conv.module + ".bias" : nil
    let groups = panelsSpanGroups ? 1 : conv.groups
    let cout = conv.outChannels / groups
    let count = groups * (padded ? GemmConvLowering.panels(cout) * 16 : cout)
    let bn = conv.epilogue.batchNorm
    var fields: [ModelField] = []
    if let bn {
      fields.append(
        ModelField(
          name: layer.field("scale"), count: count, scalar: scalar,
          source: .scale(bn: bn.module, eps: bn.eps, groups: groups, out: cout, padded: padded),
          comment: bn.module + " folded"))
    }
    if bn != nil || bias != nil {
      let folded = ([bias].compactMap { $0 } + [bn?.module].compactMap { $0 }).joined(separator: " and ")
      fields.append(
        ModelField(
          name: layer.field("shift"), count: count, scalar: scalar,
          source: .shift(
            bn: bn?.module, bias: bias, eps: bn?.eps ?? 0, groups: groups, out: cout, padded: padded),
          comment: folded + (bn != nil ? " folded" : "")))
    }
    return fields
  }

  /// The C expressions of the scale and shift arrays, `NULL` where there is none.
  static func names(_ conv: Conv, _ layer: Layer) -> (scale: String, shift: String) {
    let hasShift = conv.epilogue.batchNorm != nil || conv.hasBias
    return (
      conv.epilogue.batchNorm != nil ? "m->" + layer.field("scale") : "NULL",
      hasShift ? "m->" + layer.field("shift") : "NULL"
    )
  }

  /// `const netc_gemm_epilogue epilogue = {…};`, the epilogue both conv kernels take.
  static func epilogue(_ conv: Conv, _ layer: Layer, relu: Bool) -> [String] {
    let fields = names(conv, layer)
    return CText.wrapped(
      "const netc_gemm_epilogue epilogue = {", [".scale = " + fields.scale, ".shift = " + fields.shift, ".relu = \(relu ? 1 : 0)"],
      "};")
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
