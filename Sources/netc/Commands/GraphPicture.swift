// `netc graph`: the network as a picture — stages as clusters, blocks as boxes, shortcuts as styled edges —
// in Graphviz's DOT language, or as SVG through Graphviz's `dot` when it is installed.

import Foundation
import NetC

enum GraphPicture: Command {
  static let name = "graph"
  static let abstract = "Draw the network: DOT for Graphviz, or SVG when Graphviz's 'dot' is installed"
  static let usage = "netc graph <model> [--dot | --svg out.svg] [--batch N] [--input CxHxW]"
  static let details = """
    Stages and sequentials are clusters, each block one box (template, arguments, output shape), ops outside
    blocks one box each; a residual shortcut is a second edge into its block: dashed grey for identity,
    bold red for a projection, dotted blue for option A.

      <model>               a .net file or IR text (.nir)
      --dot                 print the DOT source (the default)
      --svg FILE            render an SVG with Graphviz's 'dot' (Debian/Ubuntu: apt-get install graphviz)
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let svgPath = try arguments.option("--svg")
    let dotOnly = arguments.flag("--dot")
    if dotOnly && svgPath != nil { throw UsageError("'--dot' and '--svg' cannot be combined") }
    let model = try ModelOptions.parse(&arguments)
    try arguments.finish()
    let dot = DotRenderer.dot(try model.load())
    guard let svgPath else {
      console.out(dot)
      return ExitCode.success
    }
    try console.write(try render(dot), to: svgPath)
    return ExitCode.success
  }

  /// Runs `dot -Tsvg` from the PATH on the source.
  private static func render(_ dot: String) throws -> [UInt8] {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let candidates = path.split(separator: ":").map { String($0) + "/dot" }
    guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
      throw DiagnosticError(
        .error("Graphviz's 'dot' is not installed; install it (apt-get install graphviz) or use '--dot'"))
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("netc-graph-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let source = scratch.appendingPathComponent("graph.dot")
    let svg = scratch.appendingPathComponent("graph.svg")
    let errors = scratch.appendingPathComponent("errors")
    try Data(dot.utf8).write(to: source)
    try Data().write(to: errors)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["-Tsvg", "-o", svg.path, source.path]
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: svg.path) else {
      let message = String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self)
      throw DiagnosticError(.error("'dot' failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))"))
    }
    return [UInt8](data)
  }
}
