// The training loop's backend on the generated C: a training state and arena owned here, the step called
// directly, evaluation through the inference model the state exports.

import Foundation

public final class CTrainingBackend: TrainingBackend {
  private let library: TrainingLibrary
  private let stateHandle: OpaquePointer
  private let arena: UnsafeMutableRawPointer
  private let modelMemory: UnsafeMutableRawPointer
  /// The C step's worker threads (NULL for one thread).
  private let threads: OpaquePointer?
  /// The inference model exported from the state, until the next step or load changes the state.
  private var model: OpaquePointer?
  private let graph: Graph
  public let batch: Int
  public let classes: Int

  /// Compiles the training C of `graph` (the network as the front end makes it) into the cache, with pthreads,
  /// loads it and starts from `state`; each step runs on `threads` threads.
  public init(
    graph: Graph, state: TrainingState, compiler: CCompiler, flags: [String] = ModelBuilder.defaultFlags,
    cache: BuildCache = BuildCache(), threads: Int = 1
  ) throws {
    let program = try TrainingCEmitter(graph: graph).emit()
    let library = try TrainingLibrary(
      program, compiler: compiler, flags: flags + ["-D\(program.prefix.uppercased())_THREADS", "-pthread"],
      cache: cache)
    self.library = library
    self.graph = graph
    batch = graph.batch
    // The logits are the network's output (a network without parameters has no backward pass to read them from).
    classes = graph.outputShape.channels
    try state.weights.validate(for: graph, file: "weights")
    let bytes = SafeTensors(weights: state.weights).encoded()
    var handle: OpaquePointer?
    var detail = [CChar](repeating: 0, count: 512)
    let status = bytes.withUnsafeBytes { raw in
      library.load(raw.baseAddress, raw.count, state.seed, &handle, &detail, detail.count)
    }
    guard status == 0, let handle else {
      let message = String(decoding: detail.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      throw internalError("the compiled training step rejected netc's weights: \(message)")
    }
    stateHandle = handle
    var pool: OpaquePointer?
    if threads > 1 {
      let started = library.startThreads(Int32(clamping: threads), &pool)
      guard started == 0 else {
        library.free(handle)
        let reason = library.message(started).map { String(cString: $0) } ?? "status \(started)"
        throw DiagnosticError(.error("cannot start \(threads) training threads: \(reason)"))
      }
    }
    self.threads = pool
    arena = UnsafeMutableRawPointer.allocate(byteCount: max(library.arenaBytes(), 1), alignment: 64)
    modelMemory = UnsafeMutableRawPointer.allocate(byteCount: max(library.modelBytes(), 1), alignment: 64)
    try load(state)
  }

  deinit {
    library.stopThreads(threads)
    library.free(stateHandle)
    arena.deallocate()
    modelMemory.deallocate()
  }

  public func step(input: [Float], labels: [Int32], optimizer: SGD) throws -> (loss: Double, logits: [Float]) {
    precondition(input.count == graph.input.shape.elementCount && labels.count == batch, "a batch of the built size")
    var loss: Float = 0
    var logits = [Float](repeating: 0, count: batch * classes)
    let hyperparameters = [optimizer.learningRate, optimizer.momentum, optimizer.weightDecay]
    let status = library.step(stateHandle, input, labels, hyperparameters, arena, &loss, &logits, threads)
    model = nil
    guard status == 0 else { throw failure("the training step", status) }
    return (Double(loss), logits)
  }

  public func evaluate(input: [Float]) throws -> [Float] {
    if model == nil {
      var exported: OpaquePointer?
      let status = library.export(stateHandle, modelMemory, library.modelBytes(), &exported, arena)
      guard status == 0 else { throw failure("exporting the state for evaluation", status) }
      model = exported
    }
    var output = [Float](repeating: 0, count: graph.outputShape.elementCount)
    let status = library.run(model, input, &output, arena)
    guard status == 0 else { throw failure("evaluation", status) }
    return output
  }

  /// The tensors by the library's index, with their names.
  private var tensors: [(index: Int, name: String, count: Int)] {
    (0..<library.tensorCount()).map { ($0, String(cString: library.tensorName($0)!), library.tensorSize($0)) }
  }

  public var state: TrainingState {
    var weights = Weights()
    var momentum = Weights()
    let shapes = Dictionary(uniqueKeysWithValues: graph.parameters.map { ($0.name, $0.shape) })
    for (index, name, count) in tensors {
      let shape = shapes[name]!
      let values = UnsafeBufferPointer(start: library.tensor(stateHandle, index), count: count)
      weights[name] = Tensor(shape: shape, scalars: Swift.Array(values))
      if let buffer = library.momentum(stateHandle, index) {
        momentum[name] = Tensor(shape: shape, scalars: Swift.Array(UnsafeBufferPointer(start: buffer, count: count)))
      }
    }
    // In the order of the graph's parameters, as every other state is.
    return TrainingState(
      weights: Weights(graph.parameters.map { ($0.name, weights[$0.name]!) }),
      momentum: Weights(graph.parameters.filter(\.isTrainable).map { ($0.name, momentum[$0.name]!) }),
      step: Int(library.steps(stateHandle)), seed: library.seed(stateHandle))
  }

  public func load(_ state: TrainingState) throws {
    try state.weights.validate(for: graph, file: "state")
    for (index, name, count) in tensors {
      guard let weight = state.weights[name], weight.scalars.count == count else {
        throw internalError("the state has no tensor '\(name)' of \(count) values")
      }
      let target = library.tensor(stateHandle, index)!
      weight.scalars.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: count) }
      if let buffer = library.momentum(stateHandle, index) {
        guard let values = state.momentum[name], values.scalars.count == count else {
          throw DiagnosticError(.error("state: missing momentum buffer for '\(name)'"))
        }
        values.scalars.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: count) }
      }
    }
    library.restore(stateHandle, UInt64(state.step), state.seed)
    model = nil
  }

  private func failure(_ what: String, _ status: Int32) -> DiagnosticError {
    internalError("\(what) failed: \(String(cString: library.message(status)!))")
  }
}
