// Turns a parsed program into an IR graph: file-level constants and block templates first, then the network,
// statement by statement, with every error recorded (deduplicated across block instances) and the limits
// that keep a hostile program from exhausting memory or time.

/// The value a statement works on: the latest node's name and shape (nil once an error made it unknown, so
/// later statements are still checked for their own errors but not for consequences of that one).
struct Flow {
  var name: String
  var shape: Shape?
}

/// Where a statement is elaborated: its names, its module scope and the current value.
struct Context {
  var environment: Environment
  var names: NameSpace
  var flow: Flow
}

/// A block template with its checked signature.
struct BlockDefinition {
  var declaration: BlockDeclaration
  var signature: Signature
  /// Computed once: a stage instantiates the same body many times.
  var explicitNames: Set<String>
}

/// A block instance being elaborated, for recursion detection and "in instance …" notes.
struct Instantiation {
  var template: String
  var path: String
  var call: SourceRange
}

/// Stops elaboration: too many errors, or a program too large to build.
struct ElaborationAbort: Error {}

struct Elaborator {
  /// Most nodes plus scopes a program may create: ten times ResNet-1202, so a stage count typo is an error
  /// rather than a million layers.
  static let maxGraphSize = 50_000
  static let maxInstantiationDepth = 64
  static let maxBodyDepth = 256
  static let maxErrors = 20

  let options: LoadOptions
  var globals: [String: Binding] = [:]
  var blocks: [String: BlockDefinition] = [:]
  /// Blocks whose header had errors: uses stay silent instead of reporting "unknown layer".
  var brokenBlocks: Set<String> = []
  var networks: [NetworkDeclaration] = []
  var diagnostics: [Diagnostic] = []
  private var reported: Set<String> = []
  var nodes: [Node] = []
  var scopes: [Scope] = []
  var instantiations: [Instantiation] = []
  var bodyDepth = 0
  private var size = 0

  init(options: LoadOptions) { self.options = options }

  /// The graph of the program's network, or nil with `diagnostics` saying why.
  static func elaborate(_ items: [Item], mainPath: String, options: LoadOptions) -> (Graph?, [Diagnostic]) {
    var elaborator = Elaborator(options: options)
    var graph: Graph?
    do {
      try elaborator.collect(items)
      graph = try elaborator.elaborateNetwork(mainPath: mainPath)
    } catch {
      graph = nil
    }
    return (elaborator.diagnostics.isEmpty ? graph : nil, elaborator.diagnostics)
  }

  /// Records an error from a statement or item; rethrows `ElaborationAbort`, and aborts once too many errors
  /// were recorded. Errors inside block instances get a note at each enclosing instantiation.
  mutating func record(_ error: any Error) throws {
    switch error {
    case let abort as ElaborationAbort:
      throw abort
    case is AlreadyReported:
      return
    case var diagnostic as Diagnostic:
      let key = "\(diagnostic.range.map { "\($0.start):\($0.length)" } ?? "")|\(diagnostic.message)"
      guard reported.insert(key).inserted else { return }
      for instance in instantiations.reversed() {
        diagnostic.notes.append(
          .init(FrontEndMessages.inInstance(instance.path, of: instance.template), at: instance.call))
      }
      diagnostics.append(diagnostic)
    default:
      diagnostics.append(.error(String(describing: error)))
    }
    if diagnostics.count >= Elaborator.maxErrors {
      diagnostics.append(.error(FrontEndMessages.tooManyErrors(Elaborator.maxErrors)))
      throw ElaborationAbort()
    }
  }

  /// Counts one node or scope against `maxGraphSize`; the error points at the network's statement that
  /// grew too large (usually a stage count), not at a layer deep inside its blocks.
  mutating func spend(at range: SourceRange) throws {
    size += 1
    if size > Elaborator.maxGraphSize {
      let statement = instantiations.first?.call ?? range
      diagnostics.append(.error(FrontEndMessages.graphTooLarge(Elaborator.maxGraphSize), at: statement))
      throw ElaborationAbort()
    }
  }

  // MARK: Items

  private mutating func collect(_ items: [Item]) throws {
    for item in items {
      do {
        switch item.kind {
        case .include:
          continue
        case .let(let name, let value):
          try defineGlobal(name, value)
        case .block(let declaration):
          try defineBlock(declaration)
        case .network(let network):
          if let first = networks.first {
            throw Diagnostic.error(
              FrontEndMessages.secondNetwork(network.name.name), at: network.name.range,
              notes: [.init(FrontEndMessages.firstNetwork(first.name.name), at: first.name.range)])
          }
          networks.append(network)
        }
      } catch {
        try record(error)
      }
    }
  }

  private mutating func defineGlobal(_ name: Identifier, _ expr: Expr) throws {
    var value: Value?
    var failure: (any Error)?
    do { value = try Evaluator(environment: Environment(globals: globals)).evaluate(expr) } catch { failure = error }
    var scope = Environment(globals: [:], frames: [globals])
    try scope.define(name, value)
    globals = scope.frames[0]
    if let failure { throw failure }
  }

  private mutating func defineBlock(_ declaration: BlockDeclaration) throws {
    let name = declaration.name
    if BuiltinLayer.named(name.name) != nil {
      throw Diagnostic.error(FrontEndMessages.blockShadowsBuiltin(name.name), at: name.range)
    }
    if let previous = blocks[name.name] {
      throw Diagnostic.error(
        FrontEndMessages.duplicateDefinition(name.name), at: name.range,
        notes: [.init(FrontEndMessages.previousDefinition(name.name), at: previous.declaration.name.range)])
    }
    var parameters = Environment(globals: [:])
    var firstDefault: BlockParameter?
    do {
      for parameter in declaration.parameters {
        try parameters.define(parameter.name, nil)
        if parameter.defaultValue != nil {
          firstDefault = firstDefault ?? parameter
        } else if let firstDefault {
          throw Diagnostic.error(
            FrontEndMessages.requiredAfterDefault(parameter.name.name, after: firstDefault.name.name),
            at: parameter.name.range)
        }
      }
    } catch {
      brokenBlocks.insert(name.name)
      throw error
    }
    let required = declaration.parameters.prefix { $0.defaultValue == nil }.count
    let signature = Signature(name: name.name, parameters: declaration.parameters.map(\.name.name), required: required)
    blocks[name.name] = BlockDefinition(
      declaration: declaration, signature: signature, explicitNames: NameSpace.explicitNames(in: declaration.body))
  }

  // MARK: The network

  private mutating func elaborateNetwork(mainPath: String) throws -> Graph? {
    guard let network = networks.first else {
      if diagnostics.isEmpty { diagnostics.append(.error(FrontEndMessages.noNetwork(mainPath))) }
      return nil
    }
    guard let first = network.body.first, case .input(let dimensions) = first.kind else {
      try record(Diagnostic.error(FrontEndMessages.missingInput(network.name.name), at: network.name.range))
      return nil
    }
    let shape: Shape
    do {
      shape = try inputShape(dimensions, at: first.range)
    } catch {
      try record(error)
      return nil
    }
    nodes.append(Node(name: "input", op: .input, inputs: [], shape: shape))
    var context = Context(
      environment: Environment(globals: globals),
      names: NameSpace(path: "", reserved: NameSpace.explicitNames(in: network.body)),
      flow: Flow(name: "input", shape: shape))
    try elaborate(Array(network.body.dropFirst()), &context)
    // A block instance without layers (its body only `let`s, or an `if` that took an empty branch) has no
    // place in the text form; dropping it here, as passes do, keeps the graph equal to its dump read back.
    return Graph(name: network.name.name, nodes: nodes, output: context.flow.name, scopes: scopes)
      .withoutEmptyScopes()
  }

  /// `[batch, C, H, W]` from the `input` statement, or from `LoadOptions.input` when it overrides it.
  private func inputShape(_ declared: [Int], at range: SourceRange) throws -> Shape {
    guard declared.count == 3 else {
      throw Diagnostic.error(FrontEndMessages.inputDimensionCount(declared.count), at: range)
    }
    let dimensions = [options.batch] + (options.input ?? declared)
    for dimension in dimensions where !(1...maxAttribute).contains(dimension) {
      throw Diagnostic.error(FrontEndMessages.inputDimensionRange(dimension, limit: maxAttribute), at: range)
    }
    let shape = Shape(dimensions)
    try checkElementCount(shape, what: "input", at: range)
    return shape
  }

  /// Rejects a tensor with more elements than the generated C can index.
  func checkElementCount(_ shape: Shape, what: String, at range: SourceRange) throws {
    var count = 1
    for dimension in shape.dims {
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      if overflow || product > maxElementCount {
        throw Diagnostic.error(FrontEndMessages.tensorTooLarge(what, shape, limit: maxElementCount), at: range)
      }
      count = product
    }
  }
}
