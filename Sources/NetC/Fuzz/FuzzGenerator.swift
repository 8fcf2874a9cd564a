// Seeded random programs in the architecture language, valid by construction: every statement is run through
// `FuzzSimulator` on the shapes so far before it is kept, and the whole program stays within a small budget
// of multiply-accumulates, so each one runs through every path in well under a second.

/// What a name in scope holds, so the generator can write arguments as expressions of block parameters and
/// constants (`planes * 2`, `ks[1]`, `floor(width * 3 / 4)`).
enum FuzzKind: Hashable, Sendable {
  case channels, stride, kernel, groups, shortcut, flag, rate, dilation, list
}

public struct FuzzGenerator {
  /// Limits per program: with them the interpreter (four runs, in Double) and the C finish in milliseconds.
  static let maxMACs = 1_500_000
  static let maxElements = 120_000
  static let maxOps = 70

  var random: RandomSource
  var blocks: [FuzzBlock] = []
  /// The kind of each parameter of each block, for calling it again with other arguments.
  var parameterKinds: [String: [FuzzKind]] = [:]
  var simulator = FuzzSimulator(blocks: [])
  var counter = 0

  /// The program a seed names; the same seed always gives the same program.
  public static func program(seed: UInt64) -> FuzzProgram {
    var generator = FuzzGenerator(random: RandomSource(seed: seed, stream: "netc.fuzz.program"))
    return generator.generate(seed: seed)
  }

  private mutating func generate(seed: UInt64) -> FuzzProgram {
    let batch = random.weighted([4, 3, 2, 2]) + 1
    let input = inputSize()
    let constants = fileConstants()
    var body = Body(
      environment: (FuzzSimulator.constants(constants) ?? FuzzEnvironment()).pushed(), shape: Shape([batch] + input),
      kinds: Dictionary(constants.map { ($0.name, kind(of: $0.value)) }, uniquingKeysWith: { first, _ in first }))
    let length = random.int(1...7)
    for _ in 0..<length { statement(&body) }
    if random.chance(0.6) { head(&body) }
    if body.statements.isEmpty { _ = emit(.layer(name: nil, FuzzCall("relu")), &body) }
    return FuzzProgram(
      networkName: random.pick(["net", "fuzz", "model", "n\(seed % 1000)"]), constants: constants, blocks: blocks,
      input: input, body: body.statements, batch: batch, seed: seed, style: seed)
  }

  /// `[C, H, W]`: odd and tiny sizes often, channels rarely a multiple of 8.
  private mutating func inputSize() -> [Int] {
    let channels = random.pick([1, 2, 3, 3, 3, 3, 4, 5, 7, 8, 12])
    switch random.weighted([1, 1, 1, 1, 6]) {
    case 0: return [channels, 1, 1]
    case 1: return [channels, 7, 5]
    case 2: return [channels, 33, 33]
    case 3: return [channels, random.int(1...4), random.int(1...4)]
    default:
      let height = random.int(2...24)
      return [channels, height, random.chance(0.5) ? height : random.int(2...24)]
    }
  }

  /// A few file-level constants the network's arguments may use.
  private mutating func fileConstants() -> [FuzzConstant] {
    var constants: [FuzzConstant] = []
    if random.chance(0.4) {
      constants.append(FuzzConstant("depths", .list((0..<random.int(1...4)).map { _ in .integer(random.int(1...3)) })))
    }
    if random.chance(0.4) { constants.append(FuzzConstant("base", .integer(random.pick([2, 4, 6, 8, 12])))) }
    if random.chance(0.3) { constants.append(FuzzConstant("ks", .list([.integer(1), .integer(3), .integer(5)]))) }
    if random.chance(0.3) { constants.append(FuzzConstant("use_norm", .boolean(random.chance(0.5)))) }
    if random.chance(0.2) { constants.append(FuzzConstant("eps", .float(random.pick(["1e-3", "0.01", "1e-5"])))) }
    if random.chance(0.2), let base = constants.first(where: { $0.name == "base" }) {
      constants.append(FuzzConstant("wide", .binary(.multiply, .name(base.name), .integer(2))))
    }
    return constants
  }

  func kind(of value: FuzzExpr) -> FuzzKind {
    switch value {
    case .list: .list
    case .boolean: .flag
    case .float: .rate
    default: .channels
    }
  }

  /// A fresh number for names.
  mutating func next() -> Int {
    counter += 1
    return counter
  }
}

/// A body being generated: its statements, the names and shape after them, and where it sits.
struct Body {
  var environment: FuzzEnvironment
  var shape: Shape
  var kinds: [String: FuzzKind]
  var statements: [FuzzStatement] = []
  /// Explicit layer names in the module scope (shared with the `residual` and `if` bodies inside it).
  var names: Set<String> = []
  /// Inside `sequential`: layers are named by position and cannot be named.
  var positional = false
  var depth = 0
  /// Inside a block's definition.
  var inBlock = false

  /// A body nested in this one (`residual`, `if`, `sequential`), starting from the same value.
  func nested(positional: Bool? = nil) -> Body {
    var inner = Body(environment: environment.pushed(), shape: shape, kinds: kinds)
    inner.names = positional == true ? [] : names
    inner.positional = positional ?? self.positional
    inner.depth = depth + 1
    inner.inBlock = inBlock
    return inner
  }
}

extension FuzzGenerator {
  /// Keeps `statement` if it is valid on the current value and the program stays within budget.
  mutating func emit(_ statement: FuzzStatement, _ body: inout Body) -> Bool {
    var trial = simulator
    var environment = body.environment
    guard let shape = trial.statement(statement, &environment, body.shape), Self.affordable(trial.simulation) else {
      return false
    }
    simulator = trial
    body.environment = environment
    body.shape = shape
    body.statements.append(statement)
    if case .constant(let name, let value) = statement { body.kinds[name] = kind(of: value) }
    return true
  }

  static func affordable(_ simulation: FuzzSimulation) -> Bool {
    simulation.macs <= maxMACs && simulation.largest <= maxElements && simulation.ops.count <= maxOps
  }

  /// Generates a nested body with the simulator as its shape tracker, then forgets what it recorded: the
  /// statement that contains the body is simulated as a whole when it is emitted.
  mutating func scratch<T>(_ work: (inout FuzzGenerator) -> T) -> T {
    let saved = simulator
    let result = work(&self)
    let blocksNow = simulator.blocks
    simulator = saved
    simulator.blocks = blocksNow
    return result
  }

  /// An explicit name for a layer of `kind`, or nil for an automatic one; names that clash with automatic
  /// names (`relu_1`, `add`, `downsample`, `shortcut`) are chosen on purpose now and then.
  mutating func layerName(_ kind: String, _ body: inout Body) -> String? {
    guard !body.positional, random.chance(0.45) else { return nil }
    let candidates = [
      kind, "\(kind)\(random.int(1...3))", "\(kind)_1", "add", "downsample", "shortcut", "layer\(next())",
      "fc", "features", "act",
    ]
    let name = candidates[random.weighted([3, 6, 1, 1, 1, 1, 3, 1, 1, 1])]
    guard !body.names.contains(name), body.kinds[name] == nil, !Self.reserved.contains(name) else { return nil }
    body.names.insert(name)
    return name
  }

  static let reserved: Set<String> = [
    "include", "let", "block", "network", "input", "residual", "sequential", "if", "else", "true", "false", "and",
    "or", "not", "identity", "A", "B", "C", "none",
  ]
}
