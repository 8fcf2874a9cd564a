// The build cache: a product is built once per distinct input, and the least recently used entries beyond the
// capacity are pruned.

import Foundation
import Testing

@testable import NetC

@Suite struct BuildCacheTests {
  /// A cache with a "build" that writes its input's text and counts the builds.
  struct Counting {
    var cache: BuildCache
    var builds = 0

    mutating func product(_ text: String) throws -> URL {
      var built = false
      let url = try cache.product("out.txt", inputs: [text], files: [(name: "in.txt", text: text)]) { directory in
        built = true
        let source = try String(contentsOf: directory.appendingPathComponent("in.txt"), encoding: .utf8)
        let output = directory.appendingPathComponent("out.txt")
        try source.uppercased().write(to: output, atomically: false, encoding: .utf8)
      }
      if built { builds += 1 }
      return url
    }
  }

  @Test func buildsOncePerInputAndPrunesTheLeastRecentlyUsed() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var cache = Counting(cache: BuildCache(directory: directory, capacity: 2))
    let a = try cache.product("a")
    #expect(try String(contentsOf: a, encoding: .utf8) == "A")
    _ = try cache.product("b")
    #expect(cache.builds == 2)
    // Ages the entries explicitly: modification times can tie within the file system's resolution.
    for (url, age) in [(a, 30.0), (try cache.product("b"), 20.0)] {
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: url.deletingLastPathComponent().path)
    }
    #expect(cache.builds == 2)
    _ = try cache.product("a")  // a hit, which makes 'a' the most recently used
    #expect(cache.builds == 2)
    _ = try cache.product("c")  // a third entry: 'b', the least recently used, goes
    #expect(cache.builds == 3)
    let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(entries.count == 2)
    _ = try cache.product("a")
    #expect(cache.builds == 3)
    _ = try cache.product("b")
    #expect(cache.builds == 4)
  }
}
