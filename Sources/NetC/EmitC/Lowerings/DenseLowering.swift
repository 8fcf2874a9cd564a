// Lowerings of the ops after the feature maps: linear (a matrix product with the weight transposed at load),
// softmax, and local response normalization.

struct LinearLowering: Lowering {
  var linear: Linear
  var summary: String { "matrix product with the transposed weight" }
  var kernels: [CKernel] { [.linear, .copyTransposed] + (linear.hasBias ? [.copyF32] : []) }

  func fields(_ layer: Layer) -> [ModelField] {
    var fields = [
      ModelField(
        name: layer.field("weight_t"), count: linear.outFeatures * layer.input.channels,
        comment: "\(linear.module).weight, transposed to [in, out]")
    ]
    if linear.hasBias {
      fields.append(ModelField(name: layer.field("bias"), count: linear.outFeatures, comment: "\(linear.module).bias"))
    }
    return fields
  }

  func load(_ layer: Layer) -> [String] {
    var lines = CText.call(
      "netc_copy_transposed",
      ["m->" + layer.field("weight_t"), layer.tensor(linear.module + ".weight"), "\(linear.outFeatures)",
       "\(layer.input.channels)"])
    if linear.hasBias {
      lines += CText.call(
        "netc_copy_f32", ["m->" + layer.field("bias"), layer.tensor(linear.module + ".bias"), "\(linear.outFeatures)"])
    }
    return lines
  }

  func body(_ layer: Layer) -> [String]? {
    let shape = CText.initializer(
      "static const netc_dense dense",
      [
        ("batch", layer.shape.batch), ("in_features", layer.input.channels), ("out_features", linear.outFeatures),
        ("relu", linear.relu ? 1 : 0),
      ])
    let bias = linear.hasBias ? "m->" + layer.field("bias") : "NULL"
    return shape + CText.call("netc_linear", ["&dense", "m->" + layer.field("weight_t"), bias, "in", "out"])
  }
}

struct SoftmaxLowering: Lowering {
  var summary: String { "softmax over channels" }
  var kernels: [CKernel] { [.softmax] }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    return CText.call("netc_softmax", ["\(x.batch)", "\(x.channels)", "\(x.itemCount / x.channels)", "in", "out"])
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
        ".batch = \(x.batch)", ".channels = \(x.channels)", ".plane = \(x.height * x.width)", ".size = \(lrn.size)",
        ".alpha = \(CText.float(lrn.alpha))", ".beta = \(CText.float(lrn.beta))", ".k = \(CText.float(lrn.k))",
      ], "};")
    return shape + CText.call("netc_lrn", ["&lrn", "in", "out"])
  }
}
