// The training back end: the inference C file of a network (its forward pass for evaluation, with its
// loader, API and kernels) extended by the training step: the training graph's layers over one planned
// arena, SGD, the training state and its API. One self-contained file, one prefix.

public struct TrainingCEmitter: Sendable {
  /// The network as the front end makes it (no pass run).
  public var graph: Graph
  public var options: CEmitter.Options

  public init(graph: Graph, options: CEmitter.Options = CEmitter.Options()) {
    self.graph = graph
    self.options = options
  }

  public func emit() throws -> CProgram {
    let training = try TrainingGraph.build(graph)
    let inference = CEmitter(graph: try Pipeline.default.run(graph), options: options)
    let prefix = try inference.prefix()
    let state = TrainingStateLayout(graph: training)
    let layers = Self.layers(of: training, prefix: prefix, avoiding: inference.graph)
    let scratch = LayerScratch(layers)
    let plan = MemoryPlanner.plan(training, scratch: scratch.total)
    var offsets: [String: Int] = [:]
    for buffer in plan.buffers {
      for value in buffer.values { offsets[value] = buffer.offset }
    }
    let scratchOffset = { (name: String) in offsets[MemoryPlan.scratchName(of: name)]! }
    var section = TrainingLayerSection(
      prefix: prefix, graph: training, layers: layers, state: state, offsets: offsets,
      scratch: Dictionary(uniqueKeysWithValues: scratch.own.map { ($0, scratchOffset($0)) }),
      shared: Dictionary(uniqueKeysWithValues: scratch.sharedStart.map { ($0.key, scratchOffset($0.key) + $0.value) }))
    for i in section.layers.indices {
      let node = section.layers[i].layer.node
      section.layers[i].layer.inPlace = !node.inputs.isEmpty && offsets[node.inputs[0]] == offsets[node.name]
    }
    for fusion in [ReLUFusion.apply, BatchNormAddFusion.apply, BackwardFusion.apply] {
      section.layers = fusion(section.layers, training)
    }

    let order = inference.graph.parameters.map(\.name)
    let gradients = Dictionary(
      uniqueKeysWithValues: training.parameterGradients.map { ($0.parameter, offsets[$0.value]!) })
    let parameterBytes = training.parameters.reduce(0) { $0 + $1.shape.byteCount }
    // Threads but the first need the largest scratch of a layer they run, in blocks of 64 bytes.
    let workspace = layers.filter(\.lowering.splitsWork).map { $0.lowering.scratchBytes($0.layer) }.max() ?? 0
    let facts = TrainingFacts(
      prefix: prefix, network: graph.name, input: graph.input.shape,
      classes: training.node(named: training.node(named: training.output)!.inputs[0])!.shape.channels,
      arenaBytes: [plan.arenaBytes, parameterBytes, inference.plan.arenaBytes].max()!, stateBytes: state.bytes,
      saveBytes: Self.saveBound(training.parameters), workspaceBytes: (workspace + 63) / 64 * 64,
      layerNames: section.profiled)
    let kernels = CKernel.closure(
      [.team] + section.layers.flatMap { $0.lowering.kernels } + [.step, .sgd, .writeF32, .copyF32])
    let definitions = [
      "/* ---- Training " + String(repeating: "-", count: CText.width - 19) + " */\n\n",
      state.structText(prefix: prefix),
      state.tensorTable(prefix: prefix, order: order, gradientOffsets: gradients),
      TrainingThreads.pool(prefix: prefix, upper: facts.upper),
      section.text,
      TrainingThreads.definitions(prefix: prefix, upper: facts.upper),
      TrainingAPI.definitions(facts, lossOffset: offsets[training.output]!),
    ].joined()
    return try inference.emit(
      extension: CEmitter.Extension(
        kernels: kernels, declarations: TrainingAPI.declarations(facts), definitions: definitions, profiled: true))
  }

  /// The plan of the generated training step's arena: the training graph's values and every layer's scratch,
  /// as `netc plan --train` shows it. The file's arena is the largest of this, the parameters (which a load
  /// reads through it) and the inference arena.
  public static func plan(forTraining training: Graph) -> MemoryPlan {
    let layers = Self.layers(of: training, prefix: CNames.defaultPrefix(for: training.name))
    return MemoryPlanner.plan(training, scratch: LayerScratch(layers).total)
  }

  /// A layer's scratch in the arena: thread 0's own, then (64-byte aligned) the team's shared part.
  private struct LayerScratch {
    /// Bytes of both parts, by layer.
    var total: [String: Int] = [:]
    /// The layers with scratch of thread 0's own.
    var own: Set<String> = []
    /// Where the shared part starts in a layer's scratch.
    var sharedStart: [String: Int] = [:]

    init(_ layers: [TrainingLayer]) {
      for entry in layers {
        let name = entry.layer.node.name
        let bytes = entry.lowering.scratchBytes(entry.layer)
        let shared = entry.lowering.sharedScratchBytes(entry.layer)
        let start = shared > 0 ? (bytes + 63) / 64 * 64 : bytes
        if start + shared > 0 { total[name] = start + shared }
        if bytes > 0 { own.insert(name) }
        if shared > 0 { sharedStart[name] = start }
      }
    }
  }

  /// Every node but the input with its lowering and C function name: `train_<value>`, made unique against the
  /// inference layers' names too.
  private static func layers(of graph: Graph, prefix: String, avoiding inference: Graph? = nil) -> [TrainingLayer] {
    let names = CNames(graph: graph, prefix: prefix)
    var taken = Set(inference.map { Array(CNames(graph: $0, prefix: prefix).functions.values) } ?? [])
    let index = graph.indexByName()
    return graph.nodes.dropFirst().map { node in
      let inputShapes = node.inputs.map { graph.nodes[index[$0]!].shape }
      let function = taken.claimUnique("train_" + names.function(node.name))
      let layer = Layer(node: node, inputShapes: inputShapes, function: function, tensorIndex: [:])
      return TrainingLayer(
        layer: layer, lowering: TrainingLoweringPolicy.lowering(for: node, inputShapes: inputShapes),
        function: function)
    }
  }

  /// The most bytes of a checkpoint: every entry with 20-digit offsets, a 20-digit step and seed, 7 bytes of
  /// padding, and the data.
  static func saveBound(_ parameters: [Parameter]) -> Int {
    let number = String(repeating: "9", count: 20)
    var header = "{\"__metadata__\":{\"netc.format\":\"netc-checkpoint-1\","
      + "\"netc.seed\":\"\(number)\",\"netc.step\":\"\(number)\"}"
    var data = 0
    for parameter in parameters + parameters.filter(\.isTrainable) {
      let dims = parameter.shape.dims.map(String.init).joined(separator: ",")
      header += ",\"sgd.momentum.\(parameter.name)\":{\"dtype\":\"F32\",\"shape\":[\(dims)],"
        + "\"data_offsets\":[\(number),\(number)]}"
      data += parameter.shape.byteCount
    }
    return 8 + header.utf8.count + 1 + 7 + data
  }
}
