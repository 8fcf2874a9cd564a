// `netc dump` with the pipeline options: which passes run, the IR after one or every pass, and IR text files
// read back to the same bytes.

import Foundation
import Testing

@testable import NetC

@Suite struct DumpCommandTests {
  static let model = "Models/resnet20.net"

  static func source() throws -> Graph { try ModelLoader.load(path: Fixtures.url(model).path) }

  @Test func printAfterAllGolden() throws {
    let result = try runNetc(["dump", Self.model, "--print-after-all"])
    #expect(result.status == 0 && result.stderr.isEmpty)
    try Fixtures.expectGolden(result.stdout, "Tests/NetCTests/Passes/resnet20.print-after-all.txt")
  }

  @Test func pipelineSelection() throws {
    let source = try Self.source()
    let cases: [([String], String)] = [
      ([], try Pipeline.default.run(source).text),
      (["-O0"], source.text),
      (["--passes", "fold-bn,fuse-activation"], try Pipeline([.foldBatchNorm, .fuseActivation]).run(source).text),
      (
        ["--skip", "fuse-residual-add", "--skip", "fuse-option-a"],
        try Pipeline([.dropDropout, .eliminateDeadCode, .foldBatchNorm, .fuseActivation]).run(source).text
      ),
      (
        ["--after", "fold-bn"],
        "// -----// IR Dump After fold-bn //----- //\n"
          + (try Pipeline([.dropDropout, .eliminateDeadCode, .foldBatchNorm]).run(source).text)
      ),
    ]
    for (options, expected) in cases {
      let result = try runNetc(["dump", Self.model] + options)
      #expect(result.status == 0)
      #expect(result.stdout == expected, "\(options)")
    }
  }

  /// A saved dump, before or after the passes, prints back byte for byte; the default pipeline is a fixpoint
  /// on its own output, so the optimized dump comes back unchanged without `-O0`.
  @Test func irFilesReadBack() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-dump-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = try Self.source()
    for (name, text, options) in [
      ("source.nir", source.text, ["-O0"]), ("optimized.nir", try Pipeline.default.run(source).text, []),
    ] {
      try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
      let result = try runNetc(["dump", name] + options, in: directory)
      #expect(result.status == 0)
      #expect(result.stdout == text, "\(name)")
    }
  }

  @Test func commandLineErrors() throws {
    let usage = """
      usage: netc dump <model> [--batch N] [--input CxHxW] [-O0 | --passes a,b,c] [--skip PASS] \
      [--after PASS | --print-after-all] [--train]
      run 'netc help dump' for details

      """
    let cases: [([String], String)] = [
      (["--after", "fold-nb"], "error: unknown pass 'fold-nb'; did you mean 'fold-bn'?\n"),
      (["--after", "fold-bn", "--print-after-all"], "error: '--after' and '--print-after-all' cannot be combined\n"),
      (["-O0", "--after", "fold-bn"], "error: '--after fold-bn': pass 'fold-bn' is not in the pipeline\n"),
      (["--skip", "dce"], "error: unknown pass 'dce'; run 'netc passes' for the list\n"),
    ]
    for (options, message) in cases {
      let result = try runNetc(["dump", Self.model] + options)
      #expect(result.status == 2)
      #expect(result.stderr == message + usage, "\(options)")
    }
  }
}
