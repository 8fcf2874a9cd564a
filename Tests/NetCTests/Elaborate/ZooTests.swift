// The zoo against the figures of its papers and torchvision: exact trainable parameter counts, MACs,
// torchvision state_dict names and shapes, and the one-line differences between related model files.

import Foundation
import Testing

@testable import NetC

@Suite struct ZooTests {
  static func load(_ name: String, options: LoadOptions = .init()) throws -> Graph {
    try ModelLoader.load(path: Zoo.path(name), options: options)
  }

  /// torchvision's counts for its models; the paper's nets counted by hand (AlexNet: 34,944 + 307,456 +
  /// 885,120 + 663,936 + 442,624 convs, 37,752,832 + 16,781,312 + 4,097,000 linears); CIFAR nets follow
  /// 97,216 n - 21,926; plain nets lose only the projection shortcuts (173,824 for the ImageNet ones) and
  /// nothing for option A.
  static let parameterCounts: [(String, Int)] = [
    ("alexnet", 61_100_840), ("alexnet_paper", 60_965_224),
    ("resnet18", 11_689_512), ("resnet34", 21_797_672), ("resnet50", 25_557_032), ("resnet101", 44_549_160),
    ("resnet152", 60_192_808), ("resnext50_32x4d", 25_028_904),
    ("plain18", 11_515_688), ("plain34", 21_623_848),
    ("resnet20", 269_722), ("resnet32", 464_154), ("resnet44", 658_586), ("resnet56", 853_018),
    ("resnet110", 1_727_962), ("resnet1202", 19_421_274), ("plain20", 269_722), ("plain56", 853_018),
  ]

  @Test func everyZooModelHasAnExpectedCount() {
    #expect(Set(Zoo.names) == Set(ZooTests.parameterCounts.map(\.0)))
  }

  @Test(arguments: ZooTests.parameterCounts)
  func trainableParameterCount(model: String, expected: Int) throws {
    #expect(try ZooTests.load(model).trainableParameterCount == expected)
  }

  /// Conv and linear multiply-accumulates at batch 1 and the declared input size, as papers and
  /// torchvision's model cards report them (rounded to 3 decimals there, hence the 0.5 % tolerance).
  @Test(arguments: [
    ("resnet50", 4.089e9), ("resnet152", 11.514e9), ("resnext50_32x4d", 4.230e9), ("alexnet", 0.714e9),
  ])
  func multiplyAccumulates(model: String, expected: Double) throws {
    let macs = Double(try ZooTests.load(model).multiplyAccumulateCount)
    #expect(abs(macs - expected) <= 0.005 * expected, "\(model): \(macs) MACs")
  }

  /// Every tensor torchvision's `state_dict` has, same name, same shape, same order.
  @Test(arguments: ["alexnet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d"])
  func torchvisionStateDict(model: String) throws {
    let expected = try Fixtures.read("Tests/NetCTests/Elaborate/Fixtures/torchvision_state_dicts.txt").split(
      separator: "\n"
    )
    .filter { $0.hasPrefix(model + " ") }.map { $0.dropFirst(model.count + 1) }.map(String.init)
    let actual = try ZooTests.load(model).parameters.map {
      "\($0.name) " + $0.shape.dims.map(String.init).joined(separator: ",")
    }
    #expect(!expected.isEmpty)
    #expect(actual == expected)
  }

  @Test(arguments: [
    ("resnet50", "layer3.5.conv2.weight", [256, 256, 3, 3]),
    ("resnet50", "layer2.0.downsample.0.weight", [512, 256, 1, 1]),
    ("resnet50", "layer2.0.downsample.1.running_var", [512]), ("resnet50", "fc.bias", [1000]),
    ("resnet50", "bn1.running_var", [64]), ("alexnet", "features.0.weight", [64, 3, 11, 11]),
    ("alexnet", "classifier.1.weight", [4096, 9216]), ("resnet20", "layer3.2.bn2.weight", [64]),
    ("resnet20", "fc.weight", [10, 64]), ("alexnet_paper", "conv2.conv.weight", [256, 48, 5, 5]),
  ])
  func parameterName(model: String, name: String, shape: [Int]) throws {
    let parameter = try ZooTests.load(model).parameters.first { $0.name == name }
    #expect(parameter?.shape == Shape(shape))
  }

  @Test func cifarNetsUseOptionAShortcuts() throws {
    let graph = try ZooTests.load("resnet20")
    let roots = Set(graph.parameters.map { String($0.name.prefix { $0 != "." }) })
    #expect(roots == ["conv1", "bn1", "layer1", "layer2", "layer3", "fc"])
    let shortcut = try #require(graph.node(named: "layer2.0.shortcut"))
    #expect(shortcut.op == .shortcutA(ShortcutA(outChannels: 32, stride: 2)))
    #expect(shortcut.shape == Shape([1, 32, 16, 16]))
    #expect(graph.node(named: "layer2.0.add")?.inputs == ["layer2.0.bn2", "layer2.0.shortcut"])
    #expect(graph.outputShape == Shape([1, 10]))
  }

  @Test func plainNetsHaveNoAdds() throws {
    for model in ["plain18", "plain34", "plain20", "plain56"] {
      #expect(try !ZooTests.load(model).nodes.contains { if case .add = $0.op { true } else { false } }, "\(model)")
    }
  }

  @Test func inputOverrideAndBatch() throws {
    let graph = try ZooTests.load("resnet50", options: LoadOptions(batch: 2, input: [3, 64, 64]))
    #expect(graph.input.shape == Shape([2, 3, 64, 64]))
    #expect(graph.node(named: "layer4.2.relu_2")?.shape == Shape([2, 2048, 2, 2]))
    #expect(graph.outputShape == Shape([2, 1000]))
    #expect(graph.trainableParameterCount == 25_557_032)
  }

  /// Depth is a one-line change; so are cardinality and width. Beyond those, only the network's name differs.
  @Test(arguments: [
    ("resnet50", "resnet101", ["let depths"]), ("resnet50", "resnet152", ["let depths"]),
    ("resnet50", "resnext50_32x4d", ["let groups", "let base_width"]), ("resnet18", "resnet34", ["let depths"]),
    ("resnet18", "plain18", ["let shortcut"]), ("resnet20", "resnet110", ["let n"]),
    ("resnet56", "plain56", ["let shortcut"]),
  ])
  func relatedModelFilesDiffer(only first: String, _ second: String, in lines: [String]) throws {
    let a = try String(contentsOfFile: Zoo.path(first), encoding: .utf8).split(separator: "\n")
    let b = try String(contentsOfFile: Zoo.path(second), encoding: .utf8).split(separator: "\n")
    #expect(a.count == b.count)
    let differing = zip(a, b).filter { $0 != $1 }.map { String($0.0.prefix { $0 != "=" && $0 != "{" }) }
    #expect(differing.map { $0.trimmingCharacters(in: .whitespaces) } == lines + ["network \(first)"])
  }
}
