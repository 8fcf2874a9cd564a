// `netc plan` and `netc passes` as a user runs them: exact tables, JSON and SVG, and command-line errors.

import Foundation
import Testing

@Suite struct PlanCommandTests {
  static let model = "Tests/NetCTests/Plan/residual.nir"

  @Test func passesListsTheDefaultPipeline() throws {
    let result = try runNetc(["passes"])
    #expect(result.status == 0)
    #expect(
      result.stdout == """
        drop-dropout         remove dropout, which is the identity at inference
        eliminate-dead-code  remove ops the output does not need and ops that return their operand
        fold-bn              fold a batch norm into the epilogue of the conv before it
        fuse-option-a        make an option A shortcut the strided, channel-offset operand of its add
        fuse-residual-add    fuse a residual add and its ReLU into the conv computing its main operand
        fuse-activation      fuse a ReLU into the conv, linear or add producing its operand

        """)
  }

  /// After the pipeline the relu is part of `conv1`, and `conv2` accumulates into the input's buffer.
  @Test func tableAfterThePipeline() throws {
    let result = try runNetc(["plan", Self.model])
    #expect(result.status == 0 && result.stderr.isEmpty)
    #expect(
      result.stdout == """
        offset  bytes  live   values
             0   1024  0...2  input, conv2
          1024   1024  1...2  conv1

        naive        3072 bytes  (0.00 MiB)
        lower bound  2048 bytes  (0.00 MiB)
        arena        2048 bytes  (0.00 MiB)

        """)
  }

  /// Without passes the unfused relu writes over `conv1` in place.
  @Test func jsonWithoutPasses() throws {
    let result = try runNetc(["plan", Self.model, "-O0", "--json"])
    #expect(result.status == 0)
    #expect(
      result.stdout == """
        {
          "model": "residual",
          "alignment": 64,
          "arena_bytes": 2048,
          "naive_bytes": 4096,
          "lower_bound_bytes": 2048,
          "buffers": [
            {"values": ["input", "conv2"], "offset": 0, "bytes": 1024, "first_use": 0, "last_use": 3},
            {"values": ["conv1", "relu"], "offset": 1024, "bytes": 1024, "first_use": 1, "last_use": 3}
          ]
        }

        """)
  }

  /// The plan is the generated file's: its arena holds the layers' scratch memory too, so it is the size the
  /// header asks the caller to allocate.
  @Test func arenaIsTheGeneratedFilesArena() throws {
    let result = try runNetc(["plan", "Models/resnet20.net"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("layer1.0.conv1#scratch"))
    let arena = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("arena") })
    let header = try String(contentsOf: Fixtures.url("Generated/resnet20.h"), encoding: .utf8)
    let define = try #require(header.split(separator: "\n").first { $0.hasPrefix("#define RESNET20_ARENA_BYTES ") })
    let bytes = try #require(define.split(separator: " ").last)
    #expect(arena.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == bytes)
  }

  @Test func svgIsDeterministic() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("plan.svg").path
    let result = try runNetc(["plan", Self.model, "--svg", path])
    #expect(result.status == 0)
    let svg = try String(contentsOfFile: path, encoding: .utf8)
    try Fixtures.expectGolden(svg, "Tests/NetCTests/Plan/residual.svg")
  }

  @Test func commandLineErrors() throws {
    let usage = """
      usage: netc plan <model> [--batch N] [--input CxHxW] [--json] [--svg out.svg] [-O0 | --passes a,b,c] \
      [--skip PASS] [--train]
      run 'netc help plan' for details

      """
    let cases: [([String], String)] = [
      (["--passes", "fold"], "error: unknown pass 'fold'; did you mean 'fold-bn'?\n"),
      (["--passes", "fuse"], "error: unknown pass 'fuse'; run 'netc passes' for the list\n"),
      (["-O0", "--passes", "fold-bn"], "error: '-O0' and '--passes' cannot be combined\n"),
      (
        ["--passes", "fold-bn", "--skip", "drop-dropout"],
        "error: '--skip drop-dropout': pass 'drop-dropout' is not in the pipeline\n"
      ),
      (["--input", "3x64"], "error: option '--input' expects CxHxW with positive sizes, e.g. 3x224x224, got '3x64'\n"),
      (["--after", "fold-bn"], "error: unknown option '--after'\n"),
    ]
    for (arguments, message) in cases {
      let result = try runNetc(["plan", Self.model] + arguments)
      #expect(result.status == 2)
      #expect(result.stderr == message + usage, "\(arguments)")
    }
  }

  @Test func diagnosedModelErrorsExitWithOne() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-plan-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try "graph broken {\n  %input: f32[1,2,3] = input\n  return %input\n}\n".write(
      to: directory.appendingPathComponent("broken.nir"), atomically: true, encoding: .utf8)
    let result = try runNetc(["plan", "broken.nir"], in: directory)
    #expect(result.status == 1)
    #expect(
      result.stderr == """
        broken.nir:2:11: error: the graph input must have shape f32[N,C,H,W] with positive sizes, got f32[1,2,3]
          %input: f32[1,2,3] = input
                  ^~~~~~~~~~

        """)
  }
}
