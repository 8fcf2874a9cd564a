// `netc passes`: the default pass pipeline, in order, with what each pass does.

import NetC

enum Passes: Command {
  static let name = "passes"
  static let abstract = "List the passes of the default pipeline, in order"
  static let usage = "netc passes"
  static let details = ""

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    try arguments.finish()
    let width = Pipeline.default.passes.map(\.name.count).max() ?? 0
    for pass in Pipeline.default.passes {
      console.out(pass.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + pass.summary + "\n")
    }
    return ExitCode.success
  }
}
