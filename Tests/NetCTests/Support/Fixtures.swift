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
    let hint = "\(relativePath) differs; regenerate with NETC_UPDATE_GOLDEN=1"
    #expect(actual == expected, Comment(rawValue: hint), sourceLocation: sourceLocation)
  }
}
