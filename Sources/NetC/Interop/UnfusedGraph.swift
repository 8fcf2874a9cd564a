// Exporters write the network as its author wrote it (one framework op per IR op), so they take the graph
// before the pass pipeline fuses ops; this check names the first fused op of an optimized IR file.

extension Graph {
  /// Throws when a pass has fused ops together (conv epilogues, option A adds, add or linear with ReLU).
  public func requireUnfused(for purpose: String) throws {
    for node in nodes {
      let fused: Bool
      switch node.op {
      case .conv(let conv): fused = !conv.epilogue.isEmpty || node.inputs.count != 1
      case .add(let add): fused = add.shortcut != .identity || add.relu
      case .linear(let linear): fused = linear.relu
      case .train(let op):
        throw DiagnosticError(
          .error("\(purpose) takes a network, not a training graph; '\(node.name)' is a training op ('\(op.mnemonic)')"))
      default: fused = false
      }
      if fused {
        let hint = "use the .net file or 'netc dump -O0'"
        throw DiagnosticError(.error("\(purpose) needs the IR before passes; '\(node.name)' has fused ops (\(hint))"))
      }
    }
  }
}
