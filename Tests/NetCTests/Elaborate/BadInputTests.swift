// Bad programs and the exact diagnostics they get: every file in BadInputs/ carries its expectations inline
// (see Annotations); all of them rendered with source lines and carets are a golden file.

import Foundation
import Testing

@testable import NetC

@Suite struct BadInputTests {
  static let directory = Fixtures.url("Tests/NetCTests/Elaborate/BadInputs")

  /// A case is a `.net` file, or a folder whose `main.net` includes the others.
  static var cases: [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return entries.map { $0.hasSuffix(".net") ? String($0.dropLast(4)) : $0 }.sorted()
  }

  /// The case's files keyed by their path relative to BadInputs/ (so messages are the same on every machine),
  /// and the main file's path.
  static func files(of name: String) throws -> (files: [String: [UInt8]], main: String) {
    let single = directory.appendingPathComponent(name + ".net")
    if FileManager.default.fileExists(atPath: single.path) {
      return ([name + ".net": Array(try Data(contentsOf: single))], name + ".net")
    }
    let folder = directory.appendingPathComponent(name)
    let files = try Zoo.files(under: folder)
    let relative = Dictionary(
      uniqueKeysWithValues: files.map { (name + $0.key.dropFirst(folder.path.count), $0.value) })
    return (relative, name + "/main.net")
  }

  static func diagnose(_ name: String) throws -> DiagnosticError? {
    let (files, main) = try files(of: name)
    do {
      _ = try ModelLoader.load(path: main, files: files)
      return nil
    } catch let error as DiagnosticError {
      return error
    }
  }

  @Test func thereAreManyDistinctCases() {
    #expect(BadInputTests.cases.count >= 30)
  }

  @Test(arguments: BadInputTests.cases)
  func diagnosticsMatchAnnotations(_ name: String) throws {
    let (files, _) = try BadInputTests.files(of: name)
    let expected = files.flatMap { Annotations.expected(in: String(decoding: $0.value, as: UTF8.self), path: $0.key) }
    let error = try #require(try BadInputTests.diagnose(name))
    #expect(!expected.isEmpty)
    #expect(Annotations.actual(error.diagnostics).sorted() == expected.sorted())
  }

  /// Every case rendered as the command line prints it: source line, caret and underline, notes.
  @Test func renderedDiagnostics() throws {
    var rendered = ""
    for name in BadInputTests.cases {
      rendered += "=== \(name)\n" + (try BadInputTests.diagnose(name)?.rendered ?? "no error\n")
    }
    try Fixtures.expectGolden(rendered, "Tests/NetCTests/Elaborate/Golden/bad-inputs.txt")
  }
}
