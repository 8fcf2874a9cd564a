// Small networks that together use every op of the language, for checking gradients and training steps.

@testable import NetC

enum TrainingNets {
  /// A grouped, strided, dilated, non-square conv with bias, ReLU, batch norm (after the ReLU, so the bias
  /// keeps a gradient), LRN, a ceil-mode max pool, dropout and a linear classifier.
  static func convolutions(batch: Int = 2) throws -> Graph {
    var net = GraphBuilder("convolutions", input: [batch, 4, 9, 9])
    try net.add(
      "conv1",
      .conv(
        Conv(
          outChannels: 6, kernel: Pair(3, 2), stride: Pair(2, 1), pad: Pair(1, 0), dilation: Pair(1, 2), groups: 2,
          module: "conv1", hasBias: true)))
    try net.add("relu", .relu)
    try net.add("bn1", .batchNorm(BatchNorm(module: "bn1")))
    try net.add("norm", .lrn(LRN(size: 3, alpha: 0.5, beta: 0.75, k: 2)))
    try net.add(
      "pool", .maxPool(Pool(kernel: Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1), ceilMode: true)))
    try net.add("flatten", .flatten)
    try net.add("dropout", .dropout(Dropout(p: 0.3)))
    try net.add("fc", .linear(Linear(outFeatures: 5, module: "fc", hasBias: true)))
    return net.graph()
  }

  /// A CIFAR-style stem and two residual blocks (identity, then option A with stride 2), an average pool that
  /// does not count padding, adaptive pooling over a size it does not divide, and a linear classifier.
  static func residual(batch: Int = 3) throws -> Graph {
    var net = GraphBuilder("residual", input: [batch, 3, 8, 8])
    try net.conv3x3("conv1", 4)
    try net.add("bn1", .batchNorm(BatchNorm(module: "bn1")))
    try net.add("relu", .relu)
    try block(&net, "layer1", planes: 4, stride: 1, from: "relu")
    try block(&net, "layer2", planes: 8, stride: 2, from: "layer1.relu_1")
    try net.add(
      "avgpool",
      .avgPool(
        Pool(
          kernel: Pair(square: 3), stride: Pair(square: 2), pad: Pair(square: 1), ceilMode: true,
          countIncludePad: false)))
    try net.add("adaptive", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(2, 1))))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 4, module: "fc", hasBias: true)))
    return net.graph()
  }

  /// `basic(planes, stride, shortcut = A)` of the ResNet library, as the front end expands it.
  private static func block(_ net: inout GraphBuilder, _ scope: String, planes: Int, stride: Int, from input: String)
    throws
  {
    try net.conv3x3(scope + ".conv1", planes, stride: stride, [input])
    try net.add(scope + ".bn1", .batchNorm(BatchNorm(module: scope + ".bn1")))
    try net.add(scope + ".relu", .relu)
    try net.conv3x3(scope + ".conv2", planes)
    try net.add(scope + ".bn2", .batchNorm(BatchNorm(momentum: 0.2, module: scope + ".bn2")))
    var shortcut = input
    if stride != 1 {
      shortcut = try net.add(scope + ".shortcut", .shortcutA(ShortcutA(outChannels: planes, stride: stride)), [input])
    }
    try net.add(scope + ".add", .add(Add()), [scope + ".bn2", shortcut])
    try net.add(scope + ".relu_1", .relu)
  }

  /// One of each kind of training convolution over channel counts off the vector widths: Winograd F(2x2, 3x3)
  /// with padding 1 (odd sizes: a half tile) and 2 (its input gradient unpadded), a 5x5 whose input gradient is
  /// a convolution of dy over im2col columns, a strided 3x3 whose input gradient is scattered by col2im, and a
  /// 1x1 read in place; batch norm and ReLU between them, so every gradient reaches every conv.
  static func convolutionKinds(batch: Int = 3) throws -> Graph {
    var net = GraphBuilder("convolution_kinds", input: [batch, 5, 9, 9])
    let kinds: [(name: String, out: Int, kernel: Int, stride: Int, pad: Int)] = [
      ("wide", 40, 3, 1, 1), ("padded", 19, 3, 1, 2), ("large", 24, 5, 1, 2), ("strided", 33, 3, 2, 1),
      ("pointwise", 17, 1, 1, 0),
    ]
    for kind in kinds {
      try net.add(
        kind.name,
        .conv(
          Conv(
            outChannels: kind.out, kernel: Pair(square: kind.kernel), stride: Pair(square: kind.stride),
            pad: Pair(square: kind.pad), module: kind.name, hasBias: kind.name == "large")))
      // The conv with a bias has its ReLU before its batch norm, which would otherwise cancel the bias's gradient.
      let bias = kind.name == "large"
      if bias { try net.add(kind.name + "_relu", .relu) }
      try net.add(kind.name + "_bn", .batchNorm(BatchNorm(module: kind.name + "_bn")))
      if !bias { try net.add(kind.name + "_relu", .relu) }
    }
    try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 6, module: "fc", hasBias: true)))
    return net.graph()
  }

  /// Stride-1 convolutions whose weight gradients read shifted planes (`netc_conv_grad_weight_shifted`), on rows
  /// long enough for it: odd channel counts and sizes; padded, unpadded, grouped, dilated and non-square taps;
  /// one with a bias (its ReLU before its batch norm, as in `convolutionKinds`).
  static func shiftedWeightGradients(batch: Int) throws -> Graph {
    var net = GraphBuilder("shifted_weight_gradients", input: [batch, 5, 7, 23])
    let convs = [
      Conv(outChannels: 7, kernel: Pair(square: 3), pad: Pair(square: 1), module: "same", hasBias: false),
      Conv(outChannels: 9, kernel: Pair(3, 2), module: "valid", hasBias: true),
      Conv(
        outChannels: 6, kernel: Pair(square: 3), pad: Pair(1, 0), dilation: Pair(1, 2), groups: 3,
        module: "grouped", hasBias: false),
    ]
    for conv in convs {
      try net.add(conv.module, .conv(conv))
      if conv.hasBias { try net.add(conv.module + "_relu", .relu) }
      try net.add(conv.module + "_bn", .batchNorm(BatchNorm(module: conv.module + "_bn")))
      if !conv.hasBias { try net.add(conv.module + "_relu", .relu) }
    }
    try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 4, module: "fc", hasBias: true)))
    return net.graph()
  }

  /// 3x3 stride-1 convolutions whose weight gradients run by Winograd F(3x3, 2x2)
  /// (`netc_conv_grad_weight_winograd`: outputs at least 32 wide, at least 8 input channels): padding 1, 0 and
  /// 2, odd heights (a row of half tiles) and widths off the vector widths (a row's last vector of tiles partly
  /// filled), channel counts off them too; batch norm and ReLU between them, so every gradient reaches every conv.
  static func winogradWeightGradients(batch: Int) throws -> Graph {
    var net = GraphBuilder("winograd_weight_gradients", input: [batch, 9, 33, 36])
    let convs = [
      Conv(outChannels: 10, kernel: Pair(square: 3), pad: Pair(square: 1), module: "same", hasBias: false),
      Conv(outChannels: 11, kernel: Pair(square: 3), module: "valid", hasBias: false),
      Conv(outChannels: 6, kernel: Pair(square: 3), pad: Pair(square: 2), module: "padded", hasBias: false),
    ]
    for conv in convs {
      try net.add(conv.module, .conv(conv))
      try net.add(conv.module + "_bn", .batchNorm(BatchNorm(module: conv.module + "_bn")))
      try net.add(conv.module + "_relu", .relu)
    }
    try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
    try net.add("flatten", .flatten)
    try net.add("fc", .linear(Linear(outFeatures: 4, module: "fc", hasBias: true)))
    return net.graph()
  }

  /// Dense layers with a softmax between them (its backward op) and a final softmax (left out by the loss).
  static func dense(batch: Int = 4) throws -> Graph {
    var net = GraphBuilder("dense", input: [batch, 2, 3, 1])
    try net.add("flatten", .flatten)
    try net.add("fc1", .linear(Linear(outFeatures: 5, module: "fc1", hasBias: false)))
    try net.add("softmax", .softmax)
    try net.add("fc2", .linear(Linear(outFeatures: 3, module: "fc2", hasBias: true)))
    try net.add("probabilities", .softmax)
    return net.graph()
  }

  static var all: [(name: String, graph: Graph)] {
    get throws { [("convolutions", try convolutions()), ("residual", try residual()), ("dense", try dense())] }
  }

  /// Random parameters: He-like weights, γ near 1, β and running statistics spread out.
  static func weights(_ graph: Graph, seed: UInt64) throws -> Weights {
    try WeightInitializer(seed: seed, randomizeBatchNorm: true).weights(for: graph)
  }

  /// Labels `0..<classes` for a batch, deterministic.
  static func labels(_ graph: Graph, seed: UInt64) -> [Int] {
    var random = RandomSource(seed: seed, stream: "labels")
    let classes = graph.nodes.last { if case .linear = $0.op { true } else { false } }!.shape.channels
    return (0..<graph.batch).map { _ in Int(random.next() % UInt64(classes)) }
  }
}
