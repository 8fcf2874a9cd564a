// `netc init-weights` as a user runs it: the file it writes, its determinism, and its usage errors.

import Foundation
import Testing

@testable import NetC

@Suite struct InitWeightsCommandTests {
  @Test func writesSeededWeightsForTheModel() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-init-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let paths = ["a", "b"].map { directory.appendingPathComponent("\($0).safetensors").path }
    for path in paths {
      let result = try runNetc(
        ["init-weights", "Models/resnet20.net", "-o", path, "--seed", "3", "--randomize-bn", "--batch", "2"])
      #expect(result.status == 0, "\(result.stderr)")
      #expect(result.stdout == "\(path): 97 tensors, 271098 values for 'resnet20'\n")
    }
    #expect(FileManager.default.contents(atPath: paths[0]) == FileManager.default.contents(atPath: paths[1]))

    let graph = try ModelLoader.load(path: Zoo.path("resnet20"), options: LoadOptions(batch: 2))
    let initializer = WeightInitializer(seed: 3, randomizeBatchNorm: true)
    let file = try SafeTensors.read(paths[0])
    #expect(file.weights == (try initializer.weights(for: graph)))
    #expect(
      file.metadata == [
        "netc.init": WeightInitializer.scheme, "netc.seed": "3", "netc.randomize_bn": "true", "netc.model": "resnet20",
        "netc.input": "2x3x32x32",
      ])
  }

  @Test func usageErrors() throws {
    let missingOutput = try runNetc(["init-weights", "Models/resnet20.net"])
    #expect(missingOutput.status == 2)
    #expect(
      missingOutput.stderr == """
        error: missing output file '-o FILE'
        usage: \(InitWeightsUsage.text)
        run 'netc help init-weights' for details

        """)
    let badSeed = try runNetc(["init-weights", "Models/resnet20.net", "-o", "/dev/null", "--seed", "x"])
    #expect(badSeed.status == 2)
    #expect(badSeed.stderr.hasPrefix("error: option '--seed' expects an integer ≥ 0, got 'x'\n"))
  }

  @Test func modelErrorsAreDiagnosed() throws {
    let result = try runNetc(["init-weights", "Models/nonexistent.net", "-o", "/dev/null"])
    #expect(result.status == 1)
    #expect(result.stderr.hasPrefix("error: "))
  }
}

/// The command's usage line, as `netc init-weights` prints it.
private enum InitWeightsUsage {
  static let text =
    "netc init-weights <model> -o <weights.safetensors> [--seed N] [--randomize-bn] [--batch N] [--input CxHxW]"
}
