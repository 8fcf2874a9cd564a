// `netc export onnx`: the bytes of tiny.net's file, and, where onnx and onnxruntime are installed, every zoo
// model's file passes the onnx checker and runs in ONNX Runtime with the interpreter's results.

import Foundation
import Testing

@testable import NetC

@Suite struct ONNXExportTests {

  /// Byte for byte (seeded weights at batch 1): the encoding, op choices and attribute order are fixed.
  @Test func tinyGolden() throws {
    let model = try ReducedModel.tiny()
    let graph = try model.graph.withInputShape(Shape([1, 3, 9, 9]))
    let bytes = try ONNXExporter.export(graph, weights: try WeightInitializer(seed: 1).weights(for: graph))
    let url = Fixtures.url("Tests/NetCTests/Interop/Golden/tiny.onnx")
    if Fixtures.updatingGoldens { try Data(bytes).write(to: url) }
    #expect(try Data(contentsOf: url) == Data(bytes), "tiny.onnx differs; regenerate with NETC_UPDATE_GOLDEN=1")
  }

  @Test func exportCommand() throws {
    let scratch = try ScratchDirectory("export")
    defer { scratch.cleanUp() }
    let weights = scratch.path("w.safetensors")
    #expect(try runNetc(["init-weights", "Models/resnet20.net", "-o", weights]).status == 0)
    let export = ["export", "onnx", "--weights", weights, "-o"]
    let result = try runNetc(export + [scratch.path("m.onnx"), "Models/resnet20.net"])
    #expect(result.status == 0)
    let graph = try ModelLoader.load(path: Zoo.path("resnet20"))
    let expected = try ONNXExporter.export(graph, weights: try SafeTensors.readWeights(weights, for: graph))
    #expect(try Data(contentsOf: scratch.url.appendingPathComponent("m.onnx")) == Data(expected))
    let wrongWeights = try runNetc(export + [scratch.path("x.onnx"), "Models/resnet32.net"])
    #expect(wrongWeights.status == 1)
    #expect(wrongWeights.stderr.contains("missing tensor 'layer1.3.conv1.weight'"))
  }

  @Test(.enabled(if: PythonEnvironment.hasONNXRuntime, "needs onnx and onnxruntime in bench/.venv (not in CI)"))
  func zooRunsInONNXRuntime() throws {
    let scratch = try ScratchDirectory("onnx-parity")
    defer { scratch.cleanUp() }
    let names = Zoo.names + ["tiny"]
    let references = try Parity.prepare(names, in: scratch, onnx: true)
    let run = try PythonEnvironment.run("onnx_driver.py", names.map { scratch.path($0) })
    try #require(run.status == 0, "onnx_driver.py failed:\n\(run.stderr)")
    try Parity.expectMatches(references, in: scratch)
  }
}
