// Lowering of 3x3 stride-1 convs by Winograd F(2x2, 3x3): the filter transformed once at load time, the input
// and output transforms and the 16 matrix products in `netc_conv_winograd`.

struct WinogradConvLowering: Lowering {
  var conv: Conv
  var summary: String { "Winograd F(\(Winograd.m)x\(Winograd.m), 3x3) over transformed weights" }
  var kernels: [CKernel] { [.winograd] + (ResidualText.isOptionA(conv) ? [.add] : []) }

  /// The lowering for a conv Winograd suits: 3x3, stride 1, no dilation or groups, enough channels for the
  /// products to outweigh the transforms, and outputs of at least 8x8 (on smaller maps the 16/9 times larger
  /// transformed weights are read for too few outputs); nil otherwise.
  init?(conv: Conv, input: Shape) {
    let square = { (pair: Pair, side: Int) in pair == Pair(square: side) }
    let output = (height: input.height + 2 * conv.pad.h - 2, width: input.width + 2 * conv.pad.w - 2)
    guard square(conv.kernel, 3), square(conv.stride, 1), square(conv.dilation, 1), conv.groups == 1,
      input.channels >= 16, conv.outChannels >= 16, output.height >= 8, output.width >= 8
    else { return nil }
    self.conv = conv
  }

  private func tiles(_ layer: Layer) -> Int {
    let side = { (size: Int) in (size + Winograd.m - 1) / Winograd.m }
    return layer.shape.batch * side(layer.shape.height) * side(layer.shape.width)
  }

  private var columns: Int { GemmConvLowering.panels(conv.outChannels) * 16 }

  func fields(_ layer: Layer) -> [ModelField] {
    let weight = conv.module + ".weight"
    let cin = layer.input.channels
    let transformed = ModelField(
      name: layer.field("weight"), count: Winograd.n * Winograd.n * columns * cin,
      source: .winograd(weight, out: conv.outChannels, in: cin), comment: weight + ", Winograd-transformed")
    return [transformed] + ChannelFields.fields(conv, layer, padded: true)
  }

  /// The transformed input and the products, a matrix per point of the tile each.
  func scratchBytes(_ layer: Layer) -> Int {
    Winograd.n * Winograd.n * tiles(layer) * (layer.input.channels + columns) * 4
  }

  /// Whether the products fetch each panel run's successor: the transformed weights outgrow L2 (ResNet-50's
  /// stage 3: 5 % faster; smaller ones stay in the caches, where the fetches only cost).
  private func prefetches(_ layer: Layer) -> Bool {
    Winograd.n * Winograd.n * columns * layer.input.channels * 4 > 2 << 20
      && layer.input.channels * 16 * 4 * 4 <= 512 << 10
  }

  /// Whether each thread takes its tiles through all three steps alone, without meeting the team between them:
  /// where V and M are small (CIFAR maps: at most 1 MiB) the meetings and the round trips through L2 cost more
  /// than the products' balance across threads gains (ResNet-20: 13 % faster on 1 thread, 30 % on 2). The
  /// larger maps of the ImageNet nets keep the three steps, not measured alone.
  private func alone(_ layer: Layer) -> Bool { scratchBytes(layer) <= 1 << 20 }

  func body(_ layer: Layer) -> [String]? {
    let window = CText.initializer("static const netc_window window", ConvText.window(conv, layer))
    let (epilogue, after) = ResidualText.split(conv, layer)
    return window + ChannelFields.epilogue(conv, layer, relu: epilogue.relu)
      + CText.call(
        "netc_conv_winograd",
        [
          "&window", "m->" + layer.field("weight"), prefetches(layer) ? "1" : "0", alone(layer) ? "1" : "0",
          "&epilogue",
          ResidualText.inKernel(conv), "in", "scratch", "out", "team",
        ])
      + after
  }
}
