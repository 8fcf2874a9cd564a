// `netc export onnx`: the IR before passes as an ONNX graph (opset 17) with the weights as initializers named
// after the parameters. Batch norm stays BatchNormalization (runtimes fold it themselves); the ops ONNX lacks
// are spelled exactly with ones it has (option A: Slice + Pad; adaptive pooling: two MatMuls when the windows
// overlap; ceil mode: extra end padding; LRN of even size: a banded 1x1 Conv).

public enum ONNXExporter {
  /// The `.onnx` file's bytes; deterministic. `weights` must be exactly the graph's parameters.
  public static func export(_ graph: Graph, weights: Weights) throws -> [UInt8] {
    try graph.requireUnfused(for: "export onnx")
    try Verifier.verify(graph)
    try weights.validate(for: graph, file: "weights")
    var lowering = ONNXLowering(graph: graph, weights: weights)
    for node in graph.nodes.dropFirst() { lowering.lower(node) }
    var onnx = lowering.onnx
    onnx.inputs = [ONNXValue(name: graph.input.name, dims: graph.input.shape.dims)]
    onnx.outputs = [ONNXValue(name: graph.output, dims: graph.outputShape.dims)]
    onnx.valueInfo = graph.nodes.dropFirst().filter { $0.name != graph.output }.map {
      ONNXValue(name: $0.name, dims: $0.shape.dims)
    }
    return ONNXModel(graph: onnx, producerVersion: netcVersion).encoded()
  }
}

/// Builds the ONNX nodes of one IR node at a time. Helper values and constants are named `<node>/<role>`:
/// '/' never occurs in IR names, so they cannot collide with values or parameters.
struct ONNXLowering {
  let graph: Graph
  let weights: Weights
  private(set) var onnx: ONNXGraph
  private let shapes: [String: Shape]

  init(graph: Graph, weights: Weights) {
    self.graph = graph
    self.weights = weights
    onnx = ONNXGraph(name: graph.name)
    shapes = Dictionary(graph.nodes.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
  }

  mutating func lower(_ node: Node) {
    let x = node.inputs.first ?? ""
    let input = shapes[x] ?? node.shape
    switch node.op {
    case .input:
      return
    case .train:
      preconditionFailure("export rejects training graphs (requireUnfused) before lowering")
    case .conv(let c):
      let parameters = initializers([c.module + ".weight"] + (c.hasBias ? [c.module + ".bias"] : []))
      emit(
        "Conv", node.name, [x] + parameters, node.name,
        [
          ("kernel_shape", .ints([c.kernel.h, c.kernel.w])), ("strides", .ints([c.stride.h, c.stride.w])),
          ("pads", .ints([c.pad.h, c.pad.w, c.pad.h, c.pad.w])),
          ("dilations", .ints([c.dilation.h, c.dilation.w])), ("group", .int(c.groups)),
        ])
    case .batchNorm(let bn):
      let parameters = initializers(["weight", "bias", "running_mean", "running_var"].map { bn.module + "." + $0 })
      emit("BatchNormalization", node.name, [x] + parameters, node.name, [("epsilon", .float(Float(bn.eps)))])
    case .relu:
      emit("Relu", node.name, [x], node.name)
    case .add:
      emit("Add", node.name, node.inputs, node.name)
    case .shortcutA(let a):
      let subsampled = node.name + "/subsampled"
      let slice = [
        constant(node.name + "/starts", [0, 0]), constant(node.name + "/ends", [input.height, input.width]),
        constant(node.name + "/axes", [2, 3]), constant(node.name + "/steps", [a.stride, a.stride]),
      ]
      emit("Slice", subsampled, [x] + slice, subsampled)
      let before = (a.outChannels - input.channels) / 2
      let after = a.outChannels - input.channels - before
      emit("Pad", node.name, [subsampled, constant(node.name + "/pads", [0, before, 0, 0, 0, after, 0, 0])], node.name)
    case .maxPool(let p):
      emit("MaxPool", node.name, [x], node.name, poolAttributes(p, input, node.shape, explicitPadding: false))
    case .avgPool(let p):
      lowerAveragePool(node, p, input)
    case .adaptiveAvgPool(let p):
      lowerAdaptivePool(node, p, input)
    case .flatten:
      emit("Flatten", node.name, [x], node.name, [("axis", .int(1))])
    case .linear(let l):
      let parameters = initializers([l.module + ".weight"] + (l.hasBias ? [l.module + ".bias"] : []))
      emit("Gemm", node.name, [x] + parameters, node.name, [("transB", .int(1))])
    case .dropout:
      emit("Dropout", node.name, [x], node.name)
    case .lrn(let lrn):
      lowerLRN(node, lrn, input)
    case .softmax:
      emit("Softmax", node.name, [x], node.name, [("axis", .int(1))])
    }
  }

  private mutating func emit(
    _ opType: String, _ name: String, _ inputs: [String], _ output: String,
    _ attributes: [(String, ONNXNode.Attribute)] = []
  ) {
    onnx.nodes.append(ONNXNode(opType: opType, name: name, inputs: inputs, outputs: [output], attributes: attributes))
  }

  /// Parameters as initializers, under their own names.
  private mutating func initializers(_ names: [String]) -> [String] {
    for name in names {
      // The weights were validated against the graph, so every parameter is present.
      let tensor = weights[name]!
      onnx.initializers.append(ONNXTensor(name: name, dims: tensor.shape.dims, data: .float(tensor.scalars)))
    }
    return names
  }

  private mutating func constant(_ name: String, _ values: [Int]) -> String {
    onnx.initializers.append(ONNXTensor(name: name, dims: [values.count], data: .int64(values)))
    return name
  }

  private mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
    onnx.initializers.append(ONNXTensor(name: name, dims: dims, data: .float(values)))
    return name
  }

  /// Kernel, strides and pads; PyTorch's ceil mode becomes extra padding at the end, so that ONNX's floor
  /// formula gives the same windows (a ceil-mode window never starts in that padding).
  private func poolAttributes(_ p: Pool, _ input: Shape, _ output: Shape, explicitPadding: Bool)
    -> [(String, ONNXNode.Attribute)]
  {
    func end(_ size: Int, _ out: Int, _ k: Int, _ s: Int, _ pad: Int) -> Int { max(pad, (out - 1) * s + k - size - pad) }
    let endH = end(input.height, output.height, p.kernel.h, p.stride.h, p.pad.h)
    let endW = end(input.width, output.width, p.kernel.w, p.stride.w, p.pad.w)
    let pads = explicitPadding ? [0, 0, endH - p.pad.h, endW - p.pad.w] : [p.pad.h, p.pad.w, endH, endW]
    return [
      ("kernel_shape", .ints([p.kernel.h, p.kernel.w])), ("strides", .ints([p.stride.h, p.stride.w])),
      ("pads", .ints(pads)),
    ]
  }

  /// With `count_include_pad`, PyTorch divides by the window inside the padded input (zeros included) but not
  /// by the part in ceil mode's extra padding: the padding becomes real zeros (Pad), and the pool excludes the
  /// rest.
  private mutating func lowerAveragePool(_ node: Node, _ p: Pool, _ input: Shape) {
    var x = node.inputs[0]
    let explicit = p.countIncludePad && (p.pad.h > 0 || p.pad.w > 0)
    if explicit {
      let padded = node.name + "/padded"
      let pads = constant(node.name + "/pads", [0, 0, p.pad.h, p.pad.w, 0, 0, p.pad.h, p.pad.w])
      emit("Pad", padded, [x, pads], padded)
      x = padded
    }
    let attributes = poolAttributes(p, input, node.shape, explicitPadding: explicit) + [("count_include_pad", .int(0))]
    emit("AveragePool", node.name, [x], node.name, attributes)
  }

  /// Global pooling and equal windows have ONNX ops; overlapping windows are averaging matrices, `A_h · X · A_wᵀ`.
  private mutating func lowerAdaptivePool(_ node: Node, _ p: AdaptiveAvgPool, _ input: Shape) {
    let x = node.inputs[0]
    if p.out == Pair(square: 1) {
      emit("GlobalAveragePool", node.name, [x], node.name)
    } else if input.height % p.out.h == 0 && input.width % p.out.w == 0 {
      let window = [input.height / p.out.h, input.width / p.out.w]
      emit("AveragePool", node.name, [x], node.name, [("kernel_shape", .ints(window)), ("strides", .ints(window))])
    } else {
      let columns = constant(
        node.name + "/columns", dims: [input.width, p.out.w], transpose(averaging(p.out.w, input.width), p.out.w))
      let rows = constant(node.name + "/rows", dims: [p.out.h, input.height], averaging(p.out.h, input.height))
      let pooledColumns = node.name + "/pooled_columns"
      emit("MatMul", pooledColumns, [x, columns], pooledColumns)
      emit("MatMul", node.name, [rows, pooledColumns], node.name)
    }
  }

  /// Row `o` averages PyTorch's adaptive window `floor(o·size/n) ..< ceil((o+1)·size/n)`; `[n, size]`, row-major.
  private func averaging(_ n: Int, _ size: Int) -> [Float] {
    (0..<n).flatMap { o -> [Float] in
      let window = (o * size / n)..<(((o + 1) * size + n - 1) / n)
      return (0..<size).map { window.contains($0) ? 1 / Float(window.count) : 0 }
    }
  }

  private func transpose(_ matrix: [Float], _ rows: Int) -> [Float] {
    let columns = matrix.count / rows
    return (0..<columns).flatMap { c in (0..<rows).map { r in matrix[r * columns + c] } }
  }

  /// ONNX's LRN divides alpha by size like PyTorch, so it gets `size · alpha`. Its window matches PyTorch's for odd
  /// sizes only (`c − ⌊(size−1)/2⌋ … c + ⌈(size−1)/2⌉` against `c − ⌊size/2⌋ … c + ⌊(size−1)/2⌋`), so an even size
  /// sums its squares with a banded 1x1 Conv instead.
  private mutating func lowerLRN(_ node: Node, _ lrn: LRN, _ input: Shape) {
    let x = node.inputs[0]
    guard lrn.size % 2 == 0 else {
      emit(
        "LRN", node.name, [x], node.name,
        [
          ("size", .int(lrn.size)), ("alpha", .float(Float(lrn.alpha * Double(lrn.size)))),
          ("beta", .float(Float(lrn.beta))), ("bias", .float(Float(lrn.k))),
        ])
      return
    }
    let channels = input.channels
    let band = (0..<channels).flatMap { c in
      (0..<channels).map { j -> Float in (c - lrn.size / 2...c + (lrn.size - 1) / 2).contains(j) ? 1 : 0 }
    }
    let name = node.name
    emit("Mul", name + "/squares", [x, x], name + "/squares")
    let window = constant(name + "/window", dims: [channels, channels, 1, 1], band)
    emit("Conv", name + "/sums", [name + "/squares", window], name + "/sums", [("kernel_shape", .ints([1, 1]))])
    emit("Mul", name + "/scaled", [name + "/sums", constant(name + "/alpha", dims: [], [Float(lrn.alpha)])],
      name + "/scaled")
    emit("Add", name + "/shifted", [name + "/scaled", constant(name + "/k", dims: [], [Float(lrn.k)])], name + "/shifted")
    emit("Pow", name + "/divisor", [name + "/shifted", constant(name + "/beta", dims: [], [Float(lrn.beta)])],
      name + "/divisor")
    emit("Div", name, [x, name + "/divisor"], name)
  }
}
