// Lowering of grouped convs whose groups are narrower than a panel: several whole groups share each panel of 16
// output channels (`netc_conv_grouped`) instead of each group padding a panel of its own with zeros.

struct GroupedConvLowering: Lowering {
  var conv: Conv

  /// The lowering for a conv the grouped kernel takes: more than one group, each of cout output channels
  /// dividing the panel (at most 8, so a panel holds two groups or more) and at most cout input channels (a
  /// panel's groups then read at most 16 contiguous input channels, one vector's worth), an NHWC input, taps the
  /// indirect tile addresses, and, when padded, input pixels within the zero row; nil otherwise.
  init?(conv: Conv, input: Shape, inputIsNCHW: Bool) {
    let cin = input.channels / conv.groups
    let cout = conv.outChannels / conv.groups
    let padded = conv.pad.h > 0 || conv.pad.w > 0
    guard conv.groups > 1, cout <= 8, 16 % cout == 0, cin <= cout, !inputIsNCHW,
      conv.kernel.h * conv.kernel.w <= CKernel.indirectTaps, !padded || input.channels <= CKernel.zeroRowFloats
    else { return nil }
    self.conv = conv
  }

  var summary: String { "grouped matrix product, \(16 * conv.groups / conv.outChannels) groups per panel" }
  var kernels: [CKernel] { [.groupedConv] + (ResidualText.isOptionA(conv) ? [.add] : []) }

  func fields(_ layer: Layer) -> [ModelField] {
    let (cin, taps) = (layer.input.channels / conv.groups, conv.kernel.h * conv.kernel.w)
    let weight = conv.module + ".weight"
    let packed = ModelField(
      name: layer.field("weight"), count: GemmConvLowering.panels(conv.outChannels) * 16 * cin * taps,
      source: .pack(weight, groups: 1, out: conv.outChannels, in: cin, taps: taps, channelMajor: false),
      comment: weight + ", packed in panels of whole groups")
    return [packed] + ChannelFields.fields(conv, layer, padded: true, panelsSpanGroups: true)
  }

  func body(_ layer: Layer) -> [String]? {
    let window = CText.initializer("static const netc_window window", ConvText.window(conv, layer))
    let (epilogue, after) = ResidualText.split(conv, layer)
    return window + ChannelFields.epilogue(conv, layer, relu: epilogue.relu)
      + CText.call(
        "netc_conv_grouped",
        ["&window", "m->" + layer.field("weight"), "&epilogue", ResidualText.inKernel(conv), "in", "out", "team"])
      + after
  }
}
