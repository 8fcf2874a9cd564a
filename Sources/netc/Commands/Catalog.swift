// Every subcommand, in the order `netc --help` lists them.

enum Catalog {
  static var commands: [any Command.Type] {
    [
      Help.self,
      Dump.self,
      Summary.self,
      Passes.self,
      Plan.self,
      Compile.self,
      Run.self,
      Check.self,
      Train.self,
    ]
  }
}
