// The reference training step: a training graph run op by op in Double (no rounding between ops), then SGD.
// The generated C training step and PyTorch are checked against it.

/// One step's results.
public struct TrainingStepResult: Sendable {
  /// The loss of the batch before the update.
  public var loss: Double
  /// The logits the loss was computed from.
  public var logits: Tensor
  /// Every trainable parameter's gradient (of the loss alone; weight decay is the optimizer's), by name.
  public var gradients: Weights
  /// The state after the update: new weights, momentum buffers and running statistics, `step + 1`.
  public var state: TrainingState
}

public struct TrainingInterpreter: Sendable {
  public let graph: Graph
  /// What happens to each op's result before later ops read it: nothing, or one of two models of the generated
  /// C's f32 rounding, the fuzzer's measures of how far that rounding alone moves a program's step (see
  /// `FuzzTraining`).
  public var rounding = ValueRounding.none

  /// `graph` must be a training graph (`TrainingGraph.build`) that passes the `Verifier`.
  public init(graph: Graph) throws {
    try Verifier.verify(graph)
    guard graph.isTrainingGraph, case .train(.softmaxCrossEntropy) = graph.node(named: graph.output)?.op else {
      throw DiagnosticError(
        .error("'\(graph.name)' is not a training graph: it must return a 'softmax_cross_entropy' loss"))
    }
    self.graph = graph
  }

  /// Forward, loss, backward and the SGD update of `state` on one batch; `labels` are class indices, one per
  /// batch item.
  public func step(_ state: TrainingState, input: Tensor, labels: [Int], optimizer: SGD) throws -> TrainingStepResult {
    try state.weights.validate(for: graph, file: "weights")
    let pass = try run(
      DoubleParameters(state.weights), input: input, labels: labels, seed: state.seed, step: state.step,
      keepingIntermediates: false)
    var next = state
    var gradients = Weights()
    for (parameter, value) in graph.parameterGradients {
      let gradient = pass.values[value]!
      gradients[parameter] = gradient.rounded
      guard let weight = state.weights[parameter], let buffer = state.momentum[parameter] else {
        throw DiagnosticError(.error("momentum: missing buffer for '\(parameter)'"))
      }
      var newWeight = weight.scalars
      var newBuffer = buffer.scalars
      for i in newWeight.indices {
        let updated = optimizer.update(
          weight: Double(weight.scalars[i]), gradient: gradient.values[i], buffer: Double(buffer.scalars[i]))
        newWeight[i] = Float(updated.weight)
        newBuffer[i] = Float(updated.buffer)
      }
      next.weights[parameter] = Tensor(shape: weight.shape, scalars: newWeight)
      next.momentum[parameter] = Tensor(shape: buffer.shape, scalars: newBuffer)
    }
    for (name, values) in pass.runningStatistics {
      next.weights[name] = Tensor(shape: Shape([values.count]), scalars: values.map { Float($0) })
    }
    next.step += 1
    let logits = pass.values[graph.node(named: graph.output)!.inputs[0]]!.rounded
    return TrainingStepResult(loss: pass.loss, logits: logits, gradients: gradients, state: next)
  }

  /// Every value of the graph for one batch, rounded to f32, for comparing the C step value by value.
  public func values(_ state: TrainingState, input: Tensor, labels: [Int]) throws -> [String: Tensor] {
    try run(
      DoubleParameters(state.weights), input: input, labels: labels, seed: state.seed, step: state.step,
      keepingIntermediates: true
    ).values.mapValues(\.rounded)
  }

  /// What one pass over the training graph computes, in Double.
  struct Pass {
    var values: [String: Accumulator]
    var loss: Double
    /// New running statistics by tensor name (`bn1.running_mean`).
    var runningStatistics: [String: [Double]]
  }

  /// Runs the graph; values die after their last use unless all are kept, except the parameter gradients.
  func run(
    _ parameters: DoubleParameters, input: Tensor, labels: [Int], seed: UInt64, step: Int, keepingIntermediates: Bool
  ) throws -> Pass {
    try check(input: input, labels: labels)
    let logits = graph.node(named: graph.output)!.inputs[0]
    let kept = Set(graph.parameterGradients.map(\.value) + [graph.output, logits])
    let lastUse = graph.users().mapValues { $0.max() ?? 0 }
    var context = TrainingContext(
      parameters: parameters, labels: labels, seed: seed, step: step, sumsInFloat: rounding.roundsSums)
    var rounding = self.rounding
    var values = [graph.input.name: Accumulator(input)]
    for (index, node) in graph.nodes.enumerated().dropFirst() {
      // Operands exist: the verifier checked each is defined by an earlier node.
      let operands = node.inputs.map { values[$0]! }
      values[node.name] = rounding.apply(to: try context.compute(node, operands))
      if !keepingIntermediates {
        for name in node.inputs where lastUse[name] == index && !kept.contains(name) { values[name] = nil }
      }
    }
    return Pass(values: values, loss: values[graph.output]!.values[0], runningStatistics: context.runningStatistics)
  }

  private func check(input: Tensor, labels: [Int]) throws {
    let expected = graph.input.shape
    guard input.shape == expected, input.scalars.count == expected.elementCount else {
      throw DiagnosticError(
        .error("input has shape \(input.shape.dimsText), expected \(expected.dimsText) for '\(graph.name)'"))
    }
    guard labels.count == expected.batch else {
      throw DiagnosticError(.error("expected \(expected.batch) labels, one per batch item, got \(labels.count)"))
    }
    let lossInput = graph.node(named: graph.node(named: graph.output)!.inputs[0])!
    let classes = lossInput.shape.channels
    if let (item, label) = labels.enumerated().first(where: { !(0..<classes).contains($0.element) }) {
      throw DiagnosticError(.error("label \(label) of batch item \(item) is not a class index in 0..<\(classes)"))
    }
  }
}

/// Models of the f32 rounding of the values the generated C stores.
public enum ValueRounding: Sendable {
  case none
  /// Round to the nearest f32, as the C stores values: values computed exactly alike (a constant plane) stay
  /// alike, and a channel's mean is off by the same amount for every value that subtracts it.
  case nearest
  /// Move each value by a random fraction of one f32 rounding (relative ±2⁻²⁴): values computed alike drift
  /// apart, as in the C, whose kernels sum different positions in different orders.
  case noise(RandomSource)

  mutating func apply(to value: Accumulator) -> Accumulator {
    switch self {
    case .none: return value
    case .nearest: return Accumulator(value.rounded)
    case .noise(var random):
      var moved = value
      moved.values = value.values.map { $0 * (1 + random.uniform(-1, 1) * 0x1p-24) }
      self = .noise(random)
      return moved
    }
  }

  /// Whether the model also sums each conv weight gradient in f32, as the C's GEMM does: over N·H·W terms that
  /// error outgrows one rounding per stored value, and amplified behind a zero-variance batch norm it dominates.
  var roundsSums: Bool {
    if case .none = self { false } else { true }
  }
}

/// Parameter values in Double, which finite-difference checks perturb in Double.
struct DoubleParameters: ParameterSource {
  var tensors: [String: [Double]]

  init(_ weights: Weights) {
    tensors = Dictionary(uniqueKeysWithValues: weights.entries.map { ($0.name, $0.tensor.scalars.map(Double.init)) })
  }

  func values(_ name: String) throws -> [Double] {
    guard let values = tensors[name] else { throw DiagnosticError(.error("weights: missing tensor '\(name)'")) }
    return values
  }
}

/// The inputs of one pass that are not values: parameters, labels, the dropout seed and step; and the running
/// statistics the batch-statistics ops produce.
private struct TrainingContext {
  var parameters: DoubleParameters
  var labels: [Int]
  var seed: UInt64
  var step: Int
  /// Whether the weight gradients' long sums are f32, as the C's are (`ValueRounding.roundsSums`).
  var sumsInFloat: Bool
  var runningStatistics: [String: [Double]] = [:]

  mutating func compute(_ node: Node, _ operands: [Accumulator]) throws -> Accumulator {
    guard case .train(let op) = node.op else { return try Interpreter.forward(node, operands, parameters) }
    let dy = operands[0]
    func stats(_ k: Int) -> BatchStatistics {
      BatchStatistics(operands[k], count: operands[1].shape.batch * operands[1].planeSize)
    }
    switch op {
    case .batchNormStats(let bn):
      let statistics = BatchStatistics(dy)
      let running = statistics.updated(
        mean: try parameters.values(bn.module + ".running_mean"),
        variance: try parameters.values(bn.module + ".running_var"), momentum: bn.momentum)
      runningStatistics[bn.module + ".running_mean"] = running.mean
      runningStatistics[bn.module + ".running_var"] = running.variance
      return statistics.value
    case .batchNormTrain(let bn), .batchNormRecompute(let bn):
      let statistics = BatchStatistics(operands[1], count: dy.shape.batch * dy.planeSize)
      return batchNormTrain(
        dy, statistics, gamma: try parameters.values(bn.module + ".weight"),
        beta: try parameters.values(bn.module + ".bias"), eps: bn.eps)
    case .dropoutTrain(let mask), .dropoutGrad(let mask):
      return dropoutTrain(dy, mask, seed: seed, step: step)
    case .softmaxCrossEntropy:
      return Accumulator(shape: Shape([1]), values: [softmaxCrossEntropy(dy, labels: labels)])
    case .softmaxCrossEntropyGrad:
      return softmaxCrossEntropyGrad(dy, labels: labels)
    case .convGradInput(let grad):
      return convGradInput(
        dy, weights: try parameters.values(grad.conv.module + ".weight"), grad.conv, inputShape: node.shape)
    case .convGradWeight(let conv):
      return sumsInFloat
        ? convGradWeight(dy, operands[1], conv, weightShape: node.shape, summingIn: Float.self)
        : convGradWeight(dy, operands[1], conv, weightShape: node.shape, summingIn: Double.self)
    case .biasGrad:
      return biasGrad(dy)
    case .batchNormGradWeight(let bn):
      return batchNormGradWeight(dy, operands[1], stats(2), eps: bn.eps)
    case .batchNormGradInput(let bn):
      return batchNormGradInput(
        dy, operands[1], stats(2), gamma: try parameters.values(bn.module + ".weight"),
        gammaGrad: operands[3].values, betaGrad: operands[4].values, eps: bn.eps)
    case .reluGrad:
      return reluGrad(dy, operands[1])
    case .maxPoolGrad(let pool):
      return maxPoolGrad(dy, operands[1], pool)
    case .avgPoolGrad(let grad):
      return avgPoolGrad(dy, grad.pool, inputShape: node.shape)
    case .adaptiveAvgPoolGrad:
      return adaptiveAvgPoolGrad(dy, inputShape: node.shape)
    case .lrnGrad(let lrn):
      return lrnGrad(dy, operands[1], lrn)
    case .linearGradInput(let grad):
      return linearGradInput(dy, weights: try parameters.values(grad.module + ".weight"), inputShape: node.shape)
    case .linearGradWeight:
      return linearGradWeight(dy, operands[1])
    case .shortcutGrad(let grad):
      return shortcutGrad(dy, grad.residual, inputShape: node.shape)
    case .flattenGrad:
      return Accumulator(shape: node.shape, values: dy.values)
    case .softmaxGrad:
      return softmaxGrad(dy, operands[1])
    case .accumulate:
      var sum = dy
      for operand in operands.dropFirst() {
        for i in sum.values.indices { sum.values[i] += operand.values[i] }
      }
      return sum
    }
  }
}
