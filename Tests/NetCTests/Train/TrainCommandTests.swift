// `netc train` as a user runs it: a resumed run ends with exactly the bytes of an uninterrupted one, progress
// lines in a log, and clear errors for bad data, options and checkpoints.

import Foundation
import Testing

@testable import NetC

@Suite struct TrainCommandTests {
  static let model = "Tests/NetCTests/Train/Fixtures/tiny.net"

  /// A CIFAR-10 directory of synthetic images: 20 to train on, 6 to test on.
  static func dataDirectory() throws -> URL {
    let directory = try CTest.temporaryDirectory()
    try Data(TrainingDataTests.images((0..<20).map { UInt8($0 % 10) }).encoded)
      .write(to: directory.appendingPathComponent("data_batch_1.bin"))
    try Data(TrainingDataTests.images([1, 2, 3, 4, 5, 6]).encoded)
      .write(to: directory.appendingPathComponent("test_batch.bin"))
    return directory
  }

  static func train(_ data: URL, _ arguments: [String]) throws -> NetcResult {
    try runNetc(["train", model, "--data", data.path, "--batch", "4"] + arguments)
  }

  /// 5 steps per epoch: the interrupted run stops mid-epoch (step 3) and resumes across the epoch's end.
  @Test func resumingGivesTheSameBytesAsNotStopping() throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    func path(_ name: String) -> String { data.appendingPathComponent(name).path }
    let straight = try Self.train(
      data, ["--iterations", "7", "--checkpoint", path("a.ckpt"), "-o", path("a.w"), "--seed", "5"])
    #expect(straight.status == 0, "\(straight.stderr)")
    let first = try Self.train(
      data, ["--iterations", "3", "--checkpoint", path("b.ckpt"), "-o", path("b.w"), "--seed", "5"])
    #expect(first.status == 0, "\(first.stderr)")
    let second = try Self.train(
      data, ["--iterations", "7", "--checkpoint", path("b.ckpt"), "--resume", "-o", path("b.w")])
    #expect(second.status == 0, "\(second.stderr)")
    for name in ["ckpt", "w"] {
      let a = try Data(contentsOf: URL(fileURLWithPath: path("a." + name)))
      let b = try Data(contentsOf: URL(fileURLWithPath: path("b." + name)))
      #expect(a == b, "\(name) files differ")
    }
    // The weights file holds the network's parameters and nothing else.
    let graph = try ModelLoader.load(path: Fixtures.url(Self.model).path, options: LoadOptions(batch: 4))
    #expect(try SafeTensors.read(path("a.w")).weights.names == graph.parameters.map(\.name))
    #expect(try Checkpoint.read(path("a.ckpt"), for: graph).state.step == 7)
    #expect(
      second.stdout.hasPrefix("training tiny on 20 images (5 steps of 4 per epoch), testing on 6; steps 3 to 7\n"))
  }

  /// Outside a terminal: the plan, one line per epoch (and one at the end of a partial epoch), a summary.
  @Test func logsOneLinePerEpoch() throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    let result = try Self.train(
      data,
      ["--epochs", "2", "-o", data.appendingPathComponent("w").path, "--schedule", "1e:0.05", "--warmup", "2:0.01"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[1].hasPrefix("epoch 1/2 step 5/10: loss "))
    #expect(lines[1].hasSuffix(" img/s, lr 0.1"))
    #expect(lines[2].hasPrefix("epoch 2/2 step 10/10: loss ") && lines[2].hasSuffix(", lr 0.05"))
    #expect(lines[3].hasPrefix("done: 10 steps in "))
    #expect(!result.stdout.contains("\r"))
  }

  @Test func badDataIsNamed() throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    try Data(repeating: 0, count: 3073 * 2 + 5).write(to: data.appendingPathComponent("data_batch_2.bin"))
    let result = try Self.train(data, ["--epochs", "1"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error: \(data.path)/data_batch_2.bin: size 6151 bytes is not a whole number of 3073-byte records "
        + "(1 label byte and 3072 pixel bytes each); record 2 is cut short\n")
  }

  @Test(arguments: [
    (["--epochs", "1", "--schedule", "100:0.1,x"],
     "error: option '--schedule' expects STEP:RATE entries separated by commas (STEP an iteration, or 'Ne' for "
       + "epoch N; RATE positive), got 'x'\n"),
    (["--epochs", "1", "--iterations", "3"], "error: '--epochs' and '--iterations' cannot be combined\n"),
    (["--epochs", "1", "--resume"], "error: '--resume' needs '--checkpoint FILE' to resume from\n"),
    (["--epochs", "1", "--lr", "0"], "error: option '--lr' must be positive, got 0.0\n"),
  ])
  func badOptionsAreUsageErrors(_ arguments: [String], _ message: String) throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    let result = try Self.train(data, arguments)
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix(message))
  }

  @Test func existingCheckpointNeedsResume() throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    let checkpoint = data.appendingPathComponent("c.ckpt").path
    try Data([1]).write(to: URL(fileURLWithPath: checkpoint))
    let result = try Self.train(data, ["--epochs", "1", "--checkpoint", checkpoint])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error: \(checkpoint): the checkpoint exists; pass '--resume' to continue its run, or name another file\n")
  }

  @Test func imagesMustFitTheNetwork() throws {
    let data = try Self.dataDirectory()
    defer { try? FileManager.default.removeItem(at: data) }
    let result = try runNetc(["train", "Models/resnet18.net", "--data", data.path, "--epochs", "1", "--batch", "2"])
    #expect(result.status == 1)
    #expect(
      result.stderr
        == "error: Models/resnet18.net: the network takes 3x224x224 inputs, but CIFAR-10 images are 3x32x32\n")
  }
}
