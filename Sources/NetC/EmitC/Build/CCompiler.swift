// Running a C compiler: found on PATH (clang by default), flags as given, its diagnostics returned as an error
// that names the command, so a failed build says what was run and why it failed.

import Foundation

public struct CCompiler: Hashable, Sendable {
  /// Absolute path of the compiler executable.
  public var path: String

  /// Warnings are errors: generated C that warns is a bug in netc.
  public static let strictFlags = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]

  /// The first executable called `name` on PATH.
  public static func find(_ name: String = "clang") throws -> CCompiler {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for directory in directories {
      let candidate = "\(directory)/\(name)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return CCompiler(path: candidate) }
    }
    throw DiagnosticError(.error("cannot find the C compiler '\(name)' on PATH; install clang"))
  }

  public init(path: String) { self.path = path }

  /// Compiles and links `sources` into `output` (`-lm` added); throws with the compiler's output on failure.
  public func build(_ sources: [String], output: String, flags: [String]) throws {
    try run(flags + sources + ["-o", output, "-lm"])
  }

  /// Compiles `source` to an object file only: enough to see every warning.
  public func compileOnly(_ source: String, output: String, flags: [String]) throws {
    try run(flags + ["-c", source, "-o", output])
  }

  /// `--version`'s first line, so a cache keyed on it rebuilds after a compiler upgrade.
  public func version() throws -> String {
    let result = try ProcessRunner.run(path, ["--version"])
    return String(result.output.split(separator: "\n").first ?? "")
  }

  private func run(_ arguments: [String]) throws {
    let result = try ProcessRunner.run(path, arguments)
    guard result.status == 0 else {
      let command = ([path] + arguments).joined(separator: " ")
      throw DiagnosticError(.error("C compiler failed (exit status \(result.status)): \(command)\n\(result.output)"))
    }
  }
}

/// Runs a program to completion, collecting its stdout and stderr together (one pipe, so it cannot fill up
/// while the other is unread). With a `timeout`, a program still running after that many seconds is killed
/// (the fuzzer runs generated code that a bug could send into an endless loop).
enum ProcessRunner {
  struct Result {
    var status: Int32
    var output: String
    /// Killed by a signal (a crash, or the timeout): `status` is then the signal's number.
    var signaled = false
    var timedOut = false
  }

  static func run(_ executable: String, _ arguments: [String], timeout: Double? = nil) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do {
      try process.run()
    } catch {
      throw DiagnosticError(.error("cannot run '\(executable)': \(error.localizedDescription)"))
    }
    let output = DispatchGroup()
    let collected = CollectedOutput()
    DispatchQueue.global().async(group: output) { collected.data = pipe.fileHandleForReading.readDataToEndOfFile() }
    var timedOut = false
    if let timeout, output.wait(timeout: .now() + timeout) == .timedOut {
      kill(process.processIdentifier, SIGKILL)
      timedOut = true
    }
    output.wait()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, output: String(decoding: collected.data, as: UTF8.self),
      signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
  }

  /// The reader thread's result; read only after the group it runs in has finished.
  private final class CollectedOutput: @unchecked Sendable {
    var data = Data()
  }
}
