// `netc dump`: a model's IR text form, the stable dump architecture reviews diff.

import NetC

enum Dump: Command {
  static let name = "dump"
  static let abstract = "Print a model's IR: every layer with its shape, attributes and parameter names"
  static let usage = """
    netc dump <model> [--batch N] [--input CxHxW] [-O0 | --passes a,b,c] [--skip PASS] \
    [--after PASS | --print-after-all] [--train]
    """
  static let details = """
      <model>               a model in the architecture language (includes are read relative to it)
                            or IR text (a '.nir' file)
    \(ModelOptions.help)
    \(PipelineOptions.help)
    \(PipelineOptions.dumpHelp)
      --train               print the training graph instead (of the model before passes): the forward pass
                            in training mode, the loss (softmax cross-entropy, mean over the batch) and the
                            backward pass
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    let train = arguments.flag("--train")
    let pipeline = try PipelineOptions.parse(&arguments, allowDumps: true)
    try arguments.finish()
    if train {
      try pipeline.requireNoPasses("prints")
      console.out(try TrainingGraph.build(try model.load()).text)
      return ExitCode.success
    }
    let graph = try pipeline.run(try model.load(), print: console.out)
    if pipeline.printsFinalIR { console.out(graph.text) }
    return ExitCode.success
  }
}
