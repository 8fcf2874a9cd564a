// `netc init-weights`: a fresh, seeded set of weights for a model, as safetensors with torchvision's names.

import NetC

enum InitWeights: Command {
  static let name = "init-weights"
  static let abstract = "Write seeded initial weights for a model as safetensors, with torchvision's names"
  static let usage =
    "netc init-weights <model> -o <weights.safetensors> [--seed N] [--randomize-bn] [--batch N] [--input CxHxW]"
  static let details = """
      <model>               a model in the architecture language or IR text (a '.nir' file)
      -o FILE               the safetensors file to write (F32 tensors in parameter order)
      --seed N              seed of the generator (default 0): the same seed gives the same bytes
      --randomize-bn        random batch-norm scales and shifts, with running statistics calibrated on a
                            seeded input of the model's input size (batch included), instead of identity
                            batch norms
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    // Options first, so the output path is never taken for the model.
    guard let output = try arguments.option("-o") else { throw UsageError("missing output file '-o FILE'") }
    let seed = try arguments.intOption("--seed", in: 0...Int.max) ?? 0
    let randomizeBatchNorm = arguments.flag("--randomize-bn")
    let model = try ModelOptions.parse(&arguments)
    try arguments.finish()
    let graph = try model.load()
    let initializer = WeightInitializer(seed: UInt64(seed), randomizeBatchNorm: randomizeBatchNorm)
    let weights = try initializer.weights(for: graph)
    var metadata = initializer.metadata
    metadata["netc.model"] = graph.name
    metadata["netc.input"] = graph.input.shape.dims.map(String.init).joined(separator: "x")
    try SafeTensors(weights: weights, metadata: metadata).write(to: output)
    let values = weights.entries.reduce(0) { $0 + $1.tensor.scalars.count }
    console.out("\(output): \(weights.count) tensors, \(values) values for '\(graph.name)'\n")
    return ExitCode.success
  }
}
