// The training step's forward convolution (on the weights as the state keeps them, PyTorch's layout), and the
// scratch floats its three kernels need: im2col columns, transposed weights and gradients.

struct ConvTrainingLowering: TrainingLowering {
  var conv: Conv
  var summary: String { "matrix product over im2col columns" }
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

  init(_ conv: Conv, input: Shape, output: Shape) {
    let depth = input.channels / conv.groups * conv.kernel.h * conv.kernel.w
    plane = output.height * output.width
    let inPlace = conv.kernel == Pair(square: 1) && conv.stride == Pair(square: 1) && conv.pad == Pair(square: 0)
    columns = inPlace ? 0 : depth * plane * 4
    weights = depth * conv.outChannels * 4
    outChannels = conv.outChannels
  }

  var forward: Int { columns }
  var gradInput: Int { weights + columns }
  /// One image's output gradient transposed, the weight gradient's sums, and the columns.
  var gradWeight: Int { plane * outChannels * 4 + weights + columns }
}
