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

      <old> <new>      .net files or IR text (.nir)
    \(Arguments.modelOptionsHelp)
      --exit-code      exit with 1 when the models differ (like 'git diff --exit-code'); without it the exit
                       code is 0 whether or not they differ, and 1 only for errors
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let oldPath = try arguments.positional("old model file")
    let newPath = try arguments.positional("new model file")
    let options = try arguments.loadOptions()
    let exitCode = arguments.flag("--exit-code")
    try arguments.finish()
    let old = try ModelLoader.load(path: oldPath, options: options)
    let new = try ModelLoader.load(path: newPath, options: options)
    let diff = try ModelDiff(old: old, new: new)
    console.out(diff.report(oldLabel: oldPath, newLabel: newPath))
    return exitCode && diff.hasChanges ? ExitCode.failure : ExitCode.success
  }
}
