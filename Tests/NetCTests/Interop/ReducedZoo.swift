// The models the interop tests run, at reduced sizes, with seeded weights (random BN statistics, so a mistake in
// batch norm shows) and a seeded input; and the check of another runtime's outputs against the interpreter's.

import Foundation
import Testing

@testable import NetC

struct ReducedModel {
  var name: String
  var graph: Graph
  var weights: Weights
  var input: Tensor

  /// A zoo model: CIFAR nets at their own 3x32x32; ImageNet nets at 3x64x64, except alexnet_paper at 3x99x99
  /// (its unpadded 11x11 stride-4 conv and three 3x3 stride-2 pools need at least 67 pixels). Batch 2 shows
  /// that items are kept apart; the deepest nets run batch 1 to keep the suite fast.
  init(_ name: String) throws {
    let declared = try ModelLoader.load(path: Zoo.path(name))
    let size = declared.input.shape.height <= 32 ? 32 : (name == "alexnet_paper" ? 99 : 64)
    let batch = ["resnet101", "resnet152", "resnext50_32x4d", "resnet1202"].contains(name) ? 1 : 2
    try self.init(name: name, path: Zoo.path(name), options: LoadOptions(batch: batch, input: [3, size, size]))
  }

  /// `tiny.net` of this folder, at batch 2: every op the exporters spell specially.
  static func tiny() throws -> ReducedModel {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("tiny.net").path
    return try ReducedModel(name: "tiny", path: path, options: LoadOptions(batch: 2))
  }

  init(name: String, path: String, options: LoadOptions) throws {
    self.name = name
    graph = try ModelLoader.load(path: path, options: options)
    weights = try WeightInitializer(seed: 2024, randomizeBatchNorm: true).weights(for: graph)
    input = Tensor(randomNormal: graph.input.shape, seed: 7)
  }

  func reference() throws -> Tensor { try Interpreter(graph: graph, weights: weights).run(input) }

  /// Writes what the drivers read: the PyTorch module, the ONNX file when asked, the weights and the input.
  func writeJob(in job: ScratchDirectory, onnx: Bool) throws {
    try PyTorchEmitter.emit(graph).write(toFile: job.path("model.py"), atomically: true, encoding: .utf8)
    if onnx {
      try Data(try ONNXExporter.export(graph, weights: weights)).write(to: job.url.appendingPathComponent("model.onnx"))
    }
    try SafeTensors(weights: weights).write(to: job.path("weights.safetensors"))
    try NPY.write(input, to: job.path("input.npy"))
  }
}

/// The check every runtime's output passes: within `tolerance` of the interpreter, or, for a net that amplifies
/// rounding, at least as close to exact arithmetic as the interpreter is.
enum Parity {
  /// Relative tolerance (largest difference over the largest output magnitude): PyTorch and ONNX Runtime compute
  /// in f32 with their own summation orders and algorithms, while the interpreter accumulates in Double and
  /// rounds each op to f32; on the zoo these differences measure 1e-7 to 3e-5 (plain-56 aside, see below), far
  /// below a real error (a wrong padding, window or LRN alpha moves outputs by 1e-2 or more).
  static let tolerance = 1e-4

  /// The models of `names` (zoo names, or "tiny"), each prepared in its own subdirectory of `scratch`, with the
  /// interpreter's output. One at a time: the deep nets' weights take hundreds of megabytes.
  static func prepare(_ names: [String], in scratch: ScratchDirectory, onnx: Bool) throws -> [String: (Graph, Tensor)] {
    var references: [String: (Graph, Tensor)] = [:]
    for name in names {
      let model = try name == "tiny" ? ReducedModel.tiny() : ReducedModel(name)
      try model.writeJob(in: try scratch.subdirectory(name), onnx: onnx)
      references[name] = (model.graph, try model.reference())
    }
    return references
  }

  /// Compares each job's `output.npy` with the interpreter's output. Deep plain nets amplify rounding (in plain56,
  /// PyTorch's own f32 output is ~5e-4 from its f64 output), so where a runtime and the interpreter disagree
  /// beyond `tolerance`, the PyTorch module runs in f64 (exact arithmetic for this purpose) and the interpreter
  /// must be at least as close to it as the runtime is: true only if both compute the same function and differ
  /// by rounding alone, while a real error leaves the interpreter far closer to exact than the runtime.
  static func expectMatches(_ references: [String: (Graph, Tensor)], in scratch: ScratchDirectory) throws {
    var beyondTolerance: [String] = []
    for name in references.keys.sorted() {
      let reference = references[name]!.1
      let output = try NPY.read(scratch.path(name + "/output.npy"))
      try #require(output.shape == reference.shape, "\(name)")
      if relativeError(output.scalars, reference.scalars) >= tolerance { beyondTolerance.append(name) }
    }
    guard !beyondTolerance.isEmpty else { return }
    try #require(PythonEnvironment.hasTorch, "\(beyondTolerance) differ by 1e-4 or more; no torch for an f64 check")
    let exact = try PythonEnvironment.run("pytorch_driver.py", ["run64"] + beyondTolerance.map { scratch.path($0) })
    try #require(exact.status == 0, "pytorch_driver.py failed:\n\(exact.stderr)")
    for name in beyondTolerance {
      let runtime = try NPY.read(scratch.path(name + "/output.npy")).scalars
      let float64 = try NPY.read(scratch.path(name + "/output64.npy")).scalars
      let interpreter = references[name]!.1.scalars
      let (error, runtimeRounding) = (relativeError(runtime, interpreter), relativeError(runtime, float64))
      let interpreterRounding = relativeError(interpreter, float64)
      let comparison = "runtime vs f64 \(runtimeRounding), interpreter vs f64 \(interpreterRounding)"
      #expect(interpreterRounding <= runtimeRounding, "\(name): relative error \(error); \(comparison)")
    }
  }
}
