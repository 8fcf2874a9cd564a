// Golden files of the C back end: `Generated/` holds the C and header of every zoo model at its declared
// input size (batch 1, default pipeline) and must match what netc emits now; a tiny network's C, reviewed
// for readability, is a golden file beside this test (`.golden`, so SwiftPM never takes it for a C target).
// Regenerate with NETC_UPDATE_GOLDEN=1.

import Foundation
import Testing

@testable import NetC

@Suite struct GeneratedCTests {
  @Test(arguments: Zoo.names)
  func zooModelIsFresh(_ name: String) throws {
    let graph = try Pipeline.default.run(try ModelLoader.load(path: Zoo.path(name)))
    let program = try CEmitter(graph: graph).emit()
    try Fixtures.expectGolden(program.source, "Generated/\(program.prefix).c")
    try Fixtures.expectGolden(program.header, "Generated/\(program.prefix).h")
  }

  /// Nothing in `Generated/` outlives the model it was generated from.
  @Test func noStaleFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("Generated").path).sorted()
    #expect(files == Zoo.names.flatMap { ["\($0).c", "\($0).h"] }.sorted())
  }

  @Test func tinyNetwork() throws {
    let directory = "Tests/NetCTests/EmitC/Golden/"
    let graph = try Pipeline.default.run(try ModelLoader.load(path: Fixtures.url(directory + "tiny.net").path))
    let program = try CEmitter(graph: graph).emit()
    try Fixtures.expectGolden(program.source, directory + "tiny.c.golden")
    try Fixtures.expectGolden(program.header, directory + "tiny.h.golden")
  }
}
