// Every zoo model as C at reduced input size: built warning-free with clang under the address and
// undefined-behaviour sanitizers and run against the interpreter (the arena allocated exactly as large as the
// file reports), and compiled warning-free by gcc.

import Foundation
import Testing

@testable import NetC

/// The reduced input size: CIFAR nets (declared 3x32x32) as declared, ImageNet nets at 3x64x64, except the
/// paper's AlexNet, whose stride-4 first conv and three pools leave nothing of an input below 3x96x96.
func reducedInput(_ name: String, declared: Shape) -> [Int] {
  if declared.height <= 32 { return Array(declared.dims[1...]) }
  return name == "alexnet_paper" ? [3, 96, 96] : [3, 64, 64]
}

/// The zoo model at its reduced input size, before and after the default pipeline.
func reducedZooModel(_ name: String) throws -> (graph: Graph, compiled: Graph) {
  let path = Zoo.path(name)
  let declared = try ModelLoader.load(path: path).input.shape
  let graph = try ModelLoader.load(path: path, options: LoadOptions(input: reducedInput(name, declared: declared)))
  return (graph, try Pipeline.default.run(graph))
}

@Suite struct ZooCTests {
  /// The C sums in float, where the interpreter sums in double and rounds once: each layer differs by a few
  /// float roundings, which deep networks amplify (the zoo's ResNets stay below 2e-5). `netc check`'s 1e-4 is
  /// the promise; a real mistake is of order 1.
  @Test(arguments: Zoo.names)
  func sanitizedRunMatchesInterpreter(_ name: String) throws {
    let (graph, compiled) = try reducedZooModel(name)
    let program = try CEmitter(graph: compiled).emit()
    let (weights, file) = try ModelCheck.randomWeights(for: graph)
    defer { try? FileManager.default.removeItem(atPath: file) }
    let check = try ModelCheck.run(
      program, reference: compiled, weights: weights, weightsFile: file, builder: try CTest.builder())
    #expect(check.relativeError <= ModelCheck.tolerance, "\(name): max_rel_err=\(check.relativeError)")
  }

  @Test(arguments: Zoo.names)
  func gccCompilesWithoutWarnings(_ name: String) throws {
    let program = try CEmitter(graph: try reducedZooModel(name).compiled).emit()
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = directory.appendingPathComponent("\(program.prefix).c")
    try program.source.write(to: source, atomically: true, encoding: .utf8)
    try CCompiler.find("gcc").compileOnly(
      source.path, output: directory.appendingPathComponent("model.o").path, flags: CCompiler.strictFlags + ["-O2"])
  }
}
