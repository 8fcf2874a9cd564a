// `netc run`: a model on an input tensor, as compiled C (built once into netc's cache) or in the interpreter.

import Foundation
import NetC

enum Run: Command {
  static let name = "run"
  static let abstract = "Run a model on a .npy input with safetensors weights, as compiled C or interpreted"
  static let usage =
    "netc run <model> --weights w.safetensors --input x.npy --output y.npy [--threads N] [--interpret] "
    + "[-O0 | --passes a,b,c]"
  static let details = """
      <model>               a .net model or .nir IR text
      --weights FILE        the weights: safetensors with torchvision state_dict names, float32
      --input FILE          the input, float32 [N, C, H, W] in .npy; N and HxW set the compiled batch and size
      --output FILE         where to write the output (.npy)
      --threads N           threads the compiled C runs on (default: 1); the output is the same for any N
      --interpret           run the reference interpreter instead of compiled C, on the graph after the
                            same passes (with -O0: the front end's graph)
    \(PipelineOptions.help)

    Compiled C is built with clang and kept in a cache directory keyed by a hash of the C, so running the
    same model again does not rebuild it.
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let path = try arguments.positional("model file")
    guard let weights = try arguments.option("--weights") else { throw UsageError("missing '--weights FILE'") }
    guard let inputPath = try arguments.option("--input") else { throw UsageError("missing '--input FILE'") }
    guard let outputPath = try arguments.option("--output") else { throw UsageError("missing '--output FILE'") }
    let threads = try arguments.intOption("--threads", in: 1...1024) ?? 1
    let interpret = arguments.flag("--interpret")
    let pipeline = try PipelineOptions.parse(&arguments, allowDumps: false)
    try arguments.finish()

    let input = try NPY.read(inputPath)
    let graph = try loadGraph(path, for: input, file: inputPath)
    // Both run the graph after the same passes, so interpreting with and without one bisects it.
    let optimized = try pipeline.run(graph) { _ in }
    let output: Tensor
    if interpret {
      output = try Interpreter(graph: optimized, weights: try SafeTensors.readWeights(weights, for: graph)).run(input)
    } else {
      let program = try CEmitter(graph: optimized).emit()
      let executable = try ModelBuilder(compiler: try CCompiler.find()).executable(for: program)
      output = try ModelRunner.run(
        executable, weights: weights, input: input, outputShape: optimized.outputShape, threads: threads)
    }
    try NPY.write(output, to: outputPath)
    return ExitCode.success
  }

  /// The model compiled for the input's batch and size; its channels must be the network's.
  private static func loadGraph(_ path: String, for input: Tensor, file: String) throws -> Graph {
    let dims = input.shape.dims
    guard dims.count == 4 else {
      throw DiagnosticError(.error("\(file): the input must be [N, C, H, W], got shape \(input.shape.dimsText)"))
    }
    let declared = try ModelOptions(path: path).load().input.shape
    guard dims[1] == declared.channels else {
      throw DiagnosticError(
        .error("\(file): the input has \(dims[1]) channels, but the network takes \(declared.channels)"))
    }
    return try ModelOptions(path: path, batch: dims[0], input: Array(dims[1...])).load()
  }
}
