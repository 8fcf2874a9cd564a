// The IR dump of every zoo model, byte for byte, and its stability: same input, same bytes; one more block,
// only that block's lines and the lines that read its output change.

import Foundation
import Testing

@testable import NetC

@Suite struct GoldenDumpTests {
  @Test(arguments: Zoo.names)
  func dump(model: String) throws {
    let graph = try ModelLoader.load(path: Zoo.path(model))
    try Fixtures.expectGolden(graph.text, "Tests/NetCTests/Elaborate/Golden/\(model).nir")
  }

  /// The front end's graphs are what the rest of the pipeline expects: the shared verifier finds nothing,
  /// and the IR parser reads the dump back into the same graph.
  @Test(arguments: Zoo.names)
  func verifiesAndRoundTrips(model: String) throws {
    let graph = try ModelLoader.load(path: Zoo.path(model), options: LoadOptions(batch: 2))
    #expect(Verifier.violations(in: graph).isEmpty)
    #expect(try IRParser.parse(SourceFile(path: model + ".nir", text: graph.text)) == graph)
  }

  @Test func sameInputSameBytes() throws {
    let path = Zoo.path("resnext50_32x4d")
    let first = try ModelLoader.load(path: path).text
    let second = try ModelLoader.load(path: path).text
    let files = try Zoo.files()
    let fromMemory = try ModelLoader.load(path: path, files: files).text
    #expect(first == second)
    #expect(first == fromMemory)
  }

  /// ResNet-50 with depths [3, 4, 7, 3]: the stage header's count, the new block, and the two layer4.0 ops
  /// that read the stage's output change; nothing else does.
  @Test func insertingABlockChangesOnlyItsLines() throws {
    let path = Zoo.path("resnet50")
    let source = try String(contentsOfFile: path, encoding: .utf8)
    let deeper = source.replacingOccurrences(of: "let depths = [3, 4, 6, 3]", with: "let depths = [3, 4, 7, 3]")
    #expect(deeper != source)
    let files = try Zoo.files().merging([path: Array(deeper.utf8)]) { $1 }
    let before = try ModelLoader.load(path: path).text.split(separator: "\n").map(String.init)
    let after = try ModelLoader.load(path: path, files: files).text.split(separator: "\n").map(String.init)
    let (removed, added) = LineDiff.changes(from: before, to: after)

    let readers = before.filter { $0.contains("(%layer3.5.relu_2)") }
    #expect(readers.count == 2)
    #expect(removed == ["  stage layer3 = bottleneck * 6 {"] + readers)
    let newBlock = added.filter { $0.contains("layer3.6") && !$0.contains("= conv2d(%layer3.6.relu_2)") }
    #expect(newBlock.count == 11)
    #expect(
      newBlock.first == "    block layer3.6 = bottleneck(planes=256, stride=1, groups=1, base_width=64, shortcut=B) {")
    let rest = added.filter { !newBlock.contains($0) }
    #expect(
      rest == ["  stage layer3 = bottleneck * 7 {", "    }"]
        + readers.map { $0.replacingOccurrences(of: "%layer3.5.relu_2", with: "%layer3.6.relu_2") })
  }
}

/// A longest-common-subsequence line diff: the lines only in the old text and the lines only in the new one.
enum LineDiff {
  static func changes(from old: [String], to new: [String]) -> (removed: [String], added: [String]) {
    var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
    for i in stride(from: old.count - 1, through: 0, by: -1) {
      for j in stride(from: new.count - 1, through: 0, by: -1) {
        lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
      }
    }
    var removed: [String] = []
    var added: [String] = []
    var (i, j) = (0, 0)
    while i < old.count || j < new.count {
      if i < old.count && j < new.count && old[i] == new[j] {
        i += 1
        j += 1
      } else if j < new.count && (i == old.count || lengths[i][j + 1] >= lengths[i + 1][j]) {
        added.append(new[j])
        j += 1
      } else {
        removed.append(old[i])
        i += 1
      }
    }
    return (removed, added)
  }
}
