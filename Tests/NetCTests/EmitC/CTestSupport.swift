// What the C back end's tests share: conv ops, random weights, the instruction sets the generated C is built for,
// and building and running generated C (with the address and undefined-behaviour sanitizers) against the
// interpreter.

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

/// An instruction set the generated C's kernels are compiled for: each has its own vector code.
struct InstructionSet: CustomStringConvertible, Sendable {
  var name: String
  var flags: [String]
  var description: String { name }

  /// The portable C every compiler builds (baseline x86-64 here: no AVX2, no FMA, no AVX-512).
  static let portable = InstructionSet(name: "portable", flags: [])
  static let avx2 = InstructionSet(name: "AVX2+FMA", flags: ["-mavx2", "-mfma"])
  static let avx512 = InstructionSet(name: "AVX-512", flags: ["-mavx512f", "-mavx2", "-mfma"])

  /// The portable C, and each vector instruction set this machine runs.
  static var testable: [InstructionSet] {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(cpu.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ") ?? [])
    return [portable] + (flags.contains("avx2") && flags.contains("fma") ? [avx2] : [])
      + (flags.contains("avx512f") ? [avx512] : [])
  }
}

enum CTest {
  /// Sanitized and warning-free: every test run of generated C also checks for out-of-bounds accesses and
  /// undefined behaviour, and that the file compiles without a warning.
  static let sanitizerFlags =
    CCompiler.strictFlags + [
      "-O1", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
      "-fno-sanitize-recover=all",
    ]

  /// Kept whole: tests run in parallel, and one test's build must not prune a driver another is about to run.
  static let cache = BuildCache(
    directory: FileManager.default.temporaryDirectory.appendingPathComponent("netc-test-cache"), capacity: nil)

  static func builder(flags: [String] = sanitizerFlags) throws -> ModelBuilder {
    ModelBuilder(compiler: try CCompiler.find(), flags: flags, cache: cache)
  }

  /// A fresh directory for one test's files.
  static func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("netc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// The generated C's output and the interpreter's for the same random weights and input: the C built for
  /// `isa` and run on each of `threads` thread counts (outputs in that order).
  static func run(
    _ graph: Graph, plan: MemoryPlan? = nil, seed: UInt64 = 1, isa: InstructionSet = .portable,
    threads: [Int] = [1]
  ) throws -> (c: [Tensor], reference: Tensor) {
    let weights = seededWeights(graph, seed: seed)
    let input = randomTensor(graph.input.shape.dims, seed: seed &+ 1_000_003)
    let reference = try Interpreter(graph: graph, weights: weights).run(input)
    let emitter = plan.map { CEmitter(graph: graph, plan: $0) } ?? CEmitter(graph: graph)
    let program = try emitter.emit()
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weightsFile = directory.appendingPathComponent("weights.safetensors").path
    try SafeTensors(weights: weights).write(to: weightsFile)
    let executable = try builder(flags: sanitizerFlags + isa.flags).executable(for: program)
    let outputs = try threads.map {
      try ModelRunner.run(
        executable, weights: weightsFile, input: input, outputShape: graph.outputShape, threads: $0)
    }
    return (outputs, reference)
  }

  /// The output for one thread count.
  static func run(
    _ graph: Graph, plan: MemoryPlan? = nil, seed: UInt64 = 1, isa: InstructionSet = .portable
  ) throws -> (c: Tensor, reference: Tensor) {
    let (outputs, reference) = try run(graph, plan: plan, seed: seed, isa: isa, threads: [1])
    return (outputs[0], reference)
  }
}
