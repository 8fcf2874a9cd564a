// The `netc` executable end to end: help texts, dump, summary, and the exit codes and stderr of usage errors
// (2) and diagnosed errors (1), each compared with a golden transcript.

import Foundation
import Testing

@Suite struct CLITests {
  /// Golden transcript name and the arguments, run from the repository root so paths are relative.
  static let transcripts: [(String, [String])] = [
    ("help", ["--help"]),
    ("help-dump", ["help", "dump"]),
    ("help-summary", ["help", "summary"]),
    ("usage-missing-model", ["dump"]),
    ("usage-bad-input", ["summary", "Models/resnet20.net", "--input", "3x0x8"]),
    ("usage-unknown-option", ["dump", "Models/resnet20.net", "--bach", "2"]),
    ("dump-reduced", ["dump", "Models/resnet20.net", "-O0", "--batch", "2", "--input", "3x16x16"]),
    ("summary-table", ["summary", "Models/alexnet.net"]),
    ("summary-json", ["summary", "Models/resnet20.net", "--json"]),
    ("diagnosed-error", ["dump", "Tests/NetCTests/Elaborate/BadInputs/residual_identity_mismatch.net"]),
    ("missing-file", ["summary", "Models/nowhere.net"]),
  ]

  @Test(arguments: CLITests.transcripts)
  func transcript(name: String, arguments: [String]) throws {
    let output = try runNetc(arguments)
    let transcript =
      "$ netc \(arguments.joined(separator: " "))\nexit status: \(output.status)\n"
      + "--- stdout\n\(output.stdout)--- stderr\n\(output.stderr)"
    try Fixtures.expectGolden(transcript, "Tests/NetCTests/CLI/Golden/\(name).txt")
  }

  @Test func exitCodes() throws {
    #expect(try runNetc(["dump", "Models/resnet18.net"]).status == 0)
    #expect(try runNetc(["dump", "Tests/NetCTests/Elaborate/BadInputs/unknown_layer.net"]).status == 1)
    #expect(try runNetc(["dump", "Models/resnet18.net", "extra"]).status == 2)
    #expect(try runNetc(["summary", "--batch", "0", "Models/resnet18.net"]).status == 2)
  }

  /// The dump on stdout is exactly `Graph.text`, so reviews can diff `netc dump` output (`-O0`: as the front
  /// end produced it, before the passes).
  @Test func dumpIsTheGoldenIR() throws {
    let output = try runNetc(["dump", "Models/resnet50.net", "-O0"])
    let golden = try String(
      contentsOf: Fixtures.url("Tests/NetCTests/Elaborate/Golden/resnet50.nir"), encoding: .utf8)
    #expect(output.stdout == golden)
    #expect(output.stderr.isEmpty)
  }

  /// The JSON totals agree with the library's counts.
  @Test func summaryJSONTotals() throws {
    let output = try runNetc(["summary", "Models/resnet50.net", "--json"])
    let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    #expect(json["params"] as? Int == 25_557_032)
    #expect(json["macs"] as? Int == 4_089_184_256)
    let layers = try #require(json["layers"] as? [[String: Any]])
    #expect(layers.count == 176)
    #expect(layers.reduce(0) { $0 + ($1["macs"] as? Int ?? 0) } == 4_089_184_256)
    #expect(layers.first { $0["name"] as? String == "fc" }?["shape"] as? [Int] == [1, 1000])
  }
}
