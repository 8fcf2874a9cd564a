// What the C back end's tests share: conv ops, random weights, and building and running generated C (with
// the address and undefined-behaviour sanitizers) against the interpreter.

import Foundation
import Testing

@testable import NetC

func conv(
  _ module: String, _ out: Int, _ kernel: Pair, stride: Pair = Pair(square: 1), pad: Pair = Pair(square: 0),
  dilation: Pair = Pair(square: 1), groups: Int = 1, bias: Bool = false, epilogue: Epilogue = .none
) -> Op {
  .conv(
    Conv(
      outChannels: out, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups, module: module,
      hasBias: bias, epilogue: epilogue))
}

/// Standard normal values for every parameter, seeded by its position; variances `x² + 0.1`, so positive.
func seededWeights(_ graph: Graph, seed: UInt64) -> Weights {
  Weights(
    graph.parameters.enumerated().map { index, parameter in
      var tensor = randomTensor(parameter.shape.dims, seed: seed &+ UInt64(index) &* 7919)
      if parameter.role == .runningVar { tensor.scalars = tensor.scalars.map { $0 * $0 + 0.1 } }
      return (parameter.name, tensor)
    })
}

enum CTest {
  /// Sanitized and warning-free: every test run of generated C also checks for out-of-bounds accesses and
  /// undefined behaviour, and that the file compiles without a warning.
  static let sanitizerFlags =
    CCompiler.strictFlags + [
      "-O1", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
      "-fno-sanitize-recover=all",
    ]

  static let cacheDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-test-cache")

  static func builder(flags: [String] = sanitizerFlags) throws -> ModelBuilder {
    ModelBuilder(compiler: try CCompiler.find(), flags: flags, cacheDirectory: cacheDirectory)
  }

  /// A fresh directory for one test's files.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("netc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The generated C's output and the interpreter's for the same random weights and input.
  static func run(_ graph: Graph, plan: MemoryPlan? = nil, seed: UInt64 = 1) throws -> (c: Tensor, reference: Tensor) {
    let weights = seededWeights(graph, seed: seed)
    let input = randomTensor(graph.input.shape.dims, seed: seed &+ 1_000_003)
    let reference = try Interpreter(graph: graph, weights: weights).run(input)
    let emitter = plan.map { CEmitter(graph: graph, plan: $0) } ?? CEmitter(graph: graph)
    let program = try emitter.emit()
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weightsFile = directory.appendingPathComponent("weights.safetensors").path
    try SafeTensors(weights: weights).write(to: weightsFile)
    let output = try ModelRunner.run(
      try builder().executable(for: program), weights: weightsFile, input: input, outputShape: graph.outputShape)
    return (output, reference)
  }
}
