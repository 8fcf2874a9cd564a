// The CIFAR-10 reader, the digits files, preprocessing and augmentation, batch order, and checkpoints.

import Foundation
import Testing

@testable import NetC

@Suite struct TrainingDataTests {
  static func images(_ labels: [UInt8]) -> ImageSet {
    let pixels = labels.indices.flatMap { i in (0..<ImageSet.pixelsPerImage).map { UInt8(($0 * 7 + i * 31) % 256) } }
    return ImageSet(pixels: pixels, labels: labels)
  }

  @Test func readsWhatItEncodes() throws {
    let set = Self.images([3, 0, 9])
    #expect(try ImageSet.decode(set.encoded, file: "a.bin") == set)
  }

  @Test func malformedFilesNameTheFileAndRecord() {
    var bytes = Self.images([1, 2, 3]).encoded
    #expect(
      diagnosticText { _ = try ImageSet.decode(Array(bytes.dropLast(10)), file: "d/data_batch_1.bin") }
        == "error: d/data_batch_1.bin: size 9209 bytes is not a whole number of 3073-byte records (1 label byte "
        + "and 3072 pixel bytes each); record 2 is cut short\n")
    bytes[2 * ImageSet.recordSize] = 10
    #expect(
      diagnosticText { _ = try ImageSet.decode(bytes, file: "d/test_batch.bin") }
        == "error: d/test_batch.bin: record 2 has label 10; CIFAR-10 labels are 0...9\n")
    #expect(diagnosticText { _ = try ImageSet.decode([], file: "e.bin") } == "error: e.bin: the file has no records\n")
  }

  /// The committed digits: 80/20 per class of scikit-learn's 1,797, every class in both sets.
  @Test func digitsAreCommittedInTheCIFARLayout() throws {
    let (train, test) = try ImageSet.readDirectory(Fixtures.url("Datasets/digits").path)
    #expect(train.count == 1438 && test.count == 359)
    #expect(Set(train.labels) == Set(0...9) && Set(test.labels) == Set(0...9))
    // Grey images: the three planes of every image are equal.
    let plane = ImageSet.side * ImageSet.side
    #expect(train.pixels[0..<plane] == train.pixels[plane..<2 * plane])
  }

  @Test func missingTestSetIsNamed() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-cifar-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data(Self.images([1]).encoded).write(to: directory.appendingPathComponent("data_batch_1.bin"))
    #expect(
      diagnosticText { _ = try ImageSet.readDirectory(directory.path) }
        == "error: \(directory.path): no 'test_batch.bin' to evaluate on\n")
  }

  /// The centre crop without a flip is the image minus the mean; a corner crop shifts it and pads with 0;
  /// a flip mirrors columns.
  @Test func cropsFlipsAndSubtractsTheMean() {
    let set = Self.images([0, 1])
    let preprocessing = Preprocessing(meanOf: set)
    #expect(preprocessing.mean[5] == (Float(set.pixels[5]) + Float(set.pixels[3072 + 5])) / 2)
    var plain = [Float](repeating: .nan, count: 3072)
    preprocessing.write(set, 1, into: &plain, at: 0)
    let pixel = { (c: Int, y: Int, x: Int) in (c * 32 + y) * 32 + x }
    let value = { (c: Int, y: Int, x: Int) in
      (Float(set.pixels[3072 + pixel(c, y, x)]) - preprocessing.mean[pixel(c, y, x)]) / 255
    }
    #expect(plain[pixel(2, 7, 9)] == value(2, 7, 9))
    var shifted = [Float](repeating: .nan, count: 3072)
    preprocessing.write(set, 1, crop: (0, 8), flip: false, into: &shifted, at: 0)
    #expect(shifted[pixel(1, 3, 5)] == 0)  // row 3 - 4 is in the padding
    #expect(shifted[pixel(1, 10, 5)] == value(1, 6, 9))
    #expect(shifted[pixel(1, 10, 31)] == 0)  // column 31 + 4 is in the padding
    var flipped = [Float](repeating: .nan, count: 3072)
    preprocessing.write(set, 1, crop: (4, 4), flip: true, into: &flipped, at: 0)
    #expect(flipped[pixel(0, 12, 0)] == value(0, 12, 31))
  }

  @Test func augmentationAndOrderDependOnlyOnSeedAndStep() {
    let a = (0..<50).map { Preprocessing.augmentation(seed: 1, step: 7, position: $0) }
    let b = (0..<50).map { Preprocessing.augmentation(seed: 1, step: 7, position: $0) }
    #expect(a.map { "\($0.crop)\($0.flip)" } == b.map { "\($0.crop)\($0.flip)" })
    #expect(Set(a.map { $0.crop.y }) == Set(0...8) && Set(a.map(\.flip)) == [true, false])
    let order = EpochOrder(count: 10, batch: 3, seed: 4)
    #expect(order.stepsPerEpoch == 3)
    #expect(order.permutation(epoch: 2).sorted() == Array(0..<10))
    #expect(order.permutation(epoch: 1) != order.permutation(epoch: 2))
    #expect(order.batch(step: 4) == Array(order.permutation(epoch: 1)[3..<6]))
  }

  @Test func checkpointsRoundTripAndAreChecked() throws {
    let graph = try TrainingNets.dense()
    let weights = try TrainingNets.weights(graph, seed: 1)
    var state = TrainingState(weights: weights, for: graph, seed: 99)
    state.step = 12
    state.momentum["fc2.bias"] = Tensor(shape: Shape([3]), scalars: [1, 2, 3])
    let file = Checkpoint.encode(state, extra: ["netc.batch": "4"])
    let read = try Checkpoint.decode(try SafeTensors(decoding: file.encoded(), file: "c"), for: graph, path: "c")
    #expect(read == state)
    #expect(file.weights.names.filter { !$0.hasPrefix("sgd.momentum.") } == graph.parameters.map(\.name))
    var broken = file
    broken.metadata["netc.step"] = "x"
    #expect(
      diagnosticText { _ = try Checkpoint.decode(broken, for: graph, path: "c") }
        == "error: c: the checkpoint's 'netc.step' or 'netc.seed' is not a number\n")
    #expect(
      diagnosticText { _ = try Checkpoint.decode(SafeTensors(weights: weights), for: graph, path: "w") }
        == "error: w: not a netc training checkpoint (its metadata has no 'netc.format' of 'netc-checkpoint-1')\n")
  }
}
