// `netc diff`: what changed between two models — blocks, ops, shapes, parameters and totals — for reviewing
// an architecture change the way `git diff` reviews a code change.

import NetC

enum Diff: Command {
  static let name = "diff"
  static let abstract = "Show what changed between two models: blocks, ops, shapes, parameters and totals"
  static let usage = "netc diff <old> <new> [--batch N] [--input CxHxW] [--exit-code]"
  static let details = """
    Aligns the two models by layer, block and parameter names, so one block inserted into a stage shows as
    one added block. Lines start with '+' (only in <new>), '-' (only in <old>) or '~' (changed), inside the
    stage and block headers that locate them; the totals (parameters, multiply-accumulates, and the arena
    after the default passes) close the report.

      <old> <new>           .net files or IR text (.nir)
    \(ModelOptions.help)
      --exit-code           exit with 1 when the models differ (like 'git diff --exit-code'); without it the exit
                            code is 0 whether or not they differ, and 1 only for errors
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let exitCode = arguments.flag("--exit-code")
    let oldModel = try ModelOptions.parse(&arguments)
    var newModel = oldModel
    newModel.path = try arguments.positional("new model file")
    try arguments.finish()
    let diff = try ModelDiff(old: try oldModel.load(), new: try newModel.load())
    console.out(diff.report(oldLabel: oldModel.path, newLabel: newModel.path))
    return exitCode && diff.hasChanges ? ExitCode.failure : ExitCode.success
  }
}
