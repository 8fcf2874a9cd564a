// The training loop's backend on the reference interpreter: exact and slow, for tests on tiny networks.

public final class InterpreterBackend: TrainingBackend {
  private let trainer: TrainingInterpreter
  private let evaluator: Interpreter
  private var current: TrainingState
  public let batch: Int
  public let classes: Int

  /// `graph` is the inference graph as the front end made it; its training graph is built here.
  public init(graph: Graph, state: TrainingState) throws {
    trainer = try TrainingInterpreter(graph: try TrainingGraph.build(graph))
    evaluator = try Interpreter(graph: graph, weights: state.weights)
    current = state
    batch = graph.batch
    classes = graph.outputShape.channels
  }

  public func step(input: [Float], labels: [Int32], optimizer: SGD) throws -> (loss: Double, logits: [Float]) {
    let tensor = Tensor(shape: trainer.graph.input.shape, scalars: input)
    let result = try trainer.step(current, input: tensor, labels: labels.map(Int.init), optimizer: optimizer)
    current = result.state
    return (result.loss, result.logits.scalars)
  }

  public func evaluate(input: [Float]) throws -> [Float] {
    let interpreter = try Interpreter(graph: evaluator.graph, weights: current.weights)
    return try interpreter.run(Tensor(shape: evaluator.graph.input.shape, scalars: input)).scalars
  }

  public var state: TrainingState { current }

  public func load(_ state: TrainingState) throws {
    try state.weights.validate(for: evaluator.graph, file: "state")
    current = state
  }
}
