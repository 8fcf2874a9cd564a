// `netc dump`: a model's IR text form, the stable dump architecture reviews diff.

import NetC

enum Dump: Command {
  static let name = "dump"
  static let abstract = "Print a model's IR: every layer with its shape, attributes and parameter names"
  static let usage = "netc dump <model> [--batch N] [--input CxHxW]"
  static let details = """
      <model>               a model in the architecture language (includes are read relative to it)
                            or IR text (a '.nir' file)
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    try arguments.finish()
    console.out(try model.load().text)
    return ExitCode.success
  }
}
