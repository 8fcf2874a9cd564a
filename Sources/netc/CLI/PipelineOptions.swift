// The pass-pipeline options `netc dump`, `netc plan` and `netc compile` share, parsed by one piece of code:
// which passes run (-O0, --passes, --skip) and which intermediate IR is printed (--after, --print-after-all).

import NetC

struct PipelineOptions {
  var pipeline: Pipeline
  /// Print the IR after this pass (and stop there).
  var after: String?
  var printAfterAll = false

  /// Help lines for the commands' `details`.
  static let help = """
      -O0                   run no passes (by default: the pipeline 'netc passes' lists)
      --passes a,b,c        run these passes, in this order
      --skip PASS           leave PASS out of the pipeline (repeatable)
    """
  static let dumpHelp = """
      --after PASS          print the IR after PASS instead of the final IR
      --print-after-all     print the IR after every pass
    """

  /// Reads the options; `allowDumps` says whether the command prints intermediate IR.
  static func parse(_ arguments: inout Arguments, allowDumps: Bool) throws -> PipelineOptions {
    let noPasses = arguments.flag("-O0")
    let list = try arguments.option("--passes")
    let skipped = try arguments.options("--skip")
    if noPasses && list != nil { throw UsageError("'-O0' and '--passes' cannot be combined") }
    var passes = Pipeline.catalog
    if noPasses { passes = [] }
    if let list {
      passes = try list.split(separator: ",", omittingEmptySubsequences: true).map { try pass(String($0)) }
    }
    for name in skipped {
      let pass = try pass(name)
      guard passes.contains(where: { $0.name == pass.name }) else {
        throw UsageError("'--skip \(name)': pass '\(name)' is not in the pipeline")
      }
      passes.removeAll { $0.name == pass.name }
    }
    var options = PipelineOptions(pipeline: Pipeline(passes))
    guard allowDumps else { return options }
    options.printAfterAll = arguments.flag("--print-after-all")
    options.after = try arguments.option("--after")
    if let after = options.after {
      _ = try pass(after)
      guard passes.contains(where: { $0.name == after }) else {
        throw UsageError("'--after \(after)': pass '\(after)' is not in the pipeline")
      }
      if options.printAfterAll { throw UsageError("'--after' and '--print-after-all' cannot be combined") }
    }
    return options
  }

  /// Runs the passes (up to `--after`'s), verifying each result, and hands the dumps `--after` or
  /// `--print-after-all` asked for to `print`.
  func run(_ graph: Graph, print: (String) -> Void) throws -> Graph {
    var passes = pipeline.passes
    if let after, let index = passes.firstIndex(where: { $0.name == after }) {
      passes = Array(passes[...index])
    }
    return try Pipeline(passes).run(graph) { pass, result, _ in
      if printAfterAll || pass.name == after {
        print("// -----// IR Dump After \(pass.name) //----- //\n" + result.text)
      }
    }
  }

  /// Whether the final IR is printed: not when the dumps already showed what was asked for.
  var printsFinalIR: Bool { after == nil && !printAfterAll }

  private static func pass(_ name: String) throws -> Pass {
    guard let pass = Pipeline.pass(named: name) else {
      let hint = closestMatchOrCompletion(to: name, in: Pipeline.catalog.map(\.name)).map { "did you mean '\($0)'?" }
      throw UsageError("unknown pass '\(name)'; \(hint ?? "run 'netc passes' for the list")")
    }
    return pass
  }
}
