// The backward half of a training graph: the forward ops in reverse, each adding the ops that turn the
// gradient of its result into gradients of its operands and parameters.

/// Walks the forward ops from the loss back to the input, emitting backward ops in that order.
struct BackwardBuilder {
  private let forward: [Node]
  private let loss: String
  private let producers: [String: Node]
  private var shapes: [String: Shape]
  /// Values whose gradient is wanted: they depend on a parameter and lead to the loss.
  private var wanted: Set<String> = []
  /// How many gradients each wanted value receives (one per use that passes a gradient back).
  private var expected: [String: Int] = [:]
  private var received: [String: [String]] = [:]
  /// The complete gradient of each value, once all its users' backward ops ran.
  private var gradients: [String: String] = [:]
  private(set) var nodes: [Node] = []

  init(forward: [Node], loss: String) {
    self.forward = forward
    self.loss = loss
    producers = Dictionary(uniqueKeysWithValues: forward.map { ($0.name, $0) })
    shapes = producers.mapValues(\.shape)
    findWantedValues()
  }

  /// The operands of `node` a gradient flows back to, by position: the batch statistics are not one (the
  /// batch norm's backward accounts for them), and nothing flows into a loss's labels or the graph input.
  private static func differentiableOperands(_ node: Node) -> [Int] {
    switch node.op {
    case .input, .train(.batchNormStats): []
    case .add: [0, 1]
    default: node.inputs.isEmpty ? [] : [0]
    }
  }

  private mutating func findWantedValues() {
    var dependsOnParameters: Set<String> = []
    for node in forward {
      if Self.readsParameters(node.op) || node.inputs.contains(where: dependsOnParameters.contains) {
        dependsOnParameters.insert(node.name)
      }
    }
    var leadsToLoss: Set<String> = [loss]
    for node in forward.reversed() where leadsToLoss.contains(node.name) {
      for k in Self.differentiableOperands(node) where dependsOnParameters.contains(node.inputs[k]) {
        leadsToLoss.insert(node.inputs[k])
        expected[node.inputs[k], default: 0] += 1
      }
    }
    wanted = leadsToLoss
  }

  /// Whether the op reads trainable parameters.
  private static func readsParameters(_ op: Op) -> Bool {
    switch op {
    case .conv, .linear, .batchNorm, .train(.batchNormTrain): true
    default: false
    }
  }

  mutating func run() throws {
    for node in forward.reversed() where wanted.contains(node.name) {
      if node.name == loss {
        flow(to: node.inputs[0], from: node, .softmaxCrossEntropyGrad, [node.inputs[0]])
        continue
      }
      guard let dy = gradients[node.name] else { continue }
      try differentiate(node, dy: dy)
    }
  }

  private mutating func differentiate(_ node: Node, dy: String) throws {
    let x = node.inputs.first ?? ""
    switch node.op {
    case .input, .batchNorm, .dropout:
      return  // the input needs no gradient; the forward half replaced the others by training ops
    case .conv(let conv):
      emit(node, .convGradWeight(conv.geometry), [dy, x], name: conv.module + ".weight.grad")
      if conv.hasBias { emit(node, .biasGrad(module: conv.module), [dy], name: conv.module + ".bias.grad") }
      flow(to: x, from: node, .convGradInput(ConvGradInput(conv: conv.geometry, input: FeatureMapSize(shape(x)))), [dy])
    case .linear(let linear):
      emit(node, .linearGradWeight(module: linear.module), [dy, x], name: linear.module + ".weight.grad")
      if linear.hasBias { emit(node, .biasGrad(module: linear.module), [dy], name: linear.module + ".bias.grad") }
      let grad = LinearGradInput(module: linear.module, inFeatures: shape(x).channels)
      flow(to: x, from: node, .linearGradInput(grad), [dy])
    case .train(.batchNormTrain(let bn)):
      let stats = node.inputs[1]
      let gamma = emit(node, .batchNormGradWeight(bn), [dy, x, stats], name: bn.module + ".weight.grad")
      let beta = emit(node, .biasGrad(module: bn.module), [dy], name: bn.module + ".bias.grad")
      flow(to: x, from: node, .batchNormGradInput(bn), [dy, x, stats, gamma, beta])
    case .train(.dropoutTrain(let mask)):
      flow(to: x, from: node, .dropoutGrad(mask), [dy])
    case .relu:
      flow(to: x, from: node, .reluGrad, [dy, node.name])
    case .add(let add):
      pass(dy, to: x, from: node)
      if add.shortcut == .identity {
        pass(dy, to: node.inputs[1], from: node)
      } else {
        let source = node.inputs[1]
        let grad = ShortcutGrad(residual: add.shortcut, input: FeatureMapSize(shape(source)))
        flow(to: source, from: node, .shortcutGrad(grad), [dy])
      }
    case .shortcutA(let shortcut):
      let residual = shortcut.residual(inputChannels: shape(x).channels)
      flow(to: x, from: node, .shortcutGrad(ShortcutGrad(residual: residual, input: FeatureMapSize(shape(x)))), [dy])
    case .maxPool(let pool):
      flow(to: x, from: node, .maxPoolGrad(pool), [dy, x])
    case .avgPool(let pool):
      flow(to: x, from: node, .avgPoolGrad(PoolGrad(pool: pool, size: Pair(shape(x).height, shape(x).width))), [dy])
    case .adaptiveAvgPool:
      flow(to: x, from: node, .adaptiveAvgPoolGrad(size: Pair(shape(x).height, shape(x).width)), [dy])
    case .flatten:
      if shape(x).rank == 2 {
        pass(dy, to: x, from: node)
      } else {
        flow(to: x, from: node, .flattenGrad(FeatureMapSize(shape(x))), [dy])
      }
    case .lrn(let lrn):
      flow(to: x, from: node, .lrnGrad(lrn), [dy, x])
    case .softmax:
      flow(to: x, from: node, .softmaxGrad, [dy, node.name])
    case .train(let op):
      throw DiagnosticError(.error("'\(node.name)': '\(op.mnemonic)' has no gradient"))
    }
  }

  private func shape(_ value: String) -> Shape { shapes[value]! }

  /// Emits a backward op of `node` (in its scope) named `name`; returns the name.
  @discardableResult
  private mutating func emit(_ node: Node, _ op: TrainingOp, _ inputs: [String], name: String) -> String {
    let result: Shape
    switch Op.train(op).inferShape(inputs.map(shape)) {
    case .success(let shape): result = shape
    case .failure(let error):
      // The forward shapes it checks are those of a verified graph.
      preconditionFailure("autodiff made an ill-shaped '\(op.mnemonic)' for '\(node.name)': \(error.message)")
    }
    nodes.append(Node(name: name, op: .train(op), inputs: inputs, shape: result, scope: node.scope))
    shapes[name] = result
    return name
  }

  /// A new gradient of `x` computed by `op` from `inputs`, if `x`'s gradient is wanted.
  private mutating func flow(to x: String, from node: Node, _ op: TrainingOp, _ inputs: [String]) {
    guard wanted.contains(x) else { return }
    let name = contributionName(x)
    emit(node, op, inputs, name: name)
    receive(x, from: node, name)
  }

  /// `dy` itself is a gradient of `x` (an identity on the way back).
  private mutating func pass(_ dy: String, to x: String, from node: Node) {
    guard wanted.contains(x) else { return }
    receive(x, from: node, dy)
  }

  private func contributionName(_ x: String) -> String {
    expected[x] == 1 ? x + ".grad" : "\(x).grad_\((received[x]?.count ?? 0) + 1)"
  }

  /// Records one gradient of `x`; the last one completes it, summing them all when there are several.
  private mutating func receive(_ x: String, from node: Node, _ gradient: String) {
    received[x, default: []].append(gradient)
    let parts = received[x]!
    guard parts.count == expected[x] else { return }
    if parts.count == 1 {
      gradients[x] = parts[0]
      return
    }
    let producer = producers[x]!
    gradients[x] = emit(producer, .accumulate, parts, name: x + ".grad")
  }
}
