// swift-tools-version:6.0
// netc: a compiler from a small architecture language for convolutional networks to one C file.
// No package dependencies: the standard library and Foundation only.
import Foundation
import PackageDescription

/// Every non-Swift file under the tests is test data (golden files, fixtures, bad inputs) that the tests
/// read from the source tree through `#filePath`, so none of it is compiled or bundled.
let testData: [String] = {
  let root = Context.packageDirectory + "/Tests/NetCTests"
  let paths = (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? []
  return paths.filter { path in
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
    return exists && !isDirectory.boolValue && !path.hasSuffix(".swift")
  }.sorted()
}()

let package = Package(
  name: "netc",
  products: [
    .executable(name: "netc", targets: ["netc"]),
    .library(name: "NetC", targets: ["NetC"]),
  ],
  targets: [
    .target(name: "NetC", path: "Sources/NetC"),
    .executableTarget(name: "netc", dependencies: ["NetC"], path: "Sources/netc"),
    .testTarget(name: "NetCTests", dependencies: ["NetC"], path: "Tests/NetCTests", exclude: testData),
  ]
)
