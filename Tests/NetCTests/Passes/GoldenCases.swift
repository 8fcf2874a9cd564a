// The format of the passes' golden files: minimal cases separated by `// -----`, each an input graph and the
// exact graph (and counts) a pass makes of it.
//
//   // CASE: <title>
//   <input IR>
//   // EXPECT: <statistics, e.g. folded=1>
//   <output IR>
//   // -----

import NetC

struct GoldenCase {
  var title: String
  var input: String
  /// First line of the input in the golden file, so parse errors point at the right line.
  var inputLine: Int
  var statistics: String
  var output: String
  var outputLine: Int

  static let separator = "// -----"

  static func parse(_ text: String, path: String) throws -> [GoldenCase] {
    var cases: [GoldenCase] = []
    var lineNumber = 1
    for chunk in text.components(separatedBy: separator + "\n") {
      let lines = chunk.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      defer { lineNumber += lines.count }
      guard let first = lines.first, first.hasPrefix("// CASE: "),
        let expect = lines.firstIndex(where: { $0.hasPrefix("// EXPECT:") })
      else {
        throw GoldenFormatError("\(path):\(lineNumber): a case starts with '// CASE: <title>' and has '// EXPECT:'")
      }
      cases.append(
        GoldenCase(
          title: String(first.dropFirst("// CASE: ".count)),
          input: lines[1..<expect].joined(separator: "\n") + "\n", inputLine: lineNumber + 1,
          statistics: String(lines[expect].dropFirst("// EXPECT:".count)).trimmingPrefix(" ").description,
          output: lines[(expect + 1)...].joined(separator: "\n"), outputLine: lineNumber + expect + 1))
    }
    return cases
  }

  /// The case as the golden file spells it.
  var text: String {
    "// CASE: \(title)\n\(input)// EXPECT: \(statistics)\n\(output)"
  }

  static func render(_ cases: [GoldenCase]) -> String {
    cases.map(\.text).joined(separator: separator + "\n")
  }

  /// Parses IR text that starts at `line` of the golden file, so diagnostics name the real line.
  static func graph(_ text: String, path: String, line: Int) throws -> Graph {
    try IRParser.parse(SourceFile(path: path, text: String(repeating: "\n", count: line - 1) + text))
  }
}

struct GoldenFormatError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
