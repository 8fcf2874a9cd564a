// Runs the built `netc` executable from a test, as a user would, capturing its output and exit status.

import Foundation

struct NetcResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// The products directory holding both the test bundle and `netc`.
private let productsDirectory: URL = {
  let bundle = Bundle.main.bundleURL
  let executable = URL(fileURLWithPath: CommandLine.arguments[0])
  let candidates = [bundle, bundle.deletingLastPathComponent(), executable.deletingLastPathComponent()]
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("netc").path) }
    ?? bundle.deletingLastPathComponent()
}()

/// Runs `netc` with `arguments` (in `directory`, the repository root by default) and waits for it.
/// Output goes through temporary files, so neither stream can fill a pipe and block the child.
func runNetc(_ arguments: [String], stdin: String? = nil, in directory: URL = Fixtures.root) throws -> NetcResult {
  let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("netc-test-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: scratch) }
  let paths = ["in", "out", "err"].map { scratch.appendingPathComponent($0) }
  try Data((stdin ?? "").utf8).write(to: paths[0])
  for path in paths[1...] { try Data().write(to: path) }
  let process = Process()
  process.executableURL = productsDirectory.appendingPathComponent("netc")
  process.arguments = arguments
  process.currentDirectoryURL = directory
  process.standardInput = try FileHandle(forReadingFrom: paths[0])
  process.standardOutput = try FileHandle(forWritingTo: paths[1])
  process.standardError = try FileHandle(forWritingTo: paths[2])
  try process.run()
  process.waitUntilExit()
  return NetcResult(
    status: process.terminationStatus, stdout: try String(contentsOf: paths[1], encoding: .utf8),
    stderr: try String(contentsOf: paths[2], encoding: .utf8))
}
