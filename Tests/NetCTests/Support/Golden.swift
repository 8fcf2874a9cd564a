// Golden files: compared byte for byte; rewritten only when NETC_UPDATE_GOLDEN=1.

import Foundation
import Testing

enum Golden {
  static var updating: Bool { ProcessInfo.processInfo.environment["NETC_UPDATE_GOLDEN"] == "1" }

  /// Checks `actual` against the file at `url`, reporting the first differing line rather than two huge strings.
  static func expect(_ actual: String, matches url: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    if updating {
      do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
      } catch {
        Issue.record("cannot write golden file \(url.path): \(error)", sourceLocation: sourceLocation)
      }
      return
    }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      Issue.record("missing golden file \(url.path); run with NETC_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
      return
    }
    let expected = String(decoding: data, as: UTF8.self)
    guard actual != expected else { return }
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line = zip(actualLines, expectedLines).enumerated().first { $1.0 != $1.1 }?.offset
      ?? min(actualLines.count, expectedLines.count)
    let got = line < actualLines.count ? String(actualLines[line]) : "<end>"
    let wanted = line < expectedLines.count ? String(expectedLines[line]) : "<end>"
    Issue.record(
      "\(url.lastPathComponent) differs at line \(line + 1):\n  expected: \(wanted)\n  actual:   \(got)",
      sourceLocation: sourceLocation)
  }
}
