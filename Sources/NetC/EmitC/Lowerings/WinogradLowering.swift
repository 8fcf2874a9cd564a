// Lowering of 3x3 stride-1 convs by Winograd F(m x m, 3x3), the tile size chosen per layer: the filter
// transformed once at load time, the input and output transforms and the products in `netc_conv_<stem>`.

struct WinogradConvLowering: Lowering {
  var conv: Conv
  var tile: Winograd.Tile
  var summary: String { "Winograd F(\(tile.m)x\(tile.m), 3x3) over transformed weights" }
  var kernels: [CKernel] { [.winograd(tile)] + (ResidualText.isOptionA(conv) ? [.add] : []) }

  /// The lowering for a conv Winograd suits: 3x3, stride 1, no dilation or groups, enough channels for the
  /// products to outweigh the transforms, and outputs of at least 8x8 (on smaller maps the 16/9 times larger
  /// transformed weights are read for too few outputs); nil otherwise. F(4x4, 3x3) where its transformed
  /// weights, 36/16 times F(2x2, 3x3)'s, are read for enough tiles: at least 49 (ResNet-50 at 1 thread:
  /// 56x56x64 0.96 -> 0.59 ms, 28x28x128 0.75 -> 0.52), or 16 where they stay in L2 (ResNet-20's 16x16x32:
  /// 21 -> 16 us); F(2x2, 3x3) elsewhere (F(4x4, 3x3) measured 1.4x slower on ResNet-50's 14x14x256, whose
  /// 9 MiB of weights serve 16 tiles, and on ResNet-20's 8x8x64, 4 tiles).
  init?(conv: Conv, input: Shape) {
    let square = { (pair: Pair, side: Int) in pair == Pair(square: side) }
    let output = (height: input.height + 2 * conv.pad.h - 2, width: input.width + 2 * conv.pad.w - 2)
    guard square(conv.kernel, 3), square(conv.stride, 1), square(conv.dilation, 1), conv.groups == 1,
      input.channels >= 16, conv.outChannels >= 16, output.height >= 8, output.width >= 8
    else { return nil }
    self.conv = conv
    let tiles = input.batch * ((output.height + 3) / 4) * ((output.width + 3) / 4)
    let weights = Winograd.Tile.f4x4.points * GemmConvLowering.panels(conv.outChannels) * 16 * input.channels * 4
    tile = tiles >= 49 || (tiles >= 16 && weights <= 2 << 20) ? .f4x4 : .f2x2
  }

  private func tiles(_ layer: Layer) -> Int {
    let side = { (size: Int) in (size + tile.m - 1) / tile.m }
    return layer.shape.batch * side(layer.shape.height) * side(layer.shape.width)
  }

  private var columns: Int { GemmConvLowering.panels(conv.outChannels) * 16 }

  func fields(_ layer: Layer) -> [ModelField] {
    let weight = conv.module + ".weight"
    let cin = layer.input.channels
    let transformed = ModelField(
      name: layer.field("weight"), count: tile.points * columns * cin,
      source: .winograd(weight, out: conv.outChannels, in: cin, points: tile.points),
      comment: weight + ", Winograd-transformed")
    return [transformed] + ChannelFields.fields(conv, layer, padded: true)
  }

  /// The transformed input and the products, a matrix per point of the tile each.
  func scratchBytes(_ layer: Layer) -> Int {
    tile.points * tiles(layer) * (layer.input.channels + columns) * 4
  }

  /// Whether the products fetch each panel run's successor: the transformed weights outgrow L2 (ResNet-50's
  /// stage 3: 5 % faster; smaller ones stay in the caches, where the fetches only cost).
  private func prefetches(_ layer: Layer) -> Bool {
    tile.points * columns * layer.input.channels * 4 > 2 << 20
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
        "netc_conv_" + tile.stem,
        [
          "&window", "m->" + layer.field("weight"), prefetches(layer) ? "1" : "0", alone(layer) ? "1" : "0",
          "&epilogue",
          ResidualText.inKernel(conv), "in", "scratch", "out", "team",
        ])
      + after
  }
}
