// How one op of a training graph becomes C: NCHW forward lowerings for the inference ops (the backward ops read
// NCHW values), and the training lowerings for the rest.

/// What a layer function of the training step reads besides its operands.
enum StateAccess {
  case none, read, write
}

protocol TrainingLowering {
  var summary: String { get }
  var kernels: [CKernel] { get }
  /// Bytes of the `scratch` the body uses, live only while the layer runs.
  func scratchBytes(_ layer: Layer) -> Int
  /// The C type of `scratch`'s elements.
  var scratchScalar: String { get }
  /// Bytes of `shared`, doubles in the arena that every thread of the team works in (partial sums that the
  /// threads add up after they meet), live only while the layer runs; 0 for none.
  func sharedScratchBytes(_ layer: Layer) -> Int
  /// The C names of the operands, in `operandValues` order.
  func operands(_ layer: Layer) -> [String]
  /// The values the body reads: the node's operands, or a fused layer's.
  func operandValues(_ layer: Layer) -> [String]
  /// Values the body writes besides the node's own (`out`), with their C names: a fused layer's.
  func alsoWrites(_ layer: Layer) -> [(name: String, value: String)]
  func stateAccess(_ layer: Layer) -> StateAccess
  var readsLabels: Bool { get }
  /// Whether every thread of the team runs the body (which takes `team` and shares out the work), rather than
  /// thread 0 alone.
  var splitsWork: Bool { get }
  /// Statements over `m` (the state), `labels`, the operands, `scratch` and `out`; nil when nothing is to be
  /// done (a reshape stored in place).
  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]?
  /// Why there is nothing to do, when `body` is nil.
  var nothingToDo: String { get }
}

extension TrainingLowering {
  func scratchBytes(_ layer: Layer) -> Int { 0 }
  var scratchScalar: String { "double" }
  func sharedScratchBytes(_ layer: Layer) -> Int { 0 }
  func operandValues(_ layer: Layer) -> [String] { layer.node.inputs }
  func alsoWrites(_ layer: Layer) -> [(name: String, value: String)] { [] }
  func stateAccess(_ layer: Layer) -> StateAccess { .none }
  var readsLabels: Bool { false }
  var splitsWork: Bool { false }
  var nothingToDo: String { "stored in place, nothing to do" }
}

enum TrainingLoweringPolicy {
  /// The lowering of a node of a training graph. Forward ops run over NCHW values, as the backward ops read
  /// them; `conv2d` and `linear` read the weights in PyTorch's layout, as the state keeps them, and the training
  /// step's convolutions share their matrix product with the backward ones.
  static func lowering(for node: Node, inputShapes: [Shape]) -> any TrainingLowering {
    switch node.op {
    case .train(let op): return TrainingOpLowering(op: op)
    case .conv(let conv): return ConvTrainingLowering(conv: conv)
    case .linear(let linear): return LinearTrainingLowering(linear: linear)
    default: return NCHWForwardLowering.lowering(for: node)
    }
  }
}

/// Shapes in the kernels' structs.
enum TrainingShapes {
  /// `static const netc_window window = {…}` for a conv or pool from `input` to `output`.
  static func window(input: Shape, output: Shape, kernel: Pair, stride: Pair, pad: Pair, dilation: Pair, groups: Int)
    -> [String]
  {
    CText.initializer(
      "static const netc_window window",
      [
        ("batch", output.batch), ("in_c", input.channels), ("in_h", input.height), ("in_w", input.width),
        ("out_c", output.channels), ("out_h", output.height), ("out_w", output.width), ("kernel_h", kernel.h),
        ("kernel_w", kernel.w), ("stride_h", stride.h), ("stride_w", stride.w), ("pad_h", pad.h), ("pad_w", pad.w),
        ("dilation_h", dilation.h), ("dilation_w", dilation.w), ("groups", groups),
      ])
  }

  static func window(conv: Conv, input: Shape, output: Shape) -> [String] {
    window(
      input: input, output: output, kernel: conv.kernel, stride: conv.stride, pad: conv.pad, dilation: conv.dilation,
      groups: conv.groups)
  }

  static func window(pool: Pool, input: Shape, output: Shape) -> [String] {
    window(
      input: input, output: output, kernel: pool.kernel, stride: pool.stride, pad: pool.pad,
      dilation: Pair(square: 1), groups: 1)
  }

  /// `static const netc_maps maps = {…}` for `[N, C, …]`.
  static func maps(_ shape: Shape) -> [String] {
    CText.wrapped(
      "static const netc_maps maps = {",
      [".batch = \(shape.batch)", ".channels = \(shape.channels)", ".plane = \(shape.itemCount / shape.channels)"],
      "};")
  }

  static func dense(batch: Int, inFeatures: Int, outFeatures: Int) -> [String] {
    CText.initializer(
      "static const netc_dense_train dense",
      [("batch", batch), ("in_features", inFeatures), ("out_features", outFeatures)])
  }
}

/// `linear` with the weight in PyTorch's layout, as the state keeps it.
struct LinearTrainingLowering: TrainingLowering {
  var linear: Linear
  var summary: String { "matrix product" }
  var kernels: [CKernel] { [.linearForward] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  func stateAccess(_ layer: Layer) -> StateAccess { .read }

  /// Training graphs have no fused ReLU (`TrainingGraph.build` rejects one), so this is the product alone.
  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let bias = linear.hasBias ? "m->" + state.weightField[linear.module + ".bias"]! : "NULL"
    let shape = layer.shape
    return TrainingShapes.dense(batch: shape.batch, inFeatures: layer.input.channels, outFeatures: linear.outFeatures)
      + CText.call(
        "netc_linear_forward", ["&dense", "m->" + state.weightField[linear.module + ".weight"]!, bias, "in", "out"])
  }
}
