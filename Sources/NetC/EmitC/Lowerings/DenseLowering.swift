// Lowerings of the ops after the feature maps: linear (a matrix product with the weight transposed at load),
// softmax, and local response normalization.

struct LinearLowering: Lowering {
  var linear: Linear
  var summary: String { "matrix product with the transposed weight" }
  var kernels: [CKernel] { [.linear] }
  /// The sums of one block of outputs.
  func scratchBytes(_ layer: Layer) -> Int { min(linear.outFeatures, CKernel.productColumns) * 8 }

  func fields(_ layer: Layer) -> [ModelField] {
    let weight = linear.module + ".weight"
    let inFeatures = layer.input.channels
    var fields = [
      ModelField(
        name: layer.field("weight_t"), count: linear.outFeatures * inFeatures,
        source: .transpose(weight, rows: linear.outFeatures, columns: inFeatures), comment: weight + ", transposed")
    ]
    if linear.hasBias {
      let bias = linear.module + ".bias"
      fields.append(
        ModelField(name: layer.field("bias"), count: linear.outFeatures, source: .copy(bias), comment: bias))
    }
    return fields
  }

  func body(_ layer: Layer) -> [String]? {
    let shape = CText.initializer(
      "static const netc_dense dense",
      [
        ("batch", layer.shape.batch), ("in_features", layer.input.channels), ("out_features", linear.outFeatures),
        ("relu", linear.relu ? 1 : 0),
      ])
    let bias = linear.hasBias ? "m->" + layer.field("bias") : "NULL"
    return shape + CText.call("netc_linear", ["&dense", "m->" + layer.field("weight_t"), bias, "in", "scratch", "out"])
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
  /// The sums of squares of one plane.
  func scratchBytes(_ layer: Layer) -> Int { layer.shape.height * layer.shape.width * 8 }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.shape
    let shape = CText.wrapped(
      "static const netc_lrn_shape lrn = {",
      [
        ".batch = \(x.batch)", ".channels = \(x.channels)", ".plane = \(x.height * x.width)", ".size = \(lrn.size)",
        ".alpha = \(CText.double(lrn.alpha))", ".beta = \(CText.double(lrn.beta))", ".k = \(CText.double(lrn.k))",
      ], "};")
    return shape + CText.call("netc_lrn", ["&lrn", "in", "scratch", "out"])
  }
}
