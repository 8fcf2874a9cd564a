// One generated class per distinct block body: the numbers that differ between its instances become
// constructor parameters, named after the block's arguments where they match (`planes`, `planes * 4`,
// `stride`), after the block's input channels (`in_channels`), or else after the layer they configure.

struct BlockClass {
  struct Instance {
    var path: String
    /// The `__init__` registrations' constructors, in order, before block calls are resolved.
    var calls: [PythonCall]
    var arguments: [Scope.Argument]
    var inChannels: Int?
  }

  struct Parameter {
    var name: String
    var isInteger: Bool
    /// The instances' values, as Python text.
    var values: [String]
  }

  var template: String
  var body: ClassBody
  var instances: [Instance]
  var name = ""
  var docstring = ""
  var parameters: [Parameter] = []
  /// The registrations with parameters in place of the literals that differ between instances.
  var submodules: [(name: SubmoduleName, call: PythonCall)] = []

  init(template: String, body: ClassBody, instances: [Instance]) {
    self.template = template
    self.body = body
    self.instances = instances
  }

  /// Decides the parameters from the instances' resolved constructors (block calls already replaced).
  mutating func parameterize(resolved: [[PythonCall]]) {
    let slots = resolved.map { $0.flatMap(\.literals) }
    var replacements: [Literal] = []
    for k in slots[0].indices {
      let values = slots.map { $0[k] }
      if values.allSatisfy({ $0.text == values[0].text }) {
        replacements.append(values[0])
        continue
      }
      let (parameter, expression) = parameter(for: values)
      if let existing = parameters.first(where: { $0.name == parameter.name }), existing.values != parameter.values {
        var renamed = parameter
        var taken = Set(parameters.map(\.name))
        renamed.name = taken.claimUnique(parameter.name)
        parameters.append(renamed)
        replacements.append(Literal(renamed.name, role: values[0].role, isConstant: false))
        continue
      }
      if !parameters.contains(where: { $0.name == parameter.name }) { parameters.append(parameter) }
      replacements.append(Literal(expression, role: values[0].role, isConstant: false))
    }
    let keys = parameters.enumerated().map { (order($1.name), $0) }
    parameters = zip(keys, parameters).sorted { $0.0 < $1.0 }.map(\.1)
    var next = replacements.makeIterator()
    submodules = zip(body.submodules, resolved[0]).map { ($0.name, $1.replacingLiterals(&next)) }
  }

  /// `in_channels` first, then the block's arguments in declaration order, then the rest as found.
  private func order(_ name: String) -> Int {
    if name == "in_channels" { return -1 }
    return instances[0].arguments.firstIndex { $0.name == name } ?? Int.max
  }

  private func parameter(for values: [Literal]) -> (Parameter, expression: String) {
    let integers = values.compactMap(\.integer)
    if integers.count == values.count {
      for (name, candidate) in integerArguments() {
        if candidate == integers { return (Parameter(name: name, integers), name) }
      }
      for (name, candidate) in integerArguments() where candidate.allSatisfy({ $0 > 0 }) {
        let factor = integers[0] / candidate[0]
        if factor > 1 && zip(integers, candidate).allSatisfy({ $0 == factor * $1 }) {
          return (Parameter(name: name, candidate), "\(name) * \(factor)")
        }
      }
      if instances.map(\.inChannels) == integers.map({ $0 }) {
        return (Parameter(name: "in_channels", integers), "in_channels")
      }
    }
    let name = Python.isIdentifier(values[0].role) ? values[0].role : "_" + values[0].role
    let parameter = Parameter(
      name: name, isInteger: integers.count == values.count, values: values.map(\.text))
    return (parameter, name)
  }

  /// The block arguments that are integers in every instance and can be Python names.
  private func integerArguments() -> [(String, [Int])] {
    instances[0].arguments.indices.compactMap { k in
      let name = instances[0].arguments[k].name
      let values = instances.compactMap { Int($0.arguments[k].value) }
      guard values.count == instances.count, Python.isIdentifier(name), name != "self" else { return nil }
      return (name, values)
    }
  }

  /// `Bottleneck(in_channels=64, planes=64, stride=1)` for instance `index`; `role` prefixes the literals' roles.
  func instanceCall(_ index: Int, role: String) -> PythonCall {
    PythonCall(
      name,
      parameters.map { parameter in
        let value = parameter.values[index]
        let literal = Literal(value, integer: Int(value), role: role + "_" + parameter.name)
        return PythonCall.Argument(parameter.name, .literal(literal))
      })
  }

  /// The class's source, indented as a top-level definition.
  var text: String {
    let signature = (["self"] + parameters.map { $0.name + ($0.isInteger ? ": int" : "") }).joined(separator: ", ")
    var lines = ["class \(name)(nn.Module):", "    \"\"\"\(docstring)\"\"\"", ""]
    lines.append("    def __init__(\(signature)) -> None:")
    lines.append("        super().__init__()")
    lines += submodules.map { "        " + $0.name.registration($0.call.text(indent: "        ")) }
    lines.append("")
    lines += body.forward
    return lines.joined(separator: "\n") + "\n"
  }

  /// `Block 'bottleneck' at layer1.1, layer1.2, …, layer4.2 (13 instances).`
  var instanceSummary: String {
    let paths = instances.map(\.path)
    let listed =
      paths.count <= 4
      ? paths.joined(separator: ", ") : "\(paths[0]), \(paths[1]), …, \(paths.last!) (\(paths.count) instances)"
    return "Block '\(template)' at \(listed)."
  }
}

extension BlockClass.Parameter {
  init(name: String, _ values: [Int]) {
    self.init(name: name, isInteger: true, values: values.map(String.init))
  }
}

extension Literal {
  init(_ text: String, role: String, isConstant: Bool) {
    self.init(text, role: role)
    self.isConstant = isConstant
  }
}
