// Runs the built `netc` executable, which SwiftPM puts in the products directory next to the test bundle.

import Foundation

enum NetcBinary {
  struct Output: Equatable {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// The `netc` executable: next to the test bundle (Linux: the `.xctest` executable; macOS: its bundle).
  static var url: URL? {
    let candidates = [
      Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
      Bundle.main.bundleURL.deletingLastPathComponent(),
    ]
    return candidates.map { $0.appendingPathComponent("netc") }.first {
      FileManager.default.isExecutableFile(atPath: $0.path)
    }
  }

  /// Runs `netc` with `arguments` in `directory`; output goes through files so a large dump cannot block a pipe.
  static func run(_ arguments: [String], in directory: URL = Repository.root) throws -> Output {
    guard let url else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "netc"]) }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("netc-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let stdoutURL = scratch.appendingPathComponent("stdout")
    let stderrURL = scratch.appendingPathComponent("stderr")
    for file in [stdoutURL, stderrURL] { try Data().write(to: file) }
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
    process.waitUntilExit()
    return Output(
      status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
  }
}
