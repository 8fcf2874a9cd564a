// Golden files of the C back end: `Generated/` holds the C and header of every zoo model at its declared
// input size (batch 1, default pipeline) and must match what netc emits now; a tiny network's C, reviewed
// for readability, is a golden file beside this test (`.golden`, so SwiftPM never takes it for a C target).
// Regenerate with NETC_UPDATE_GOLDEN=1.

import Foundation
import Testing

@testable import NetC

private let generated = Repository.root.appendingPathComponent("Generated")

@Suite struct GeneratedCTests {
  @Test(arguments: Repository.zoo)
  func zooModelIsFresh(_ name: String) throws {
    let graph = try Pipeline.default.run(try ModelLoader.load(path: Repository.model(name).path))
    let program = try CEmitter(graph: graph).emit()
    Golden.expect(program.source, matches: generated.appendingPathComponent("\(program.prefix).c"))
    Golden.expect(program.header, matches: generated.appendingPathComponent("\(program.prefix).h"))
  }

  /// Nothing in `Generated/` outlives the model it was generated from.
  @Test func noStaleFiles() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: generated.path).sorted()
    #expect(files == Repository.zoo.flatMap { ["\($0).c", "\($0).h"] }.sorted())
  }

  @Test func tinyNetwork() throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    let graph = try Pipeline.default.run(try ModelLoader.load(path: directory.appendingPathComponent("tiny.net").path))
    let program = try CEmitter(graph: graph).emit()
    Golden.expect(program.source, matches: directory.appendingPathComponent("tiny.c.golden"))
    Golden.expect(program.header, matches: directory.appendingPathComponent("tiny.h.golden"))
  }
}
