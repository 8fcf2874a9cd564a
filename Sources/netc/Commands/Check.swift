// `netc check`: compiles a model to C, builds it, and compares it with the reference interpreter on a seeded
// random input; the last line of output is `max_rel_err=<number>`.

import Foundation
import NetC

enum Check: Command {
  static let name = "check"
  static let abstract = "Compile a model to C, run it on a random input and compare it with the interpreter"
  static let usage =
    "netc check <model> [--weights w.safetensors] [--threads N] [--batch N] [--input CxHxW] [-O0 | --passes a,b,c]"
  static let details = """
      <model>               a .net model or .nir IR text
      --weights FILE        the weights (default: seeded random ones, batch-norm statistics randomized)
      --threads N           threads the C runs on (default: 1)
    \(ModelOptions.help)
    \(PipelineOptions.help)

    Prints the largest absolute difference relative to the largest reference output, last, as
    'max_rel_err=<number>'; fails (exit status 1) above \(ModelCheck.tolerance).
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    let weightsPath = try arguments.option("--weights")
    let threads = try arguments.intOption("--threads", in: 1...1024) ?? 1
    let pipeline = try PipelineOptions.parse(&arguments, allowDumps: false)
    try arguments.finish()

    let graph = try model.load()
    let compiled = try pipeline.run(graph) { _ in }
    let emitter = CEmitter(graph: compiled)
    let program = try emitter.emit()
    let (weights, weightsFile) =
      try weightsPath.map { (try SafeTensors.readWeights($0, for: graph), $0) }
      ?? ModelCheck.randomWeights(for: graph)
    defer { if weightsPath == nil { try? FileManager.default.removeItem(atPath: weightsFile) } }
    let check = try ModelCheck.run(
      program, reference: compiled, weights: weights, weightsFile: weightsFile,
      builder: ModelBuilder(compiler: try CCompiler.find()), threads: threads)

    console.out(
      "\(graph.name): input \(graph.input.shape.dimsText), output \(graph.outputShape.dimsText), "
        + "\(compiled.nodes.count - 1) layers, arena \(emitter.plan.arenaBytes) bytes\n")
    console.out("weights: \(weightsPath ?? "random (seed \(ModelCheck.seed), batch norms randomized)")\n")
    console.out("max |C - interpreter| = \(check.maxAbsoluteError), max |interpreter| = \(check.referenceScale)\n")
    console.out("max_rel_err=\(check.relativeError)\n")
    guard check.passed else {
      console.err(
        "error: the C differs from the interpreter by more than \(ModelCheck.tolerance) of its largest output\n")
      return ExitCode.failure
    }
    return ExitCode.success
  }
}
