// `netc help <command>`: the same text as `netc <command> --help`.

enum Help: Command {
  static let name = "help"
  static let abstract = "Describe netc's commands and their options"
  static let usage = "netc help [<command>]"
  static let details = ""

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let word = arguments.optionalPositional()
    try arguments.finish()
    guard let word else {
      console.out(overview(Catalog.commands))
      return ExitCode.success
    }
    guard let command = Catalog.commands.first(where: { $0.name == word }) else {
      throw UsageError("unknown command '\(word)'\(suggestion(word, Catalog.commands.map { $0.name }))")
    }
    console.out(help(command))
    return ExitCode.success
  }
}
