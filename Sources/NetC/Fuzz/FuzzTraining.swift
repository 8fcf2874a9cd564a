// The training leg (`netc fuzz --train`): one SGD step of a program's generated training C against the
// training interpreter's step — loss, logits, and every weight and momentum buffer after the update — on each
// kernel path and thread count asked for.

import Foundation

struct FuzzTraining: Sendable {
  var compiler: CCompiler
  var flags: [String]
  /// The instruction sets the training C is built for, a build each: the kernels differ by vector width.
  var kernelPaths: [FuzzKernelPath]
  /// The thread counts each build's step runs with. Every count must compute the same bits as the first, as
  /// the generated C promises.
  var threadCounts: [Int]

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
    let interpreter: TrainingInterpreter
    let reference: StepOutcome
    do {
      interpreter = try TrainingInterpreter(graph: training)
      reference = StepOutcome(
        try interpreter.step(state, input: item.input, labels: labels.map(Int.init), optimizer: Self.optimizer))
    } catch {
      return (FuzzFailure("train-interpreter", Self.message(error)), nil)
    }
    guard reference.loss.isFinite else { return (nil, nil) }
    var largest = 0.0
    var rounding: [String: Double]?
    for path in kernelPaths {
      var first: StepOutcome?
      for threads in threadCounts {
        let leg = "\(compiler.name) \(path.rawValue)"
        let c: StepOutcome
        do {
          let backend = try CTrainingBackend(
            graph: graph, state: state, compiler: compiler, flags: flags + path.flags,
            cache: BuildCache(directory: directory, capacity: nil), threads: threads)
          let step = try backend.step(input: item.input.scalars, labels: labels, optimizer: Self.optimizer)
          c = StepOutcome(loss: step.loss, logits: step.logits, state: backend.state)
        } catch {
          return (FuzzFailure("train-c \(leg) threads=\(threads)", Self.message(error)), nil)
        }
        if let first {
          // No `threads=` word: the shrinker keeps every count, the first one included, to compare with.
          let unlike = Self.differences(
            c, from: first, named: "the \(threadCounts[0]) thread's", parameters: graph.parameters
          ).filter { $0.error != 0 }
          if let worst = unlike.max(by: { $0.error < $1.error }) {
            return (FuzzFailure("train-threads \(leg)", "on \(threads) threads, " + worst.detail), largest)
          }
          continue
        }
        first = c
        let differences = Self.differences(c, from: reference, parameters: graph.parameters)
        largest = max(largest, differences.map(\.error).max() ?? 0)
        let beyond = differences.filter { !($0.error <= Self.tolerance) }
        guard !beyond.isEmpty else { continue }
        if rounding == nil {
          do {
            rounding = try Self.rounding(
              of: interpreter, from: reference, state, item, labels, parameters: graph.parameters)
          } catch {
            return (FuzzFailure("train-interpreter", "with f32 rounding: " + Self.message(error)), largest)
          }
        }
        for difference in beyond {
          let allowed = rounding![difference.what, default: 0]
          guard !(difference.error <= Self.roundingAllowance * allowed) else { continue }
          let detail = difference.detail + "; f32 rounding moves the interpreter's by \(allowed)"
          return (FuzzFailure("train-mismatch \(leg) threads=\(threads)", detail), largest)
        }
      }
    }
    return (nil, largest)
  }

  /// How far f32 rounding alone moves the interpreter's step, value by value (the largest of two models).
  ///
  /// Beyond the tolerance, f32 rounding alone may still explain a difference: a batch norm whose batch variance
  /// is 0 or tiny multiplies the rounding of the gradient it passes back by γ/√(var + ε) (316γ at ε = 1e-5), and
  /// a gradient that cancels to 0 in exact arithmetic (a bias before a batch norm) keeps that amplified
  /// rounding, which no move of the input or weights shows: Σ(dy − mean dy) is exactly 0 for every dy, only its
  /// f32 evaluation is not. The interpreter rounding each value it computes, by the two models of
  /// `ValueRounding` (rounding to nearest is coherent over a channel, noise breaks ties the C breaks too),
  /// measures that for this program, tensor by tensor. The C rounds each value at least once, and inside its
  /// kernels a few times more (float partial sums, the Winograd transforms, the batch-norm backward's float
  /// arithmetic), each by the same unit 2⁻²⁴ of values of the same size, so its rounding differs from the larger
  /// of the two by a small factor of the same noise, not by orders of magnitude: ten times it is allowed, as the
  /// inference leg allows over its perturbation. The exception is a sum whose partial sums outgrow its result by
  /// orders of magnitude (a conv weight gradient over N·H·W amplified terms that cancel): there the probe sums
  /// in f32 as the C does.
  private static func rounding(
    of interpreter: TrainingInterpreter, from reference: StepOutcome, _ state: TrainingState, _ item: FuzzPrepared,
    _ labels: [Int32], parameters: [Parameter]
  ) throws -> [String: Double] {
    var rounding: [String: Double] = [:]
    for model in [ValueRounding.nearest, .noise(RandomSource(seed: item.fuzzCase.seed, stream: "netc.fuzz.rounding"))] {
      var rounded = interpreter
      rounded.rounding = model
      let probe = StepOutcome(
        try rounded.step(state, input: item.input, labels: labels.map(Int.init), optimizer: optimizer))
      for difference in differences(probe, from: reference, parameters: parameters) {
        rounding[difference.what] = max(rounding[difference.what] ?? 0, difference.error)
      }
    }
    return rounding
  }

  /// What a step computed that the comparison reads.
  struct StepOutcome {
    var loss: Double
    var logits: [Float]
    var state: TrainingState

    init(loss: Double, logits: [Float], state: TrainingState) {
      (self.loss, self.logits, self.state) = (loss, logits, state)
    }

    init(_ result: TrainingStepResult) {
      self.init(loss: result.loss, logits: result.logits.scalars, state: result.state)
    }
  }

  /// How far the C may exceed `tolerance` in units of the probe's rounding (see `run`).
  static let roundingAllowance = 10.0

  /// The relative difference of each value a step computes (loss, logits, every weight and momentum buffer)
  /// from the reference's, with a sentence naming where it is largest.
  static func differences(
    _ step: StepOutcome, from reference: StepOutcome, named referenceName: String = "the interpreter's",
    parameters: [Parameter]
  ) -> [(what: String, error: Double, detail: String)] {
    // A gradient that should vanish (a conv's bias before a batch norm, which removes any constant) is f32
    // rounding noise of the gradients flowing past it, so momentum buffers (after one step: the gradient plus
    // weight decay) are compared relative to the largest of them all, and weights to at least the learning
    // rate times that: the size of the noise the step may move them by.
    let momentumScale = reference.state.momentum.entries.map { Double($0.tensor.maxAbs) }.max() ?? 0
    var compared: [(what: String, values: [Float], expected: [Float], scale: Double)] = [
      ("loss", [Float(step.loss)], [Float(reference.loss)], 0), ("logits", step.logits, reference.logits, 0),
    ]
    for parameter in parameters {
      let name = parameter.name
      let updateScale = parameter.isTrainable ? Self.optimizer.learningRate * momentumScale : 0
      compared.append(
        (name, step.state.weights[name]?.scalars ?? [], reference.state.weights[name]!.scalars, updateScale))
      if let momentum = reference.state.momentum[name] {
        compared.append(
          ("momentum of \(name)", step.state.momentum[name]?.scalars ?? [], momentum.scalars, momentumScale))
      }
    }
    return compared.map { what, values, expected, scale in
      let error = Self.relativeError(values, expected, scale: scale)
      let detail = "\(what) after one step differs from \(referenceName) by \(error)"
        + Self.worstElement(values, expected)
      return (what, error, detail)
    }
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

  /// Where the difference is largest, to start the diagnosis from: `at [i]: C x, interpreter y`.
  static func worstElement(_ values: [Float], _ expected: [Float]) -> String {
    guard values.count == expected.count else { return " (\(values.count) values, expected \(expected.count))" }
    let differences = zip(values, expected).map { abs(Double($0) - Double($1)) }
    guard let worst = differences.indices.max(by: { differences[$0] < differences[$1] }) else { return "" }
    return " (at [\(worst)]: C \(values[worst]), interpreter \(expected[worst]))"
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
