// `netc emit pytorch` checked by running its output: every zoo model's module (and tiny.net's) loads netc's
// weights with strict=True and matches the interpreter; PyTorch's state_dict loads back into netc unchanged;
// weights trained under DistributedDataParallel run in netc with PyTorch's results. Skipped without torch.

import Foundation
import Testing

@testable import NetC

@Suite struct PyTorchParityTests {
  @Test(.enabled(if: PythonEnvironment.hasTorch, "needs torch and safetensors in bench/.venv (not in CI)"))
  func zooMatchesTheInterpreter() throws {
    let scratch = try ScratchDirectory("pytorch-parity")
    defer { scratch.cleanUp() }
    let names = Zoo.names + ["tiny"]
    let references = try Parity.prepare(names, in: scratch, onnx: false)
    let run = try PythonEnvironment.run("pytorch_driver.py", ["run"] + names.map { scratch.path($0) })
    try #require(run.status == 0, "pytorch_driver.py failed:\n\(run.stderr)")
    try Parity.expectMatches(references, in: scratch)
    for name in names {
      // PyTorch's own state_dict (sorted by name, with int64 BN counters) reads back as the weights it loaded.
      let loaded = try SafeTensors.read(scratch.path(name + "/weights.safetensors")).weights
      let saved = try SafeTensors.readWeights(scratch.path(name + "/state_dict.safetensors"), for: references[name]!.0)
      #expect(saved.count == loaded.count && loaded.entries.allSatisfy { saved[$0.name] == $0.tensor }, "\(name)")
    }
  }

  @Test(.enabled(if: PythonEnvironment.hasTorch, "needs torch and safetensors in bench/.venv (not in CI)"))
  func weightsTrainedUnderDDPRunInNetc() throws {
    let scratch = try ScratchDirectory("pytorch-ddp")
    defer { scratch.cleanUp() }
    let model = try ReducedModel("resnet20")
    try model.writeJob(in: scratch, onnx: false)
    let run = try PythonEnvironment.run("pytorch_driver.py", ["ddp", scratch.url.path])
    try #require(run.status == 0, "pytorch_driver.py failed:\n\(run.stderr)")
    let trained = try SafeTensors.readWeights(scratch.path("trained.safetensors"), for: model.graph)
    #expect(trained != model.weights, "training changed nothing")
    let netc = try Interpreter(graph: model.graph, weights: trained).run(model.input)
    let pytorch = try NPY.read(scratch.path("output.npy"))
    let error = relativeError(pytorch.scalars, netc.scalars)
    #expect(error < Parity.tolerance, "relative error \(error)")
  }
}
