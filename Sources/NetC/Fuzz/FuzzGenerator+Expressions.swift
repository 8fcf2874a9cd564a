// Arguments written as expressions that evaluate to the value the generator chose: literals, or, especially
// inside blocks, expressions of the parameters and constants in scope (`planes * 2`, `floor(w * 3 / 4)`,
// `depths[1]`, `max(planes, 4)`), which other instances of the block evaluate to other values.

extension FuzzGenerator {
  /// An expression equal to `value` in `body`'s environment.
  mutating func integer(_ value: Int, _ body: Body) -> FuzzExpr {
    let literalChance = body.inBlock ? 0.3 : 0.65
    var candidates: [FuzzExpr] = []
    for (name, kind) in body.kinds.sorted(by: { $0.key < $1.key }) {
      switch body.environment[name] {
      case .integer(let v) where kind != .flag:
        candidates += Self.integerForms(value, of: .name(name), worth: v)
      case .list(let elements):
        for (i, element) in elements.enumerated() where element == .integer(value) {
          candidates.append(.index(.name(name), .integer(i)))
        }
        if elements.count == value { candidates.append(.call("len", [.name(name)])) }
      default:
        break
      }
    }
    if candidates.isEmpty || random.chance(literalChance) { return .integer(value) }
    return random.pick(candidates)
  }

  /// Expressions of `x` (worth `v`) that evaluate to `value`.
  static func integerForms(_ value: Int, of x: FuzzExpr, worth v: Int) -> [FuzzExpr] {
    var forms: [FuzzExpr] = []
    if v == value { forms += [x, x, x] }
    for m in 2...4 where v * m == value { forms.append(.binary(.multiply, x, .integer(m))) }
    for d in 2...4 where v % d == 0 && v / d == value { forms.append(.binary(.divide, x, .integer(d))) }
    for c in 1...3 where v + c == value { forms.append(.binary(.add, x, .integer(c))) }
    for c in 1...3 where v - c == value { forms.append(.binary(.subtract, x, .integer(c))) }
    for (a, b) in [(3, 4), (1, 2), (3, 2), (2, 3)] {
      let product = Double(v * a) / Double(b)
      let fraction = FuzzExpr.binary(.divide, .binary(.multiply, x, .integer(a)), .integer(b))
      if Int(product.rounded(.down)) == value { forms.append(.call("floor", [fraction])) }
      if Int(product.rounded(.up)) == value { forms.append(.call("ceil", [fraction])) }
    }
    if value > v { forms.append(.call("max", [x, .integer(value)])) }
    if value < v { forms.append(.call("min", [.integer(value), x])) }
    return forms
  }

  /// `n` for `n x n`, sometimes `[n, n]`; `[h, w]` otherwise.
  mutating func pair(_ value: Pair, _ body: Body) -> FuzzExpr {
    if value.isSquare && random.chance(0.9) { return integer(value.h, body) }
    return .list([integer(value.h, body), integer(value.w, body)])
  }

  /// A boolean literal, a flag in scope, or a comparison that holds (or not) as wanted.
  mutating func boolean(_ value: Bool, _ body: Body) -> FuzzExpr {
    var candidates: [FuzzExpr] = [.boolean(value)]
    for (name, _) in body.kinds.sorted(by: { $0.key < $1.key }) {
      switch body.environment[name] {
      case .boolean(let flag):
        candidates.append(flag == value ? .name(name) : .unary(.not, .name(name)))
      case .integer(let v):
        let threshold = random.int(0...v + 1)
        let holds = v > threshold
        candidates.append(.binary(holds == value ? .greater : .lessEqual, .name(name), .integer(threshold)))
        candidates.append(
          .binary(value ? .equal : .notEqual, .binary(.remainder, .name(name), .integer(2)), .integer(v % 2)))
      default:
        break
      }
    }
    if candidates.count > 2, random.chance(0.2) {
      // Two of them joined so that the result is still `value`.
      let (a, b) = (random.pick(candidates), random.pick(candidates))
      let evaluated = [a, b].map { $0.evaluate(body.environment) }
      if evaluated == [.boolean(value), .boolean(value)] { return .binary(value ? .and : .or, a, b) }
    }
    return random.chance(body.inBlock ? 0.3 : 0.5) ? .boolean(value) : random.pick(candidates)
  }

  /// A float literal as written, or a constant in scope that holds it.
  mutating func float(_ text: String, _ body: Body) -> FuzzExpr {
    let names = body.kinds.keys.sorted().filter {
      body.kinds[$0] == .rate && body.environment[$0] == Double(text).map(FuzzValue.float)
    }
    return names.isEmpty || random.chance(0.5) ? .float(text) : .name(random.pick(names))
  }

  /// A shortcut option by name, or a parameter holding it.
  mutating func shortcut(_ option: String, _ body: Body) -> FuzzExpr {
    let names = body.kinds.keys.sorted().filter { body.environment[$0] == .shortcut(option) }
    return names.isEmpty || random.chance(0.2) ? .name(option) : .name(random.pick(names))
  }

  /// The values of integer names of `kind` in scope: what a block's body should use for its widths, strides
  /// and kernels so that they follow the block's arguments.
  func hints(_ kind: FuzzKind, _ body: Body) -> [Int] {
    body.kinds.keys.sorted().compactMap { name in
      guard body.kinds[name] == kind, case .integer(let v) = body.environment[name] else { return nil }
      return v
    }
  }

  /// A call with the given arguments (nil: leave the parameter to its default): a positional prefix, then
  /// keywords in a random order.
  mutating func call(_ callee: String, _ arguments: [(name: String, value: FuzzExpr?)]) -> FuzzCall {
    let leading = arguments.prefix { $0.value != nil }.count
    let positional = random.int(0...leading)
    var keywords = arguments[positional...].compactMap { argument in
      argument.value.map { FuzzKeyword(argument.name, $0) }
    }
    for i in keywords.indices.reversed() where i > 0 { keywords.swapAt(i, random.int(0...i)) }
    return FuzzCall(callee, positional: arguments[..<positional].map { $0.value! }, keywords: keywords)
  }
}
