// How one layer becomes C. A lowering owns its kernels, the layout of its weights in the model, how loading
// fills them, and the body of its layer function; the policy below picks one per layer from its shape.

protocol Lowering: Sendable {
  /// Words for the layer comment: "direct convolution".
  var summary: String { get }
  /// Kernels the body and the load statements call.
  var kernels: [CKernel] { get }
  /// Whether the body can read its first operand in the caller's NCHW layout, when that operand is the graph
  /// input; every other value inside the forward pass is NHWC.
  var readsNCHWInput: Bool { get }
  /// Weight arrays of the model struct this layer reads, with how loading fills them; empty for ops without
  /// parameters.
  func fields(_ layer: Layer) -> [ModelField]
  /// Bytes of working memory the body needs (as `void *scratch`), planned in the arena like an activation that
  /// lives only while the layer runs; shared by the team, whatever its size.
  func scratchBytes(_ layer: Layer) -> Int
  /// Statements of the layer function, over `m` (the model, when there are fields), `in`, `shortcut` (a
  /// second operand), `scratch`, `out` and `team` (the threads running it, each calling the function with its
  /// own index); nil when the layer needs no code at all (a reshape in place).
  func body(_ layer: Layer) -> [String]?
}

extension Lowering {
  var readsNCHWInput: Bool { false }
  func fields(_ layer: Layer) -> [ModelField] { [] }
  func scratchBytes(_ layer: Layer) -> Int { 0 }
}

/// One array in the model struct, and how loading fills it from the parameter tensors (named as in the file).
struct ModelField: Hashable, Sendable {
  enum Scalar: String, Sendable {
    case float, double
    var bytes: Int { self == .float ? 4 : 8 }
  }

  enum Source: Hashable, Sendable {
    /// The tensor's floats.
    case copy(String)
    /// A conv or linear weight `[groups * out][in][taps]` packed in panels of 16 output channels per group.
    case pack(String, groups: Int, out: Int, in: Int, taps: Int, channelMajor: Bool)
    /// A 3x3 conv weight `[out][in][3][3]` as its Winograd transform to `points` points (16 for F(2x2, 3x3), 36
    /// for F(4x4, 3x3)) in panels (`netc_winograd_pack`).
    case winograd(String, out: Int, in: Int, points: Int)
    /// Per output channel (`out` per group, padded to whole panels when `padded`), a batch norm's scale, or its
    /// shift after a bias; without a norm, the bias alone.
    case scale(bn: String, eps: Double, groups: Int, out: Int, padded: Bool)
    case shift(bn: String?, bias: String?, eps: Double, groups: Int, out: Int, padded: Bool)
  }

  var name: String
  /// Elements loading writes.
  var count: Int
  var scalar = Scalar.float
  var source: Source
  /// What it holds: "conv1.weight".
  var comment: String

  /// Elements the struct reserves: whole 64-byte lines, so every array starts as aligned as the model.
  var reserved: Int { (count * scalar.bytes + 63) / 64 * 64 / scalar.bytes }
}

/// What the emitter knows about a layer when a lowering writes its C.
struct Layer: Sendable {
  var node: Node
  var inputShapes: [Shape]
  /// The C name of the layer function; model fields are named after it.
  var function: String
  /// Index in `netc_tensors` of every parameter tensor, by name.
  var tensorIndex: [String: Int]
  /// Whether the output lives where input 0 does: the planner made the op write over its input.
  var inPlace = false
  /// Whether input 0 is the caller's NCHW tensor, read in place.
  var inputIsNCHW = false

  var shape: Shape { node.shape }
  var input: Shape { inputShapes[0] }

  /// Height and width of a value, 1x1 for `[N, F]`: elementwise ops take either.
  static func planeSize(_ shape: Shape) -> (height: Int, width: Int) {
    shape.rank == 4 ? (shape.height, shape.width) : (1, 1)
  }

  /// `m->layer1_0_conv2_weight`
  func field(_ suffix: String) -> String { "\(function)_\(suffix)" }

  /// `t[12]`, the data of a parameter tensor in the load function.
  func tensor(_ name: String) -> String { "t[\(tensorIndex[name]!)]" }
}

/// The layout of values: the caller's input and output are NCHW, every value inside the forward pass NHWC.
enum Layout {
  /// Whether NCHW and NHWC store the value alike: no channels to interleave, or no pixels.
  static func isTrivial(_ shape: Shape) -> Bool {
    shape.rank < 4 || shape.channels == 1 || shape.height * shape.width == 1
  }
}

/// Chooses each layer's lowering from its op and shape: convs as a matrix product (Winograd's, the grouped one
/// for narrow groups, or the general one) where its limits allow and their chain of convs is short enough for
/// float sums (`PlainChains`), the double-precision reference otherwise.
enum LoweringPolicy {
  static func lowering(for node: Node, inputShapes: [Shape], inputIsNCHW: Bool, chains: PlainChains) -> any Lowering {
    switch node.op {
    case .input:
      preconditionFailure("the input has no layer function")
    case .conv(let conv):
      let chain = chains.length[node.name, default: 0]
      guard chain <= PlainChains.floatLimit else { return DirectConvLowering(conv: conv) }
      if chain <= PlainChains.winogradLimit && !inputIsNCHW,
        let winograd = WinogradConvLowering(conv: conv, input: inputShapes[0])
      {
        return winograd
      }
      if let grouped = GroupedConvLowering(conv: conv, input: inputShapes[0], inputIsNCHW: inputIsNCHW) {
        return grouped
      }
      return GemmConvLowering.plan(
        conv, input: inputShapes[0], output: node.shape, inputIsNCHW: inputIsNCHW)
        ?? DirectConvLowering(conv: conv)
    case .batchNorm(let bn): return BatchNormLowering(batchNorm: bn)
    case .relu: return ReLULowering()
    case .add(let add): return AddLowering(add: add)
    case .shortcutA(let shortcut): return ShortcutALowering(shortcut: shortcut)
    case .maxPool(let pool): return PoolLowering(kind: .max(pool))
    case .avgPool(let pool): return PoolLowering(kind: .average(pool))
    case .adaptiveAvgPool: return PoolLowering(kind: .adaptive)
    case .flatten: return CopyLowering(transposes: !Layout.isTrivial(inputShapes[0]))
    case .dropout: return CopyLowering(transposes: false)
    case .linear(let linear): return LinearLowering(linear: linear)
    case .lrn(let lrn): return LRNLowering(lrn: lrn)
    case .softmax: return SoftmaxLowering()
    case .train: return RejectedTrainingOpLowering()
    }
  }
}
