// The small comparisons `netc diff` reports: attribute lists (`groups=1 → 32`, `+relu`) and parameter tensors
// (`@layer1.0.bn1.{weight,bias,running_mean,running_var} [64] → [128] (4 × 64 → 4 × 128)`).

enum AttributeChange {
  /// `out=64` → ("out", "64"); a bare flag `relu` → ("relu", nil).
  static func split(_ attribute: String) -> (String, String?) {
    let parts = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    return (String(parts[0]), parts.count == 2 ? String(parts[1]) : nil)
  }

  /// The differences between two keyed lists, in the new list's order, then what only the old one has;
  /// with `unchanged`, equal entries are listed too (a block header reads best whole).
  static func merge(_ old: [(String, String?)], _ new: [(String, String?)], unchanged: Bool) -> [String] {
    func spell(_ entry: (String, String?)) -> String { entry.1.map { "\(entry.0)=\($0)" } ?? entry.0 }
    var result: [String] = []
    for entry in new {
      guard let previous = old.first(where: { $0.0 == entry.0 }) else {
        result.append("+" + spell(entry))
        continue
      }
      if previous.1 != entry.1 {
        result.append("\(entry.0)=\(previous.1 ?? "") → \(entry.1 ?? "")")
      } else if unchanged {
        result.append(spell(entry))
      }
    }
    for entry in old where !new.contains(where: { $0.0 == entry.0 }) { result.append("-" + spell(entry)) }
    return result
  }
}

enum ParameterChange {
  private struct Entry {
    var marker: String
    var name: String
    var old: Shape?
    var new: Shape?
    var module: Substring { name[..<(name.lastIndex(of: ".") ?? name.endIndex)] }
  }

  /// One line per parameter added (`+`), removed (`-`) or reshaped (`~`), indented under its op; neighbours of one
  /// module with the same change share a line.
  static func lines(old: [Parameter], new: [Parameter]) -> [(String, String)] {
    var entries: [Entry] = []
    for parameter in new {
      if let previous = old.first(where: { $0.name == parameter.name }) {
        if previous.shape != parameter.shape {
          entries.append(Entry(marker: "~", name: parameter.name, old: previous.shape, new: parameter.shape))
        }
      } else {
        entries.append(Entry(marker: "+", name: parameter.name, old: nil, new: parameter.shape))
      }
    }
    for parameter in old where !new.contains(where: { $0.name == parameter.name }) {
      entries.append(Entry(marker: "-", name: parameter.name, old: parameter.shape, new: nil))
    }
    var groups: [[Entry]] = []
    for entry in entries {
      if let last = groups.last?.last, last.marker == entry.marker, last.old == entry.old, last.new == entry.new,
        last.module == entry.module
      {
        groups[groups.count - 1].append(entry)
      } else {
        groups.append([entry])
      }
    }
    return groups.map { ($0[0].marker, "  " + text($0)) }
  }

  private static func text(_ group: [Entry]) -> String {
    let first = group[0]
    let suffixes = group.map { $0.name.dropFirst(first.module.count + 1) }
    let name = group.count == 1 ? first.name : "\(first.module).{" + suffixes.joined(separator: ",") + "}"
    func count(_ shape: Shape) -> String {
      (group.count == 1 ? "" : "\(group.count) × ") + grouped(shape.elementCount)
    }
    switch (first.old, first.new) {
    case (let old?, let new?):
      return "@\(name) \(old.dimsText) → \(new.dimsText) (\(count(old)) → \(count(new)))"
    case (nil, let new?):
      return "@\(name) \(new.dimsText) (\(count(new)))"
    case (let old?, nil):
      return "@\(name) \(old.dimsText) (\(count(old)))"
    case (nil, nil):
      preconditionFailure("a parameter change has a shape on at least one side")
    }
  }
}
