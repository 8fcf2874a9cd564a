// The change lines of `netc diff`: walks the aligned ops in program order, opening the stage and block headers
// that locate each change, and reports an added or removed scope as one line with its size.

struct DiffWriter {
  private let alignment: GraphAlignment
  private let oldShapes: [String: Shape]
  private let newShapes: [String: Shape]
  private var output: [String] = []
  /// Scope headers currently open in the output, outermost first.
  private var open: [String] = []
  private var visited: Set<String> = []

  init(_ alignment: GraphAlignment) {
    self.alignment = alignment
    oldShapes = Dictionary(alignment.old.nodes.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
    newShapes = Dictionary(alignment.new.nodes.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
  }

  func lines() -> [String] {
    var writer = self
    for node in alignment.nodes { writer.visit(node) }
    let (old, new) = (alignment.old, alignment.new)
    if alignment.operand(old.output, inOld: true) != alignment.operand(new.output, inOld: false) {
      writer.openScopes([])
      writer.emit("~", "return %\(old.output) → %\(new.output)")
    }
    return writer.output
  }

  private enum Status { case same, changed, added, removed }

  private func status(_ path: String) -> Status {
    switch (alignment.oldScopes[path], alignment.newScopes[path]) {
    case (let old?, let new?): old.header == new.header ? .same : .changed
    case (nil, _?): .added
    default: .removed
    }
  }

  private mutating func visit(_ node: AlignedNode) {
    let chain = alignment.chain((node.new ?? node.old)!.scope)
    if node.old == nil || node.new == nil,
      let k = chain.firstIndex(where: { [.added, .removed].contains(status($0)) })
    {
      // The whole scope is new or gone: one line for it, at its first op.
      if !visited.contains(chain[k]) {
        visited.formUnion(chain[...k])
        openScopes(Array(chain[..<k]))
        emit(status(chain[k]) == .added ? "+" : "-", scopeSummary(chain[k]))
      }
      return
    }
    for (k, path) in chain.enumerated() where !visited.contains(path) {
      visited.insert(path)
      if status(path) != .same { openScopes(Array(chain[...k])) }
    }
    let changes = nodeChanges(node)
    if !changes.isEmpty {
      openScopes(chain)
      for (marker, text) in changes { emit(marker, text) }
    }
  }

  private mutating func emit(_ marker: String, _ text: String) {
    output.append(marker + " " + String(repeating: "  ", count: open.count) + text)
  }

  /// Makes `chain` the open headers, printing the ones not yet printed.
  private mutating func openScopes(_ chain: [String]) {
    var shared = 0
    while shared < open.count && shared < chain.count && open[shared] == chain[shared] { shared += 1 }
    open.removeLast(open.count - shared)
    for path in chain[shared...] {
      switch status(path) {
      case .same: emit(" ", alignment.newScopes[path]!.header)
      case .changed: emit("~", headerChange(alignment.oldScopes[path]!, alignment.newScopes[path]!))
      case .added: emit("+", alignment.newScopes[path]!.header)
      case .removed: emit("-", alignment.oldScopes[path]!.header)
      }
      open.append(path)
    }
  }

  /// `block layer3.6 = bottleneck(planes=256, …)  (10 ops, 1,117,184 parameters)`.
  private func scopeSummary(_ path: String) -> String {
    let inNew = alignment.newScopes[path] != nil
    let graph = inNew ? alignment.new : alignment.old
    let shapes = inNew ? newShapes : oldShapes
    let members = graph.nodes.filter { alignment.chain($0.scope).contains(path) }
    let parameters = members.flatMap { $0.parameters(inputShapes: $0.inputs.map { shapes[$0]! }) }
    let count = parameters.filter(\.isTrainable).reduce(0) { $0 + $1.shape.elementCount }
    let header = (alignment.newScopes[path] ?? alignment.oldScopes[path])!.header
    return "\(header)  (\(members.count) ops, \(grouped(count)) parameters)"
  }

  /// `stage layer3 = bottleneck * 6 → 23`, `block layer1.0 = bottleneck(planes=64, groups=1 → 32, …)`.
  private func headerChange(_ old: Scope, _ new: Scope) -> String {
    guard old.kind == new.kind, old.template == new.template, old.kind != .sequential else {
      return "\(old.header) → \(new.header)"
    }
    if old.kind == .stage {
      let count = { (scope: Scope) in scope.arguments.first { $0.name == "count" }?.value ?? "?" }
      return "stage \(new.path) = \(new.template ?? "?") * \(count(old)) → \(count(new))"
    }
    let arguments = AttributeChange.merge(
      old.arguments.map { ($0.name, $0.value) }, new.arguments.map { ($0.name, $0.value) }, unchanged: true)
    return "block \(new.path) = \(new.template ?? "?")(\(arguments.joined(separator: ", ")))"
  }

  /// The lines for one op: the op itself when only one graph has it, else what changed; then its parameters.
  private func nodeChanges(_ node: AlignedNode) -> [(String, String)] {
    let oldParameters = node.old.map { $0.parameters(inputShapes: $0.inputs.map { oldShapes[$0]! }) } ?? []
    let newParameters = node.new.map { $0.parameters(inputShapes: $0.inputs.map { newShapes[$0]! }) } ?? []
    let parameters = ParameterChange.lines(old: oldParameters, new: newParameters)
    guard let old = node.old, let new = node.new else {
      return [(node.old == nil ? "+" : "-", (node.new ?? node.old)!.text)] + parameters
    }
    var changes: [String] = []
    if old.op.mnemonic != new.op.mnemonic { changes.append("\(old.op.mnemonic) → \(new.op.mnemonic)") }
    let attributes = AttributeChange.merge(
      old.op.attributeText.map(AttributeChange.split), new.op.attributeText.map(AttributeChange.split),
      unchanged: false)
    changes += attributes
    let oldOperands = old.inputs.map { alignment.operand($0, inOld: true) }
    let newOperands = new.inputs.map { alignment.operand($0, inOld: false) }
    if oldOperands != newOperands {
      let spell = { (names: [String]) in "(" + names.map { "%" + $0 }.joined(separator: ", ") + ")" }
      changes.append("operands \(spell(old.inputs)) → \(spell(new.inputs))")
    }
    if old.shape != new.shape { changes.append("\(old.shape) → \(new.shape)") }
    if old.scope != new.scope { changes.append("moved from '\(old.scope)' to '\(new.scope)'") }
    let oldInputShapes = old.inputs.map { oldShapes[$0]! }
    let newInputShapes = new.inputs.map { newShapes[$0]! }
    if changes.isEmpty && oldInputShapes != newInputShapes {
      // Nothing of its own changed, but what it reads did, and with it the parameters' shapes.
      let spell = { (shapes: [Shape]) in shapes.map(\.description).joined(separator: ", ") }
      changes.append("reads \(spell(oldInputShapes)) → \(spell(newInputShapes))")
    }
    guard !changes.isEmpty || !parameters.isEmpty else { return [] }
    let summary = changes.isEmpty ? "" : ": " + changes.joined(separator: "; ")
    return [("~", "%\(new.name) = \(new.op.mnemonic)\(summary)")] + parameters
  }
}
