// Lowerings of the ops after the feature maps: linear (the matrix-product microkernels over weights packed at
// load), softmax, and local response normalization.

struct LinearLowering: Lowering {
  var linear: Linear
  var summary: String { "matrix product over packed weights" }
  var kernels: [CKernel] { [.linear] }

  func fields(_ layer: Layer) -> [ModelField] {
    let weight = linear.module + ".weight"
    let inFeatures = layer.input.channels
    let panels = GemmConvLowering.panels(linear.outFeatures)
    var fields = [
      ModelField(
        name: layer.field("weight"), count: panels * 16 * inFeatures,
        source: .pack(weight, groups: 1, out: linear.outFeatures, in: inFeatures, taps: 1, channelMajor: false),
        comment: weight + ", packed in panels")
    ]
    if linear.hasBias {
      let bias = linear.module + ".bias"
      fields.append(
        ModelField(
          name: layer.field("bias"), count: panels * 16,
          source: .shift(bn: nil, bias: bias, eps: 0, groups: 1, out: linear.outFeatures, padded: true), comment: bias))
    }
    return fields
  }

  func body(_ layer: Layer) -> [String]? {
    let bias = linear.hasBias ? "m->" + layer.field("bias") : "NULL"
    return CText.call(
      "netc_linear",
      [
        "\(layer.shape.batch)", "\(layer.input.channels)", "\(linear.outFeatures)", "m->" + layer.field("weight"),
        bias, linear.relu ? "1" : "0", "in", "out", "team",
      ])
  }
}

struct SoftmaxLowering: Lowering {
  var summary: String { "softmax over channels" }
  var kernels: [CKernel] { [.softmax] }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    return CText.call("netc_softmax", ["\(x.elementCount / x.channels)", "\(x.channels)", "in", "out", "team"])
  }
}

struct LRNLowering: Lowering {
  var lrn: LRN
  var summary: String { "local response normalization" }
  var kernels: [CKernel] { [.lrn] }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    let shape = CText.wrapped(
      "static const netc_lrn_shape lrn = {",
      [
        ".channels = \(x.channels)", ".size = \(lrn.size)", ".alpha = \(CText.double(lrn.alpha))",
        ".beta = \(CText.double(lrn.beta))", ".k = \(CText.double(lrn.k))",
      ], "};")
    return shape + CText.call("netc_lrn", ["&lrn", "\(x.elementCount / x.channels)", "in", "out", "team"])
  }
}
