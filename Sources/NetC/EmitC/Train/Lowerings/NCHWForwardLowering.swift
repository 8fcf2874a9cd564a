// The training step's forward ops without parameters over NCHW values with the kernels of
// NCHWForwardKernels.swift, each summing as the reference interpreter does.

/// The forward lowering of a node of a training graph that is an inference op (but `conv2d` and `linear`).
enum NCHWForwardLowering {
  static func lowering(for node: Node) -> any TrainingLowering {
    switch node.op {
    case .relu: return NCHWReLULowering()
    case .add(let add): return NCHWAddLowering(add: add)
    case .shortcutA(let shortcut): return NCHWShortcutALowering(shortcut: shortcut)
    case .maxPool(let pool): return NCHWPoolLowering(kind: .max(pool))
    case .avgPool(let pool): return NCHWPoolLowering(kind: .average(pool))
    case .adaptiveAvgPool: return NCHWPoolLowering(kind: .adaptive)
    case .flatten, .dropout: return NCHWCopyLowering()
    case .lrn(let lrn): return NCHWLRNLowering(lrn: lrn)
    case .softmax: return NCHWSoftmaxLowering()
    case .input, .batchNorm, .conv, .linear, .train:
      preconditionFailure("'\(node.op.mnemonic)' is not lowered as an NCHW forward op")
    }
  }
}

/// ReLU is the same in any layout: the inference kernel, its elements shared out over the team.
struct NCHWReLULowering: TrainingLowering {
  var summary: String { "elementwise" }
  var kernels: [CKernel] { [.relu] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  var splitsWork: Bool { true }
  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    CText.call("netc_relu", ["\(layer.shape.elementCount)", "in", "out", "team"])
  }
}

struct NCHWAddLowering: TrainingLowering {
  var add: Add
  /// The batch norm whose result is the addend, applied here to its input and statistics, its operands
  /// (`BatchNormAddFusion`).
  var batchNorm: (bn: BatchNorm, operands: [String])? = nil

  var summary: String { batchNorm == nil ? "elementwise" : "batch norm with batch statistics, then add" }
  var kernels: [CKernel] { [.nchwAdd] }
  func operands(_ layer: Layer) -> [String] { batchNorm == nil ? ["in", "shortcut"] : ["in", "stats", "shortcut"] }
  func operandValues(_ layer: Layer) -> [String] {
    (batchNorm?.operands ?? [layer.node.inputs[0]]) + [layer.node.inputs[1]]
  }
  func stateAccess(_ layer: Layer) -> StateAccess { batchNorm == nil ? .none : .read }
  var splitsWork: Bool { true }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let y = layer.shape
    let plane = Layer.planeSize(y)
    let normalization = batchNorm.map { bn, _ in
      ["stats", "m->" + state.weightField[bn.module + ".weight"]!, "m->" + state.weightField[bn.module + ".bias"]!,
       CText.double(bn.eps)]
    } ?? ["NULL", "NULL", "NULL", "0.0"]
    return ShortcutText.declaration("residual", add.shortcut, layer, data: "shortcut")
      + CText.call(
        "netc_nchw_add",
        [
          "team", "&residual", add.relu ? "1" : "0", "\(y.batch)", "\(y.channels)", "\(plane.height)",
          "\(plane.width)", "in",
        ] + normalization + ["out"])
  }
}

struct NCHWShortcutALowering: TrainingLowering {
  var shortcut: ShortcutA
  var summary: String { "subsample and zero-pad channels" }
  var kernels: [CKernel] { [.nchwShortcutA] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  var splitsWork: Bool { true }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let y = layer.shape
    let mapping = Residual(stride: shortcut.stride, channelOffset: (y.channels - layer.input.channels) / 2)
    return ShortcutText.declaration("shortcut", mapping, layer, data: "in")
      + CText.call(
        "netc_nchw_shortcut_a",
        ["team", "&shortcut", "\(y.batch)", "\(y.channels)", "\(y.height)", "\(y.width)", "out"])
  }
}

struct NCHWPoolLowering: TrainingLowering {
  var kind: PoolLowering.Kind

  var summary: String { kind.summary }

  var kernels: [CKernel] {
    switch kind {
    case .max: [.nchwMaxPool]
    case .average: [.nchwAveragePool]
    case .adaptive: [.nchwAdaptiveAveragePool]
    }
  }

  func operands(_ layer: Layer) -> [String] { ["in"] }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let (x, y) = (layer.input, layer.shape)
    switch kind {
    case .max(let p):
      return TrainingShapes.window(pool: p, input: x, output: y)
        + CText.call("netc_nchw_maxpool", ["&window", "in", "out"])
    case .average(let p):
      return TrainingShapes.window(pool: p, input: x, output: y)
        + CText.call("netc_nchw_avgpool", ["&window", p.countIncludePad ? "1" : "0", "in", "out"])
    case .adaptive:
      let whole = Pool(kernel: Pair(square: 1), stride: Pair(square: 1))
      return TrainingShapes.window(pool: whole, input: x, output: y)
        + CText.call("netc_nchw_adaptive_avgpool", ["&window", "in", "out"])
    }
  }
}

/// Flatten and dropout in the forward pass keep every byte in NCHW: nothing to do when the planner stored the
/// output over the input, a copy otherwise.
struct NCHWCopyLowering: TrainingLowering {
  var summary: String { "copy" }
  var kernels: [CKernel] { [] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    layer.inPlace ? nil : ["  memcpy(out, in, \(layer.shape.byteCount));"]
  }
}

struct NCHWSoftmaxLowering: TrainingLowering {
  var summary: String { "softmax over channels" }
  var kernels: [CKernel] { [.nchwSoftmax] }
  func operands(_ layer: Layer) -> [String] { ["in"] }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let x = layer.shape
    return CText.call("netc_nchw_softmax", ["\(x.batch)", "\(x.channels)", "\(x.itemCount / x.channels)", "in", "out"])
  }
}

struct NCHWLRNLowering: TrainingLowering {
  var lrn: LRN
  var summary: String { "local response normalization" }
  var kernels: [CKernel] { [.nchwLRN] }
  func operands(_ layer: Layer) -> [String] { ["in"] }
  /// The sums of squares of one plane.
  func scratchBytes(_ layer: Layer) -> Int { layer.shape.height * layer.shape.width * 8 }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let x = layer.shape
    let shape = CText.wrapped(
      "static const netc_nchw_lrn_shape lrn = {",
      [
        ".batch = \(x.batch)", ".channels = \(x.channels)", ".plane = \(x.height * x.width)", ".size = \(lrn.size)",
        ".alpha = \(CText.double(lrn.alpha))", ".beta = \(CText.double(lrn.beta))", ".k = \(CText.double(lrn.k))",
      ], "};")
    return shape + CText.call("netc_nchw_lrn", ["&lrn", "in", "scratch", "out"])
  }
}
