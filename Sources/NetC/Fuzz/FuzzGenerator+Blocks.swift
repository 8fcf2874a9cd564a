// Blocks with parameters, instantiated once or as stages. A new block's body is generated for its first
// instance, with its arguments in scope so that its widths, strides and kernels become expressions of its
// parameters; every other instance (a stage's later blocks run with stride 1, later calls pass other
// arguments) is simulated before it is kept.

extension FuzzGenerator {
  static let maxBlocks = 4

  /// A new block and its first use, or another use of an existing one.
  mutating func block(_ body: inout Body) -> Bool {
    let reusable = blocks.filter { parameterKinds[$0.name] != nil }
    if !reusable.isEmpty && (blocks.count >= Self.maxBlocks || random.chance(0.4)) {
      return use(random.pick(reusable), &body)
    }
    return defineBlock(&body)
  }

  private mutating func defineBlock(_ body: inout Body) -> Bool {
    let name = random.pick(["unit", "basic", "cell", "blk", "stem", "bottle"]) + String(next())
    var parameters: [FuzzParameter] = []
    var kinds: [FuzzKind] = []
    var frame: [String: FuzzValue] = [:]
    var arguments: [(String, FuzzExpr?)] = []
    let globals = body.environment.globals
    func add(_ parameter: String, _ kind: FuzzKind, value: FuzzValue, defaultValue: FuzzExpr?, pass: Bool) {
      let defaultWorth = defaultValue?.evaluate(globals.pushed(frame))
      let passed = pass || defaultWorth == nil
      let worth = passed ? value : defaultWorth!
      parameters.append(FuzzParameter(parameter, default: defaultValue))
      kinds.append(kind)
      frame[parameter] = worth
      arguments.append((parameter, passed ? argument(worth, kind, body) : nil))
    }
    let planes = random.pick(["planes", "width", "ch"])
    add(planes, .channels, value: .integer(channels(body)), defaultValue: nil, pass: true)
    if random.chance(0.6) {
      let stride = random.chance(0.85) ? "stride" : "step"
      add(stride, .stride, value: .integer(random.pick([1, 2])), defaultValue: .integer(1), pass: random.chance(0.6))
    }
    if random.chance(0.4) {
      add("k", .kernel, value: .integer(random.pick([1, 3, 5])), defaultValue: .integer(3), pass: random.chance(0.5))
    }
    if random.chance(0.3), body.shape.rank == 4 {
      let divisors = (1...body.shape.channels).filter { body.shape.channels % $0 == 0 }
      add("g", .groups, value: .integer(random.pick(divisors)), defaultValue: .integer(1), pass: random.chance(0.7))
    }
    if random.chance(0.5) {
      let option = random.pick(FuzzValue.shortcutNames)
      add("shortcut", .shortcut, value: .shortcut(option), defaultValue: .name("B"), pass: random.chance(0.6))
    }
    if random.chance(0.3) {
      add("flag", .flag, value: .boolean(random.chance(0.5)), defaultValue: .boolean(true), pass: random.chance(0.5))
    }
    if random.chance(0.3) {
      let expansion = FuzzExpr.binary(.multiply, .name(planes), .integer(random.pick([2, 4])))
      add("wide", .channels, value: .integer(channels(body)), defaultValue: expansion, pass: random.chance(0.3))
    }

    var inner = Body(
      environment: globals.pushed(frame), shape: body.shape,
      kinds: body.kinds.filter { globals.frames[0][$0.key] != nil }.merging(zip(parameters.map(\.name), kinds)) {
        _, parameter in parameter
      })
    inner.depth = body.depth + 1
    inner.inBlock = true
    let length = random.int(1...5)
    scratch { generator in
      for _ in 0..<length { generator.statement(&inner) }
    }
    let block = FuzzBlock(name: name, parameters: parameters, body: inner.statements)
    blocks.append(block)
    simulator.blocks[name] = block
    parameterKinds[name] = kinds
    return instantiate(block, call(name, arguments), &body)
  }

  /// Another use of `block`, with arguments drawn afresh for the current value; a few tries.
  private mutating func use(_ block: FuzzBlock, _ body: inout Body) -> Bool {
    let kinds = parameterKinds[block.name] ?? []
    for _ in 0..<4 {
      let arguments = zip(block.parameters, kinds).map { parameter, kind in
        (
          parameter.name,
          parameter.defaultValue != nil && random.chance(0.4) ? nil : argument(value(kind, body), kind, body)
        )
      }
      if instantiate(block, call(block.name, arguments), &body) { return true }
    }
    return false
  }

  /// A stage of a few instances, or one instance when the stage does not fit.
  private mutating func instantiate(_ block: FuzzBlock, _ call: FuzzCall, _ body: inout Body) -> Bool {
    if !body.positional || random.chance(0.5), random.chance(0.5) {
      let count = random.weighted([1, 3, 2]) + 1
      let name = body.positional ? nil : layerName("layer", &body)
      if emit(.stage(name: name, call, count: integer(count, body)), &body) { return true }
    }
    return emit(.layer(name: layerName(block.name, &body), call), &body)
  }

  /// A value for a parameter of `kind` that suits the current value.
  private mutating func value(_ kind: FuzzKind, _ body: Body) -> FuzzValue {
    switch kind {
    case .channels: return .integer(channels(body))
    case .stride: return .integer(random.pick([1, 1, 2]))
    case .kernel: return .integer(random.pick([1, 3, 3, 5]))
    case .dilation: return .integer(random.pick([1, 2]))
    case .groups:
      let c = body.shape.rank == 4 ? body.shape.channels : 1
      return .integer(random.pick((1...c).filter { c % $0 == 0 }))
    case .shortcut: return .shortcut(random.pick(FuzzValue.shortcutNames))
    case .flag: return .boolean(random.chance(0.5))
    case .rate: return .float(0.5)
    case .list: return .list([.integer(1), .integer(3)])
    }
  }

  /// The argument expression for a parameter value.
  private mutating func argument(_ value: FuzzValue, _ kind: FuzzKind, _ body: Body) -> FuzzExpr {
    switch value {
    case .integer(let n): return integer(n, body)
    case .boolean(let flag): return boolean(flag, body)
    case .shortcut(let option): return shortcut(option, body)
    case .float(let x): return .float(String(x))
    case .list(let elements): return .list(elements.map { argument($0, kind, body) })
    }
  }
}
