// `netc summary`: per-layer output shapes, parameters and multiply-accumulates, as a table or JSON.

import NetC

enum Summary: Command {
  static let name = "summary"
  static let abstract = "Print a model's layers with output shapes, parameters and MACs, and the totals"
  static let usage = "netc summary <model> [--json] [--batch N] [--input CxHxW]"
  static let details = """
      <model>               a model in the architecture language (includes are read relative to it)
                            or IR text (a '.nir' file)
      --json                print JSON: name, input, output, params, macs and a layers array
    \(ModelOptions.help)
    """

  static func run(_ arguments: inout Arguments, _ console: Console) throws -> Int32 {
    let model = try ModelOptions.parse(&arguments)
    let json = arguments.flag("--json")
    try arguments.finish()
    let graph = try model.load()
    console.out(json ? jsonText(graph) : table(graph))
    return ExitCode.success
  }

  static func table(_ graph: Graph) -> String {
    let layers = graph.layerSummaries
    let rows = layers.map { [$0.name, $0.op, "\($0.shape)", grouped($0.parameters), grouped($0.multiplyAccumulates)] }
    let total = [
      "total", "", "", grouped(layers.reduce(0) { $0 + $1.parameters }),
      grouped(layers.reduce(0) { $0 + $1.multiplyAccumulates }),
    ]
    let all = [["name", "op", "output", "params", "MACs"]] + rows + [total]
    let widths = (0..<5).map { column in all.map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        let padding = String(repeating: " ", count: widths[column] - cell.count)
        return column >= 3 ? padding + cell : cell + padding
      }.joined(separator: "  ") + "\n"
    }
    let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)) + "\n"
    return "\(graph.name): input \(graph.input.shape), output \(graph.outputShape)\n" + line(all[0]) + rule
      + rows.map(line).joined() + rule + line(total)
  }

  static func jsonText(_ graph: Graph) -> String {
    let layers = graph.layerSummaries
    let rows = layers.map { layer in
      "    {\"name\": \(JSON.quoted(layer.name)), \"op\": \(JSON.quoted(layer.op)), \"shape\": \(list(layer.shape)), "
        + "\"params\": \(layer.parameters), \"macs\": \(layer.multiplyAccumulates)}"
    }
    return """
      {
        "name": \(JSON.quoted(graph.name)),
        "input": \(list(graph.input.shape)),
        "output": \(list(graph.outputShape)),
        "params": \(layers.reduce(0) { $0 + $1.parameters }),
        "macs": \(layers.reduce(0) { $0 + $1.multiplyAccumulates }),
        "layers": [
      \(rows.joined(separator: ",\n"))
        ]
      }

      """
  }

  /// `25,557,032`: digits grouped by thousands, for reading large counts at a glance.
  private static func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    return digits.enumerated().map { index, digit in
      index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : "\(digit)"
    }.joined()
  }

  private static func list(_ shape: Shape) -> String {
    "[" + shape.dims.map(String.init).joined(separator: ", ") + "]"
  }
}
