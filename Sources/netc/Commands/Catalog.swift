// Every subcommand, in the order `netc --help` lists them.

enum Catalog {
  static var commands: [any Command.Type] {
    [
      Help.self,
      Dump.self,
      Summary.self,
      Passes.self,
      Plan.self,
      InitWeights.self,
      Compile.self,
      Run.self,
      Check.self,
      Train.self,
      Diff.self,
      GraphPicture.self,
      Emit.self,
      Export.self,
      Fuzz.self,
    ]
  }
}
