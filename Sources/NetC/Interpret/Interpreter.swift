// The reference interpreter: runs an IR graph op by op in plain Swift, accumulating in Double; the ground
// truth the generated C is checked against.

public struct Interpreter: Sendable {
  public let graph: Graph
  public let weights: Weights

  /// Checks that the graph is well formed (`Verifier`: operands defined before use, shapes as
  /// `Op.inferShape` gives them) and that `weights` holds exactly its parameters; errors are `DiagnosticError`s.
  /// Unlike the verifier, it accepts an input of any rank with positive sizes: every op computes from its
  /// operands' shapes, and kernel tests feed `[N, F]` straight to dense ops.
  public init(graph: Graph, weights: Weights) throws {
    let inputIsPositive = graph.nodes.first.map { $0.shape.dims.allSatisfy { $0 > 0 } } ?? false
    let violations = Verifier.violations(in: graph).filter { !(inputIsPositive && $0.subject == .shape(node: 0)) }
    if !violations.isEmpty { throw DiagnosticError(violations.map { Diagnostic.error($0.description) }) }
    try weights.validate(for: graph, file: "weights")
    self.graph = graph
    self.weights = weights
  }

  /// The graph's output for `input`, whose shape must be the graph input's (batch included).
  public func run(_ input: Tensor) throws -> Tensor {
    // The output exists: the verifier checked it.
    try evaluateAll(input, keepingIntermediates: false).values[graph.output]!
  }

  /// Every node's value by name (the input's included), for comparing a compiled network layer by layer.
  public func values(_ input: Tensor) throws -> [String: Tensor] {
    try evaluateAll(input, keepingIntermediates: true).values
  }

  /// One node's value from its operands' values (in `node.inputs` order), which must have the shapes the
  /// node's op expects.
  public func evaluate(_ node: Node, operands: [Tensor]) throws -> Tensor {
    let shapes = operands.map(\.shape)
    let consistent: Bool
    if case .input = node.op {
      consistent = shapes == [node.shape]
    } else {
      consistent = (try? node.op.inferShape(shapes).get()) == node.shape
    }
    guard consistent, operands.allSatisfy({ $0.scalars.count == $0.shape.elementCount }) else {
      let list = shapes.map(\.dimsText).joined(separator: ", ")
      throw DiagnosticError(.error("node '\(node.name)' cannot take operands of shapes \(list)"))
    }
    return try Self.compute(node, operands, weights)
  }

  /// Runs the graph, calling `adjust` before each node (after the input) with its operands; `adjust` may
  /// change the weights the rest of the run uses (batch-norm calibration does).
  func evaluateAll(
    _ input: Tensor, keepingIntermediates: Bool,
    adjustingWeights adjust: (inout Weights, Node, [Tensor]) throws -> Void = { _, _, _ in }
  ) throws -> (values: [String: Tensor], weights: Weights) {
    let expected = graph.input.shape
    guard input.shape == expected, input.scalars.count == expected.elementCount else {
      throw DiagnosticError(
        .error("input has shape \(input.shape.dimsText), expected \(expected.dimsText) for '\(graph.name)'"))
    }
    // Values are freed after their last use unless every one is wanted, so deep nets fit in memory.
    let lastUse = graph.users().mapValues { $0.max() ?? 0 }
    var weights = self.weights
    var values = [graph.input.name: input]
    for (index, node) in graph.nodes.enumerated().dropFirst() {
      // Operands exist: the verifier checked each is defined by an earlier node.
      let operands = node.inputs.map { values[$0]! }
      try adjust(&weights, node, operands)
      values[node.name] = try Self.compute(node, operands, weights)
      if !keepingIntermediates {
        for name in node.inputs where lastUse[name] == index { values[name] = nil }
      }
    }
    return (values, weights)
  }

  /// One node's value, rounded to f32 once at the end.
  static func compute(_ node: Node, _ operands: [Tensor], _ weights: Weights) throws -> Tensor {
    if case .input = node.op { return operands[0] }
    return try forward(node, operands.map(Accumulator.init), weights).rounded
  }

  /// One forward op in Double, shared with the training interpreter; inference semantics for batch norm
  /// (running statistics) and dropout (the identity: PyTorch scales during training instead).
  static func forward(_ node: Node, _ operands: [Accumulator], _ parameters: some ParameterSource) throws
    -> Accumulator
  {
    let x = operands[0]
    switch node.op {
    case .input:
      return x
    case .conv(let conv):
      return try convolution(operands, conv, outputShape: node.shape, parameters: parameters)
    case .batchNorm(let bn):
      return batchNorm(x, try parameters.batchNorm(module: bn.module, eps: bn.eps))
    case .relu:
      var result = x
      result.applyReLU()
      return result
    case .add(let a):
      return add(x, operands[1], a)
    case .shortcutA(let shortcut):
      return shortcutA(x, shortcut, outputShape: node.shape)
    case .maxPool(let pool):
      return maxPool(x, pool, outputShape: node.shape)
    case .avgPool(let pool):
      return avgPool(x, pool, outputShape: node.shape)
    case .adaptiveAvgPool:
      return adaptiveAvgPool(x, outputShape: node.shape)
    case .flatten:
      return flatten(x, outputShape: node.shape)
    case .linear(let l):
      let bias = l.hasBias ? try parameters.values(l.module + ".bias") : nil
      var result = linear(x, weights: try parameters.values(l.module + ".weight"), bias: bias, outputShape: node.shape)
      if l.relu { result.applyReLU() }
      return result
    case .dropout:
      return x
    case .lrn(let lrn):
      return localResponseNorm(x, lrn)
    case .softmax:
      return softmax(x)
    case .train(let op):
      throw DiagnosticError(
        .error(
          "'\(node.name)': the inference interpreter cannot run training op '\(op.mnemonic)'; "
            + "use TrainingInterpreter"))
    }
  }
}

/// Parameter tensors by name, in Double, as the interpreter's ops read them.
protocol ParameterSource {
  /// The tensor's elements; a missing tensor is an error, not a crash.
  func values(_ name: String) throws -> [Double]
}

extension ParameterSource {
  func batchNorm(module: String, eps: Double) throws -> BatchNormParameters {
    BatchNormParameters(
      gamma: try values(module + ".weight"), beta: try values(module + ".bias"),
      mean: try values(module + ".running_mean"), variance: try values(module + ".running_var"), eps: eps)
  }
}

extension Weights: ParameterSource {
  func values(_ name: String) throws -> [Double] {
    guard let tensor = self[name] else { throw DiagnosticError(.error("weights: missing tensor '\(name)'")) }
    return tensor.scalars.map(Double.init)
  }
}
