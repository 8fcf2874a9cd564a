// The training step's forward convolution (on the weights as the state keeps them, PyTorch's layout), and the
// scratch floats its three kernels need: im2col columns, transposed weights and gradients, or Winograd's.

struct ConvTrainingLowering: TrainingLowering {
  var conv: Conv
  var summary: String { "Winograd F(2x2, 3x3) or matrix product over im2col columns" }
  var kernels: [CKernel] { [.conv2dTrain] }
  func scratchBytes(_ layer: Layer) -> Int { ConvScratch(conv, input: layer.input, output: layer.shape).forward }
  var scratchScalar: String { "float" }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  func stateAccess(_ layer: Layer) -> StateAccess { .read }
  var splitsWork: Bool { true }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let bias = conv.hasBias ? "m->" + state.weightField[conv.module + ".bias"]! : "NULL"
    let weight = "m->" + state.weightField[conv.module + ".weight"]!
    // A conv that reads its input in place has no columns to build, so the layer gets no scratch parameter.
    let scratch = scratchBytes(layer) > 0 ? "scratch" : "NULL"
    return TrainingShapes.window(conv: conv, input: layer.input, output: layer.shape)
      + CText.call("netc_conv2d_train", ["team", "&window", weight, bias, "in", scratch, "out"])
  }
}

/// Bytes of scratch for a convolution from `input` to `output` in each of its training kernels.
struct ConvScratch {
  /// One group's im2col columns; none when the kernel reads its input in place.
  var columns: Int
  /// Every group's weights (or weight gradient), transposed.
  var weights: Int
  var plane: Int
  var outChannels: Int
  /// One group's im2col columns of the output gradient when the input gradient is a convolution of it
  /// (`netc_conv_flips`), else nil.
  var flippedColumns: Int?
  /// The Winograd scratch of the forward pass and of the input gradient (`netc_conv_winograd_train`'s) when
  /// the convolution runs by Winograd (`netc_winograd_train_fits`), else nil.
  var winograd: (forward: Int, gradInput: Int)?

  var forward: Int { winograd?.forward ?? columns }
  var gradInput: Int { winograd?.gradInput ?? weights + (flippedColumns ?? columns) }
  /// `netc_conv_grad_weight_shifted`'s padded copies of dy and x when the convolution runs by it
  /// (`netc_conv_shifts`), else nil.
  var shiftedCopies: Int?
  /// `netc_conv_grad_weight_winograd`'s scratch when the weight gradient runs by it
  /// (`netc_winograd_grad_weight_fits`), else nil.
  var winogradGradWeight: Int?
  /// The weight gradient's own scratch: Winograd's, the shifted kernel's copies, or the float sums of a chunk of
  /// images and one image's output gradient transposed.
  var gradWeight: Int { winogradGradWeight ?? shiftedCopies ?? weights + plane * outChannels * 4 }
  /// Blocks of images whose weight gradients `netc_conv2d_grad_weight` sums apart: 4, so that up to 4 threads
  /// each sum whole blocks (reading only their own images), halved while the blocks' sums in double pass 1 MiB
  /// (measured: 4 blocks of the 64-channel CIFAR layers' sums crowd their operands out of a 2 MiB L2; threads
  /// share out a block's channels past the blocks), at most one per image.
  var gradWeightBlocks: Int
  /// The blocks' sums in double, which the team shares.
  var gradWeightShared: Int { gradWeightBlocks * 2 * weights }

  init(_ conv: Conv, input: Shape, output: Shape) {
    let taps = conv.kernel.h * conv.kernel.w
    let depth = input.channels / conv.groups * taps
    plane = output.height * output.width
    let inPlace = conv.kernel == Pair(square: 1) && conv.stride == Pair(square: 1) && conv.pad == Pair(square: 0)
    // Rows 16 floats longer than the plane (`netc_column_stride`).
    columns = inPlace ? 0 : depth * (plane + 16) * 4
    weights = depth * conv.outChannels * 4
    outChannels = conv.outChannels
    var blocks = min(4, output.batch)
    while blocks > 1 && blocks * 2 * weights > 1 << 20 { blocks /= 2 }
    gradWeightBlocks = blocks
    let flips = conv.stride == Pair(square: 1) && !inPlace && conv.pad.h <= conv.dilation.h * (conv.kernel.h - 1)
      && conv.pad.w <= conv.dilation.w * (conv.kernel.w - 1)
    flippedColumns = flips ? conv.outChannels / conv.groups * taps * (input.height * input.width + 16) * 4 : nil
    let shifts = conv.stride == Pair(square: 1) && !inPlace && 20 * conv.pad.w <= input.width
    let fits = conv.kernel == Pair(square: 3) && conv.stride == Pair(square: 1) && conv.dilation == Pair(square: 1)
      && conv.groups == 1 && conv.pad.h <= 2 && conv.pad.w <= 2
    winograd = fits ? (Self.winogradBytes(from: input, to: output), Self.winogradBytes(from: output, to: input)) : nil
    // `netc_winograd_grad_weight_fits`
    let winogradGradient = fits && output.width >= 32 && input.channels >= 8
    winogradGradWeight = winogradGradient ? Self.winogradGradWeightBytes(from: input, to: output) : nil
    // `netc_conv_shifts`, unless Winograd takes the weight gradient.
    shiftedCopies = shifts && !winogradGradient ? Self.shiftedBytes(conv, input, output) : nil
  }

  /// Bytes of `netc_conv_grad_weight_shifted`'s scratch: `netc_shifted_chunk` images of padded dy and x planes.
  static func shiftedBytes(_ conv: Conv, _ input: Shape, _ output: Shape) -> Int {
    let width = input.width + 2 * conv.pad.w
    let image = 4 * (output.channels * output.height * width
      + input.channels / conv.groups * (input.height + 2 * conv.pad.h) * width)
    return min(max((1 << 20) / image, 1), output.batch) * image
  }

  /// Bytes of `netc_conv_grad_weight_winograd`'s scratch: the sums in double, a chunk's transformed inputs and
  /// output gradients (`netc_winograd_grad_chunk` images) and the padded input plane's work.
  static func winogradGradWeightBytes(from input: Shape, to output: Shape) -> Int {
    let (tiles, planeWork) = winogradTiles(output)
    let chunk = min(max(256 / tiles, 1), output.batch)
    let ld = (chunk * tiles + 15) / 16 * 16 + 16
    let sums = 2 * 16 * output.channels * input.channels
    return (sums + 16 * ld * (input.channels + output.channels) + planeWork) * 4
  }

  /// Bytes of `netc_conv_winograd_train`'s scratch for a convolution from `input` to `output`.
  static func winogradBytes(from input: Shape, to output: Shape) -> Int {
    let (tiles, planeWork) = winogradTiles(output)
    let chunk = min(max(8192 / (input.channels + output.channels) / tiles, 1), output.batch)
    let ld = (chunk * tiles + 31) / 32 * 32 + 16
    let transformed = 16 * ld * (input.channels + output.channels)
    return (16 * output.channels * input.channels + transformed + planeWork) * 4
  }

  /// An image's tiles of 2x2 outputs of `output`, and the floats of `netc_winograd_input_plane`'s work for them
  /// (`netc_winograd_geometry`): twice the padded plane (the half it leaves to its caller, the even and odd
  /// columns) and four narrow-row planes.
  private static func winogradTiles(_ output: Shape) -> (tiles: Int, planeWork: Int) {
    let (tilesH, tilesW) = ((output.height + 1) / 2, (output.width + 1) / 2)
    let padded = 4 * (tilesW + 1) * (tilesH + 2)
    let plane = 2 * tilesW * (tilesH + 2)
    return (tilesH * tilesW, 2 * padded + 4 * plane)
  }
}
