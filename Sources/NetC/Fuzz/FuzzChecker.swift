// The in-process half of checking a program: front end (against the generator's own model), IR text round
// trips, the default and a random pass pipeline, the interpreter on every graph, and the C text for the
// graphs the C legs build. What it prepares, `FuzzCBuild` compiles and runs.

import Foundation

/// The graphs a program is checked as.
public enum FuzzGraph: String, CaseIterable, Hashable, Sendable {
  /// The front end's IR (`-O0`): every op unfused, so the C's batch-norm, add and option-A layers run.
  case unoptimized = "O0"
  /// After `Pipeline.default`.
  case optimized
  /// After a random subset of the passes in a random order (seeded by the program): fusions in combinations
  /// the default pipeline never makes.
  case randomPasses = "random-passes"
}

/// A program that passed the in-process checks, with what the C legs need.
struct FuzzPrepared: Sendable {
  var fuzzCase: FuzzCase
  var weights: Weights
  var input: Tensor
  var graphs: [FuzzGraph: Graph]
  /// The interpreter's output on each graph.
  var references: [FuzzGraph: Tensor]
  var programs: [FuzzGraph: CProgram]
  /// `netc emit pytorch` of the front end's IR, for the PyTorch leg.
  var pytorchSource: String?
  /// The largest relative differences measured, by comparison, for the campaign's statistics; `conditioning`
  /// is how far the -O0 output moves when the input moves by rounding errors (see `FuzzTolerance`).
  var errors: [String: Double]
}

struct FuzzChecker: Sendable {
  var options: FuzzOptions

  /// Runs every in-process check; `stage` hears the name of each stage as it starts (a crash report names it).
  /// The C programs' external names start with `prefix`, unique among the programs linked together.
  func prepare(_ fuzzCase: FuzzCase, prefix: String, stage: (String) -> Void = { _ in }) -> Result<
    FuzzPrepared, FuzzFailure
  > {
    do {
      return .success(try checks(fuzzCase, prefix, stage))
    } catch let failure as FuzzFailure {
      return .failure(failure)
    } catch {
      return .failure(FuzzFailure("unexpected-error", "\(error)"))
    }
  }

  private func checks(_ fuzzCase: FuzzCase, _ prefix: String, _ stage: (String) -> Void) throws -> FuzzPrepared {
    stage("front-end")
    let graph = try step("front-end") { try fuzzCase.load() }
    if let model = fuzzCase.model { try Self.compare(graph, with: model) }
    var graphs: [FuzzGraph: Graph] = [.unoptimized: graph]
    stage("pipeline")
    graphs[.optimized] = try step("pipeline") { try Pipeline.default.run(graph) }
    let passes = randomPasses(fuzzCase.seed)
    graphs[.randomPasses] = try step("random-passes") { try Pipeline(passes).run(graph) }
    for kind in FuzzGraph.allCases {
      stage("round-trip \(kind.rawValue)")
      try Self.roundTrip(graphs[kind]!, kind)
    }
    stage("fixpoint")
    let again = try step("fixpoint") { try Pipeline.default.run(graphs[.optimized]!) }
    if again.text != graphs[.optimized]!.text {
      throw FuzzFailure("fixpoint", "the default pipeline changes its own result:\n\(again.text)")
    }

    stage("weights")
    let weights = try step("weights") { try fuzzCase.weights(for: graph) }
    let input = fuzzCase.input(for: graph)
    var references: [FuzzGraph: Tensor] = [:]
    for kind in FuzzGraph.allCases {
      stage("interpreter \(kind.rawValue)")
      references[kind] = try step("interpreter \(kind.rawValue)") {
        try Interpreter(graph: graphs[kind]!, weights: weights).run(input)
      }
    }
    let reference = references[.unoptimized]!
    guard reference.scalars.allSatisfy(\.isFinite) else {
      throw FuzzFailure("interpreter-not-finite", "the interpreter's -O0 output has NaNs or infinities")
    }
    // One random direction and its opposite: a ReLU after the amplification (or an output that is all zeros)
    // hides the movement on one side, never on both.
    let conditioning = try [1.0, -1.0].map { sign in
      let perturbed = try step("interpreter O0") {
        var random = RandomSource(seed: fuzzCase.seed, stream: "netc.fuzz.perturbation")
        let moved = Weights(
          weights.entries.map { ($0.name, FuzzTolerance.perturbed($0.tensor, towards: sign, &random)) })
        return try Interpreter(graph: graph, weights: moved).run(
          FuzzTolerance.perturbed(input, towards: sign, &random))
      }
      return FuzzTolerance.relativeError(perturbed, reference)
    }.max()!
    var errors: [String: Double] = ["conditioning": conditioning]
    for kind in [FuzzGraph.optimized, .randomPasses] {
      let error = FuzzTolerance.relativeError(references[kind]!, reference)
      errors["passes \(kind.rawValue)"] = error
      if !(error <= FuzzTolerance.passes.allowing(conditioning)) {
        let detail = kind == .randomPasses ? " (passes \(passes.map(\.name).joined(separator: ",")))" : ""
        throw FuzzFailure(
          "passes-mismatch \(kind.rawValue)",
          "interpreter on the \(kind.rawValue) graph\(detail) differs from -O0 by \(error) of the largest output "
            + "(moving the input and weights by \(FuzzTolerance.perturbation) moves it by \(conditioning))")
      }
    }

    var programs: [FuzzGraph: CProgram] = [:]
    for kind in options.cGraphs(seed: fuzzCase.seed) where !options.compilers.isEmpty {
      stage("emit-c \(kind.rawValue)")
      programs[kind] = try step("emit-c \(kind.rawValue)") {
        try CEmitter(graph: graphs[kind]!, options: .init(prefix: "\(prefix)_\(kind.cName)")).emit()
      }
    }
    var pytorchSource: String?
    if options.python != nil {
      stage("emit-pytorch")
      // A program the emitter declines with a diagnosis (a `sequential` whose members have names of their own
      // has no `nn.Sequential` form) has no PyTorch leg; anything else it throws is a bug.
      do {
        pytorchSource = try PyTorchEmitter.emit(graph)
      } catch is DiagnosticError {
        pytorchSource = nil
      } catch {
        throw FuzzFailure("emit-pytorch", "\(error)")
      }
    }
    return FuzzPrepared(
      fuzzCase: fuzzCase, weights: weights, input: input, graphs: graphs, references: references, programs: programs,
      pytorchSource: pytorchSource, errors: errors)
  }

  /// The passes of the `random-passes` graph: each pass of the catalog with probability 0.6, shuffled.
  func randomPasses(_ seed: UInt64) -> [Pass] {
    var random = RandomSource(seed: seed, stream: "netc.fuzz.passes")
    var passes = Pipeline.catalog.filter { _ in random.chance(0.6) }
    for i in passes.indices.reversed() where i > 0 { passes.swapAt(i, random.int(0...i)) }
    return passes
  }

  /// Runs `work`, turning an error into a failure of `check`.
  private func step<T>(_ check: String, _ work: () throws -> T) throws -> T {
    do {
      return try work()
    } catch let error as DiagnosticError {
      throw FuzzFailure(check, error.diagnostics.map(\.message).joined(separator: "; "))
    } catch {
      throw FuzzFailure(check, "\(error)")
    }
  }

  /// The front end's ops and shapes against the generator's model of the program.
  static func compare(_ graph: Graph, with model: FuzzSimulation) throws {
    let nodes = Array(graph.nodes.dropFirst())
    let expected = zip(model.ops, model.shapes).map { ($0, $1) }
    let differs = { (i: Int) in
      i >= nodes.count || i >= expected.count || nodes[i].op.anonymized != expected[i].0
        || nodes[i].shape != expected[i].1
    }
    guard let index = (0..<max(nodes.count, expected.count)).first(where: differs) else { return }
    let found = index < nodes.count ? nodes[index].text : "nothing"
    let wanted =
      index < expected.count
      ? "\(expected[index].1) = \(expected[index].0.mnemonic) \(expected[index].0.attributeText.joined(separator: " "))"
      : "nothing"
    throw FuzzFailure("front-end-model", "op \(index + 1) is \(found); the program says \(wanted)")
  }

  /// The IR text parses back to the same graph and prints the same bytes.
  static func roundTrip(_ graph: Graph, _ kind: FuzzGraph) throws {
    let text = graph.text
    let parsed: Graph
    do {
      parsed = try IRParser.parse(SourceFile(path: "fuzz.nir", text: text))
    } catch let error as DiagnosticError {
      throw FuzzFailure(
        "round-trip \(kind.rawValue)",
        "the dump does not parse: \(error.diagnostics.map(\.message).joined(separator: "; "))")
    }
    if parsed.text != text {
      throw FuzzFailure("round-trip \(kind.rawValue)", "the dump read back prints differently:\n\(parsed.text)")
    }
    if parsed != graph {
      throw FuzzFailure(
        "round-trip \(kind.rawValue)", "the dump reads back as a different graph: \(difference(graph, parsed))")
    }
  }

  /// Where two graphs with the same text differ.
  private static func difference(_ a: Graph, _ b: Graph) -> String {
    if let i = a.nodes.indices.first(where: { $0 < b.nodes.count && a.nodes[$0] != b.nodes[$0] }) {
      return "node \(a.nodes[i].name): \(a.nodes[i]) read back as \(b.nodes[i])"
    }
    if let i = a.scopes.indices.first(where: { $0 < b.scopes.count && a.scopes[$0] != b.scopes[$0] }) {
      return "scope \(a.scopes[i].path): \(a.scopes[i]) read back as \(b.scopes[i])"
    }
    return "\(a.nodes.count) nodes and \(a.scopes.count) scopes read back as \(b.nodes.count) and \(b.scopes.count)"
  }
}

extension FuzzGraph {
  /// Part of a C identifier.
  var cName: String { rawValue.replacingOccurrences(of: "-", with: "_") }
}
