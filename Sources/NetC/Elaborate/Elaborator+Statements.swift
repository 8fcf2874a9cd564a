// Statements of block and network bodies: `let`, `if`, `sequential`, layers (built-in or block), and the
// one place nodes are created, with their shapes inferred and checked.

extension Elaborator {
  /// Elaborates statements in order; an error is recorded and the next statement still checked. Every body
  /// (network, block instance, `if`, `residual`, `sequential`) comes through here, so this bounds the depth of
  /// the elaborator's recursion even where block instances and nested bodies multiply.
  mutating func elaborate(_ statements: [Statement], _ context: inout Context) throws {
    bodyDepth += 1
    defer { bodyDepth -= 1 }
    if bodyDepth > Elaborator.maxBodyDepth, let first = statements.first {
      try record(Diagnostic.error(FrontEndMessages.bodiesTooDeep(Elaborator.maxBodyDepth), at: first.range))
      context.flow.shape = nil
      return
    }
    for statement in statements {
      do {
        try elaborate(statement, &context)
      } catch {
        try record(error)
        if case .let = statement.kind { continue }
        context.flow.shape = nil
      }
    }
  }

  private mutating func elaborate(_ statement: Statement, _ context: inout Context) throws {
    switch statement.kind {
    case .input:
      throw Diagnostic.error(FrontEndMessages.misplacedInput, at: statement.range)
    case .let(let name, let expr):
      var value: Value?
      var failure: (any Error)?
      do { value = try Evaluator(environment: context.environment).evaluate(expr) } catch { failure = error }
      try context.environment.define(name, value)
      if let failure { try record(failure) }
    case .layer(let name, let call, let count):
      try layer(name, call, count: count, &context)
    case .sequential(let name, let body):
      try sequential(name, body, at: statement.range, &context)
    case .residual(let shortcut, let body):
      try residual(shortcut, body, at: statement.range, &context)
    case .if(let condition, let then, let otherwise):
      let value = try Evaluator(environment: context.environment).evaluate(condition)
      guard case .boolean(let taken) = value else {
        throw Diagnostic.error(FrontEndMessages.expectedCondition(got: value), at: condition.range)
      }
      try nestedBody(taken ? then : otherwise, &context)
    }
  }

  /// A body with its own local names in the same module scope (`if` branches, `residual`).
  mutating func nestedBody(_ body: [Statement], _ context: inout Context) throws {
    let environment = context.environment
    context.environment = environment.pushed()
    defer { context.environment = environment }
    try elaborate(body, &context)
  }

  private mutating func layer(_ name: Identifier?, _ call: LayerCall, count: Expr?, _ context: inout Context) throws {
    let callee = call.callee.name
    if let block = blocks[callee] {
      if let count {
        try stage(block, call, named: name, count: count, &context)
      } else {
        try instance(block, call, named: name, &context)
      }
      return
    }
    if brokenBlocks.contains(callee) { throw AlreadyReported() }
    guard let builtin = BuiltinLayer.named(callee) else {
      let suggestion = closestMatch(to: callee, in: BuiltinLayer.names + blocks.keys.sorted())
      throw Diagnostic.error(FrontEndMessages.unknownLayer(callee, suggestion: suggestion), at: call.callee.range)
    }
    if let count {
      throw Diagnostic.error(FrontEndMessages.builtinRepeated(callee), at: count.range)
    }
    let arguments = try builtinArguments(builtin, call, context.environment)
    let path = context.names.qualified(try context.names.name(for: name, kind: callee, at: call.range))
    context.flow = try addNode(
      path, try builtin.make(arguments, path), inputs: [context.flow], at: call.range, scope: context.names.path)
  }

  /// Every parameter of a built-in layer: the call's arguments evaluated, then the defaults.
  private func builtinArguments(
    _ layer: BuiltinLayer, _ call: LayerCall, _ environment: Environment
  ) throws
    -> LayerArguments
  {
    let bound = try layer.signature.bind(call)
    let evaluator = Evaluator(environment: environment)
    var values: [TypedValue?] = try zip(layer.parameters, bound).map { parameter, argument in
      try argument.map {
        TypedValue(value: try evaluator.evaluate($0.value), parameter: parameter.name, range: $0.value.range)
      }
    }
    for (index, parameter) in layer.parameters.enumerated() where values[index] == nil {
      switch parameter.defaultValue {
      case .value(let value):
        values[index] = TypedValue(value: value, parameter: parameter.name, range: call.range)
      case .sameAs(let other):
        let source = values[layer.parameters.firstIndex { $0.name == other } ?? index]
        values[index] = source.map { TypedValue(value: $0.value, parameter: parameter.name, range: $0.range) }
      case .required:
        throw Diagnostic.error(FrontEndMessages.missingArgument(parameter.name, of: layer.name), at: call.range)
      }
    }
    return LayerArguments(values: values.compactMap { $0 })
  }

  private mutating func sequential(
    _ name: Identifier?, _ body: [Statement], at range: SourceRange, _ context: inout Context
  )
    throws
  {
    let path = context.names.qualified(try context.names.name(for: name, kind: "sequential", at: range))
    try openScope(Scope(path: path, kind: .sequential, parent: context.names.path), at: range)
    var inner = Context(
      environment: context.environment.pushed(), names: NameSpace(path: path, isSequential: true, reserved: []),
      flow: context.flow)
    try elaborate(body, &inner)
    context.flow = inner.flow
  }

  mutating func openScope(_ scope: Scope, at range: SourceRange) throws {
    try spend(at: range)
    scopes.append(scope)
  }

  /// Appends a node after inferring its shape; a shape error becomes a diagnostic at `range`. With an input of
  /// unknown shape (an earlier error), no node is made and the result is unknown too.
  mutating func addNode(
    _ name: String, _ op: Op, inputs: [Flow], at range: SourceRange, scope: String, notes: [Diagnostic.Note] = []
  ) throws -> Flow {
    try spend(at: range)
    let shapes = inputs.compactMap(\.shape)
    guard shapes.count == inputs.count else { return Flow(name: name, shape: nil) }
    switch op.inferShape(shapes) {
    case .failure(let error):
      throw Diagnostic.error(error.message, at: range, notes: notes)
    case .success(let shape):
      try checkWeightSize(op, input: shapes[0], at: range)
      nodes.append(Node(name: name, op: op, inputs: inputs.map(\.name), shape: shape, scope: scope))
      return Flow(name: name, shape: shape)
    }
  }

  /// A weight can be too large even where every activation is fine (`linear(16_000_000)` after a big
  /// flatten). Biases and batch-norm vectors have one entry per channel, which the attribute limit bounds.
  private func checkWeightSize(_ op: Op, input: Shape, at range: SourceRange) throws {
    let (module, shape): (String, Shape)
    switch op {
    case .conv(let conv):
      (module, shape) = (
        conv.module, Shape([conv.outChannels, input.channels / conv.groups, conv.kernel.h, conv.kernel.w])
      )
    case .linear(let linear):
      (module, shape) = (linear.module, Shape([linear.outFeatures, input.channels]))
    default:
      return
    }
    try checkElementCount(shape, what: "parameter '\(module).weight'", at: range)
  }
}
