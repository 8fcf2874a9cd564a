// The PyTorch leg (not in CI: it needs a Python with torch): the module `netc emit pytorch` writes for each
// program's front-end IR, loaded with netc's weights (`strict=True`) and run in one Python process per chunk,
// against the interpreter.

import Foundation

struct FuzzPyTorch: Sendable {
  /// The Python executable with torch, numpy and safetensors.
  var python: String

  /// Each program's failure and measured difference, in order.
  func run(_ prepared: [FuzzPrepared], in directory: URL) -> (failures: [FuzzFailure?], errors: [Double]) {
    var failures = [FuzzFailure?](repeating: nil, count: prepared.count)
    var errors = [Double](repeating: 0, count: prepared.count)
    let jobs = prepared.indices.map { directory.appendingPathComponent("pytorch\($0)") }
    do {
      try Self.script.write(to: directory.appendingPathComponent("pytorch_fuzz.py"), atomically: false, encoding: .utf8)
      for (index, item) in prepared.enumerated() {
        try FileManager.default.createDirectory(at: jobs[index], withIntermediateDirectories: true)
        try (item.pytorchSource ?? "").write(
          to: jobs[index].appendingPathComponent("model.py"), atomically: false, encoding: .utf8)
        try SafeTensors(weights: item.weights).write(to: jobs[index].appendingPathComponent("weights.safetensors").path)
        try NPY.write(item.input, to: jobs[index].appendingPathComponent("input.npy").path)
      }
    } catch {
      return (prepared.map { _ in FuzzFailure("pytorch-files", "\(error)") }, errors)
    }
    if let failure = runScript("float32", jobs, directory) { return (prepared.map { _ in failure }, errors) }
    var beyond: [Int] = []
    for (index, item) in prepared.enumerated() {
      let job = jobs[index]
      if let message = try? String(contentsOf: job.appendingPathComponent("error.txt"), encoding: .utf8) {
        failures[index] = FuzzFailure("pytorch-error", String(message.suffix(2000)))
        continue
      }
      guard let output = try? NPY.read(job.appendingPathComponent("output.npy").path) else {
        failures[index] = FuzzFailure("pytorch-error", "no output.npy")
        continue
      }
      errors[index] = FuzzTolerance.relativeError(output, item.references[.unoptimized]!)
      if !(errors[index] <= FuzzTolerance.pytorch.allowing(item.errors["conditioning"] ?? 0)) { beyond.append(index) }
    }
    guard !beyond.isEmpty else { return (failures, errors) }
    // Beyond the tolerance, rounding alone may still explain it in an ill-conditioned program: then the
    // interpreter is at least as close to exact (float64) arithmetic as PyTorch's float32 is. A different
    // function leaves the interpreter far from PyTorch's float64 result instead.
    let failure = runScript("float64", beyond.map { jobs[$0] }, directory)
    for index in beyond {
      let job = jobs[index]
      let reference = prepared[index].references[.unoptimized]!
      guard failure == nil, let exact = try? NPY.read(job.appendingPathComponent("output64.npy").path),
        let output = try? NPY.read(job.appendingPathComponent("output.npy").path)
      else {
        failures[index] = failure ?? FuzzFailure("pytorch-error", "no output64.npy")
        continue
      }
      let interpreterRounding = FuzzTolerance.relativeError(reference, exact)
      let pytorchRounding = FuzzTolerance.relativeError(output, exact)
      if !(interpreterRounding <= pytorchRounding) {
        failures[index] = FuzzFailure(
          "pytorch-mismatch",
          "PyTorch differs from the interpreter by \(errors[index]) of the largest output; against PyTorch in float64 "
            + "the interpreter is \(interpreterRounding) off, PyTorch's float32 \(pytorchRounding)")
      }
    }
    return (failures, errors)
  }

  private func runScript(_ dtype: String, _ jobs: [URL], _ directory: URL) -> FuzzFailure? {
    let script = directory.appendingPathComponent("pytorch_fuzz.py").path
    do {
      let result = try ProcessRunner.run(python, [script, dtype] + jobs.map(\.path), timeout: 600)
      return result.status == 0 && !result.signaled
        ? nil : FuzzFailure("pytorch-error", String(result.output.suffix(2000)))
    } catch {
      return FuzzFailure("pytorch-error", "\(error)")
    }
  }

  static let script = #"""
    # netc fuzz: runs the modules `netc emit pytorch` wrote, one per JOB directory.
    #   pytorch_fuzz.py float32|float64 JOB...: load JOB/model.py's Network and JOB/weights.safetensors
    #   (strict=True), run JOB/input.npy in eval mode, save JOB/output.npy (output64.npy in float64, saved as
    #   float32); a failing job writes JOB/error.txt and the others still run.
    import importlib.util
    import os
    import sys
    import traceback

    import numpy as np
    import torch
    from safetensors.torch import load_file

    torch.set_num_threads(1)
    dtype = {"float32": torch.float32, "float64": torch.float64}[sys.argv[1]]
    name = "output.npy" if dtype == torch.float32 else "output64.npy"
    for number, job in enumerate(sys.argv[2:]):
        try:
            spec = importlib.util.spec_from_file_location(f"fuzz_model_{number}", os.path.join(job, "model.py"))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            network = module.Network()
            network.load_state_dict(load_file(os.path.join(job, "weights.safetensors")), strict=True)
            network.eval()
            with torch.no_grad():
                x = torch.from_numpy(np.load(os.path.join(job, "input.npy"))).to(dtype)
                y = network.to(dtype)(x)
            np.save(os.path.join(job, name), y.numpy().astype(np.float32))
        except Exception:
            with open(os.path.join(job, "error.txt"), "w") as file:
                file.write(traceback.format_exc())

    """#
}
