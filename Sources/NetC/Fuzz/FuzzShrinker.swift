// Shrinking a failing program: greedy single edits — drop a statement or a block, unwrap a residual, `if`
// or sequential, turn a stage into one instance, leave an argument to its default, make numbers smaller, cut
// the batch and input size — each kept when the program is still valid and still fails the same way, until
// no edit helps.

public struct FuzzShrinker {
  /// The most candidate programs checked for one failure (each may cost a C compile).
  public var budget: Int

  public init(budget: Int = 400) { self.budget = budget }

  /// The smallest program found that `fails` the same way as `program` (the predicate returns the failure's
  /// `check`, or nil when the candidate passes); `progress` hears each accepted program. After an accepted
  /// edit the search resumes at the same position in the new program's list of edits, so edits that did not
  /// help are not all tried again before the ones after them.
  public func shrink(
    _ program: FuzzProgram, fails: (FuzzProgram) -> String?, progress: (FuzzProgram) -> Void = { _ in }
  ) -> FuzzProgram {
    guard let check = fails(program) else { return program }
    var best = program
    var spent = 1
    var start = 0
    search: while spent < budget {
      let candidates = Self.candidates(best)
      for offset in candidates.indices where spent < budget {
        let position = (start + offset) % candidates.count
        guard FuzzSimulator.run(candidates[position]) != nil else { continue }
        spent += 1
        if fails(candidates[position]) == check {
          best = candidates[position]
          progress(best)
          start = position
          continue search
        }
      }
      break
    }
    return best
  }

  /// Every single edit of `program`, the ones that remove most first.
  static func candidates(_ program: FuzzProgram) -> [FuzzProgram] {
    var edits: [FuzzProgram] = []
    func with(_ change: (inout FuzzProgram) -> Void) -> FuzzProgram {
      var copy = program
      change(&copy)
      return copy
    }
    let used = program.usedNames
    edits += program.blocks.indices.filter { !used.contains(program.blocks[$0].name) }.map { i in
      with { $0.blocks.remove(at: i) }
    }
    edits += program.constants.indices.filter { !used.contains(program.constants[$0].name) }.map { i in
      with { $0.constants.remove(at: i) }
    }
    let blocks = Dictionary(program.blocks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    edits += variants(program.body, blocks).map { body in with { $0.body = body } }
    for (i, block) in program.blocks.enumerated() {
      edits += variants(block.body, blocks).map { body in with { $0.blocks[i].body = body } }
      for (p, parameter) in block.parameters.enumerated() where !block.reads(parameter.name) {
        edits.append(with { $0.dropParameter(p, of: i) })
      }
    }
    edits += smaller(program.batch).map { batch in with { $0.batch = batch } }
    for d in program.input.indices {
      edits += smaller(program.input[d]).map { size in with { $0.input[d] = size } }
    }
    return edits
  }

  /// Single edits of a statement list: cutting its tail, removals and unwrappings first, then edits inside
  /// each statement (`blocks` lets a block instance be replaced by the block's body).
  static func variants(_ list: [FuzzStatement], _ blocks: [String: FuzzBlock]) -> [[FuzzStatement]] {
    var removals: [[FuzzStatement]] = (1..<max(1, list.count)).map { Array(list[..<$0]) }
    var inner: [[FuzzStatement]] = []
    for (i, statement) in list.enumerated() {
      var without = list
      without.remove(at: i)
      removals.append(without)
      for body in statement.bodies where !body.isEmpty {
        removals.append(Array(list[..<i]) + body + Array(list[(i + 1)...]))
      }
      for replacement in variants(statement, blocks) {
        var copy = list
        copy[i] = replacement
        inner.append(copy)
      }
    }
    return removals + inner
  }

  private static func variants(_ statement: FuzzStatement, _ blocks: [String: FuzzBlock]) -> [FuzzStatement] {
    switch statement {
    case .constant(let name, let value):
      return variants(value).map { .constant(name, $0) }
    case .layer(let name, let call):
      let inlined = blocks[call.callee].flatMap { inline($0, call) }.map { [$0] } ?? []
      return inlined + (name == nil ? [] : [.layer(name: nil, call)]) + variants(call).map { .layer(name: name, $0) }
    case .stage(let name, let call, let count):
      return [.layer(name: name, call)] + variants(count).map { .stage(name: name, call, count: $0) }
        + variants(call).map { .stage(name: name, $0, count: count) }
    case .sequential(let name, let body):
      return variants(body, blocks).map { .sequential(name: name, $0) }
    case .residual(let shortcut, let body):
      // Only shortcuts simpler than this one (any, for one an expression names): edits that trade one shortcut
      // for another and back would be accepted for ever.
      let order = ["none", "identity", "A", "B"]
      let simpler = order.prefix { .name($0) != shortcut }.map { FuzzExpr.name($0) }
      return simpler.map { .residual(shortcut: $0, body) }
        + variants(body, blocks).map { .residual(shortcut: shortcut, $0) }
    case .conditional(let condition, let then, let otherwise):
      return [.conditional(condition, then: then, otherwise: [])]
        + variants(then, blocks).map { .conditional(condition, then: $0, otherwise: otherwise) }
        + variants(otherwise, blocks).map { .conditional(condition, then: then, otherwise: $0) }
    }
  }

  /// A block instance replaced by the block's body in a `residual(none)` (which adds nothing), its parameters
  /// bound by `let`s under names of their own (`planes_unit3`), so they clash with no name where it lands.
  private static func inline(_ block: FuzzBlock, _ call: FuzzCall) -> FuzzStatement? {
    guard let bound = FuzzLayers.bind(call, to: block.parameters.map(\.name)) else { return nil }
    let renamed = Dictionary(
      block.parameters.map { ($0.name, "\($0.name)_\(block.name)") }, uniquingKeysWith: { first, _ in first })
    var lets: [FuzzStatement] = []
    for (parameter, argument) in zip(block.parameters, bound) {
      guard let value = argument ?? parameter.defaultValue.map({ $0.renaming(renamed) }) else { return nil }
      lets.append(.constant(renamed[parameter.name]!, value))
    }
    return .residual(shortcut: .name("none"), lets + block.body.map { $0.renaming(renamed) })
  }

  /// A call with one keyword argument left to its default, or one argument simpler.
  private static func variants(_ call: FuzzCall) -> [FuzzCall] {
    var calls: [FuzzCall] = []
    for i in call.keywords.indices {
      var copy = call
      copy.keywords.remove(at: i)
      calls.append(copy)
    }
    for i in call.positional.indices {
      for value in variants(call.positional[i]) {
        var copy = call
        copy.positional[i] = value
        calls.append(copy)
      }
    }
    for i in call.keywords.indices {
      for value in variants(call.keywords[i].value) {
        var copy = call
        copy.keywords[i].value = value
        calls.append(copy)
      }
    }
    return calls
  }

  /// Simpler expressions: a smaller literal, or a part of the expression in its place.
  private static func variants(_ expr: FuzzExpr) -> [FuzzExpr] {
    switch expr {
    case .integer(let n): return smaller(n).map(FuzzExpr.integer)
    case .list(let elements):
      return elements.indices.flatMap { i in
        variants(elements[i]).map { value in
          var copy = elements
          copy[i] = value
          return FuzzExpr.list(copy)
        }
      }
    case .binary(_, let lhs, let rhs): return [lhs, rhs]
    case .call(_, let arguments): return arguments
    case .unary(_, let operand): return [operand]
    case .index(let list, _): return [list]
    case .float, .boolean, .name: return []
    }
  }

  /// 1, half, and one less, when smaller than `n`.
  static func smaller(_ n: Int) -> [Int] {
    Array(Set([1, n / 2, n - 1].filter { $0 >= 1 && $0 < n })).sorted()
  }
}

extension FuzzStatement {
  /// The bodies nested in the statement.
  var bodies: [[FuzzStatement]] {
    switch self {
    case .constant, .layer, .stage: []
    case .sequential(_, let body), .residual(_, let body): [body]
    case .conditional(_, let then, let otherwise): [then, otherwise]
    }
  }
}

extension FuzzBlock {
  /// Whether the body or a parameter's default reads `name`.
  func reads(_ name: String) -> Bool {
    var names = FuzzNames()
    parameters.forEach { $0.defaultValue.map { names.visit($0) } }
    names.visit(body)
    return names.names.contains(name)
  }
}

extension FuzzProgram {
  /// Block `block` without parameter `p`, and every call of it without that argument.
  mutating func dropParameter(_ p: Int, of block: Int) {
    let name = blocks[block].name
    let parameter = blocks[block].parameters.remove(at: p).name
    func edit(_ call: FuzzCall) -> FuzzCall {
      guard call.callee == name else { return call }
      var copy = call
      if p < copy.positional.count { copy.positional.remove(at: p) }
      copy.keywords.removeAll { $0.name == parameter }
      return copy
    }
    func edit(_ statements: [FuzzStatement]) -> [FuzzStatement] {
      statements.map { statement in
        switch statement {
        case .constant: statement
        case .layer(let label, let call): .layer(name: label, edit(call))
        case .stage(let label, let call, let count): .stage(name: label, edit(call), count: count)
        case .sequential(let label, let body): .sequential(name: label, edit(body))
        case .residual(let shortcut, let body): .residual(shortcut: shortcut, edit(body))
        case .conditional(let condition, let then, let otherwise):
          .conditional(condition, then: edit(then), otherwise: edit(otherwise))
        }
      }
    }
    body = edit(body)
    for i in blocks.indices { blocks[i].body = edit(blocks[i].body) }
  }

  /// Every name the program refers to: blocks called and constants read.
  var usedNames: Set<String> {
    var names = FuzzNames()
    constants.forEach { names.visit($0.value) }
    for block in blocks {
      block.parameters.forEach { $0.defaultValue.map { names.visit($0) } }
      names.visit(block.body)
    }
    names.visit(body)
    return names.names
  }
}

/// The names expressions and statements refer to: constants, parameters, shortcut options and callees.
struct FuzzNames {
  var names: Set<String> = []

  mutating func visit(_ expr: FuzzExpr) {
    switch expr {
    case .name(let name): names.insert(name)
    case .list(let elements): elements.forEach { visit($0) }
    case .index(let list, let index):
      visit(list)
      visit(index)
    case .unary(_, let operand): visit(operand)
    case .binary(_, let lhs, let rhs):
      visit(lhs)
      visit(rhs)
    case .call(_, let arguments): arguments.forEach { visit($0) }
    case .integer, .float, .boolean: break
    }
  }

  mutating func visit(_ call: FuzzCall) {
    names.insert(call.callee)
    call.positional.forEach { visit($0) }
    call.keywords.forEach { visit($0.value) }
  }

  mutating func visit(_ statements: [FuzzStatement]) {
    for statement in statements {
      switch statement {
      case .constant(_, let value): visit(value)
      case .layer(_, let call): visit(call)
      case .stage(_, let call, let count):
        visit(call)
        visit(count)
      case .sequential(_, let body): visit(body)
      case .residual(let shortcut, let body):
        visit(shortcut)
        visit(body)
      case .conditional(let condition, let then, let otherwise):
        visit(condition)
        visit(then)
        visit(otherwise)
      }
    }
  }
}

extension FuzzExpr {
  /// The expression with names replaced as `names` says.
  func renaming(_ names: [String: String]) -> FuzzExpr {
    switch self {
    case .name(let name): .name(names[name] ?? name)
    case .list(let elements): .list(elements.map { $0.renaming(names) })
    case .index(let list, let index): .index(list.renaming(names), index.renaming(names))
    case .unary(let op, let operand): .unary(op, operand.renaming(names))
    case .binary(let op, let lhs, let rhs): .binary(op, lhs.renaming(names), rhs.renaming(names))
    case .call(let function, let arguments): .call(function, arguments.map { $0.renaming(names) })
    case .integer, .float, .boolean: self
    }
  }
}

extension FuzzStatement {
  /// The statement with the names its expressions read replaced as `names` says.
  func renaming(_ names: [String: String]) -> FuzzStatement {
    func call(_ call: FuzzCall) -> FuzzCall {
      FuzzCall(
        call.callee, positional: call.positional.map { $0.renaming(names) },
        keywords: call.keywords.map { FuzzKeyword($0.name, $0.value.renaming(names)) })
    }
    switch self {
    case .constant(let name, let value): return .constant(names[name] ?? name, value.renaming(names))
    case .layer(let label, let c): return .layer(name: label, call(c))
    case .stage(let label, let c, let count): return .stage(name: label, call(c), count: count.renaming(names))
    case .sequential(let label, let body): return .sequential(name: label, body.map { $0.renaming(names) })
    case .residual(let shortcut, let body):
      return .residual(shortcut: shortcut.renaming(names), body.map { $0.renaming(names) })
    case .conditional(let condition, let then, let otherwise):
      return .conditional(
        condition.renaming(names), then: then.map { $0.renaming(names) },
        otherwise: otherwise.map { $0.renaming(names) })
    }
  }
}
