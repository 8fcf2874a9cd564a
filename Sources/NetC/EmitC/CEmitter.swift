// The C back end: one self-contained C11 file per graph (libc and libm only, no mutable globals, every buffer
// owned by the caller), plus the header of its API. Sections: API declarations, kernels, weights and their
// safetensors reader, layers, forward pass, API definitions. Same graph and plan, same bytes.

public struct CEmitter: Sendable {
  public struct Options: Hashable, Sendable {
    /// Prefix of every external name (`resnet18_run`) and macro (`RESNET18_OK`); nil: the network's name.
    public var prefix: String?
    /// A profiling build: the forward pass calls `<prefix>_profile_layer`, which the program defines, before
    /// and after every layer, so that it can time each one.
    public var profile: Bool

    public init(prefix: String? = nil, profile: Bool = false) {
      self.prefix = prefix
      self.profile = profile
    }
  }

  public var graph: Graph
  public var plan: MemoryPlan
  public var options: Options

  /// Plans the graph's activations, with the scratch memory its layers' lowerings ask for.
  public init(graph: Graph, options: Options = Options()) {
    self.init(graph: graph, plan: Self.plan(for: graph), options: options)
  }

  /// The memory plan the generated C uses: the activations and the layers' scratch memory.
  public static func plan(for graph: Graph) -> MemoryPlan {
    MemoryPlanner.plan(graph, scratch: scratch(for: graph))
  }

  /// With a plan made elsewhere; it must hold the scratch buffers `scratch(for:)` lists.
  public init(graph: Graph, plan: MemoryPlan, options: Options = Options()) {
    self.graph = graph
    self.plan = plan
    self.options = options
  }

  /// Bytes of scratch memory each layer needs, by node name, for `MemoryPlanner.plan(_:scratch:)`.
  public static func scratch(for graph: Graph) -> [String: Int] {
    var scratch: [String: Int] = [:]
    for (layer, lowering) in layers(of: graph, names: nil) {
      let bytes = lowering.scratchBytes(layer)
      if bytes > 0 { scratch[layer.node.name] = bytes }
    }
    return scratch
  }

  /// The prefix the file will use; throws when `options.prefix` is not a usable C identifier.
  public func prefix() throws -> String {
    guard let prefix = options.prefix else { return CNames.defaultPrefix(for: graph.name) }
    if let problem = Self.prefixProblem(prefix) { throw DiagnosticError(.error(problem)) }
    return prefix
  }

  /// Why `prefix` cannot prefix a generated file's names ("prefix '2x' must be a C identifier …"), or nil.
  public static func prefixProblem(_ prefix: String) -> String? { CNames.prefixProblem(prefix) }

  /// More C for the same file: the training step adds its kernels (merged with the forward pass's, each once),
  /// declarations (after the API's, in the header too) and definitions (at the end).
  struct Extension {
    var kernels: [CKernel]
    var declarations: String
    var definitions: String
  }

  public func emit() throws -> CProgram { try emit(extension: nil) }

  func emit(extension more: Extension?) throws -> CProgram {
    if graph.isTrainingGraph {
      throw DiagnosticError(
        .error("'\(graph.name)' is a training graph; compile the network's model with 'netc compile --train'"))
    }
    let prefix = try self.prefix()
    var layers = Self.layers(of: graph, names: CNames(graph: graph, prefix: prefix))
    let locations = try ArenaLocations(graph: graph, plan: plan, scratch: Self.scratch(for: graph))
    for i in layers.indices {
      let node = layers[i].layer.node
      layers[i].layer.inPlace = locations[node.inputs[0]] == locations[node.name]
    }
    let parameters = graph.parameters
    let weights = WeightsSection(prefix: prefix, network: graph.name, parameters: parameters, layers: layers)
    let facts = APIFacts(
      network: graph.name, prefix: prefix, inputShape: graph.input.shape, outputShape: graph.outputShape,
      arenaBytes: plan.arenaBytes, modelBytes: weights.modelBytes, profile: options.profile)
    // The layers' kernels first, in the order layers first use them, then what loading needs, then the
    // extension's.
    let kernels = CKernel.closure(
      layers.flatMap { $0.lowering.kernels } + [.loadStep] + CKernel.loadWeights.dependencies + (more?.kernels ?? []))
    let source = [
      fileComment(facts),
      ["errno", "limits", "math", "stdarg", "stdint", "stdio", "stdlib", "string"]
        .map { "#include <\($0).h>\n" }.joined() + "\n",
      CRuntime.declarations(facts),
      "\n" + CRuntime.statusAliases(facts),
      section("Kernels"),
      kernels.map(\.text).joined(separator: "\n"),
      section("Weights"),
      weights.modelStruct,
      weights.tensorTable,
      weights.loadSteps,
      CKernel.loadWeights.text,
      "\n",
      CRuntime.jsonReader,
      "\n",
      CRuntime.safetensorsReader,
      section("Layers"),
      LayerSection(prefix: prefix, graph: graph, locations: locations, layers: layers, profile: options.profile).text,
      section("API"),
      CRuntime.definitions(facts),
      more.map { "\n" + $0.declarations + "\n" + $0.definitions } ?? "",
    ].joined()
    return CProgram(
      prefix: prefix, header: CRuntime.header(facts) + (more.map { "\n" + $0.declarations } ?? ""), source: source)
  }

  /// Every node but the input with its lowering; with `names`, the layers also know their C names and where
  /// their operands live (emission), without them only their shapes (scratch sizes).
  private static func layers(of graph: Graph, names: CNames?) -> [(layer: Layer, lowering: any Lowering)] {
    let index = graph.indexByName()
    let tensorIndex = Dictionary(
      graph.parameters.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    return graph.nodes.dropFirst().map { node in
      let inputShapes = node.inputs.map { graph.nodes[index[$0]!].shape }
      let layer = Layer(
        node: node, inputShapes: inputShapes, function: names?.function(node.name) ?? node.name,
        tensorIndex: tensorIndex)
      return (layer, LoweringPolicy.lowering(for: node, inputShapes: inputShapes))
    }
  }

  private func fileComment(_ facts: APIFacts) -> String {
    CText.comment([
      "\(facts.prefix).c: the network '\(graph.name)' as C11, generated by netc \(netcVersion); do not edit.",
      "Input \(facts.inputShape.dimsText), output \(facts.outputShape.dimsText); arena \(facts.arenaBytes) bytes, "
        + "model \(facts.modelBytes) bytes. Needs only libc and libm (-lm); the API is declared below and in "
        + "\(facts.prefix).h.",
    ]) + "\n"
  }

  private func section(_ title: String) -> String {
    "/* ---- \(title) " + String(repeating: "-", count: CText.width - title.count - 11) + " */\n\n"
  }
}

/// A generated model: its C file and header.
public struct CProgram: Hashable, Sendable {
  /// The prefix of its external names.
  public var prefix: String
  /// `<prefix>.h`: the API declarations.
  public var header: String
  /// `<prefix>.c`: self-contained (it carries the declarations too).
  public var source: String
}
