// The training ops in the IR text form: their attributes spelled as the forward op's (a `conv2d_grad_weight`
// prints exactly a conv's geometry), plus what the backward op needs besides, and read back the same way.

extension TrainingOp {
  var attributeText: [String] {
    switch self {
    case .batchNormStats(let bn), .batchNormTrain(let bn), .batchNormRecompute(let bn), .batchNormGradWeight(let bn),
      .batchNormGradInput(let bn):
      return Op.batchNorm(bn).attributeText
    case .dropoutTrain(let mask), .dropoutGrad(let mask):
      return Op.dropout(Dropout(p: mask.p)).attributeText + ["stream=\(mask.stream)"]
    case .softmaxCrossEntropy, .softmaxCrossEntropyGrad, .reluGrad, .softmaxGrad, .accumulate:
      return []
    case .convGradInput(let grad):
      return grad.input.attributeText + Op.conv(grad.conv.geometry).attributeText
    case .convGradWeight(let conv):
      return Op.conv(conv.geometry).attributeText
    case .biasGrad(let module):
      return ["bias=@\(module).bias"]
    case .maxPoolGrad(let pool):
      return Op.maxPool(pool).attributeText
    case .avgPoolGrad(let grad):
      return ["size=\(grad.size)"] + Op.avgPool(grad.pool).attributeText
    case .adaptiveAvgPoolGrad(let size):
      return ["size=\(size)"]
    case .lrnGrad(let lrn):
      return Op.lrn(lrn).attributeText
    case .linearGradInput(let grad):
      return ["in=\(grad.inFeatures)", "weight=@\(grad.module).weight"]
    case .linearGradWeight(let module):
      return ["weight=@\(module).weight"]
    case .shortcutGrad(let grad):
      return grad.input.attributeText + grad.residual.attributeText
    case .flattenGrad(let input):
      return input.attributeText
    }
  }

  /// The training op a node line spells, or nil for a mnemonic that is not one. Forward attributes are read
  /// by decoding the forward op they describe, so both read them the same way.
  static func decode(_ mnemonic: String, _ a: inout AttributeReader) throws -> TrainingOp? {
    func forward(_ mnemonic: String) throws -> Op {
      guard let op = try Op.decode(mnemonic, &a) else { preconditionFailure("'\(mnemonic)' is a forward op") }
      return op
    }
    func batchNorm() throws -> BatchNorm {
      guard case .batchNorm(let bn) = try forward("batchnorm") else { preconditionFailure("decodes a batch norm") }
      return bn
    }
    func conv() throws -> Conv {
      guard case .conv(let conv) = try forward("conv2d") else { preconditionFailure("decodes a conv") }
      if conv.hasBias || !conv.epilogue.isEmpty {
        let key = conv.hasBias ? "bias" : ["bn", "residual_stride", "relu"].first { a.has($0) } ?? "bias"
        throw Diagnostic.error(
          "'\(mnemonic)' takes a conv's geometry and weight, not a bias or an epilogue", at: a.range(of: key))
      }
      return conv
    }
    func mask() throws -> DropoutMask {
      guard case .dropout(let dropout) = try forward("dropout") else { preconditionFailure("decodes a dropout") }
      return DropoutMask(p: dropout.p, stream: try a.int("stream"))
    }
    func input() throws -> FeatureMapSize { FeatureMapSize(channels: try a.int("in"), size: try a.pair("size")) }
    switch mnemonic {
    case "batchnorm_stats": return .batchNormStats(try batchNorm())
    case "batchnorm_train": return .batchNormTrain(try batchNorm())
    case "batchnorm_recompute": return .batchNormRecompute(try batchNorm())
    case "batchnorm_grad_weight": return .batchNormGradWeight(try batchNorm())
    case "batchnorm_grad_input": return .batchNormGradInput(try batchNorm())
    case "dropout_train": return .dropoutTrain(try mask())
    case "dropout_grad": return .dropoutGrad(try mask())
    case "softmax_cross_entropy": return .softmaxCrossEntropy
    case "softmax_cross_entropy_grad": return .softmaxCrossEntropyGrad
    case "relu_grad": return .reluGrad
    case "softmax_grad": return .softmaxGrad
    case "accumulate": return .accumulate
    case "conv2d_grad_input":
      let size = try input()
      return .convGradInput(ConvGradInput(conv: try conv(), input: size))
    case "conv2d_grad_weight": return .convGradWeight(try conv())
    case "bias_grad": return .biasGrad(module: try a.module("bias", suffix: ".bias"))
    case "maxpool_grad":
      guard case .maxPool(let pool) = try forward("maxpool") else { preconditionFailure("decodes a pool") }
      return .maxPoolGrad(pool)
    case "avgpool_grad":
      let size = try a.pair("size")
      guard case .avgPool(let pool) = try forward("avgpool") else { preconditionFailure("decodes a pool") }
      return .avgPoolGrad(PoolGrad(pool: pool, size: size))
    case "adaptive_avgpool_grad": return .adaptiveAvgPoolGrad(size: try a.pair("size"))
    case "lrn_grad":
      guard case .lrn(let lrn) = try forward("lrn") else { preconditionFailure("decodes an LRN") }
      return .lrnGrad(lrn)
    case "linear_grad_input":
      let inFeatures = try a.int("in")
      let module = try a.module("weight", suffix: ".weight")
      return .linearGradInput(LinearGradInput(module: module, inFeatures: inFeatures))
    case "linear_grad_weight": return .linearGradWeight(module: try a.module("weight", suffix: ".weight"))
    case "shortcut_grad":
      let size = try input()
      let residual = Residual(stride: try a.int("residual_stride"), channelOffset: try a.int("residual_offset"))
      return .shortcutGrad(ShortcutGrad(residual: residual, input: size))
    case "flatten_grad": return .flattenGrad(try input())
    default: return nil
    }
  }
}

extension Conv {
  /// The conv's window and weight without bias or epilogue: what its backward ops need.
  var geometry: Conv {
    Conv(
      outChannels: outChannels, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups,
      module: module, hasBias: false)
  }
}

extension FeatureMapSize {
  var attributeText: [String] { ["in=\(channels)", "size=\(size)"] }
}
