// `netc diff` on pairs of zoo models, byte for byte: depth, cardinality, shortcut option, one inserted block
// (one line, not a cascade), identical models; and the exit codes with and without --exit-code.

import Foundation
import Testing

@testable import NetC

@Suite struct ModelDiffTests {
  static func golden(_ name: String) -> String { "Tests/NetCTests/Review/Golden/\(name).diff" }

  @Test(arguments: [
    ("resnet50", "resnet101"), ("resnet50", "resnext50_32x4d"), ("resnet20", "plain20"), ("resnet18", "resnet18"),
  ])
  func zooPair(old: String, new: String) throws {
    let diff = try ModelDiff(
      old: try ModelLoader.load(path: Zoo.path(old)),
      new: try ModelLoader.load(path: Zoo.path(new)))
    let report = diff.report(oldLabel: "Models/\(old).net", newLabel: "Models/\(new).net")
    try Fixtures.expectGolden(report, Self.golden("\(old)-\(new)"))
    #expect(diff.hasChanges == (old != new))
  }

  /// ResNet-50 with a seventh block in stage 3: the stage's count and the new block, two change lines; the
  /// block after it (layer4.0), which now reads layer3.6's output, is not reported as changed.
  @Test func oneInsertedBlockIsOneLine() throws {
    let path = Zoo.path("resnet50")
    let deeper = try String(contentsOfFile: path, encoding: .utf8)
      .replacingOccurrences(of: "let depths = [3, 4, 6, 3]", with: "let depths = [3, 4, 7, 3]")
    let files = try Zoo.files().merging([path: Array(deeper.utf8)]) { $1 }
    let diff = try ModelDiff(
      old: try ModelLoader.load(path: path), new: try ModelLoader.load(path: path, files: files))
    #expect(
      diff.changes == [
        "~ stage layer3 = bottleneck * 6 → 7",
        "+   block layer3.6 = bottleneck(planes=256, stride=1, groups=1, base_width=64, shortcut=B)"
          + "  (10 ops, 1,117,184 parameters)",
      ])
    let report = diff.report(oldLabel: "Models/resnet50.net", newLabel: "resnet50 with depths [3, 4, 7, 3]")
    try Fixtures.expectGolden(report, Self.golden("resnet50-one-more-block"))
  }

  /// Changes inside single ops: attributes, an added bias, new ops, a removed one, operands rewired, shapes and
  /// parameters reshaped, each on its own line.
  @Test func opLevelChanges() throws {
    let old = """
      network small {
        input 3x32x32
        conv1 = conv(16, 3, pad = 1, bias = false)
        bn1 = batchnorm
        relu
        pool = maxpool(2)
        flatten
        drop = dropout(0.5)
        fc = linear(10)
      }
      """
    let new = """
      network small {
        input 3x32x32
        conv1 = conv(16, 5, pad = 2)
        bn1 = batchnorm(eps = 1e-3)
        relu
        conv2 = conv(32, 3, stride = 2, pad = 1, bias = false)
        relu_2 = relu
        pool = maxpool(2)
        flatten
        fc = linear(100)
      }
      """
    let diff = try ModelDiff(
      old: try ModelLoader.load(path: "old.net", files: ["old.net": old]),
      new: try ModelLoader.load(path: "new.net", files: ["new.net": new]))
    try Fixtures.expectGolden(diff.report(oldLabel: "old.net", newLabel: "new.net"), Self.golden("ops"))
  }

  /// IR text and the architecture language compare alike: a model against its own dump has no differences.
  @Test func irTextAgainstItsSource() throws {
    let scratch = try ScratchDirectory("diff-nir")
    defer { scratch.cleanUp() }
    let dump = try runNetc(["dump", "-O0", "Models/resnet50.net"])
    try dump.stdout.write(toFile: scratch.path("resnet50.nir"), atomically: true, encoding: .utf8)
    let result = try runNetc(["diff", "Models/resnet50.net", scratch.path("resnet50.nir"), "--exit-code"])
    #expect(result.status == 0)
    #expect(result.stdout.contains("\n  no differences in ops, blocks or parameters\n"))
  }

  @Test func exitCodes() throws {
    let (a, b) = ("Models/resnet20.net", "Models/plain20.net")
    #expect(try runNetc(["diff", a, b]).status == 0)
    #expect(try runNetc(["diff", a, b, "--exit-code"]).status == 1)
    #expect(try runNetc(["diff", a, a, "--exit-code"]).status == 0)
    let missing = try runNetc(["diff", a])
    #expect(missing.status == 2)
    #expect(missing.stderr.hasPrefix("error: missing new model file\n"))
  }

  @Test func reportsAreDeterministic() throws {
    let first = try runNetc(["diff", "Models/resnet50.net", "Models/resnext50_32x4d.net"])
    let second = try runNetc(["diff", "Models/resnet50.net", "Models/resnext50_32x4d.net"])
    #expect(first.status == 0)
    #expect(first.stdout == second.stdout)
    #expect(first.stdout == (try Fixtures.read(Self.golden("resnet50-resnext50_32x4d"))))
  }
}
