// `netc plan`: where every activation of a compiled model lives in the arena, and how much memory that takes.

import Foundation
import NetC

enum Plan: Command {
  static let name = "plan"
  static let abstract = "Show the memory plan of a model: buffers, offsets, live ranges and totals"
  static let usage = """
    netc plan <model> [--batch N] [--input CxHxW] [--json] [--svg out.svg] [-O0 | --passes a,b,c] [--skip PASS] \
    [--train]
    """
  static let details = """
    Plans the activations of the model after the pass pipeline, in one 64-byte-aligned arena (the graph
    input and output live there too, and so does the scratch memory a layer of the generated C works in,
    listed as '<layer>#scratch'): the plan of the compiled C. Prints a table of buffers (offset, bytes, live
    node range, values) and three totals: naive (every activation its own buffer), lower bound (most bytes
    live at once) and the arena.

      <model>               a model in the architecture language or IR text (a '.nir' file)
    \(ModelOptions.help)
      --json                print the plan as JSON instead of the table
      --svg FILE            also draw the buffers over time and offset as an SVG file
    \(PipelineOptions.help)
      --train               plan the training graph (forward in training mode, loss, backward; no passes)
                            as the generated training step does: activations saved for the backward pass,
                            activation gradients, parameter gradients and the layers' scratch share the arena
                            by liveness; the table ends with what the memory goes to at the peak
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    let json = arguments.flag("--json")
    let svgPath = try arguments.option("--svg")
    let train = arguments.flag("--train")
    let pipeline = try PipelineOptions.parse(&arguments, allowDumps: false)
    try arguments.finish()
    if train { try pipeline.requireNoPasses("plans") }
    let loaded = try model.load()
    let graph = train ? try TrainingGraph.build(loaded) : try pipeline.run(loaded) { _ in }
    let plan = train ? TrainingCEmitter.plan(forTraining: graph) : CEmitter.plan(for: graph)
    if json {
      console.out(plan.json(model: graph.name))
    } else {
      console.out(plan.table + (train ? "\n" + TrainingMemory(graph: graph, plan: plan).report(graph: graph) : ""))
    }
    if let svgPath {
      let svg = plan.svg(model: graph.name, steps: graph.nodes.count)
      guard FileManager.default.createFile(atPath: svgPath, contents: Data(svg.utf8)) else {
        throw DiagnosticError(.error("\(svgPath): cannot write the file"))
      }
    }
    return ExitCode.success
  }
}
