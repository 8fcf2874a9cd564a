// How one layer becomes C. A lowering owns its kernels, the layout of its weights in the model, how loading
// fills them, and the body of its layer function; a faster lowering (blocked layouts, Winograd, threads) is a
// new conforming type chosen for the layers it suits, without touching the rest of the emitter.

protocol Lowering: Sendable {
  /// Words for the layer comment: "direct convolution".
  var summary: String { get }
  /// Kernels the body and the load statements call.
  var kernels: [CKernel] { get }
  /// Weight arrays of the model struct this layer reads, with how loading fills them; empty for ops without
  /// parameters.
  func fields(_ layer: Layer) -> [ModelField]
  /// Bytes of working memory the body needs (as `double *scratch`), planned in the arena like an activation
  /// that lives only while the layer runs.
  func scratchBytes(_ layer: Layer) -> Int
  /// Statements of the layer function, over `m` (the model, when there are fields), `in`, `shortcut` (a
  /// second operand), `scratch` and `out`; nil when the layer needs no code at all (a reshape in place).
  func body(_ layer: Layer) -> [String]?
}

extension Lowering {
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
    /// A `[rows, columns]` tensor as its `[columns, rows]` transpose.
    case transpose(String, rows: Int, columns: Int)
    /// Per channel, a batch norm (module `bn`) as `x * scale + shift`, after a bias tensor if any.
    case batchNormScale(bn: String, eps: Double)
    case batchNormShift(bn: String, bias: String?, eps: Double)
  }

  var name: String
  var scalar: Scalar = .float
  var count: Int
  var source: Source
  /// What it holds: "conv1.weight".
  var comment: String
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

/// Chooses each layer's lowering. Today one per op, with 1x1 stride-1 unpadded convs as a matrix product;
/// the next lowerings (NCHW8c, Winograd, threads) are decided here, per layer, from its shape.
enum LoweringPolicy {
  static func lowering(for node: Node, inputShapes: [Shape]) -> any Lowering {
    switch node.op {
    case .input:
      preconditionFailure("the input has no layer function")
    case .conv(let conv):
      let pointwise =
        conv.kernel == Pair(square: 1) && conv.stride == Pair(square: 1) && conv.pad == Pair(square: 0)
      return pointwise ? PointwiseConvLowering(conv: conv) : DirectConvLowering(conv: conv)
    case .batchNorm(let bn): return BatchNormLowering(batchNorm: bn)
    case .relu: return ReLULowering()
    case .add(let add): return AddLowering(add: add)
    case .shortcutA(let shortcut): return ShortcutALowering(shortcut: shortcut)
    case .maxPool(let pool): return PoolLowering(kind: .max(pool))
    case .avgPool(let pool): return PoolLowering(kind: .average(pool))
    case .adaptiveAvgPool: return PoolLowering(kind: .adaptive)
    case .flatten, .dropout: return CopyLowering()
    case .linear(let linear): return LinearLowering(linear: linear)
    case .lrn(let lrn): return LRNLowering(lrn: lrn)
    case .softmax: return SoftmaxLowering()
    case .train: return RejectedTrainingOpLowering()
    }
  }
}
