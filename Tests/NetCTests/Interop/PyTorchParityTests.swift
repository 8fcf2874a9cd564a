// `netc emit pytorch` checked by running its output: every zoo model's module loads netc's weights with
// strict=True and matches the interpreter; PyTorch's state_dict loads back into netc unchanged; weights
// trained under DistributedDataParallel run in netc with PyTorch's results. Skipped without torch.

import Foundation
import Testing

@testable import NetC

@Suite struct PyTorchParityTests {
  /// Relative tolerance (largest difference over the largest output magnitude): PyTorch computes in f32 with
  /// its own summation order and algorithms, while the interpreter accumulates in Double and rounds each op
  /// to f32; over a deep net these differences stay below ~1e-5 relative, far below a real error (a wrong
  /// padding, window or LRN alpha moves outputs by 1e-2 or more).
  static let tolerance = 1e-4

  /// Deep plain nets amplify rounding: in plain56, PyTorch's own f32 output is ~5e-4 from its f64 output. Where
  /// f32 and the interpreter disagree beyond `tolerance`, the module also runs in f64 (exact arithmetic for
  /// this purpose), and the interpreter must be at least as close to that as PyTorch's f32 result is, which
  /// holds only if both compute the same function and differ by rounding alone.
  static func withinRounding(interpreter: [Float], float32: [Float], float64: [Float]) -> Bool {
    relativeError(interpreter, float64) <= relativeError(float32, float64)
  }

  @Test(.enabled(if: PythonEnvironment.hasTorch, "needs torch and safetensors in bench/.venv (not in CI)"))
  func zooMatchesTheInterpreter() throws {
    let scratch = try ScratchDirectory("pytorch-parity")
    defer { scratch.cleanUp() }
    // One model at a time, keeping only the small things: the deep nets' weights take hundreds of megabytes.
    var references: [String: (graph: Graph, output: Tensor)] = [:]
    for name in Repository.zoo {
      let model = try ReducedModel(name)
      try prepare(model, in: try scratch.subdirectory(name))
      references[name] = (model.graph, try model.reference())
    }
    let run = try PythonEnvironment.run("pytorch_driver.py", ["run"] + Repository.zoo.map { scratch.path($0) })
    try #require(run.status == 0, "pytorch_driver.py failed:\n\(run.stderr)")
    var illConditioned: [String] = []
    for name in Repository.zoo {
      let (graph, reference) = references[name]!
      let output = try NPY.read(scratch.path(name + "/output.npy"))
      try #require(output.shape == reference.shape, "\(name)")
      if relativeError(output.scalars, reference.scalars) >= Self.tolerance { illConditioned.append(name) }
      // PyTorch's own state_dict (sorted by name, with int64 BN counters) reads back as the weights it loaded.
      let loaded = try SafeTensors.read(scratch.path(name + "/weights.safetensors")).weights
      let saved = try SafeTensors.readWeights(scratch.path(name + "/state_dict.safetensors"), for: graph)
      #expect(saved.count == loaded.count && loaded.entries.allSatisfy { saved[$0.name] == $0.tensor }, "\(name)")
    }
    guard !illConditioned.isEmpty else { return }
    let exact = try PythonEnvironment.run("pytorch_driver.py", ["run64"] + illConditioned.map { scratch.path($0) })
    try #require(exact.status == 0, "pytorch_driver.py failed:\n\(exact.stderr)")
    for name in illConditioned {
      let float32 = try NPY.read(scratch.path(name + "/output.npy")).scalars
      let float64 = try NPY.read(scratch.path(name + "/output64.npy")).scalars
      let interpreter = references[name]!.output.scalars
      let error = relativeError(float32, interpreter)
      let rounding = relativeError(float32, float64)
      let interpreterRounding = relativeError(interpreter, float64)
      #expect(
        Self.withinRounding(interpreter: interpreter, float32: float32, float64: float64),
        "\(name): relative error \(error); PyTorch f32 vs f64 \(rounding), interpreter vs f64 \(interpreterRounding)")
    }
  }

  @Test(.enabled(if: PythonEnvironment.hasTorch, "needs torch and safetensors in bench/.venv (not in CI)"))
  func weightsTrainedUnderDDPRunInNetc() throws {
    let scratch = try ScratchDirectory("pytorch-ddp")
    defer { scratch.cleanUp() }
    let model = try ReducedModel("resnet20")
    try prepare(model, in: scratch)
    let run = try PythonEnvironment.run("pytorch_driver.py", ["ddp", scratch.url.path])
    try #require(run.status == 0, "pytorch_driver.py failed:\n\(run.stderr)")
    let trained = try SafeTensors.readWeights(scratch.path("trained.safetensors"), for: model.graph)
    #expect(trained != model.weights, "training changed nothing")
    let netc = try Interpreter(graph: model.graph, weights: trained).run(model.input)
    let pytorch = try NPY.read(scratch.path("output.npy"))
    let error = relativeError(netc.scalars, pytorch.scalars)
    #expect(error < Self.tolerance, "relative error \(error)")
  }

  /// The files pytorch_driver.py reads: the module, netc's weights and the input.
  private func prepare(_ model: ReducedModel, in job: ScratchDirectory) throws {
    try PyTorchEmitter.emit(model.graph).write(toFile: job.path("model.py"), atomically: true, encoding: .utf8)
    try SafeTensors(weights: model.weights).write(to: job.path("weights.safetensors"))
    try NPY.write(model.input, to: job.path("input.npy"))
  }
}
