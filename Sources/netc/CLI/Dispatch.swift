// Finds the subcommand, runs it, and turns its errors into messages and exit codes.

import Foundation
import NetC

func runCommandLine(_ argv: [String], console: Console) -> Int32 {
  let commands = Catalog.commands
  guard let first = argv.first, first != "--help", first != "-h" else {
    console.out(overview(commands))
    return argv.isEmpty ? ExitCode.usage : ExitCode.success
  }
  if first == "--version" {
    console.out("netc \(netcVersion)\n")
    return ExitCode.success
  }
  guard let command = commands.first(where: { $0.name == first }) else {
    console.err("error: unknown command '\(first)'\(suggestion(first, commands.map { $0.name }))\n")
    console.err("run 'netc --help' for the list of commands\n")
    return ExitCode.usage
  }
  var arguments = Arguments(Array(argv.dropFirst()))
  if arguments.flag("--help") || arguments.flag("-h") {
    console.out(help(command))
    return ExitCode.success
  }
  do {
    return try command.run(&arguments, console)
  } catch let error as UsageError {
    console.err("error: \(error.message)\nusage: \(command.usage)\nrun 'netc help \(command.name)' for details\n")
    return ExitCode.usage
  } catch let error as DiagnosticError {
    console.report(error.diagnostics, sources: error.sources)
    return ExitCode.failure
  } catch {
    console.err("error: \(error)\n")
    return ExitCode.failure
  }
}

func overview(_ commands: [any Command.Type]) -> String {
  let width = commands.map { $0.name.count }.max() ?? 0
  let rows = commands.map { "  " + $0.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.abstract }
  return """
    netc: compile convolutional networks written in a small architecture language to one C file

    usage: netc <command> [options]

    commands:
    \(rows.joined(separator: "\n"))

    run 'netc help <command>' for a command's options

    """
}

func help(_ command: any Command.Type) -> String {
  "\(command.abstract)\n\nusage: \(command.usage)\n" + (command.details.isEmpty ? "" : "\n\(command.details)\n")
}

/// "; did you mean 'dump'?" when a known word is one or two edits away.
func suggestion(_ word: String, _ candidates: [String]) -> String {
  guard let best = closestMatch(to: word, in: candidates) else { return "" }
  return "; did you mean '\(best)'?"
}
