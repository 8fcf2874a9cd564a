// Each pass on its golden cases (`<pass>.nir` beside this file): the exact output graph and counts, every
// input and output read back by the IR parser to the same bytes, and the verifier run on the result.

import Foundation
import Testing

@testable import NetC

@Suite struct PassGoldenTests {
  @Test(arguments: Pipeline.catalog.map(\.name))
  func goldenCases(_ passName: String) throws {
    let pass = try #require(Pipeline.pass(named: passName))
    let path = "Tests/NetCTests/Passes/\(passName).nir"
    let cases = try GoldenCase.parse(try Fixtures.read(path), path: path)
    #expect(cases.count >= 3, "every pass has at least three cases")
    #expect(cases.contains { $0.title.hasPrefix("no ") }, "every pass has a negative case titled 'no …'")
    var regenerated: [GoldenCase] = []
    for var golden in cases {
      let input = try GoldenCase.graph(golden.input, path: path, line: golden.inputLine)
      #expect(input.text == golden.input, "input of '\(golden.title)' is not in printed form")
      var statistics = PassStatistics([])
      let output = try Pipeline([pass]).run(input) { _, _, counts in statistics = counts }
      if golden.title.hasPrefix("no ") {
        #expect(statistics.isEmpty && output == input, "'\(golden.title)' must leave the graph unchanged")
      }
      golden.statistics = statistics.description
      golden.output = output.text
      regenerated.append(golden)
    }
    try Fixtures.expectGolden(GoldenCase.render(regenerated), path)
    for golden in try GoldenCase.parse(try Fixtures.read(path), path: path) {
      let reparsed = try GoldenCase.graph(golden.output, path: path, line: golden.outputLine)
      #expect(reparsed.text == golden.output, "expected output of '\(golden.title)' does not round-trip")
      // The graph itself, scopes included, not only its text: what a dump of it reads back as.
      let input = try GoldenCase.graph(golden.input, path: path, line: golden.inputLine)
      #expect(try Pipeline([pass]).run(input) == reparsed, "'\(golden.title)' differs from its dump read back")
    }
  }
}
