// Statements: layers, `let`, `residual` with every shortcut option its shapes allow, `sequential`, `if`, and
// block instances and stages — nested a few levels deep.

extension FuzzGenerator {
  static let maxDepth = 3

  /// Adds one statement to `body` (or none, when several attempts find nothing that fits the budget).
  mutating func statement(_ body: inout Body) {
    let nests = body.depth < Self.maxDepth
    for _ in 0..<6 {
      let added: Bool
      if body.shape.rank == 4 {
        switch random.weighted([
          6, 2, nests ? 2.5 : 0, nests ? 2.5 : 0, nests ? 0.7 : 0, nests ? 0.7 : 0, 0.7, 2.5, 0.3,
        ]) {
        case 0: added = convUnit(&body)
        case 1: added = pool(body).map { emit(.layer(name: layerName("pool", &body), $0), &body) } ?? false
        case 2: added = residual(&body)
        case 3: added = block(&body)
        case 4: added = sequential(&body)
        case 5: added = conditional(&body)
        case 6: added = constant(&body)
        case 7: added = simpleLayer(&body)
        default: added = emit(.layer(name: layerName("flatten", &body), FuzzCall("flatten")), &body)
        }
      } else {
        switch random.weighted([
          4, 1.5, 1, 0.4, nests ? 0.5 : 0, nests ? 0.4 : 0, nests ? 0.4 : 0, nests ? 0.4 : 0, 0.2,
        ]) {
        case 0: added = emit(.layer(name: layerName("fc", &body), linear(body)), &body)
        case 1: added = emit(.layer(name: layerName("relu", &body), FuzzCall("relu")), &body)
        case 2: added = emit(.layer(name: layerName("drop", &body), dropout(body)), &body)
        case 3: added = emit(.layer(name: layerName("prob", &body), FuzzCall("softmax")), &body)
        case 4: added = residual(&body)
        case 5: added = sequential(&body)
        case 6: added = conditional(&body)
        case 7: added = block(&body)
        default: added = constant(&body)
        }
      }
      if added { return }
    }
  }

  /// A layer without structure: batch norm, ReLU, LRN, dropout, an adaptive pool, softmax over channels.
  private mutating func simpleLayer(_ body: inout Body) -> Bool {
    let (kind, call): (String, FuzzCall?) =
      switch random.weighted([2, 2, 1, 1, 1, 0.3]) {
      case 0: ("bn", batchNorm(body))
      case 1: ("relu", FuzzCall("relu"))
      case 2: ("lrn", lrn(body))
      case 3: ("drop", dropout(body))
      case 4: ("pool", adaptivePool(body))
      default: ("softmax", FuzzCall("softmax"))
      }
    guard let call else { return false }
    return emit(.layer(name: layerName(kind, &body), call), &body)
  }

  /// `let w = <expression>`: a width, a list or a flag for the statements after it.
  private mutating func constant(_ body: inout Body) -> Bool {
    let name = "w\(next())"
    let value: FuzzExpr =
      switch random.weighted([3, 1, 1]) {
      case 0: integer(channels(body), body)
      case 1: .list([.integer(random.int(1...4)), integer(channels(body), body)])
      default: boolean(random.chance(0.5), body)
      }
    return emit(.constant(name, value), &body)
  }

  /// `residual(option) { … }` with a body of a few statements and an option its shapes allow.
  private mutating func residual(_ body: inout Body) -> Bool {
    var inner = body.nested()
    let length = random.weighted([0.2, 3, 3, 2, 1])
    scratch { generator in
      for _ in 0..<length { generator.statement(&inner) }
    }
    let options = Self.shortcuts(from: body.shape, to: inner.shape)
    let option = options[random.weighted(options.map { $0 == "none" ? 0.5 : 2 })]
    body.names = inner.names
    return emit(.residual(shortcut: shortcut(option, body), inner.statements), &body)
  }

  /// The shortcut options the front end accepts for a residual from `x` to `y`.
  static func shortcuts(from x: Shape, to y: Shape) -> [String] {
    var options = ["none"]
    if x == y { options += ["identity", "A", "B"] }
    guard x.rank == 4, y.rank == 4 else { return options }
    let stride = ceilDiv(x.height, y.height)
    guard ceilDiv(x.height, stride) == y.height, ceilDiv(x.width, stride) == y.width else { return options }
    options.append("C")
    if x != y {
      options.append("B")
      if y.channels >= x.channels { options.append("A") }
    }
    return options
  }

  /// `name = sequential { … }`: layers named by position.
  private mutating func sequential(_ body: inout Body) -> Bool {
    var inner = body.nested(positional: true)
    let length = random.int(1...4)
    scratch { generator in
      for _ in 0..<length { generator.statement(&inner) }
    }
    return emit(.sequential(name: layerName("features", &body), inner.statements), &body)
  }

  /// `if … { … } else { … }`: the branch taken is valid here; the other is valid on the same input, for the
  /// other instances of a block that may take it.
  private mutating func conditional(_ body: inout Body) -> Bool {
    let taken = random.chance(0.5)
    let condition = boolean(taken, body)
    var branches = [body.nested(), body.nested()]
    scratch { generator in
      for i in 0..<2 {
        branches[i].names = branches[0].names
        for _ in 0..<generator.random.int(i == 0 ? 1...3 : 0...2) { generator.statement(&branches[i]) }
      }
    }
    body.names = branches[1].names
    let (then, otherwise) = taken ? (branches[0], branches[1]) : (branches[1], branches[0])
    return emit(.conditional(condition, then: then.statements, otherwise: otherwise.statements), &body)
  }
}
