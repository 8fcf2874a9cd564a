// The model zoo for tests: its network names, their files, and every `.net` file in memory for
// `ModelLoader.load(path:files:)`.

import Foundation

enum Zoo {
  static let directory = Fixtures.url("Models")

  /// The zoo's network names (`resnet50`), from the `.net` files directly in `Models/`, sorted.
  static var names: [String] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return files.filter { $0.hasSuffix(".net") }.map { String($0.dropLast(4)) }.sorted()
  }

  static func path(_ name: String) -> String { directory.appendingPathComponent(name + ".net").path }

  /// The `.net` files under `directory` (all of `Models/` by default), keyed by path.
  static func files(under directory: URL = Zoo.directory) throws -> [String: [UInt8]] {
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
