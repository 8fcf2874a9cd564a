// The C of each training op: the kernel it calls, the shape structs it fills, the scratch it needs, and the
// state arrays it reads (weights) or writes (running statistics).

struct TrainingOpLowering: TrainingLowering {
  var op: TrainingOp
  /// Whether a batch norm applies the ReLU that reads it too (`ReLUFusion`), or its backward ops the gradient
  /// through that ReLU (`BackwardFusion`).
  var relu = false
  /// The value of β's gradient, when `batchnorm_grad_weight` sums it in the same sweep (`BackwardFusion`).
  var biasGradient: String? = nil

  var summary: String {
    switch op {
    case .batchNormStats: "batch statistics and running-statistics update"
    case .batchNormTrain: "normalization with batch statistics" + (relu ? ", then ReLU" : "")
    case .batchNormRecompute:
      "normalization with batch statistics" + (relu ? ", then ReLU," : "") + " again for the backward pass"
    case .dropoutTrain, .dropoutGrad: "seeded mask"
    case .softmaxCrossEntropy: "loss"
    case .convGradInput: "transposed convolution"
    case .batchNormGradWeight:
      (biasGradient == nil ? "parameter gradient" : "gradients of weight and bias in one sweep")
        + (relu ? ", through the ReLU after it" : "")
    case .batchNormGradInput: "backward" + (relu ? ", through the ReLU after it" : "")
    case .convGradWeight, .linearGradWeight, .biasGrad: "parameter gradient"
    default: "backward"
    }
  }

  var kernels: [CKernel] {
    switch op {
    case .batchNormStats: [.batchNormStatistics]
    case .batchNormTrain, .batchNormRecompute: [.batchNormTrain]
    case .dropoutTrain, .dropoutGrad: [.dropout]
    case .softmaxCrossEntropy: [.crossEntropy]
    case .softmaxCrossEntropyGrad: [.crossEntropyGrad]
    case .convGradInput: [.conv2dGradInput]
    case .convGradWeight: [.conv2dGradWeight]
    case .biasGrad: [.biasGrad]
    case .batchNormGradWeight: [.batchNormParameterGradients]
    case .batchNormGradInput: [.batchNormGradInput]
    case .reluGrad: [.reluGrad]
    case .maxPoolGrad: [.maxPoolGrad]
    case .avgPoolGrad: [.averagePoolGrad]
    case .adaptiveAvgPoolGrad: [.adaptiveAveragePoolGrad]
    case .lrnGrad: [.lrnGrad]
    case .linearGradInput: [.linearGradInput]
    case .linearGradWeight: [.linearGradWeight]
    case .shortcutGrad: [.shortcutGrad]
    case .flattenGrad: []
    case .softmaxGrad: [.softmaxGrad]
    case .accumulate: [.accumulate]
    }
  }

  func scratchBytes(_ layer: Layer) -> Int {
    let plane = layer.shape.rank == 4 ? layer.shape.height * layer.shape.width : 1
    switch op {
    case .convGradInput(let grad): return ConvScratch(grad.conv, input: layer.shape, output: layer.input).gradInput
    case .convGradWeight(let conv):
      return ConvScratch(conv, input: layer.inputShapes[1], output: layer.input).gradWeight
    case .maxPoolGrad, .avgPoolGrad, .adaptiveAvgPoolGrad: return plane * 8
    case .lrnGrad: return 2 * layer.shape.itemCount * 8
    case .linearGradInput: return layer.shape.channels * 8
    default: return 0
    }
  }

  func sharedScratchBytes(_ layer: Layer) -> Int {
    guard case .convGradWeight(let conv) = op else { return 0 }
    return ConvScratch(conv, input: layer.inputShapes[1], output: layer.input).gradWeightShared
  }

  var scratchScalar: String {
    switch op {
    case .convGradInput, .convGradWeight: "float"
    default: "double"
    }
  }

  func operands(_ layer: Layer) -> [String] {
    switch op {
    case .batchNormStats, .dropoutTrain: ["x"]
    case .batchNormTrain, .batchNormRecompute: ["x", "stats"]
    case .softmaxCrossEntropy, .softmaxCrossEntropyGrad: ["logits"]
    case .batchNormGradWeight: ["dy", "x", "stats"]
    case .batchNormGradInput: ["dy", "x", "stats", "dgamma", "dbeta"]
    case .convGradWeight, .maxPoolGrad, .lrnGrad, .linearGradWeight: ["dy", "x"]
    case .reluGrad, .softmaxGrad: ["dy", "y"]
    case .accumulate: layer.node.inputs.indices.map { "term\($0)" }
    case .convGradInput, .biasGrad, .avgPoolGrad, .adaptiveAvgPoolGrad, .dropoutGrad, .linearGradInput, .shortcutGrad,
      .flattenGrad:
      ["dy"]
    }
  }

  func alsoWrites(_ layer: Layer) -> [(name: String, value: String)] {
    biasGradient.map { [("dbeta", $0)] } ?? []
  }

  func stateAccess(_ layer: Layer) -> StateAccess {
    switch op {
    case .batchNormStats: .write
    case .batchNormGradWeight: relu ? .read : .none
    case .batchNormTrain, .batchNormRecompute, .dropoutTrain, .dropoutGrad, .convGradInput, .batchNormGradInput,
      .linearGradInput:
      .read
    default: .none
    }
  }

  var readsLabels: Bool { op == .softmaxCrossEntropy || op == .softmaxCrossEntropyGrad }

  var splitsWork: Bool {
    switch op {
    case .batchNormStats, .batchNormTrain, .batchNormRecompute, .convGradInput, .convGradWeight, .biasGrad,
      .batchNormGradWeight, .batchNormGradInput, .reluGrad, .accumulate, .shortcutGrad:
      true
    default: false
    }
  }

  func body(_ layer: Layer, _ state: TrainingStateLayout) -> [String]? {
    let y = layer.shape, dy = layer.input
    func field(_ parameter: String) -> String { "m->" + state.weightField[parameter]! }
    switch op {
    case .batchNormStats(let bn):
      return TrainingShapes.maps(dy)
        + CText.call(
          "netc_batchnorm_stats",
          ["team", "&maps", "x", CText.double(bn.momentum), field(bn.module + ".running_mean"),
           field(bn.module + ".running_var"), "out"])
    case .batchNormTrain(let bn), .batchNormRecompute(let bn):
      return TrainingShapes.maps(y)
        + CText.call(
          "netc_batchnorm_train",
          ["team", "&maps", "x", "stats", field(bn.module + ".weight"), field(bn.module + ".bias"),
           CText.double(bn.eps), relu ? "1" : "0", "out"])
    case .dropoutTrain(let mask), .dropoutGrad(let mask):
      let source = op == .dropoutTrain(mask) ? "x" : "dy"
      return CText.call(
        "netc_dropout",
        ["\(y.elementCount)", "m->seed", "m->step", "\(mask.stream)", "\(mask.threshold)u", CText.double(mask.scale),
         source, "out"])
    case .softmaxCrossEntropy:
      return CText.call("netc_softmax_cross_entropy", ["\(dy.batch)", "\(dy.channels)", "logits", "labels", "out"])
    case .softmaxCrossEntropyGrad:
      return CText.call("netc_softmax_cross_entropy_grad", ["\(dy.batch)", "\(dy.channels)", "logits", "labels", "out"])
    case .convGradInput(let grad):
      return TrainingShapes.window(conv: grad.conv, input: y, output: dy)
        + CText.call(
          "netc_conv2d_grad_input", ["team", "&window", field(grad.conv.module + ".weight"), "dy", "scratch", "out"])
    case .convGradWeight(let conv):
      let blocks = ConvScratch(conv, input: layer.inputShapes[1], output: dy).gradWeightBlocks
      return TrainingShapes.window(conv: conv, input: layer.inputShapes[1], output: dy)
        + CText.call("netc_conv2d_grad_weight", ["team", "&window", "\(blocks)", "dy", "x", "scratch", "shared", "out"])
    case .biasGrad:
      return TrainingShapes.maps(dy) + CText.call("netc_bias_grad", ["team", "&maps", "dy", "out"])
    case .batchNormGradWeight(let bn):
      let (gamma, beta) = relu ? (field(bn.module + ".weight"), field(bn.module + ".bias")) : ("NULL", "NULL")
      return TrainingShapes.maps(dy)
        + CText.call(
          "netc_batchnorm_grad_params",
          ["team", "&maps", "dy", "x", "stats", gamma, beta, CText.double(bn.eps), relu ? "1" : "0", "out",
           biasGradient == nil ? "NULL" : "dbeta"])
    case .batchNormGradInput(let bn):
      let beta = relu ? field(bn.module + ".bias") : "NULL"
      return TrainingShapes.maps(dy)
        + CText.call(
          "netc_batchnorm_grad_input",
          ["team", "&maps", "dy", "x", "stats", field(bn.module + ".weight"), beta, "dgamma", "dbeta",
           CText.double(bn.eps), relu ? "1" : "0", "out"])
    case .reluGrad:
      return CText.call("netc_relu_grad", ["team", "\(y.elementCount)", "dy", "y", "out"])
    case .maxPoolGrad(let pool):
      return TrainingShapes.window(pool: pool, input: y, output: dy)
        + CText.call("netc_maxpool_grad", ["&window", "dy", "x", "scratch", "out"])
    case .avgPoolGrad(let grad):
      return TrainingShapes.window(pool: grad.pool, input: y, output: dy)
        + CText.call("netc_avgpool_grad", ["&window", grad.pool.countIncludePad ? "1" : "0", "dy", "scratch", "out"])
    case .adaptiveAvgPoolGrad:
      let window = CText.initializer(
        "static const netc_window window",
        [
          ("batch", y.batch), ("in_c", y.channels), ("in_h", y.height), ("in_w", y.width), ("out_c", dy.channels),
          ("out_h", dy.height), ("out_w", dy.width),
        ])
      return window + CText.call("netc_adaptive_avgpool_grad", ["&window", "dy", "scratch", "out"])
    case .lrnGrad(let lrn):
      let shape = CText.wrapped(
        "static const netc_lrn_grad_shape lrn = {",
        [
          ".batch = \(y.batch)", ".channels = \(y.channels)", ".plane = \(y.height * y.width)", ".size = \(lrn.size)",
          ".alpha = \(CText.double(lrn.alpha))", ".beta = \(CText.double(lrn.beta))", ".k = \(CText.double(lrn.k))",
        ], "};")
      return shape + CText.call("netc_lrn_grad", ["&lrn", "dy", "x", "scratch", "out"])
    case .linearGradInput(let grad):
      return TrainingShapes.dense(batch: dy.batch, inFeatures: grad.inFeatures, outFeatures: dy.channels)
        + CText.call("netc_linear_grad_input", ["&dense", field(grad.module + ".weight"), "dy", "scratch", "out"])
    case .linearGradWeight:
      let x = layer.inputShapes[1]
      return TrainingShapes.dense(batch: dy.batch, inFeatures: x.channels, outFeatures: dy.channels)
        + CText.call("netc_linear_grad_weight", ["&dense", "dy", "x", "out"])
    case .shortcutGrad(let grad):
      let (height, width) = Layer.planeSize(dy)
      return CText.call(
        "netc_shortcut_grad",
        ["team", "\(dy.batch)", "\(dy.channels)", "\(height)", "\(width)", "\(grad.input.channels)",
         "\(grad.input.size.h)", "\(grad.input.size.w)", "\(grad.residual.stride)", "\(grad.residual.channelOffset)",
         "dy", "out"])
    case .flattenGrad:
      return layer.inPlace ? nil : ["  memcpy(out, dy, \(y.byteCount));"]
    case .softmaxGrad:
      let inner = y.itemCount / y.channels
      return CText.call("netc_softmax_grad", ["\(y.batch)", "\(y.channels)", "\(inner)", "dy", "y", "out"])
    case .accumulate:
      let terms = CText.wrapped("const float *const terms[] = {", operands(layer), "};")
      return terms
        + CText.call("netc_accumulate", ["team", "\(y.elementCount)", "\(layer.node.inputs.count)", "terms", "out"])
    }
  }
}
