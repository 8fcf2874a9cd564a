// The generator's model of elaboration: runs a random program's statements on shapes only, with the IR's own
// `Op.inferShape`, so the generator keeps every program valid as it builds it, and the front end's IR can be
// checked op by op against what the program says.

/// What a program (or a prefix of it) elaborates to, as far as the generator can tell.
struct FuzzSimulation: Hashable, Sendable {
  /// The ops in program order, module paths left empty (names are the front end's business).
  var ops: [Op] = []
  /// Their result shapes.
  var shapes: [Shape] = []
  var macs = 0
  /// Elements of the largest activation.
  var largest = 0
}

struct FuzzSimulator {
  var blocks: [String: FuzzBlock]
  var simulation = FuzzSimulation()
  /// Block templates being instantiated, innermost last: recursion is an error.
  private var instantiating: [String] = []

  init(blocks: [FuzzBlock]) {
    self.blocks = Dictionary(blocks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// The whole program: the network's output shape, or nil where the front end would reject it.
  static func run(_ program: FuzzProgram) -> (shape: Shape, simulation: FuzzSimulation)? {
    var simulator = FuzzSimulator(blocks: program.blocks)
    guard var environment = constants(program.constants)?.pushed() else { return nil }
    let input = Shape([program.batch] + program.input)
    guard let shape = simulator.body(program.body, &environment, input) else { return nil }
    return (shape, simulator.simulation)
  }

  static func constants(_ constants: [FuzzConstant]) -> FuzzEnvironment? {
    var environment = FuzzEnvironment()
    for constant in constants {
      guard let value = constant.value.evaluate(environment) else { return nil }
      environment.define(constant.name, value)
    }
    return environment
  }

  mutating func body(_ statements: [FuzzStatement], _ environment: inout FuzzEnvironment, _ shape: Shape) -> Shape? {
    var shape = shape
    for statement in statements {
      guard let next = self.statement(statement, &environment, shape) else { return nil }
      shape = next
    }
    return shape
  }

  /// One statement applied to a value of `shape`; `environment` gains its `let`.
  mutating func statement(_ statement: FuzzStatement, _ environment: inout FuzzEnvironment, _ shape: Shape) -> Shape? {
    switch statement {
    case .constant(let name, let value):
      guard let value = value.evaluate(environment) else { return nil }
      environment.define(name, value)
      return shape
    case .layer(_, let call):
      if let block = blocks[call.callee] {
        guard let arguments = blockArguments(block, call, environment) else { return nil }
        return instance(block, arguments, environment, shape)
      }
      guard let op = FuzzLayers.op(call, environment) else { return nil }
      return add(op, [shape])
    case .stage(_, let call, let count):
      guard let block = blocks[call.callee], let count = count.evaluate(environment)?.integer, count >= 1,
        var arguments = blockArguments(block, call, environment)
      else { return nil }
      var shape = shape
      for index in 0..<count {
        // The first instance of a stage downsamples; the rest run with stride 1.
        if index == 1, let stride = block.parameters.firstIndex(where: { $0.name == "stride" }) {
          arguments[stride] = .integer(1)
        }
        guard let next = instance(block, arguments, environment, shape) else { return nil }
        shape = next
      }
      return shape
    case .sequential(_, let statements):
      var inner = environment.pushed()
      return body(statements, &inner, shape)
    case .conditional(let condition, let then, let otherwise):
      guard case .boolean(let taken) = condition.evaluate(environment) else { return nil }
      var inner = environment.pushed()
      return body(taken ? then : otherwise, &inner, shape)
    case .residual(let shortcut, let statements):
      guard case .shortcut(let option) = shortcut.evaluate(environment) else { return nil }
      var inner = environment.pushed()
      guard let output = body(statements, &inner, shape) else { return nil }
      return residual(option, from: shape, to: output)
    }
  }

  /// The shortcut's ops and the add, as the elaborator makes them.
  private mutating func residual(_ option: String, from x: Shape, to y: Shape) -> Shape? {
    if option == "none" { return y }
    var shortcut = x
    if option == "C" || (option != "identity" && x != y) {
      guard x.rank == 4, y.rank == 4 else { return nil }
      let stride = ceilDiv(x.height, y.height)
      guard ceilDiv(x.height, stride) == y.height, ceilDiv(x.width, stride) == y.width else { return nil }
      if option == "A" {
        guard let a = add(.shortcutA(ShortcutA(outChannels: y.channels, stride: stride)), [x]) else { return nil }
        shortcut = a
      } else {
        let projection = Conv(
          outChannels: y.channels, kernel: Pair(square: 1), stride: Pair(square: stride), module: "", hasBias: false)
        guard let projected = add(.conv(projection), [x]),
          let normalized = add(.batchNorm(BatchNorm(module: "")), [projected])
        else { return nil }
        shortcut = normalized
      }
    }
    return add(.add(Add()), [y, shortcut])
  }

  /// Every parameter's value in declaration order: arguments evaluated at the call, defaults in an environment
  /// of the file's constants and the parameters before them.
  private func blockArguments(_ block: FuzzBlock, _ call: FuzzCall, _ environment: FuzzEnvironment) -> [FuzzValue]? {
    let names = block.parameters.map(\.name)
    guard let bound = FuzzLayers.bind(call, to: names) else { return nil }
    var defaults = environment.globals.pushed()
    var values: [FuzzValue] = []
    for (parameter, argument) in zip(block.parameters, bound) {
      guard let value = argument?.evaluate(environment) ?? parameter.defaultValue?.evaluate(defaults) else {
        return nil
      }
      defaults.define(parameter.name, value)
      values.append(value)
    }
    return values
  }

  private mutating func instance(
    _ block: FuzzBlock, _ arguments: [FuzzValue], _ environment: FuzzEnvironment, _ shape: Shape
  ) -> Shape? {
    guard !instantiating.contains(block.name) else { return nil }
    instantiating.append(block.name)
    defer { instantiating.removeLast() }
    var inner = environment.globals.pushed(
      Dictionary(zip(block.parameters.map(\.name), arguments).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
    )
    return body(block.body, &inner, shape)
  }

  /// Appends an op after inferring its shape, counting its cost.
  mutating func add(_ op: Op, _ inputs: [Shape]) -> Shape? {
    guard case .success(let shape) = op.inferShape(inputs) else { return nil }
    simulation.ops.append(op)
    simulation.shapes.append(shape)
    simulation.largest = max(simulation.largest, shape.elementCount)
    switch op {
    case .conv(let conv):
      simulation.macs += shape.elementCount * inputs[0].channels / conv.groups * conv.kernel.h * conv.kernel.w
    case .linear:
      simulation.macs += shape.elementCount * inputs[0].channels
    case .lrn(let lrn):
      simulation.macs += shape.elementCount * lrn.size
    case .maxPool(let pool), .avgPool(let pool):
      simulation.macs += shape.elementCount * pool.kernel.h * pool.kernel.w
    case .adaptiveAvgPool:
      simulation.macs += inputs[0].elementCount + shape.elementCount
    default:
      simulation.macs += shape.elementCount
    }
    return shape
  }
}

extension Op {
  /// The op with its module paths emptied, for comparing ops regardless of their names.
  var anonymized: Op {
    switch self {
    case .conv(var conv):
      conv.module = ""
      if conv.epilogue.batchNorm != nil { conv.epilogue.batchNorm?.module = "" }
      return .conv(conv)
    case .batchNorm(var bn):
      bn.module = ""
      return .batchNorm(bn)
    case .linear(var linear):
      linear.module = ""
      return .linear(linear)
    default:
      return self
    }
  }
}
