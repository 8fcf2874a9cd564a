// Module names: explicit names (`conv1 = …`), automatic names for unnamed layers (`relu`, `relu_1`, …) that
// never take a name written explicitly anywhere in the body, and positional names inside `sequential`.

struct NameSpace {
  /// The module path of the scope (`layer1.0`); empty at the network's top level.
  let path: String
  /// Inside `sequential`, layers are named by position (`features.0`, `features.1`, …).
  let isSequential: Bool
  /// Names written explicitly anywhere in the body (both branches of an `if` included), reserved up front so
  /// the automatic names never depend on statement order.
  private let reserved: Set<String>
  private var used: [String: SourceRange] = [:]
  private var nextSuffix: [String: Int] = [:]
  private var nextPosition = 0

  init(path: String, isSequential: Bool = false, reserved: Set<String>) {
    self.path = path
    self.isSequential = isSequential
    self.reserved = reserved
  }

  /// The names written explicitly in a body, at any depth of `if` and `residual` (not inside `sequential`,
  /// which names its own layers).
  static func explicitNames(in body: [Statement]) -> Set<String> {
    var names = Set<String>()
    collectExplicitNames(body, into: &names)
    return names
  }

  private static func collectExplicitNames(_ statements: [Statement], into names: inout Set<String>) {
    for statement in statements {
      switch statement.kind {
      case .layer(let name?, _, _), .sequential(let name?, _):
        names.insert(name.name)
      case .residual(_, let body):
        collectExplicitNames(body, into: &names)
      case .if(_, let then, let otherwise):
        collectExplicitNames(then, into: &names)
        collectExplicitNames(otherwise, into: &names)
      default:
        break
      }
    }
  }

  /// The full module path of a name in this scope.
  func qualified(_ local: String) -> String {
    path.isEmpty ? local : path + "." + local
  }

  /// The local name of a layer statement: its position inside `sequential`, else its explicit name, else an
  /// automatic name from `kind` (the layer or block it calls).
  mutating func name(for explicit: Identifier?, kind: String, at range: SourceRange) throws -> String {
    if isSequential {
      if let explicit {
        throw Diagnostic.error(FrontEndMessages.namedLayerInSequential(explicit.name), at: explicit.range)
      }
      defer { nextPosition += 1 }
      return claim(String(nextPosition), at: range)
    }
    guard let explicit else { return automaticName(kind, at: range) }
    if let previous = used[explicit.name] {
      throw Diagnostic.error(
        FrontEndMessages.duplicateLayerName(explicit.name), at: explicit.range,
        notes: [.init(FrontEndMessages.previousDefinition(explicit.name), at: previous)])
    }
    return claim(explicit.name, at: explicit.range)
  }

  /// `kind`, then `kind_1`, `kind_2`, …: the first that is neither reserved nor taken.
  mutating func automaticName(_ kind: String, at range: SourceRange) -> String {
    var suffix = nextSuffix[kind, default: 0]
    while true {
      let candidate = suffix == 0 ? kind : "\(kind)_\(suffix)"
      suffix += 1
      if !reserved.contains(candidate) && used[candidate] == nil {
        nextSuffix[kind] = suffix
        return claim(candidate, at: range)
      }
    }
  }

  private mutating func claim(_ name: String, at range: SourceRange) -> String {
    used[name] = range
    return name
  }
}
