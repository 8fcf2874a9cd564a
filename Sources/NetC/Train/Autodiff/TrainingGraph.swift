// Reverse-mode differentiation on the IR: an inference graph becomes a training graph in the same IR — the
// forward pass in training mode, the loss, and the backward pass — which dumps, parses, verifies and plans
// like any other graph. The loss is the graph's output; the parameter gradients are the values of the ops
// whose `TrainingOp.gradientOf` names a parameter.

public enum TrainingGraph {
  /// The training graph of `graph`, which must be as the front end produced it (no pass fused anything):
  /// batch norms use batch statistics, dropouts draw seeded masks (`DropoutMask`), a final softmax is left
  /// out (the loss applies it to the logits), and `%loss` is softmax cross-entropy, the mean over the batch.
  ///
  /// Gradient values are named after what they are the gradient of: `%layer1.0.conv1.grad`,
  /// `%layer1.0.conv1.weight.grad` (PyTorch's `.grad`). A value read by several ops receives one gradient
  /// from each (`%x.grad_1`, `%x.grad_2`, …, numbered in the order the backward pass makes them), summed by an
  /// `accumulate` op into `%x.grad`; where a gradient passes through unchanged (an `add`'s operands), its
  /// value is reused, not copied. Each backward op sits in the scope of its forward op. Forward values that a few
  /// elementwise ops recompute from values the backward pass keeps anyway are recomputed there
  /// (`%layer1.0.relu.recomputed`, see `Rematerialization`) rather than kept.
  public static func build(_ graph: Graph) throws -> Graph {
    try Verifier.verify(graph)
    var builder = try ForwardBuilder(graph)
    builder.appendLoss()
    var backward = BackwardBuilder(forward: builder.nodes, loss: builder.lossName)
    try backward.run()
    let result = Graph(
      name: graph.name + ".train",
      nodes: Rematerialization.apply(builder.nodes + backward.nodes, loss: builder.lossName), output: builder.lossName,
      scopes: graph.scopes)
    try checkEveryParameterLearns(result)
    try Verifier.verify(result, producedBy: "autodiff")
    return result
  }

  private static func checkEveryParameterLearns(_ graph: Graph) throws {
    let learned = Set(graph.parameterGradients.map(\.parameter))
    let missing = graph.parameters.filter { $0.isTrainable && !learned.contains($0.name) }
    if let first = missing.first {
      throw DiagnosticError(
        .error("parameter '\(first.name)' does not affect the loss; remove the layers the output does not use"))
    }
  }
}

extension Graph {
  /// Whether this is a training graph (its ops include training ops).
  public var isTrainingGraph: Bool {
    nodes.contains { if case .train = $0.op { true } else { false } }
  }

  /// The parameter gradients of a training graph, in the order of `parameters`: each trainable parameter's
  /// name and the value holding its gradient.
  public var parameterGradients: [(parameter: String, value: String)] {
    var values: [String: String] = [:]
    for node in nodes {
      if case .train(let op) = node.op, let parameter = op.gradientOf { values[parameter] = node.name }
    }
    return parameters.compactMap { parameter in values[parameter.name].map { (parameter.name, $0) } }
  }
}

/// The forward half: the graph's ops in training mode, then the loss.
private struct ForwardBuilder {
  var nodes: [Node] = []
  var lossName = "loss"
  private var names: Set<String> = []
  private var logits: Node

  init(_ graph: Graph) throws {
    for node in graph.nodes { try Self.checkTrainable(node) }
    let output = graph.node(named: graph.output)!
    // The loss takes the logits: a final softmax would only be undone by the loss's own log-softmax.
    let skipsSoftmax = output.op == .softmax && graph.users()[output.name] == [graph.nodes.count]
    logits = skipsSoftmax ? graph.node(named: output.inputs[0])! : output
    guard logits.shape.rank == 2 else {
      throw DiagnosticError(
        .error(
          "training needs [N, classes] logits from '\(graph.name)', got \(logits.shape) from '\(logits.name)'; "
            + "end the network with 'flatten' and 'linear'"))
    }
    var dropouts = 0
    for node in graph.nodes {
      if skipsSoftmax && node.name == output.name { continue }
      switch node.op {
      case .batchNorm(let bn):
        let stats = Node(
          name: node.name + ".stats", op: .train(.batchNormStats(bn)), inputs: node.inputs,
          shape: Shape([2, node.shape.channels]), scope: node.scope)
        append(stats)
        append(Node(
          name: node.name, op: .train(.batchNormTrain(bn)), inputs: node.inputs + [stats.name], shape: node.shape,
          scope: node.scope))
      case .dropout(let dropout):
        var trained = node
        trained.op = .train(.dropoutTrain(DropoutMask(p: dropout.p, stream: dropouts)))
        dropouts += 1
        append(trained)
      default:
        append(node)
      }
    }
    lossName = names.claimUnique("loss")
  }

  mutating func appendLoss() {
    append(Node(name: lossName, op: .train(.softmaxCrossEntropy), inputs: [logits.name], shape: Shape([1])))
  }

  private mutating func append(_ node: Node) {
    nodes.append(node)
    names.insert(node.name)
  }

  /// Only what the front end makes can be trained: fused epilogues (a folded batch norm above all) would
  /// need backward ops of their own for no benefit, and an existing training op means it already is one.
  private static func checkTrainable(_ node: Node) throws {
    var fused: [String] = []
    switch node.op {
    case .conv(let conv):
      if conv.epilogue.batchNorm != nil { fused.append("batch norm") }
      if conv.epilogue.residual != nil { fused.append("residual add") }
      if conv.epilogue.relu { fused.append("relu") }
    case .add(let add) where add.relu:
      fused.append("relu")
    case .linear(let linear) where linear.relu:
      fused.append("relu")
    case .train(let op):
      throw DiagnosticError(
        .error("'\(node.name)' is already a training op ('\(op.mnemonic)'); start from the network's inference IR"))
    default:
      break
    }
    if !fused.isEmpty {
      throw DiagnosticError(
        .error(
          "'\(node.name)' has a fused \(fused.joined(separator: ", ")) from a pass; training needs the graph "
            + "before passes (as 'netc dump -O0' prints it)"))
    }
  }
}
