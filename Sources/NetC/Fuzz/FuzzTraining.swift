// The training leg (`netc fuzz --train`): one SGD step of a program's generated training C against the
// training interpreter's step — loss, logits, and every weight and momentum buffer after the update.

import Foundation

struct FuzzTraining: Sendable {
  var compiler: CCompiler
  var flags: [String]

  /// The step's hyperparameters: momentum and weight decay on, so their terms of the update are compared too.
  static let optimizer = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 5e-4)

  /// The C computes in f32 with double sums, the interpreter in Double: the bound of `TrainingCTests`, far
  /// below what a wrong index or formula moves.
  static let tolerance = 1e-4

  /// The first failure of the step (nil: it matched, or the program is not trainable), and the largest
  /// difference measured (nil when not trained). The C library is built in `directory`, which the chunk removes.
  func run(_ item: FuzzPrepared, in directory: URL) -> (failure: FuzzFailure?, error: Double?) {
    let graph = item.graphs[.unoptimized]!
    let training: Graph
    do {
      training = try TrainingGraph.build(graph)
    } catch let error as DiagnosticError where error.diagnostics.allSatisfy(Self.isUntrainable) {
      return (nil, nil)
    } catch {
      return (FuzzFailure("train-graph", Self.message(error)), nil)
    }
    let state = TrainingState(weights: item.weights, for: graph, seed: item.fuzzCase.seed)
    let labels = Self.labels(classes: graph.outputShape.channels, batch: graph.batch, seed: item.fuzzCase.seed)
    let reference: TrainingStepResult
    do {
      reference = try TrainingInterpreter(graph: training).step(
        state, input: item.input, labels: labels.map(Int.init), optimizer: Self.optimizer)
    } catch {
      return (FuzzFailure("train-interpreter", Self.message(error)), nil)
    }
    guard reference.loss.isFinite else { return (nil, nil) }
    let c: (loss: Double, logits: [Float], state: TrainingState)
    do {
      let backend = try CTrainingBackend(
        graph: graph, state: state, compiler: compiler, flags: flags, cacheDirectory: directory)
      let step = try backend.step(input: item.input.scalars, labels: labels, optimizer: Self.optimizer)
      c = (step.loss, step.logits, backend.state)
    } catch {
      return (FuzzFailure("train-c \(compiler.name)", Self.message(error)), nil)
    }
    // A gradient that should vanish (a conv's bias before a batch norm, which removes any constant) is f32
    // rounding noise of the gradients flowing past it, so momentum buffers (after one step: the gradient plus
    // weight decay) are compared relative to the largest of them all, and weights to at least the learning
    // rate times that: the size of the noise the step may move them by.
    let momentumScale = reference.state.momentum.entries.map { Double($0.tensor.maxAbs) }.max() ?? 0
    var compared: [(what: String, values: [Float], expected: [Float], scale: Double)] = [
      ("loss", [Float(c.loss)], [Float(reference.loss)], 0), ("logits", c.logits, reference.logits.scalars, 0),
    ]
    for parameter in graph.parameters {
      let name = parameter.name
      let updateScale = parameter.isTrainable ? Self.optimizer.learningRate * momentumScale : 0
      compared.append((name, c.state.weights[name]?.scalars ?? [], reference.state.weights[name]!.scalars, updateScale))
      if let momentum = reference.state.momentum[name] {
        compared.append(("momentum of \(name)", c.state.momentum[name]?.scalars ?? [], momentum.scalars, momentumScale))
      }
    }
    var largest = 0.0
    for (what, values, expected, scale) in compared {
      let error = Self.relativeError(values, expected, scale: scale)
      largest = max(largest, error)
      if !(error <= Self.tolerance) {
        let detail = "\(what) after one step differs from the interpreter's by \(error)"
        return (FuzzFailure("train-mismatch \(compiler.name)", detail), largest)
      }
    }
    return (nil, largest)
  }

  /// max |a − b| over the larger of `scale` and max |expected|; infinite when the counts differ or a value is
  /// not finite.
  static func relativeError(_ values: [Float], _ expected: [Float], scale: Double) -> Double {
    guard values.count == expected.count else { return .infinity }
    var difference = 0.0
    var largest = scale
    for (value, reference) in zip(values, expected) {
      guard value.isFinite, reference.isFinite else { return .infinity }
      difference = max(difference, Double(abs(value - reference)))
      largest = max(largest, Double(abs(reference)))
    }
    return difference / max(largest, Double(Float.leastNormalMagnitude))
  }

  /// Why the training graph of a valid program may not exist: logits that are not `[N, classes]`, a parameter
  /// the output does not use, an op without a gradient, a batch norm with one value per channel in a batch.
  /// Anything else is a bug.
  static func isUntrainable(_ diagnostic: Diagnostic) -> Bool {
    [
      "training needs [N, classes] logits", "does not affect the loss", "has no gradient",
      "batch statistics need more than 1 value per channel",
    ].contains {
      diagnostic.message.contains($0)
    }
  }

  private static func message(_ error: Error) -> String {
    (error as? DiagnosticError).map { $0.diagnostics.map(\.message).joined(separator: "; ") } ?? "\(error)"
  }

  /// Labels in `0..<classes`, seeded by the program.
  static func labels(classes: Int, batch: Int, seed: UInt64) -> [Int32] {
    var random = RandomSource(seed: seed, stream: "netc.fuzz.labels")
    return (0..<batch).map { _ in Int32(random.int(0...(classes - 1))) }
  }
}
