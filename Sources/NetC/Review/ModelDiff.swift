// `netc diff`: what changed between two models, for architecture review — blocks and ops added, removed or
// changed, shapes, parameters with their element counts, and the totals that decide deployment.
//
//   --- Models/resnet50.net (resnet50)
//   +++ resnet50_deeper.net (resnet50)
//     stage layer3 = bottleneck * 6
//   ~ stage layer3 = bottleneck * 6 → 7
//   +   block layer3.6 = bottleneck(planes=256, …)  (10 ops, 1,117,184 parameters)
//
// One line per change, marked `+` (only in the new model), `-` (only in the old) or `~` (in both, changed),
// inside the stage and block headers that locate it; an added or removed block is one line, not its ops.

public struct ModelDiff: Sendable {
  /// The figures compared at the end of the report.
  public struct Totals: Hashable, Sendable {
    public var ops: Int
    /// Trainable parameters, as papers count them.
    public var parameters: Int
    public var multiplyAccumulates: Int
    /// The activation arena after the default pass pipeline (`netc plan`).
    public var arenaBytes: Int

    public init(_ graph: Graph) throws {
      ops = graph.nodes.count - 1
      parameters = graph.trainableParameterCount
      multiplyAccumulates = graph.multiplyAccumulateCount
      arenaBytes = MemoryPlanner.plan(try Pipeline.default.run(graph)).arenaBytes
    }
  }

  public let old: Graph
  public let new: Graph
  public let oldTotals: Totals
  public let newTotals: Totals
  /// The report's change lines (everything but the file labels and totals), empty when nothing changed.
  public let changes: [String]

  public init(old: Graph, new: Graph) throws {
    self.old = old
    self.new = new
    oldTotals = try Totals(old)
    newTotals = try Totals(new)
    changes = DiffWriter(GraphAlignment(old: old, new: new)).lines()
  }

  public var hasChanges: Bool { !changes.isEmpty }

  /// The whole report; `oldLabel` and `newLabel` name the inputs (usually their paths).
  public func report(oldLabel: String, newLabel: String) -> String {
    var lines = ["--- \(oldLabel) (\(old.name))", "+++ \(newLabel) (\(new.name))", ""]
    lines += changes.isEmpty ? ["  no differences in ops, blocks or parameters"] : changes
    lines.append("")
    lines += totalsTable()
    return lines.joined(separator: "\n") + "\n"
  }

  private func totalsTable() -> [String] {
    let rows: [(String, Int, Int)] = [
      ("ops", oldTotals.ops, newTotals.ops),
      ("parameters", oldTotals.parameters, newTotals.parameters),
      ("multiply-accumulates", oldTotals.multiplyAccumulates, newTotals.multiplyAccumulates),
      ("arena bytes", oldTotals.arenaBytes, newTotals.arenaBytes),
    ]
    let cells = rows.map { [$0.0, grouped($0.1), grouped($0.2), change($0.1, $0.2)] }
    let header = ["totals", "before", "after", "change"]
    let widths = (0..<4).map { column in (cells + [header]).map { $0[column].count }.max()! }
    func row(_ cells: [String]) -> String {
      let label = cells[0].padding(toLength: widths[0], withPad: " ", startingAt: 0)
      let numbers = (1..<4).map { String(repeating: " ", count: widths[$0] - cells[$0].count) + cells[$0] }
      return ("  " + label + "  " + numbers.joined(separator: "  ")).trimmingTrailingSpaces
    }
    return [row(header)] + cells.map(row)
  }

  /// `+18,992,128 (+74.3%)`, or nothing when the figure is unchanged.
  private func change(_ before: Int, _ after: Int) -> String {
    guard before != after else { return "" }
    let delta = after - before
    let sign = delta > 0 ? "+" : "-"
    guard before != 0 else { return sign + grouped(abs(delta)) }
    let tenths = (abs(delta) * 2000 / before + 1) / 2  // of a percent, rounded half up
    return "\(sign)\(grouped(abs(delta))) (\(sign)\(tenths / 10).\(tenths % 10)%)"
  }
}

/// `25,557,032`: digits grouped by three, the same on every machine (no locale).
func grouped(_ value: Int) -> String {
  let digits = Array(String(value.magnitude))
  var result = ""
  for (k, digit) in digits.enumerated() {
    if k > 0 && (digits.count - k) % 3 == 0 { result.append(",") }
    result.append(digit)
  }
  return (value < 0 ? "-" : "") + result
}

extension String {
  var trimmingTrailingSpaces: String {
    var result = self
    while result.last == " " { result.removeLast() }
    return result
  }
}
