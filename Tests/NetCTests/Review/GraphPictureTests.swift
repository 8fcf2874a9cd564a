// `netc graph`: the DOT of two small models byte for byte; for every zoo model, the picture's structure
// (a box per block, a cluster per stage, one styled shortcut edge per residual add, every edge between
// declared boxes); and, where Graphviz is installed, SVG rendering of the whole zoo.

import Foundation
import Testing

@testable import NetC

@Suite struct GraphPictureTests {
  @Test(arguments: ["resnet20", "alexnet_paper"])
  func golden(model: String) throws {
    let dot = DotRenderer.dot(try ModelLoader.load(path: Zoo.path(model)))
    try Fixtures.expectGolden(dot, "Tests/NetCTests/Review/Golden/\(model).dot")
  }

  /// The boxes and edges of a DOT text as `DotRenderer` writes them: one statement per line.
  struct Picture {
    var boxes: [String] = []
    var clusters: [String] = []
    var edges: [(from: String, to: String, attributes: String)] = []

    init(_ dot: String) {
      for line in dot.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
        let quoted = line.split(separator: "\"", omittingEmptySubsequences: false).map(String.init)
        if line.hasPrefix("subgraph \"cluster_") {
          clusters.append(String(quoted[1].dropFirst("cluster_".count)))
        } else if quoted.count >= 5 && quoted[2] == " -> " {
          let rest = quoted[4...].joined(separator: "\"")
          edges.append((quoted[1], quoted[3], rest))
        } else if quoted.count >= 3 && quoted[0].isEmpty && quoted[2].hasPrefix(" [label=") {
          boxes.append(quoted[1])
        }
      }
    }
  }

  @Test(arguments: Zoo.names)
  func structure(model: String) throws {
    let graph = try ModelLoader.load(path: Zoo.path(model))
    let picture = Picture(DotRenderer.dot(graph))
    let blocks = graph.scopes.filter { $0.kind == .block }.map(\.path)
    let boxes = Set(picture.boxes)
    #expect(boxes.count == picture.boxes.count, "a box is declared twice")
    #expect(blocks.allSatisfy(boxes.contains))
    #expect(!graph.nodes.contains { boxes.contains($0.name) && $0.scope != "" && blocks.contains($0.scope) })
    #expect(picture.clusters == graph.scopes.filter { $0.kind != .block }.map(\.path))
    #expect(picture.edges.allSatisfy { boxes.contains($0.from) && boxes.contains($0.to) })
    let adds = graph.nodes.filter { if case .add = $0.op { true } else { false } }.count
    let shortcuts = picture.edges.filter { $0.attributes.contains("headport=e") }
    #expect(shortcuts.count == adds)
    let optionA = graph.nodes.filter { if case .shortcutA = $0.op { true } else { false } }.count
    #expect(shortcuts.filter { $0.attributes.contains("label=\"option A") }.count == optionA)
    let projections = graph.parameters.filter { $0.name.hasSuffix("downsample.0.weight") }.count
    #expect(shortcuts.filter { $0.attributes.contains("label=\"projection 1x1/") }.count == projections)
  }

  /// Whether `dot` is on the PATH, where `netc graph --svg` looks for it.
  static let hasGraphviz = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: $0 + "/dot")
  }

  @Test(.enabled(if: hasGraphviz, "needs Graphviz's 'dot' (apt-get install graphviz; .ci/run tries to)"))
  func zooRendersToSVG() throws {
    let scratch = try ScratchDirectory("graph-svg")
    defer { scratch.cleanUp() }
    for model in Zoo.names {
      let svg = scratch.path(model + ".svg")
      let result = try runNetc(["graph", "Models/\(model).net", "--svg", svg])
      #expect(result.status == 0, "\(model): \(result.stderr)")
      let text = try String(contentsOfFile: svg, encoding: .utf8)
      #expect(text.contains("<svg") && text.contains("</svg>"), "\(model)")
      let hasStages = try ModelLoader.load(path: Zoo.path(model)).scopes.contains { $0.kind == .stage }
      #expect(text.contains(">stage layer1 = ") == hasStages, "\(model): stage labels")
    }
  }

  @Test func commandLine() throws {
    let dot = try runNetc(["graph", "Models/resnet20.net", "--dot"])
    #expect(dot.status == 0)
    #expect(dot.stdout == (try Fixtures.read("Tests/NetCTests/Review/Golden/resnet20.dot")))
    let both = try runNetc(["graph", "Models/resnet20.net", "--dot", "--svg", "x.svg"])
    #expect(both.status == 2)
    #expect(both.stderr.hasPrefix("error: '--dot' and '--svg' cannot be combined\n"))
  }
}
