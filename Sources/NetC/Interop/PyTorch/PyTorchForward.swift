// The body of a generated `forward`: one statement per op or submodule call, in program order, with a few
// reused variable names (`x`, `y`, …) so a chain reads `x = self.conv1(x)` and a residual block
// keeps its input in `x` while the branch computes in `y`.

/// One statement of a `forward`: the values it reads and defines, and its right-hand side.
struct ForwardStep {
  var inputs: [String]
  var outputs: [String]
  /// The expression, given the variables holding `inputs`.
  var expression: ([String]) -> String
}

enum ForwardWriter {
  /// The lines of `def forward(…)` and its body (indented by four and eight spaces) for a module whose
  /// inputs and outputs are `boundary`'s.
  static func lines(_ steps: [ForwardStep], boundary: Boundary) -> [String] {
    var lastUse: [String: Int] = [:]
    for (k, step) in steps.enumerated() {
      for input in step.inputs { lastUse[input] = k }
    }
    for output in boundary.outputs { lastUse[output] = Int.max }
    var variables = Variables()
    let parameters = boundary.inputs.map { variables.take(for: $0, reusing: nil) }
    var body: [String] = []
    for (k, step) in steps.enumerated() {
      let operands = step.inputs.map { variables.name(of: $0) }
      var dying: [String] = []
      for input in step.inputs where lastUse[input] == k && !dying.contains(input) { dying.append(input) }
      let freed = dying.map { variables.release($0) }
      // The result takes its first operand's variable when that operand dies here: `x = self.bn1(x)`.
      let reusable = step.inputs.first.flatMap { first in dying.firstIndex(of: first).map { freed[$0] } }
      let results = step.outputs.enumerated().map { index, value in
        variables.take(for: value, reusing: index == 0 ? reusable : nil)
      }
      for (value, _) in zip(step.outputs, results) where lastUse[value] == nil { variables.discard(value) }
      let target = results.isEmpty ? "" : results.joined(separator: ", ") + " = "
      body.append(target + step.expression(operands))
    }
    let returned = boundary.outputs.map { variables.name(of: $0) }
    let annotation: String
    switch returned.count {
    case 0: annotation = "None"
    case 1: annotation = "Tensor"
    default: annotation = "tuple[" + Array(repeating: "Tensor", count: returned.count).joined(separator: ", ") + "]"
    }
    let signature = (["self"] + parameters.map { "\($0): Tensor" }).joined(separator: ", ")
    body.append(returned.isEmpty ? "return None" : "return " + returned.joined(separator: ", "))
    return ["    def forward(\(signature)) -> \(annotation):"] + body.map { "        " + $0 }
  }
}

/// Which variable holds which value; freed names are reused, lowest first.
private struct Variables {
  private var holding: [String: String] = [:]
  private var inUse: Set<String> = []

  static func candidate(_ k: Int) -> String { k < 3 ? ["x", "y", "z"][k] : "x\(k)" }

  func name(of value: String) -> String { holding[value]! }

  /// Frees the variable of a value read for the last time; returns it.
  mutating func release(_ value: String) -> String {
    let name = holding[value]!
    inUse.remove(name)
    return name
  }

  mutating func take(for value: String, reusing preferred: String?) -> String {
    var name = preferred ?? ""
    if name.isEmpty || inUse.contains(name) {
      var k = 0
      while inUse.contains(Self.candidate(k)) { k += 1 }
      name = Self.candidate(k)
    }
    inUse.insert(name)
    holding[value] = name
    return name
  }

  /// Frees the variable of a value nothing reads.
  mutating func discard(_ value: String) { _ = release(value) }
}
