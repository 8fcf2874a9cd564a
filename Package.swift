// swift-tools-version:6.0
// netc: a compiler from a small architecture language for convolutional networks to one C file.
// No package dependencies: the standard library and Foundation only.
import PackageDescription

let package = Package(
  name: "netc",
  products: [
    .executable(name: "netc", targets: ["netc"]),
    .library(name: "NetC", targets: ["NetC"]),
  ],
  targets: [
    .target(name: "NetC", path: "Sources/NetC"),
    .executableTarget(name: "netc", dependencies: ["NetC"], path: "Sources/netc"),
    .testTarget(
      name: "NetCTests", dependencies: ["NetC"], path: "Tests/NetCTests",
      // Golden files the tests read from the source tree (they are not bundle resources).
      exclude: [
        "Passes/drop-dropout.nir", "Passes/fold-bn.nir", "Passes/fuse-option-a.nir", "Passes/fuse-residual-add.nir",
        "Passes/fuse-activation.nir", "Passes/eliminate-dead-code.nir",
        "Weights/Fixtures",
      ]),
  ]
)
