// Names made unique by a numeric suffix, the one rule every stage that invents names (C functions and fields,
// recomputed training values) follows, so that a name's stem stays readable in dumps and generated C.

extension Set<String> {
  /// `stem` if it is free, else the first free of `stem_2`, `stem_3`, …; the name returned is taken from then on.
  mutating func claimUnique(_ stem: String) -> String {
    var name = stem
    var suffix = 2
    while contains(name) {
      name = "\(stem)_\(suffix)"
      suffix += 1
    }
    insert(name)
    return name
  }
}
