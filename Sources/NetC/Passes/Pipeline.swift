// The catalog of passes and the default inference pipeline, with the verifier run after every pass.

/// An ordered list of passes.
public struct Pipeline: Sendable {
  public var passes: [Pass]

  public init(_ passes: [Pass]) { self.passes = passes }

  /// Every pass, in the order the default pipeline runs them: cleanup of inference no-ops first (dropouts, then
  /// identities such as a `flatten` of a flat value, which would otherwise sit between a linear and its ReLU
  /// and leave the fusion to a second run of the pipeline), then the fusions that each need the previous one's
  /// result (BN before the residual, the residual before its ReLU), which leave no dead code behind.
  public static let catalog: [Pass] = [
    .dropDropout, .eliminateDeadCode, .foldBatchNorm, .fuseOptionA, .fuseResidualAdd, .fuseActivation,
  ]

  /// What `netc dump` and `netc compile` run unless told otherwise.
  public static let `default` = Pipeline(catalog)

  public static func pass(named name: String) -> Pass? { catalog.first { $0.name == name } }

  /// Runs every pass in order. With `verify` (the default: it is linear in the graph and cheap), the verifier
  /// checks each pass's result, so a broken pass fails with a named error at the pass that broke the graph
  /// instead of a crash or a wrong number later. `observe` sees each pass's result (for `--print-after-all`).
  public func run(
    _ graph: Graph, verify: Bool = true, observe: (Pass, Graph, PassStatistics) -> Void = { _, _, _ in }
  ) throws -> Graph {
    if let pass = passes.first, graph.isTrainingGraph {
      throw DiagnosticError(
        .error(
          "pass '\(pass.name)' optimizes inference graphs, and '\(graph.name)' is a training graph; "
            + "run no passes (-O0)"))
    }
    var graph = graph
    for pass in passes {
      let result = pass.run(graph)
      if verify { try Verifier.verify(result.graph, producedBy: pass.name) }
      observe(pass, result.graph, result.statistics)
      graph = result.graph
    }
    return graph
  }
}
