// Real data: scikit-learn's handwritten digits (Datasets/digits) trained with `netc train` to at least 97%
// test accuracy, and the weights it writes give that accuracy in the interpreter too.

import Foundation
import Testing

@testable import NetC

@Suite struct DigitsTrainingTests {
  /// 10 epochs of 44 steps (batch 32), the learning rate dropping from 0.1 to 0.01 after 7: about 90 s on one
  /// core of CI's two. Flips are off: digits are not left-right symmetric. The run is deterministic (seed 0);
  /// it reaches 98.6%. PyTorch, with its own initialization and shuffling, trained the same net to 97.8% and
  /// 98.3% (rate drops after 6 of 10 and 8 of 12 epochs).
  @Test func smallResNetLearnsTheDigits() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weights = directory.appendingPathComponent("digits.safetensors").path
    let result = try runNetc([
      "train", "Models/examples/digits_resnet8.net", "--data", "Datasets/digits", "--epochs", "10", "--batch", "32",
      "--no-flip", "--schedule", "7e:0.01", "-o", weights,
    ])
    try #require(result.status == 0, "\(result.stderr)")
    let summary = try #require(result.stdout.split(separator: "\n").last.map(String.init))
    let reported = try #require(summary.components(separatedBy: "test acc ").last?.split(separator: "%").first)
    #expect(try #require(Double(reported)) >= 97, "\(summary)")

    // The weights file alone, in the interpreter, with the same preprocessing: the same accuracy.
    let (train, test) = try ImageSet.readDirectory(Fixtures.url("Datasets/digits").path)
    let graph = try ModelLoader.load(
      path: Fixtures.url("Models/examples/digits_resnet8.net").path, options: LoadOptions(batch: test.count))
    let preprocessing = Preprocessing(meanOf: train)
    var input = [Float](repeating: 0, count: test.count * ImageSet.pixelsPerImage)
    for i in 0..<test.count { preprocessing.write(test, i, into: &input, at: i * ImageSet.pixelsPerImage) }
    let interpreter = try Interpreter(
      graph: try Pipeline.default.run(graph), weights: try SafeTensors.readWeights(weights, for: graph))
    let logits = try interpreter.run(Tensor(shape: graph.input.shape, scalars: input))
    let accuracy = Double(correct(logits.scalars, test.labels.map(Int32.init), classes: 10)) / Double(test.count)
    // The C and the interpreter may disagree on a near-tie or two: at most one image (0.28%).
    #expect(abs(accuracy * 100 - Double(reported)!) <= 0.3, "interpreter: \(accuracy), netc train: \(reported)%")
  }
}
