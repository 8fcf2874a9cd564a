// Passes preserve meaning: the reference interpreter gives the same output before and after every pass of
// the default pipeline, with random weights whose batch-norm statistics are far from the identity so that
// folding is really exercised.

import Foundation
import Testing

@testable import NetC

/// Random parameters for `graph`: He-scaled conv and linear weights (so activations keep their scale through
/// deep nets), nonzero biases, and batch norms with γ in [0.5, 1.5), β, running mean in [-0.5, 0.5) and
/// running variance in [0.5, 2) per channel.
func randomWeights(for graph: Graph, seed: UInt64) -> Weights {
  Weights(
    graph.parameters.map { parameter in
      var random = RandomSource(seed: seed, stream: parameter.name)
      let fanIn = parameter.shape.dims.dropFirst().reduce(1, *)
      let value: () -> Double =
        switch parameter.role {
        case .weight: { random.normal() * (2 / Double(fanIn)).squareRoot() }
        case .bias, .bnBias: { random.normal() * 0.1 }
        case .bnWeight: { random.uniform(0.5, 1.5) }
        case .runningMean: { random.uniform(-0.5, 0.5) }
        case .runningVar: { random.uniform(0.5, 2) }
        }
      let scalars = (0..<parameter.shape.elementCount).map { _ in Float(value()) }
      return (parameter.name, Tensor(shape: parameter.shape, scalars: scalars))
    })
}

/// The largest relative disagreement (max |after − before| / max |before|) between the graph's output and
/// the output after each pass of `pipeline` that changed the graph, with the pass's name.
func passDisagreements(_ graph: Graph, pipeline: Pipeline = .default, seed: UInt64) throws -> [(String, Double)] {
  let weights = randomWeights(for: graph, seed: seed)
  let input = Tensor(randomNormal: graph.input.shape, seed: seed)
  let reference = try Interpreter(graph: graph, weights: weights).run(input)
  var results: [(String, Double)] = []
  var current = graph
  for pass in pipeline.passes {
    let next = try Pipeline([pass]).run(current)
    defer { current = next }
    guard next != current else { continue }
    // A pass may remove parameters (dead code), never add any: the interpreter gets exactly the survivors.
    let kept = Weights(next.parameters.map { ($0.name, weights[$0.name] ?? Tensor(zeros: $0.shape)) })
    let output = try Interpreter(graph: next, weights: kept).run(input)
    results.append((pass.name, relativeError(output.scalars, reference.scalars)))
  }
  return results
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
}
