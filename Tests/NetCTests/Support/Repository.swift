// Paths into the repository for tests: the zoo, and the folders golden files live in.

import Foundation

enum Repository {
  /// The repository root: four components up from this file (`Tests/NetCTests/Support/Repository.swift`).
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static let models = root.appendingPathComponent("Models")

  /// A file or folder given by its path from the repository root.
  static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

  /// The text of a file given by its path from the repository root.
  static func read(_ relativePath: String) throws -> String {
    try String(contentsOf: url(relativePath), encoding: .utf8)
  }

  /// The zoo's network names (`resnet50`), from the `.net` files directly in `Models/`, sorted.
  static var zoo: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? []
    return files.filter { $0.hasSuffix(".net") }.map { String($0.dropLast(4)) }.sorted()
  }

  static func model(_ name: String) -> URL { models.appendingPathComponent(name + ".net") }

  /// The files under `directory` with their contents, keyed by path, for `ModelLoader.load(path:files:)`.
  static func files(under directory: URL) throws -> [String: [UInt8]] {
    var files: [String: [UInt8]] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory.path)
    while let relative = enumerator?.nextObject() as? String {
      guard relative.hasSuffix(".net") else { continue }
      let url = directory.appendingPathComponent(relative)
      files[url.path] = Array(try Data(contentsOf: url))
    }
    return files
  }
}
