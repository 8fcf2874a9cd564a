// The shape every subcommand has: a name, a one-line abstract, usage, option help, and `run`.

import NetC

protocol Command {
  /// The word after `netc`.
  static var name: String { get }
  /// One line for `netc --help`.
  static var abstract: String { get }
  /// `netc dump <model> [--after PASS]`, without the leading "usage: ".
  static var usage: String { get }
  /// Option and argument descriptions, one per line, for `netc help <command>`.
  static var details: String { get }
  /// Runs the command; returns the process exit code. Throws `UsageError` for bad command lines and
  /// `DiagnosticError` for diagnosed problems in the user's files.
  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32
}

/// A malformed command line: printed with the command's usage, exit code 2.
struct UsageError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

enum ExitCode {
  static let success: Int32 = 0
  /// The input was diagnosed as wrong (a DSL error, a bad weights file, a failed check).
  static let failure: Int32 = 1
  /// The command line itself was wrong.
  static let usage: Int32 = 2
}
