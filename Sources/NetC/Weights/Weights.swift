// Named parameter tensors (torchvision `state_dict` names) in a fixed order, and their check against the
// parameters a graph reads.

public struct Weights: Hashable, Sendable {
  /// Tensor names in insertion order, which is the order files are written in.
  public private(set) var names: [String] = []
  private var tensors: [String: Tensor] = [:]

  public init() {}

  /// Tensors in the given order; a repeated name keeps its first position and its last value.
  public init(_ entries: [(name: String, tensor: Tensor)]) {
    for (name, tensor) in entries { self[name] = tensor }
  }

  public var count: Int { names.count }
  public var isEmpty: Bool { names.isEmpty }

  /// Setting a new name appends it; setting nil removes it.
  public subscript(name: String) -> Tensor? {
    get { tensors[name] }
    set {
      switch (tensors[name] != nil, newValue != nil) {
      case (false, true): names.append(name)
      case (true, false): names.removeAll { $0 == name }
      default: break
      }
      tensors[name] = newValue
    }
  }

  /// Name and tensor pairs in order.
  public var entries: [(name: String, tensor: Tensor)] {
    names.map { ($0, tensors[$0]!) }
  }

  /// Checks that these are exactly the graph's parameters with their shapes. Throws one diagnostic per
  /// problem (parameter order first, then unexpected tensors in file order), each starting with `file`:
  /// `w.safetensors: tensor 'fc.weight' has shape [10,512], expected [1000,2048]`.
  public func validate(for graph: Graph, file: String) throws {
    let parameters = graph.parameters
    var problems: [String] = []
    var missing: [String] = []
    for parameter in parameters {
      guard let tensor = tensors[parameter.name] else {
        problems.append("missing tensor '\(parameter.name)' of shape \(parameter.shape.dimsText)")
        missing.append(parameter.name)
        continue
      }
      if tensor.shape != parameter.shape {
        problems.append(
          "tensor '\(parameter.name)' has shape \(tensor.shape.dimsText), expected \(parameter.shape.dimsText)")
      }
    }
    let expected = Set(parameters.map(\.name))
    for name in names where !expected.contains(name) {
      var problem = "tensor '\(name)' is not a parameter of '\(graph.name)'"
      if let match = closestMatch(to: name, in: missing) { problem += "; did you mean '\(match)'?" }
      problems.append(problem)
    }
    if !problems.isEmpty {
      throw DiagnosticError(problems.map { Diagnostic.error("\(file): \($0)") })
    }
  }
}
