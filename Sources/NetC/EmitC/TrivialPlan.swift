// A stand-in memory plan until the planner lands on main (delete this file then): every value its own
// aligned buffer, except the input and output, which the caller owns.

extension MemoryPlan {
  static func separateBuffers(for graph: Graph) -> MemoryPlan {
    var buffers: [Buffer] = []
    var offset = 0
    let users = graph.users()
    for (i, node) in graph.nodes.enumerated() where i > 0 && node.name != graph.output {
      let bytes = (node.shape.byteCount + alignment - 1) / alignment * alignment
      let lastUse = users[node.name]?.max() ?? i
      buffers.append(Buffer(values: [node.name], offset: offset, bytes: bytes, firstUse: i, lastUse: lastUse))
      offset += bytes
    }
    return MemoryPlan(buffers: buffers, arenaBytes: offset, naiveBytes: offset, lowerBoundBytes: offset)
  }
}
