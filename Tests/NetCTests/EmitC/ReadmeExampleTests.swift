// The README's example program, taken from the README itself: built against ResNet-18 compiled at reduced
// size (with the sanitizers, warnings as errors), run on an image, its five classes checked against the
// interpreter's.

import Foundation
import Testing

@testable import NetC

@Suite struct ReadmeExampleTests {
  /// The C between `<!-- example: classify.c -->` and `<!-- end example -->`, without its code fence.
  private func example() throws -> String {
    let readme = try Fixtures.read("README.md")
    let start = try #require(readme.range(of: "<!-- example: classify.c -->\n```c\n"))
    let end = try #require(readme.range(of: "```\n<!-- end example -->", range: start.upperBound..<readme.endIndex))
    return String(readme[start.upperBound..<end.lowerBound])
  }

  @Test func classifiesAnImageAsTheInterpreterDoes() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    let size = ["--input", "3x64x64"]
    let compiled = try runNetc(
      ["compile", "Models/resnet18.net", "-o", path("resnet18.c"), "--header", path("resnet18.h")] + size)
    let weights = try runNetc(
      ["init-weights", "Models/resnet18.net", "-o", path("w.safetensors"), "--randomize-bn"] + size)
    #expect(compiled.status == 0 && weights.status == 0)
    try example().write(toFile: path("classify.c"), atomically: true, encoding: .utf8)
    let image = Tensor(randomNormal: Shape([1, 3, 64, 64]), seed: 11)
    try NPY.write(image, to: path("image.npy"))
    try CCompiler.find().build(
      [path("classify.c"), path("resnet18.c")], output: path("classify"), flags: CTest.sanitizerFlags)
    let result = try ProcessRunner.run(path("classify"), [path("w.safetensors"), path("image.npy")])
    #expect(result.status == 0, "\(result.output)")

    let graph = try ModelLoader.load(path: Zoo.path("resnet18"), options: LoadOptions(input: [3, 64, 64]))
    let scores = try Interpreter(graph: graph, weights: try SafeTensors.readWeights(path("w.safetensors"), for: graph))
      .run(image).scalars
    let best = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5)
    let printed = result.output.split(separator: "\n").map { line in
      line.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: ":"))) }
    }
    #expect(printed.map { Int($0[0]) } == Array(best))
    // Printed with four decimals: each score within half a unit of the fourth (plus float rounding).
    for (line, index) in zip(printed, best) { #expect(abs(line[1] - Double(scores[index])) <= 6e-5) }
  }
}
