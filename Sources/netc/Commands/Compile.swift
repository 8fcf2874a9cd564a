// `netc compile`: a model to one self-contained C file (and optionally its header), after the pass pipeline.

import NetC

enum Compile: Command {
  static let name = "compile"
  static let abstract = "Compile a model to one self-contained C11 file (and its header)"
  static let usage =
    "netc compile <model> [-o model.c] [--header model.h] [--prefix NAME] [--batch N] [--input CxHxW] "
    + "[-O0 | --passes a,b,c] [--train]"
  static let details = """
      <model>               a .net model or .nir IR text
      -o FILE               write the C there (default: standard output)
      --header FILE         also write the API declarations as a header (the C file carries them too)
      --prefix NAME         prefix of the C file's external names and macros (default: the network's name)
    \(ModelOptions.help)
    \(PipelineOptions.help)
      --train               also emit the training step (forward in training mode, loss, backward, SGD with
                            momentum and weight decay), its state and checkpoints; evaluation uses the
                            inference forward pass of the same file (see the README's training section)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    let output = try arguments.option("-o")
    let header = try arguments.option("--header")
    let prefix = try arguments.option("--prefix")
    let train = arguments.flag("--train")
    let pipeline = try PipelineOptions.parse(&arguments, allowDumps: false)
    try arguments.finish()
    if let prefix, let problem = CEmitter.prefixProblem(prefix) { throw UsageError(problem) }
    if train { try pipeline.requireNoPasses("compiles") }
    let program =
      train
      ? try TrainingCEmitter(graph: try model.load(), options: .init(prefix: prefix)).emit()
      : try compile(model, pipeline, prefix: prefix)
    try console.write(program.source, to: output)
    if let header { try console.write(program.header, to: header) }
    return ExitCode.success
  }

  /// The model after the pipeline, planned and emitted as C.
  static func compile(_ model: ModelOptions, _ pipeline: PipelineOptions, prefix: String?) throws -> CProgram {
    let graph = try pipeline.run(try model.load()) { _ in }
    return try CEmitter(graph: graph, options: .init(prefix: prefix)).emit()
  }
}
