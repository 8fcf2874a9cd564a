// The memory plan: where every activation lives in the one arena the generated C receives from its caller.
// The planner (liveness, in-place reuse, greedy-by-size placement) fills it; the C back end and
// `netc plan` read it.

public struct MemoryPlan: Hashable, Sendable {
  /// One activation buffer: a value (or several values sharing storage in place) at an arena offset.
  public struct Buffer: Hashable, Sendable {
    /// The values stored here, in program order; more than one when an op writes in place over its input.
    public var values: [String]
    /// Byte offset in the arena, a multiple of `MemoryPlan.alignment`.
    public var offset: Int
    public var bytes: Int
    /// Node indices of the first definition and the last use (inclusive); the graph output lives to the end.
    public var firstUse: Int
    public var lastUse: Int

    public init(values: [String], offset: Int, bytes: Int, firstUse: Int, lastUse: Int) {
      self.values = values
      self.offset = offset
      self.bytes = bytes
      self.firstUse = firstUse
      self.lastUse = lastUse
    }
  }

  /// Offsets are multiples of a cache line, so vector loads of any buffer start aligned.
  public static let alignment = 64

  public var buffers: [Buffer]
  /// The arena size the generated C reports and uses.
  public var arenaBytes: Int
  /// Every activation in its own buffer.
  public var naiveBytes: Int
  /// The largest sum of bytes live at one time: no placement can use less.
  public var lowerBoundBytes: Int

  public init(buffers: [Buffer], arenaBytes: Int, naiveBytes: Int, lowerBoundBytes: Int) {
    self.buffers = buffers
    self.arenaBytes = arenaBytes
    self.naiveBytes = naiveBytes
    self.lowerBoundBytes = lowerBoundBytes
  }

  /// Arena offset of a value's storage.
  public func offset(of value: String) -> Int? {
    buffers.first { $0.values.contains(value) }?.offset
  }
}
