// What a training graph's memory goes to: forward activations kept for the backward pass, gradients of
// activations, parameter gradients and the layers' scratch, at the moment most memory is live; `netc plan
// --train` prints it.

/// The arena of a training step broken down by kind of value.
public struct TrainingMemory: Hashable, Sendable {
  /// Bytes of the forward values the backward pass reads (live across the loss).
  public var savedForBackward: Int
  /// Bytes of all parameter gradients, which live until the optimizer reads them.
  public var parameterGradients: Int
  /// Node index at which the most bytes are live, and how many of them are forward values, activation
  /// gradients, parameter gradients and the scratch of the layer running there.
  public var peakNode: Int
  public var peakForward: Int
  public var peakActivationGradients: Int
  public var peakParameterGradients: Int
  public var peakScratch: Int

  /// Computes the breakdown from the graph and its plan; buffers count once however many values share them.
  public init(graph: Graph, plan: MemoryPlan) {
    let loss = graph.indexByName()[graph.output] ?? 0
    let parameterGradients = Set(graph.parameterGradients.map(\.value))
    let backwardStart = loss + 1
    func kind(_ buffer: MemoryPlan.Buffer) -> Int {
      if buffer.values.allSatisfy(MemoryPlan.isScratchName) { return 3 }
      if buffer.values.contains(where: parameterGradients.contains) { return 2 }
      return buffer.firstUse >= backwardStart ? 1 : 0
    }
    savedForBackward = plan.buffers.filter { kind($0) == 0 && $0.lastUse >= backwardStart }.reduce(0) { $0 + $1.bytes }
    self.parameterGradients = plan.buffers.filter { kind($0) == 2 }.reduce(0) { $0 + $1.bytes }
    var best = (node: 0, total: -1, parts: [0, 0, 0, 0])
    for node in graph.nodes.indices {
      var parts = [0, 0, 0, 0]
      for buffer in plan.buffers where buffer.firstUse <= node && node <= buffer.lastUse {
        parts[kind(buffer)] += buffer.bytes
      }
      let total = parts.reduce(0, +)
      if total > best.total { best = (node, total, parts) }
    }
    peakNode = best.node
    (peakForward, peakActivationGradients, peakParameterGradients, peakScratch) =
      (best.parts[0], best.parts[1], best.parts[2], best.parts[3])
  }

  /// Lines for the plan's report.
  public func report(graph: Graph) -> String {
    let name = graph.nodes.indices.contains(peakNode) ? graph.nodes[peakNode].name : "?"
    let peak = peakForward + peakActivationGradients + peakParameterGradients + peakScratch
    let rows = [
      ("saved for backward", savedForBackward, "forward values the backward pass reads"),
      ("parameter grads", parameterGradients, "live until the optimizer step"),
      ("peak", peak, "at node \(peakNode) ('\(name)'):"),
      ("  forward", peakForward, ""),
      ("  activation grads", peakActivationGradients, ""),
      ("  parameter grads", peakParameterGradients, ""),
      ("  layer scratch", peakScratch, ""),
    ]
    let width = rows.map { "\($0.1)".count }.max() ?? 0
    return "training memory\n"
      + rows.map { label, bytes, note in
        label.padding(toLength: 20, withPad: " ", startingAt: 0)
          + String(repeating: " ", count: width - "\(bytes)".count) + "\(bytes) bytes"
          + (note.isEmpty ? "" : "  " + note) + "\n"
      }.joined()
  }
}
