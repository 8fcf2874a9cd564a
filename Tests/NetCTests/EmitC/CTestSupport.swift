// What the C back end's tests share: a graph builder with shape inference, random weights, and building and
// running generated C (with the address and undefined-behaviour sanitizers) against the interpreter.

import Foundation
import Testing

@testable import NetC

/// Builds a graph node by node, each shape from `Op.inferShape`; a node reads the previous one unless told.
struct GraphBuilder {
  private(set) var nodes: [Node]
  let name: String

  init(_ name: String = "test", input dims: [Int]) {
    self.name = name
    nodes = [Node(name: "input", op: .input, inputs: [], shape: Shape(dims))]
  }

  @discardableResult
  mutating func add(_ name: String, _ op: Op, _ inputs: [String]? = nil) throws -> String {
    let operands = inputs ?? [nodes.last!.name]
    let shapes = operands.map { operand in nodes.first { $0.name == operand }!.shape }
    nodes.append(Node(name: name, op: op, inputs: operands, shape: try op.inferShape(shapes).get()))
    return name
  }

  func graph(output: String? = nil) -> Graph {
    Graph(name: name, nodes: nodes, output: output ?? nodes.last!.name)
  }
}

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
    CCompiler.strictFlags + ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
                             "-fno-sanitize-recover=all"]

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
    let program = try CEmitter(graph: graph, plan: plan ?? .separateBuffers(for: graph)).emit()
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let weightsFile = directory.appendingPathComponent("weights.safetensors").path
    try SafeTensors(weights: weights).write(to: weightsFile)
    let output = try ModelRunner.run(
      try builder().executable(for: program), weights: weightsFile, input: input, outputShape: graph.outputShape)
    return (output, reference)
  }
}
