// Passes preserve meaning: the reference interpreter gives the same output before and after every pass of
// the default pipeline, on every zoo model, with random weights whose batch norms are far from the identity
// (γ ≠ 1, β ≠ 0, running statistics calibrated on real activations, then perturbed) so that folding is
// really exercised.

import Foundation
import Testing

@testable import NetC

/// The largest relative disagreement (max |after − before| / max |before|) between the graph's output and
/// the output after each pass of `pipeline` that changed the graph, with the pass's name.
func passDisagreements(_ graph: Graph, pipeline: Pipeline = .default, seed: UInt64) throws -> [(String, Double)] {
  let (weights, input, reference) = try referenceRun(graph, seed: seed)
  var results: [(String, Double)] = []
  var current = graph
  for pass in pipeline.passes {
    let next = try Pipeline([pass]).run(current)
    defer { current = next }
    guard next != current else { continue }
    // A pass may remove parameters (dead code), never add any: the interpreter gets exactly the survivors.
    let kept = Weights(next.parameters.compactMap { parameter in weights[parameter.name].map { (parameter.name, $0) } })
    let output = try Interpreter(graph: next, weights: kept).run(input)
    results.append((pass.name, relativeError(output.scalars, reference.scalars)))
  }
  return results
}

/// Seeded weights (batch norms randomized), a seeded input, and the graph's output for them.
func referenceRun(_ graph: Graph, seed: UInt64) throws -> (Weights, Tensor, Tensor) {
  let weights = try WeightInitializer(seed: seed, randomizeBatchNorm: true).weights(for: graph)
  let input = Tensor(randomNormal: graph.input.shape, seed: seed)
  return (weights, input, try Interpreter(graph: graph, weights: weights).run(input))
}

/// How far the output moves (relative, as above) when every op's result is perturbed by what one more f32
/// rounding could do (a random relative 2^-24 per element): how much the network itself amplifies the
/// rounding differences that fusion makes.
func roundingSensitivity(_ graph: Graph, seed: UInt64) throws -> Double {
  let (weights, input, reference) = try referenceRun(graph, seed: seed)
  let interpreter = try Interpreter(graph: graph, weights: weights)
  var random = RandomSource(seed: seed, stream: "rounding-noise")
  var values = [graph.input.name: input]
  for node in graph.nodes.dropFirst() {
    var value = try interpreter.evaluate(node, operands: node.inputs.map { values[$0]! })
    value.scalars = value.scalars.map { Float(Double($0) * (1 + 0x1p-24 * random.normal())) }
    values[node.name] = value
  }
  return relativeError(values[graph.output]!.scalars, reference.scalars)
}

@Suite struct PassSemanticsTests {
  /// Every golden case's input and expected output compute the same function.
  @Test(arguments: Pipeline.catalog.map(\.name))
  func goldenCasesKeepTheirMeaning(_ passName: String) throws {
    let path = "Tests/NetCTests/Passes/\(passName).nir"
    for (index, golden) in try GoldenCase.parse(try Fixtures.read(path), path: path).enumerated() {
      let input = try GoldenCase.graph(golden.input, path: path, line: golden.inputLine)
      let pass = try #require(Pipeline.pass(named: passName))
      for (name, error) in try passDisagreements(input, pipeline: Pipeline([pass]), seed: UInt64(index)) {
        // Fusion only removes f32 roundings of intermediates (2^-24 relative each) in these few-op graphs.
        #expect(error <= 1e-6, "\(golden.title): \(name) changed the output by \(error)")
      }
    }
  }

  /// ImageNet nets at 3x64x64 (AlexNet as published at 3x99x99, the smallest size its pools work at, rounded
  /// up so its last pool sees more than one window), CIFAR nets at their 32x32.
  static func reducedInput(_ model: String) -> [Int]? {
    if model == "alexnet_paper" { return [3, 99, 99] }
    let declared = try? ModelLoader.load(path: Zoo.path(model)).input.shape
    return (declared?.height ?? 0) > 32 ? [3, 64, 64] : nil
  }

  /// Bound: the interpreter accumulates every op in Double and rounds its result to f32 once, so a fusion
  /// changes results only by removing f32 roundings of intermediates (each at most 2^-24 ≈ 6e-8 of the
  /// value). These independent errors grow like a random walk through a well-conditioned network and global
  /// average pooling averages them: the zoo measures at most 3.1e-6 (ResNet-101), so 1e-5 holds. A deep
  /// plain net is not well conditioned (He et al.'s degradation problem): plain56 amplifies a rounding-size
  /// perturbation of every op to ~4e-4 of its output, so no reordering of roundings (fusion here, or any
  /// other implementation) agrees with it to 1e-5. Where 1e-5 fails, the change must stay within twice what
  /// such a perturbation does (a wrong fold, offset or operand changes outputs by 1e-2 or more).
  @Test(arguments: Zoo.names)
  func zooModelsKeepTheirMeaning(model: String) throws {
    let options = LoadOptions(batch: 1, input: Self.reducedInput(model))
    let graph = try ModelLoader.load(path: Zoo.path(model), options: options)
    let disagreements = try passDisagreements(graph, seed: 5)
    #expect(!disagreements.isEmpty, "the pipeline changes every zoo model")
    let worst = disagreements.map(\.1).max() ?? 0
    guard worst > 1e-5 else { return }
    let sensitivity = try roundingSensitivity(graph, seed: 5)
    for (pass, error) in disagreements {
      let message = "\(model): \(pass) changed the output by \(error), rounding noise \(sensitivity)"
      #expect(error <= 2 * sensitivity, Comment(rawValue: message))
    }
  }
}
