// A directory of build products, each in a subdirectory named by the hash of everything its build reads, so a
// product is built once per distinct input and never handed back for inputs it was not built from.

import Foundation

public struct BuildCache: Sendable {
  public var directory: URL
  /// How many products the cache keeps: after a build, the least recently used beyond these are removed, so a
  /// cache that every `netc run`, `check` and `train` adds to stays bounded. nil keeps every product.
  public var capacity: Int?

  /// The user's cache directory (`~/.cache/netc` on Linux).
  public static var userDirectory: URL {
    let caches =
      FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
      ?? FileManager.default.temporaryDirectory
    return caches.appendingPathComponent("netc", isDirectory: true)
  }

  /// Built drivers and libraries are 0.1–3 MB with their C; 64 of them cover a working set of models and options.
  public init(directory: URL = userDirectory, capacity: Int? = 64) {
    self.directory = directory
    self.capacity = capacity
  }

  /// The file `product` built from `files` (name, text) by `build`, which is given the directory holding them and
  /// writes `product` there, unless the cache has it for these `inputs`. Concurrent builds of the same inputs each
  /// build in a private directory and the first rename wins, so nobody sees a half-written product.
  public func product(
    _ product: String, inputs: [String], files: [(name: String, text: String)], build: (URL) throws -> Void
  ) throws -> URL {
    let key = SHA256.hex(Array(inputs.joined(separator: "\u{0}").utf8))
    let entry = directory.appendingPathComponent(key, isDirectory: true)
    let built = entry.appendingPathComponent(product)
    if FileManager.default.fileExists(atPath: built.path) {
      // Marks the entry used, which is what keeps it from being pruned.
      try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: entry.path)
      return built
    }
    let staging = directory.appendingPathComponent("\(key).\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: staging) }
    for file in files {
      try file.text.write(to: staging.appendingPathComponent(file.name), atomically: false, encoding: .utf8)
    }
    try build(staging)
    do {
      try FileManager.default.moveItem(at: staging, to: entry)
    } catch where FileManager.default.fileExists(atPath: built.path) {
      // Another build of the same inputs got there first; its product is the same.
    }
    prune()
    return built
  }

  /// Removes the least recently used entries beyond `capacity`. Only entries (directories named by a key) are
  /// candidates: other builds' staging directories and any file a user put here are left alone.
  func prune() {
    guard let capacity,
      let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
    else { return }
    let entries = names.filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }.map { name in
      let path = directory.appendingPathComponent(name).path
      let attributes = try? FileManager.default.attributesOfItem(atPath: path)
      return (path: path, used: attributes?[.modificationDate] as? Date ?? .distantPast)
    }
    guard entries.count > capacity else { return }
    // Newest first; ties broken by path so that which entries go does not depend on the listing's order.
    let byUse = entries.sorted { $0.used != $1.used ? $0.used > $1.used : $0.path < $1.path }
    for entry in byUse.dropFirst(capacity) { try? FileManager.default.removeItem(atPath: entry.path) }
  }
}
