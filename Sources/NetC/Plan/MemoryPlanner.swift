// The memory planner: every activation of a scheduled graph gets an offset in one arena, reusing storage
// of values that are dead, and writing in place where an op may overwrite an operand that dies there.

public enum MemoryPlanner {
  /// Plans the graph's activations in program order. The graph input and output are activations like any
  /// other: they live in the arena (the caller writes the input there and reads the output from there), the
  /// input only until its last reader, which may overwrite it in place; the output until the end.
  ///
  /// `scratch` asks for per-op working memory (bytes by op name), live only while that op runs; the plan
  /// lists it under `MemoryPlan.scratchName(of:)`.
  ///
  /// Placement is greedy by size: the largest buffer first (ties: earlier definition, then program order),
  /// each at the lowest aligned offset where it overlaps no placed buffer that is live at the same time.
  /// `lowerBoundBytes` is the most bytes live at one node, counting storage shared in place once and each
  /// buffer in whole 64-byte lines (the next buffer must start aligned): no placement can do better.
  public static func plan(_ graph: Graph, scratch: [String: Int] = [:]) -> MemoryPlan {
    let scratchGroups = scratchGroups(graph, scratch: scratch)
    let groups = storageGroups(graph) + scratchGroups
    var offsets = [Int](repeating: 0, count: groups.count)
    var placed: [Int] = []
    let order = groups.indices.sorted { a, b in
      (-groups[a].bytes, groups[a].firstUse, a) < (-groups[b].bytes, groups[b].firstUse, b)
    }
    for index in order {
      offsets[index] = lowestFreeOffset(for: groups[index], among: placed.map { (groups[$0], offsets[$0]) })
      placed.append(index)
    }
    let buffers = groups.indices.map { index in
      MemoryPlan.Buffer(
        values: groups[index].values, offset: offsets[index], bytes: groups[index].bytes,
        firstUse: groups[index].firstUse, lastUse: groups[index].lastUse)
    }
    let naive =
      graph.nodes.reduce(0) { $0 + alignedSize($1.shape.byteCount) }
      + scratchGroups.reduce(0) { $0 + $1.bytes }
    return MemoryPlan(
      buffers: buffers, arenaBytes: buffers.map { $0.offset + $0.bytes }.max() ?? 0, naiveBytes: naive,
      lowerBoundBytes: lowerBound(groups, steps: graph.nodes.count))
  }

  /// The first aligned offset where `group` fits between the placed buffers live at the same time.
  private static func lowestFreeOffset(for group: StorageGroup, among placed: [(StorageGroup, Int)]) -> Int {
    let conflicts = placed.filter { $0.0.overlapsInTime(group) }.map { (start: $0.1, end: $0.1 + $0.0.bytes) }
    var offset = 0
    for conflict in conflicts.sorted(by: { $0.start < $1.start }) {
      if offset + group.bytes <= conflict.start { break }
      offset = max(offset, conflict.end)
    }
    return offset
  }

  private static func lowerBound(_ groups: [StorageGroup], steps: Int) -> Int {
    var live = [Int](repeating: 0, count: steps + 1)
    for group in groups {
      live[group.firstUse] += group.bytes
      live[group.lastUse + 1] -= group.bytes
    }
    var current = 0
    var peak = 0
    for delta in live {
      current += delta
      peak = max(peak, current)
    }
    return peak
  }
}
