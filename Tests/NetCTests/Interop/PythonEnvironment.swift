// The project's Python environment, `bench/.venv` (a link to a venv with torch, onnx and onnxruntime), which the
// interop tests use where it exists. CI has none: those tests are then skipped with a message saying why.

import Foundation

enum PythonEnvironment {
  static let python = Fixtures.root.appendingPathComponent("bench/.venv/bin/python")

  static let hasTorch = canImport(["torch", "safetensors", "numpy"])
  static let hasONNXRuntime = canImport(["onnx", "onnxruntime", "numpy"])

  /// Runs `script` (a path relative to this folder) with `arguments`; returns the exit status and the
  /// standard error, where a failing script explains itself.
  static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    return try run([here.appendingPathComponent(script).path] + arguments)
  }

  private static func canImport(_ modules: [String]) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: python.path) else { return false }
    return (try? run(["-c", "import " + modules.joined(separator: ", ")]).status) == 0
  }

  private static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let errors = FileManager.default.temporaryDirectory.appendingPathComponent("netc-python-\(UUID().uuidString)")
    try Data().write(to: errors)
    defer { try? FileManager.default.removeItem(at: errors) }
    let process = Process()
    process.executableURL = python
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    process.waitUntilExit()
    return (process.terminationStatus, try String(contentsOf: errors, encoding: .utf8))
  }
}

/// A fresh temporary directory for one test's files, removed by `cleanUp`.
struct ScratchDirectory {
  let url: URL

  init(_ purpose: String) throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("netc-\(purpose)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  func subdirectory(_ name: String) throws -> ScratchDirectory {
    let directory = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return ScratchDirectory(existing: directory)
  }

  private init(existing url: URL) { self.url = url }

  func cleanUp() { try? FileManager.default.removeItem(at: url) }
}
