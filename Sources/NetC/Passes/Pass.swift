// What a pass is: a named graph-to-graph rewrite that reports what it did, so dumps, goldens and the
// `netc passes` listing all describe the same small values.

/// How many rewrites of each kind a pass made, in a fixed order: `folded=3` or `dead=1 identities=2`.
public struct PassStatistics: Hashable, Sendable, CustomStringConvertible {
  public struct Count: Hashable, Sendable {
    public var name: String
    public var value: Int

    public init(_ name: String, _ value: Int) {
      self.name = name
      self.value = value
    }
  }

  public var counts: [Count]

  public init(_ counts: [Count]) { self.counts = counts }

  /// Whether the pass changed nothing.
  public var isEmpty: Bool { counts.allSatisfy { $0.value == 0 } }

  public var description: String { counts.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
}

/// One rewrite of the IR. Each pass keeps every value name it does not remove, so dumps before and after
/// a pass diff line by line; a fused op keeps the name of the op it was fused into.
public struct Pass: Sendable {
  /// Kebab-case, as the command line spells it (`fold-bn`).
  public let name: String
  /// One line for `netc passes`.
  public let summary: String
  private let rewrite: @Sendable (Graph) -> (Graph, PassStatistics)

  public init(name: String, summary: String, rewrite: @escaping @Sendable (Graph) -> (Graph, PassStatistics)) {
    self.name = name
    self.summary = summary
    self.rewrite = rewrite
  }

  /// The rewritten graph and the counts of what changed. Expects a graph that passes the `Verifier`.
  public func run(_ graph: Graph) -> (graph: Graph, statistics: PassStatistics) {
    rewrite(graph)
  }
}
