// `netc emit pytorch`: the model as a readable PyTorch nn.Module with netc's parameter names, for training at
// scale in PyTorch and deploying the weights with netc.

import NetC

enum Emit: Command {
  static let name = "emit"
  static let abstract = "Write the model as source for another framework: 'emit pytorch' writes an nn.Module"
  static let usage = "netc emit pytorch <model> [-o model.py] [--batch N] [--input CxHxW]"
  static let details = """
      pytorch               the only target: a PyTorch nn.Module whose state_dict names and shapes are netc's
                            (torchvision's for torchvision's models); load netc weights with
                            model.load_state_dict(safetensors.torch.load_file(path)), save PyTorch weights for
                            netc with safetensors.torch.save_file(model.state_dict(), path)
      <model>               a .net file or IR text before passes (.nir, e.g. from 'netc dump -O0')
      -o FILE               write the Python file here (default: standard output)
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    // Options first, so the output path is never taken for the model.
    let output = try arguments.option("-o")
    let target = try arguments.positional("target ('pytorch')")
    guard target == "pytorch" else {
      throw UsageError("unknown target '\(target)'\(suggestion(target, ["pytorch"])); the target is 'pytorch'")
    }
    let model = try ModelOptions.parse(&arguments)
    try arguments.finish()
    try console.write(try PyTorchEmitter.emit(try model.load()), to: output)
    return ExitCode.success
  }
}
