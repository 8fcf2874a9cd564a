// Errors that cannot be written as annotated files: empty files, bytes that are not UTF-8, nesting past the
// limit, floods of errors, and the front end's size limits.

import Foundation
import Testing

@testable import NetC

@Suite struct FileLevelErrorTests {
  func diagnostics(_ files: [String: [UInt8]], main: String = "m.net", options: LoadOptions = .init()) -> [Diagnostic] {
    do {
      _ = try ModelLoader.load(path: main, files: files, options: options)
      return []
    } catch let error as DiagnosticError {
      return error.diagnostics
    } catch {
      return [.error("unexpected error \(error)")]
    }
  }

  func diagnostics(_ text: String) -> [Diagnostic] { diagnostics(["m.net": Array(text.utf8)]) }

  func located(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.map { ($0.range.map { "\($0.start): " } ?? "") + $0.message }
  }

  @Test(arguments: ["", "\n\n", "   # only a comment\n\t\n"])
  func emptyFile(_ text: String) {
    #expect(located(diagnostics(text)) == ["m.net: file is empty; expected 'include', 'let', 'block' or 'network'"])
  }

  @Test func emptyIncludedFile() {
    let files = ["m.net": Array("include \"lib.net\"\nnetwork n {\n  input 3x8x8\n}\n".utf8), "lib.net": []]
    #expect(located(diagnostics(files)) == ["lib.net: file is empty; expected 'include', 'let', 'block' or 'network'"])
  }

  @Test func invalidUTF8() throws {
    let bytes = Array("network n {\n  input 3x8x8\n  # caf".utf8) + [0xE9] + Array(" au lait\n}\n".utf8)
    let error = try #require(throws: DiagnosticError.self) {
      try ModelLoader.load(path: "m.net", files: ["m.net": bytes])
    }
    #expect(
      located(error.diagnostics) == ["m.net:3:8: invalid UTF-8 byte 0xE9 at offset 33; source files must be UTF-8"])
    #expect(
      error.rendered == """
        m.net:3:8: error: invalid UTF-8 byte 0xE9 at offset 33; source files must be UTF-8
          # caf\u{FFFD} au lait
               ^

        """)
  }

  @Test(arguments: [[0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80], [0x80]] as [[UInt8]])
  func malformedSequences(_ tail: [UInt8]) {
    let found = diagnostics(["m.net": Array("let x = 1 #".utf8) + tail])
    #expect(found.count == 1)
    #expect(
      found.first?.message.hasPrefix("invalid UTF-8 byte 0x\(String(tail[0], radix: 16, uppercase: true)) at offset 11")
        == true)
  }

  /// Programs nested far past the limit, by kind of nesting, with where the error points.
  static let deepPrograms: [String: (text: String, location: String)] = [
    "parentheses": (
      "let x = " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000), "1:209"
    ),
    "lists": (
      "let x = " + String(repeating: "[", count: 10_000) + "1" + String(repeating: "]", count: 10_000), "1:209"
    ),
    "negations": ("let x = " + String(repeating: "-", count: 10_000) + "1", "1:209"),
    "nots": ("let x = " + String(repeating: "not ", count: 10_000) + "true", "1:809"),
    "sums": ("let x = 1" + String(repeating: " + 1", count: 10_000), "1:807"),
    "indexing": ("let x = [1]" + String(repeating: "[0]", count: 10_000), "1:608"),
    "bodies": ("network n {\n" + String(repeating: "if true {\n", count: 10_000), "201:9"),
  ]

  /// Deeper than the limit is one error where the limit is crossed, not a stack overflow.
  @Test(arguments: FileLevelErrorTests.deepPrograms.keys.sorted())
  func deepNesting(_ kind: String) throws {
    let program = try #require(FileLevelErrorTests.deepPrograms[kind])
    #expect(
      located(diagnostics(program.text)) == [
        "m.net:\(program.location): nesting is deeper than 200 levels; simplify the expression or body"
      ])
  }

  @Test func nestingWithinTheLimitWorks() throws {
    let depth = 150
    let text =
      "let x = " + String(repeating: "(", count: depth) + "16" + String(repeating: ")", count: depth)
      + "\nnetwork n {\n  input 3x8x8\n  conv(x, 1)\n}\n"
    #expect(try ModelLoader.load(path: "m.net", files: ["m.net": text]).outputShape == Shape([1, 16, 8, 8]))
  }

  @Test func errorFloodStopsAtTheCap() {
    let text = "network n {\n  input 3x8x8\n" + String(repeating: "  conv(,)\n", count: 50) + "}\n"
    let found = located(diagnostics(text))
    #expect(found.count == 21)
    #expect(found.first == "m.net:3:8: expected an expression, found ','")
    #expect(found.last == "too many errors (20); stopping here")
  }

  @Test func elaborationErrorFloodStopsAtTheCap() {
    let text = "network n {\n  input 3x8x8\n" + String(repeating: "  rleu\n", count: 50) + "}\n"
    let found = diagnostics(text)
    #expect(found.count == 21)
    #expect(found.last?.message == "too many errors (20); stopping here")
  }

  @Test func includeChainTooDeep() {
    var files: [String: [UInt8]] = ["m.net": Array("include \"f0.net\"\nnetwork n {\n  input 3x8x8\n}\n".utf8)]
    for i in 0..<80 { files["f\(i).net"] = Array("include \"f\(i + 1).net\"\n".utf8) }
    files["f80.net"] = Array("let deepest = 1\n".utf8)
    #expect(located(diagnostics(files)) == ["f62.net:1:9: includes are nested more than 64 levels deep"])
  }

  @Test func includeDiamondLoadsEachFileOnce() throws {
    let files = [
      "m.net": "include \"a.net\"\ninclude \"b.net\"\nnetwork n {\n  input 3x8x8\n  x = twice(4)\n}\n",
      "a.net": "include \"lib/common.net\"\n", "b.net": "include \"./lib/../lib/common.net\"\n",
      "lib/common.net": "block twice(c) {\n  conv(c, 1)\n  conv(c, 1)\n}\n",
    ]
    #expect(try ModelLoader.load(path: "m.net", files: files).nodes.map(\.name) == ["input", "x.conv", "x.conv_1"])
  }

  @Test func graphTooLarge() {
    let text = "block unit() {\n  relu\n}\nnetwork n {\n  input 3x8x8\n  layer = unit() * 50000\n}\n"
    #expect(
      located(diagnostics(text)) == ["m.net:6:11: network exceeds 50000 layers and blocks; check the stage counts"])
  }

  @Test func instancesTooDeep() {
    var text = ""
    for i in 0..<80 { text += "block b\(i)() {\n  b\(i + 1)()\n}\n" }
    text += "block b80() {\n  relu\n}\nnetwork n {\n  input 3x8x8\n  b0()\n}\n"
    let found = diagnostics(text)
    #expect(located(found) == ["m.net:191:3: blocks are instantiated more than 64 levels deep"])
    #expect(found.first?.notes.count == 64)
  }

  /// 60 block instances, each nesting 5 bodies: fine by each limit alone, too deep together.
  @Test func instancesAndBodiesTooDeep() {
    let nest = String(repeating: "if true {\n", count: 4)
    var text = ""
    for i in 0..<60 { text += "block b\(i)() {\n\(nest)b\(i + 1)()\n" + String(repeating: "}\n", count: 5) }
    text += "block b60() {\n  relu\n}\nnetwork n {\n  input 3x8x8\n  b0()\n}\n"
    #expect(located(diagnostics(text)) == ["m.net:563:1: blocks and bodies are nested more than 256 levels deep"])
  }

  @Test func badOptions() {
    let text = "network n {\n  input 3x8x8\n}\n"
    #expect(
      located(diagnostics(["m.net": Array(text.utf8)], options: LoadOptions(batch: 0, input: [3, 0, 8]))) == [
        "batch size must be between 1 and 16777216, got 0",
        "input override must be CxHxW with each dimension between 1 and 16777216, got '3x0x8'",
      ])
  }

  @Test func missingMainFile() {
    #expect(located(diagnostics([:], main: "nope.net")) == ["cannot read 'nope.net': no such file"])
  }
}
