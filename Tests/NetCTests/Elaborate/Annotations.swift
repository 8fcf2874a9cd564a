// The inline expectations of the bad-input files: `# expected-error:COL {{message}}` on the line the error
// points at, `@+N` / `@-N` to point N lines below or above, `@file` for an error about a whole file, and
// `expected-note` likewise for the notes.

import Foundation
import NetC

enum Annotations {
  /// Every expected diagnostic of one file, as `path:line:col: severity: message` (`path: …` for `@file`).
  static func expected(in text: String, path: String) -> [String] {
    let pattern =
      #/expected-(?<severity>error|note)(?:@(?<offset>[+-]\d+|file))?(?::(?<column>\d+))? \{\{(?<message>.*?)\}\}/#
    var entries: [String] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      guard let comment = line.firstIndex(of: "#") else { continue }
      for match in line[comment...].matches(of: pattern) {
        let severity = match.severity
        let message = match.message
        if match.offset == "file" {
          entries.append("\(path): \(severity): \(message)")
          continue
        }
        let lineNumber = index + 1 + (match.offset.flatMap { Int($0) } ?? 0)
        entries.append("\(path):\(lineNumber):\(match.column ?? "?"): \(severity): \(message)")
      }
    }
    return entries
  }

  /// The same form for what the front end reported, notes included.
  static func actual(_ diagnostics: [Diagnostic]) -> [String] {
    diagnostics.flatMap { diagnostic in
      [entry(diagnostic.severity.rawValue, diagnostic.message, diagnostic.range)]
        + diagnostic.notes.map { entry("note", $0.message, $0.range) }
    }
  }

  private static func entry(_ severity: String, _ message: String, _ range: SourceRange?) -> String {
    guard let range else {
      // A file-level message names its file itself (`x.net: file is empty`).
      let path = message.prefix { $0 != ":" }
      return "\(path): \(severity): \(message)"
    }
    return "\(range.start): \(severity): \(message)"
  }
}
