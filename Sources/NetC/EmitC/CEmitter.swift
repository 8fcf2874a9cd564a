// The C back end: one self-contained C11 file per graph (libc and libm only, pthreads optional, no mutable
// globals, every buffer owned by the caller), plus the header of its API. Sections: API declarations, kernels,
// weights and their safetensors reader, layers, forward pass, API definitions. Same graph and plan, same bytes.

public struct CEmitter: Sendable {
  public struct Options: Hashable, Sendable {
    /// Prefix of every external name (`resnet18_run`) and macro (`RESNET18_OK`); nil: the network's name.
    public var prefix: String?

    public init(prefix: String? = nil) {
      self.prefix = prefix
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
    for (layer, lowering) in lowered(graph, names: nil).layers {
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
    /// Whether the extension's code times layers with `netc_step` (and so reads the clock) too.
    var profiled: Bool
  }

  public func emit() throws -> CProgram { try emit(extension: nil) }

  func emit(extension more: Extension?) throws -> CProgram {
    if graph.isTrainingGraph {
      throw DiagnosticError(
        .error("'\(graph.name)' is a training graph; compile the network's model with 'netc compile --train'"))
    }
    let prefix = try self.prefix()
    var (layers, readsInput) = Self.lowered(graph, names: CNames(graph: graph, prefix: prefix))
    let locations = try ArenaLocations(
      graph: graph, plan: plan, scratch: Self.scratch(for: graph), readsInput: readsInput)
    for i in layers.indices {
      let node = layers[i].layer.node
      layers[i].layer.inPlace = locations[node.inputs[0]] == locations[node.name]
    }
    let parameters = graph.parameters
    let weights = WeightsSection(prefix: prefix, network: graph.name, parameters: parameters, layers: layers)
    let facts = APIFacts(
      network: graph.name, prefix: prefix, inputShape: graph.input.shape, outputShape: graph.outputShape,
      arenaBytes: plan.arenaBytes, modelBytes: weights.modelBytes,
      layerNames: LayerSection.profiled(layers).map(\.node.name), extensionProfiled: more?.profiled ?? false)
    let converts = locations.inputCopy != nil || locations.outputCopy != nil
    // The layers' kernels first, in the order layers first use them, then what loading, the team, stepping
    // (only after layers that do something) and layout conversion need, then the extension's.
    let kernels = CKernel.closure(
      layers.flatMap { $0.lowering.kernels } + [.loadStep] + CKernel.loadWeights.dependencies + [.team]
        + (facts.profiled ? [.step] : []) + (converts ? [.transpose] : []) + (more?.kernels ?? []))
    let source = [
      fileComment(facts),
      ["errno", "limits", "math", "stdarg", "stdint", "stdio", "stdlib", "string", "time"]
        .map { "#include <\($0).h>\n" }.joined() + "\n",
      CRuntime.declarations(facts),
      "\n" + CRuntime.configuration(facts),
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
      LayerSection(prefix: prefix, graph: graph, locations: locations, layers: layers).text,
      section("API"),
      CRuntime.definitions(facts),
      CRuntime.threads(facts),
      more.map { "\n" + $0.declarations + "\n" + $0.definitions } ?? "",
    ].joined()
    return CProgram(
      prefix: prefix, header: CRuntime.header(facts) + (more.map { "\n" + $0.declarations } ?? ""), source: source)
  }

  /// Every node but the input with its lowering, and whether the layers read the caller's NCHW input in place
  /// (when it is NHWC already, or every reader takes NCHW as its first operand); with `names`, the layers also
  /// know their C names, without them only their shapes (scratch sizes).
  static func lowered(_ graph: Graph, names: CNames?) -> (
    layers: [(layer: Layer, lowering: any Lowering)], readsInput: Bool
  ) {
    let input = graph.input.name
    let trivial = Layout.isTrivial(graph.input.shape)
    let inPlace = layers(of: graph, names: names, inputIsNCHW: !trivial)
    let readsInPlace =
      trivial
      || inPlace.allSatisfy { layer, lowering in
        !layer.node.inputs.contains(input) || layer.node.inputs == [input] && lowering.readsNCHWInput
      }
    return readsInPlace ? (inPlace, true) : (layers(of: graph, names: names, inputIsNCHW: false), false)
  }

  private static func layers(of graph: Graph, names: CNames?, inputIsNCHW: Bool) -> [(
    layer: Layer, lowering: any Lowering
  )] {
    let index = graph.indexByName()
    let tensorIndex = Dictionary(
      graph.parameters.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    let chains = PlainChains(graph)
    return graph.nodes.dropFirst().map { node in
      let inputShapes = node.inputs.map { graph.nodes[index[$0]!].shape }
      let readsNCHW = inputIsNCHW && node.inputs[0] == graph.input.name
      var layer = Layer(
        node: node, inputShapes: inputShapes, function: names?.function(node.name) ?? node.name,
        tensorIndex: tensorIndex)
      layer.inputIsNCHW = readsNCHW
      return (
        layer,
        LoweringPolicy.lowering(for: node, inputShapes: inputShapes, inputIsNCHW: readsNCHW, chains: chains)
      )
    }
  }

  private func fileComment(_ facts: APIFacts) -> String {
    CText.comment([
      "\(facts.prefix).c: the network '\(graph.name)' as C11, generated by netc \(netcVersion); do not edit.",
      "Input \(facts.inputShape.dimsText), output \(facts.outputShape.dimsText); arena \(facts.arenaBytes) bytes, "
        + "model \(facts.modelBytes) bytes. Needs only libc and libm (-lm); with -D\(facts.upper)_THREADS, "
        + "pthreads too (-pthread) for forward passes on several threads. Fastest built for the machine it runs on "
        + "(-O3 -march=native): the kernels use AVX-512 or AVX2 with FMA where the compiler targets them. The API "
        + "is declared below and in \(facts.prefix).h.",
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
