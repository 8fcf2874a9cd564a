// `netc export onnx`: the model and its weights as an ONNX file, for runtimes and tools that read ONNX.

import NetC

enum Export: Command {
  static let name = "export"
  static let abstract = "Write the model with its weights in another format: 'export onnx' writes an ONNX file"
  static let usage = "netc export onnx <model> --weights w.safetensors -o model.onnx [--batch N] [--input CxHxW]"
  static let details = """
    Writes the network before passes (opset 17, batch norms as BatchNormalization: runtimes fold them)
    with static shapes, the weights as initializers named after the parameters.

      onnx                  the only format
      <model>               a .net file or IR text before passes (.nir)
      --weights FILE        the weights (safetensors, torchvision names), checked against the model
      -o FILE               the ONNX file to write
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    // Options first, so neither file is taken for the model.
    guard let weightsPath = try arguments.option("--weights") else { throw UsageError("missing '--weights FILE'") }
    guard let output = try arguments.option("-o") else { throw UsageError("missing output file '-o FILE'") }
    let format = try arguments.positional("format ('onnx')")
    guard format == "onnx" else {
      throw UsageError("unknown format '\(format)'\(suggestion(format, ["onnx"])); the format is 'onnx'")
    }
    let model = try ModelOptions.parse(&arguments)
    try arguments.finish()
    let graph = try model.load()
    let weights = try SafeTensors.readWeights(weightsPath, for: graph)
    try console.write(try ONNXExporter.export(graph, weights: weights), to: output)
    return ExitCode.success
  }
}
