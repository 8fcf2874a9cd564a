// Finding files from tests (relative to this source file) and comparing golden files byte for byte.

import Foundation
import Testing

enum Fixtures {
  /// The repository root: three levels up from this file (`Tests/NetCTests/Support/`).
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

  static func read(_ relativePath: String) throws -> String {
    try String(contentsOf: url(relativePath), encoding: .utf8)
  }

  /// `NETC_UPDATE_GOLDEN=1 swift test …` rewrites golden files instead of comparing them.
  static var updatingGoldens: Bool { ProcessInfo.processInfo.environment["NETC_UPDATE_GOLDEN"] == "1" }

  /// Compares `actual` with the golden file byte for byte, or rewrites the file when updating goldens.
  static func expectGolden(
    _ actual: String, _ relativePath: String, sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) throws {
    let url = url(relativePath)
    if updatingGoldens {
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    guard actual != expected else { return }
    // The first differing line, not both texts: goldens run to hundreds of kilobytes.
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line = zip(actualLines, expectedLines).enumerated().first { $1.0 != $1.1 }?.offset
      ?? min(actualLines.count, expectedLines.count)
    func text(_ lines: [Substring]) -> String { line < lines.count ? String(lines[line]) : "<end of file>" }
    let message = "\(relativePath) differs at line \(line + 1); regenerate with NETC_UPDATE_GOLDEN=1\n"
      + "  expected: \(text(expectedLines))\n  actual:   \(text(actualLines))"
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
  }
}
