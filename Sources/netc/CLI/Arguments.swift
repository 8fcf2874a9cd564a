// A small command-line parser: options by name, flags, positionals, and an error for anything left over.

struct Arguments {
  private var words: [String]
  /// Words already consumed, so `finish()` can reject the rest.
  private var consumed: Set<Int> = []

  init(_ words: [String]) { self.words = words }

  /// `--name value` or `--name=value`; nil when absent. The last occurrence wins.
  mutating func option(_ name: String) throws -> String? {
    var value: String?
    var i = 0
    while i < words.count {
      if words[i] == name {
        guard i + 1 < words.count, !consumed.contains(i + 1) else { throw UsageError("option '\(name)' needs a value") }
        value = words[i + 1]
        consumed.insert(i)
        consumed.insert(i + 1)
        i += 2
        continue
      }
      if words[i].hasPrefix(name + "=") {
        value = String(words[i].dropFirst(name.count + 1))
        consumed.insert(i)
      }
      i += 1
    }
    return value
  }

  /// Every value of a repeatable option, in order.
  mutating func options(_ name: String) throws -> [String] {
    var values: [String] = []
    var i = 0
    while i < words.count {
      if words[i] == name {
        guard i + 1 < words.count else { throw UsageError("option '\(name)' needs a value") }
        values.append(words[i + 1])
        consumed.formUnion([i, i + 1])
        i += 2
        continue
      }
      if words[i].hasPrefix(name + "=") {
        values.append(String(words[i].dropFirst(name.count + 1)))
        consumed.insert(i)
      }
      i += 1
    }
    return values
  }

  mutating func intOption(_ name: String, in range: ClosedRange<Int> = 1...Int.max) throws -> Int? {
    guard let text = try option(name) else { return nil }
    guard let value = Int(text), range.contains(value) else {
      let bound = range.upperBound == Int.max ? "an integer ≥ \(range.lowerBound)" : "an integer in \(range.lowerBound)...\(range.upperBound)"
      throw UsageError("option '\(name)' expects \(bound), got '\(text)'")
    }
    return value
  }

  mutating func doubleOption(_ name: String) throws -> Double? {
    guard let text = try option(name) else { return nil }
    guard let value = Double(text), value.isFinite else {
      throw UsageError("option '\(name)' expects a number, got '\(text)'")
    }
    return value
  }

  mutating func flag(_ name: String) -> Bool {
    var found = false
    for (i, word) in words.enumerated() where word == name && !consumed.contains(i) {
      consumed.insert(i)
      found = true
    }
    return found
  }

  /// The next positional argument (a word not starting with `-`, or `-` itself for stdin).
  mutating func positional(_ what: String) throws -> String {
    guard let value = optionalPositional() else { throw UsageError("missing \(what)") }
    return value
  }

  mutating func optionalPositional() -> String? {
    for (i, word) in words.enumerated() where !consumed.contains(i) && (!word.hasPrefix("-") || word == "-") {
      consumed.insert(i)
      return word
    }
    return nil
  }

  /// Rejects anything not consumed: an unknown option or an extra argument.
  func finish() throws {
    for (i, word) in words.enumerated() where !consumed.contains(i) {
      throw UsageError(word.hasPrefix("-") ? "unknown option '\(word)'" : "unexpected argument '\(word)'")
    }
  }
}
