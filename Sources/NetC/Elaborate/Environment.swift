// Name lookup for expressions: nested frames (block parameters, local `let`s in bodies) over the file-level
// constants, over the predefined shortcut names.

/// A name's value and where it was defined; `value` is nil when its definition failed, which was already
/// reported, so uses of it stay silent instead of cascading.
struct Binding: Sendable {
  var value: Value?
  var range: SourceRange?
}

/// Thrown when an expression uses something whose error was already reported.
struct AlreadyReported: Error {}

struct Environment: Sendable {
  var globals: [String: Binding]
  var frames: [[String: Binding]] = [[:]]

  static let predefined: [String: Value] = Dictionary(
    uniqueKeysWithValues: Shortcut.allCases.map { ($0.rawValue, .shortcut($0)) })

  func lookup(_ name: String) -> Binding? {
    for frame in frames.reversed() {
      if let binding = frame[name] { return binding }
    }
    if let binding = globals[name] { return binding }
    return Environment.predefined[name].map { Binding(value: $0, range: nil) }
  }

  /// Every name an expression here could use, sorted so suggestions are deterministic.
  var visibleNames: [String] {
    var names = Set(globals.keys).union(Environment.predefined.keys)
    for frame in frames { names.formUnion(frame.keys) }
    return names.sorted()
  }

  /// Defines a name in the innermost frame; a second definition in the same frame is an error.
  mutating func define(_ name: Identifier, _ value: Value?) throws {
    if Environment.predefined[name.name] != nil {
      throw Diagnostic.error(FrontEndMessages.redefinesShortcut(name.name), at: name.range)
    }
    if let previous = frames[frames.count - 1][name.name] {
      throw Diagnostic.error(
        FrontEndMessages.duplicateDefinition(name.name), at: name.range,
        notes: previous.range.map { [.init(FrontEndMessages.previousDefinition(name.name), at: $0)] } ?? [])
    }
    frames[frames.count - 1][name.name] = Binding(value: value, range: name.range)
  }

  /// The same environment with an empty innermost frame, for a body's local names.
  func pushed() -> Environment {
    var copy = self
    copy.frames.append([:])
    return copy
  }
}
