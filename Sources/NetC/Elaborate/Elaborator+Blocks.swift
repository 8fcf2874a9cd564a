// Block instances and stages: arguments bound to parameters (defaults included, in declaration order, as the
// IR's scopes record them), `stride = 1` for every instance after a stage's first, and recursion detection.

/// An evaluated block argument.
struct BlockArgument {
  var name: String
  var value: Value
  var range: SourceRange?
}

extension Elaborator {
  /// `name = block(args) * count`: instances `name.0` … `name.{count-1}` in a stage scope.
  mutating func stage(
    _ block: BlockDefinition, _ call: LayerCall, named name: Identifier?, count countExpr: Expr,
    _ context: inout Context
  ) throws {
    let countValue = try Evaluator(environment: context.environment).evaluate(countExpr)
    let count = try TypedValue(value: countValue, parameter: "count", range: countExpr.range).integer()
    guard count >= 1 else { throw Diagnostic.error(FrontEndMessages.stageCountTooSmall(count), at: countExpr.range) }
    guard count <= Elaborator.maxGraphSize else {
      throw Diagnostic.error(
        FrontEndMessages.mustBeAtMost("count", Elaborator.maxGraphSize, got: count), at: countExpr.range)
    }
    let arguments = try blockArguments(block, call, context.environment)
    let path = context.names.qualified(try context.names.name(for: name, kind: block.signature.name, at: call.range))
    try openScope(
      Scope(
        path: path, kind: .stage, template: block.signature.name,
        arguments: [.init(name: "count", value: String(count))],
        parent: context.names.path), at: call.range)
    let stride = arguments.firstIndex { $0.name == "stride" }
    for index in 0..<count {
      var instanceArguments = arguments
      // The paper's "first block of a stage downsamples": later instances keep the resolution.
      if index > 0, let stride { instanceArguments[stride].value = .integer(1) }
      try instantiate(block, instanceArguments, path: "\(path).\(index)", parent: path, call: call, &context.flow)
    }
  }

  /// `name = block(args)`: one instance, scope `name`.
  mutating func instance(
    _ block: BlockDefinition, _ call: LayerCall, named name: Identifier?, _ context: inout Context
  )
    throws
  {
    let arguments = try blockArguments(block, call, context.environment)
    let path = context.names.qualified(try context.names.name(for: name, kind: block.signature.name, at: call.range))
    try instantiate(block, arguments, path: path, parent: context.names.path, call: call, &context.flow)
  }

  /// Every parameter's value in declaration order: arguments evaluated where the call is, defaults where the
  /// block is defined (they may use the parameters before them).
  private func blockArguments(
    _ block: BlockDefinition, _ call: LayerCall, _ environment: Environment
  ) throws
    -> [BlockArgument]
  {
    let bound = try block.signature.bind(call)
    let evaluator = Evaluator(environment: environment)
    var defaults = Environment(globals: globals)
    var arguments: [BlockArgument] = []
    for (parameter, argument) in zip(block.declaration.parameters, bound) {
      let value: Value
      if let argument {
        value = try evaluator.evaluate(argument.value)
      } else if let defaultValue = parameter.defaultValue {
        value = try Evaluator(environment: defaults).evaluate(defaultValue)
      } else {
        throw Diagnostic.error(
          FrontEndMessages.missingArgument(parameter.name.name, of: block.signature.name), at: call.range)
      }
      defaults.frames[0][parameter.name.name] = Binding(value: value, range: parameter.name.range)
      arguments.append(BlockArgument(name: parameter.name.name, value: value, range: parameter.name.range))
    }
    return arguments
  }

  private mutating func instantiate(
    _ block: BlockDefinition, _ arguments: [BlockArgument], path: String, parent: String, call: LayerCall,
    _ flow: inout Flow
  ) throws {
    let template = block.signature.name
    if let first = instantiations.firstIndex(where: { $0.template == template }) {
      let chain = instantiations[first...].map(\.template) + [template]
      throw Diagnostic.error(FrontEndMessages.recursiveBlock(chain), at: call.range)
    }
    guard instantiations.count < Elaborator.maxInstantiationDepth else {
      throw Diagnostic.error(FrontEndMessages.instancesTooDeep(Elaborator.maxInstantiationDepth), at: call.range)
    }
    try openScope(
      Scope(
        path: path, kind: .block, template: template,
        arguments: arguments.map { Scope.Argument(name: $0.name, value: $0.value.spelling) }, parent: parent),
      at: call.range)
    let parameters = Dictionary(
      uniqueKeysWithValues: arguments.map { ($0.name, Binding(value: $0.value, range: $0.range)) })
    var context = Context(
      environment: Environment(globals: globals, frames: [parameters]),
      names: NameSpace(path: path, reserved: block.explicitNames), flow: flow)
    instantiations.append(Instantiation(template: template, path: path, call: call.range))
    defer { instantiations.removeLast() }
    try elaborate(block.declaration.body, &context)
    flow = context.flow
  }
}
