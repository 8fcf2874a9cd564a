// An independent check of a memory plan, written apart from the planner: it recomputes liveness from the
// graph and tests every pair of values, so a planner bug cannot hide behind shared code.

@testable import NetC

/// Every problem with `plan` for `graph`, empty when the plan is sound: each value in exactly one buffer,
/// big enough, aligned, inside the arena; values live at the same time in disjoint bytes unless one is
/// written in place over the other by an op allowed to do so; scratch buffers only during their op.
func planProblems(_ plan: MemoryPlan, for graph: Graph, scratch: [String: Int] = [:]) -> [String] {
  var problems: [String] = []
  let order = Dictionary(uniqueKeysWithValues: graph.nodes.enumerated().map { ($1.name, $0) })
  // Liveness from scratch: defined at its node, dead after its last reader; the output lives to the end.
  var span: [String: (first: Int, last: Int)] = [:]
  for (index, node) in graph.nodes.enumerated() {
    span[node.name] = (index, index)
    for input in node.inputs { span[input]!.last = index }
  }
  span[graph.output]!.last = graph.nodes.count - 1
  // A training graph's parameter gradients are read by the optimizer after the last node.
  for node in graph.nodes {
    if case .train(let op) = node.op, op.gradientOf != nil { span[node.name]!.last = graph.nodes.count - 1 }
  }
  var bytes: [String: Int] = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.name, $0.shape.byteCount) })
  for (name, size) in scratch where size > 0 {
    let key = MemoryPlan.scratchName(of: name)
    span[key] = (order[name]!, order[name]!)
    bytes[key] = size
  }
  var home: [String: MemoryPlan.Buffer] = [:]
  for buffer in plan.buffers {
    if buffer.offset % 64 != 0 { problems.append("\(buffer.values): offset \(buffer.offset) is not 64-byte aligned") }
    if buffer.offset < 0 || buffer.offset + buffer.bytes > plan.arenaBytes {
      problems.append("\(buffer.values): bytes \(buffer.offset)..<\(buffer.offset + buffer.bytes) outside the arena")
    }
    for value in buffer.values {
      if home[value] != nil { problems.append("\(value) is in two buffers") }
      home[value] = buffer
      guard let size = bytes[value] else {
        problems.append("\(value) is not a value of the graph")
        continue
      }
      if size > buffer.bytes { problems.append("\(value): \(size) bytes in a buffer of \(buffer.bytes)") }
    }
    let chain = buffer.values.sorted { (order[$0] ?? -1) < (order[$1] ?? -1) }
    if chain != buffer.values { problems.append("\(buffer.values) are not listed in program order") }
    for (earlier, later) in zip(chain, chain.dropFirst()) {
      if let problem = inPlaceProblem(earlier, later, graph, order, span) { problems.append(problem) }
    }
  }
  for name in bytes.keys where home[name] == nil { problems.append("\(name) has no buffer") }
  let names = bytes.keys.sorted()
  for (i, a) in names.enumerated() {
    for b in names[(i + 1)...] {
      guard let homeA = home[a], let homeB = home[b], homeA != homeB else { continue }
      let (spanA, spanB) = (span[a]!, span[b]!)
      let liveTogether = spanA.first <= spanB.last && spanB.first <= spanA.last
      let disjoint = homeA.offset + bytes[a]! <= homeB.offset || homeB.offset + bytes[b]! <= homeA.offset
      if liveTogether && !disjoint { problems.append("\(a) and \(b) are live together in overlapping bytes") }
    }
  }
  return problems
}

/// Why `later` (defined after `earlier`) may not overwrite it, or nil when it may: `later` is an unfused
/// relu, batch norm or dropout of `earlier`, a conv accumulating into its identity residual `earlier` (not
/// also its input), or an elementwise training op over its first operand `earlier`, and `earlier` is not read
/// after `later` is written, nor returned.
private func inPlaceProblem(
  _ earlier: String, _ later: String, _ graph: Graph, _ order: [String: Int], _ span: [String: (first: Int, last: Int)]
) -> String? {
  guard let index = order[later], order[earlier] != nil else {
    return "\(earlier) and \(later) share storage but are not both values of the graph"
  }
  let node = graph.nodes[index]
  let allowed: Bool
  switch node.op {
  case .relu, .batchNorm, .dropout:
    allowed = node.inputs == [earlier]
  case .train(let op):
    // Training ops that compute each element from the same element of their first operand.
    let elementwise = [
      "batchnorm_train", "batchnorm_recompute", "dropout_train", "relu_grad", "dropout_grad",
      "batchnorm_grad_input", "flatten_grad", "softmax_grad", "accumulate",
    ]
    allowed = elementwise.contains(op.mnemonic) && node.inputs.first == earlier
      && node.inputs.filter { $0 == earlier }.count == 1
  case .conv(let conv):
    allowed = conv.epilogue.residual == .identity && node.inputs.count == 2 && node.inputs[1] == earlier
      && node.inputs[0] != earlier
  default:
    allowed = false
  }
  if !allowed { return "\(later) (\(node.op.mnemonic)) may not write over \(earlier)" }
  if span[earlier]!.last != index || earlier == graph.output {
    return "\(later) overwrites \(earlier), which is still needed"
  }
  return nil
}
