// The language's rules on small programs: naming (explicit, automatic, positional), scopes and their
// recorded arguments, stages, shortcuts, expressions and conditionals.

import Testing

@testable import NetC

@Suite struct LanguageTests {
  func load(_ text: String, options: LoadOptions = .init()) throws -> Graph {
    try ModelLoader.load(path: "m.net", files: ["m.net": text], options: options)
  }

  func names(_ graph: Graph) -> [String] { graph.nodes.map(\.name) }

  /// Automatic names never take a name written explicitly anywhere in the body, whatever the order.
  @Test func automaticNamesAvoidExplicitOnes() throws {
    let graph = try load(
      """
      network n {
        input 3x8x8
        relu
        relu_1 = relu
        relu
        if false {
          relu_2 = relu
        }
        relu
      }
      """)
    #expect(names(graph) == ["input", "relu", "relu_1", "relu_3", "relu_4"])
  }

  @Test func residualsProjectionsAndAdds() throws {
    let graph = try load(
      """
      block twice(c) {
        residual(C) {
          conv1 = conv(c, 3, pad = 1, bias = false)
        }
        residual(C) {
          conv2 = conv(c * 2, 3, stride = 2, pad = 1, bias = false)
        }
      }
      network n {
        input 4x8x8
        t = twice(4)
      }
      """)
    #expect(
      names(graph) == [
        "input", "t.conv1", "t.downsample.0", "t.downsample.1", "t.add", "t.conv2", "t.downsample_1.0",
        "t.downsample_1.1", "t.add_1",
      ])
    let projection = try #require(graph.node(named: "t.downsample_1.0"))
    #expect(
      projection.op
        == .conv(
          Conv(
            outChannels: 8, kernel: Pair(square: 1), stride: Pair(square: 2), module: "t.downsample_1.0", hasBias: false
          )))
    #expect(graph.node(named: "t.add_1")?.inputs == ["t.conv2", "t.downsample_1.1"])
    #expect(graph.nodes.allSatisfy { $0.name == "input" || $0.scope == "t" })
  }

  @Test func optionAShortcutIsIdentityWhereShapesMatch() throws {
    let graph = try load("network n {\n  input 4x8x8\n  residual(A) {\n    relu\n  }\n}\n")
    #expect(names(graph) == ["input", "relu", "add"])
    #expect(graph.node(named: "add")?.op == .add(Add()))
  }

  @Test func sequentialNamesByPosition() throws {
    let graph = try load(
      """
      network n {
        input 3x8x8
        features = sequential {
          conv(4, 3)
          let k = 2
          relu
          sequential {
            maxpool(k)
            relu
          }
        }
        sequential {
          flatten
        }
      }
      """)
    #expect(
      names(graph) == [
        "input", "features.0", "features.1", "features.2.0", "features.2.1", "sequential.0",
      ])
    #expect(graph.scopes.map(\.path) == ["features", "features.2", "sequential"])
    #expect(graph.scopes[1].parent == "features")
    #expect(graph.node(named: "features.2.0")?.scope == "features.2")
  }

  /// A stage records its count; each block its arguments in declaration order with defaults, spelled as in
  /// source; instances after the first run with stride 1.
  @Test func stagesAndScopes() throws {
    let graph = try load(
      """
      block unit(planes, stride = 1, eps = 1e-5, kernel = [3, 3], shortcut = B, wide = planes * 2, norm = true) {
        conv1 = conv(wide, kernel, stride = stride, pad = 1)
        if norm {
          bn = batchnorm(eps = eps)
        }
      }
      network n {
        input 3x16x16
        layer = unit(4, stride = 2) * 2
        single = unit(8, norm = false)
      }
      """)
    #expect(
      graph.scopes.map(\.header) == [
        "stage layer = unit * 2",
        "block layer.0 = unit(planes=4, stride=2, eps=1e-05, kernel=[3, 3], shortcut=B, wide=8, norm=true)",
        "block layer.1 = unit(planes=4, stride=1, eps=1e-05, kernel=[3, 3], shortcut=B, wide=8, norm=true)",
        "block single = unit(planes=8, stride=1, eps=1e-05, kernel=[3, 3], shortcut=B, wide=16, norm=false)",
      ])
    #expect(graph.scopes.map(\.parent) == ["", "layer", "layer", ""])
    #expect(names(graph) == ["input", "layer.0.conv1", "layer.0.bn", "layer.1.conv1", "layer.1.bn", "single.conv1"])
    #expect(graph.node(named: "layer.0.conv1")?.shape == Shape([1, 8, 8, 8]))
    #expect(graph.node(named: "layer.1.conv1")?.shape == Shape([1, 8, 8, 8]))
  }

  @Test func pairsAndUnnamedBlocks() throws {
    let graph = try load(
      """
      block tall() {
        conv(2, [3, 1], pad = [1, 0], stride = [1, 2])
      }
      network n {
        input 1x8x8
        tall()
        tall()
        avgpool(2, stride = 1, ceil = true, count_pad = false)
        adaptive_avgpool([2, 1])
        flatten; linear(3, bias = false); softmax
      }
      """)
    #expect(
      names(graph) == [
        "input", "tall.conv", "tall_1.conv", "avgpool", "adaptive_avgpool", "flatten", "linear", "softmax",
      ])
    #expect(graph.node(named: "tall.conv")?.shape == Shape([1, 2, 8, 4]))
    #expect(
      graph.node(named: "avgpool")?.op
        == .avgPool(Pool(kernel: Pair(square: 2), stride: Pair(square: 1), ceilMode: true, countIncludePad: false)))
    #expect(graph.outputShape == Shape([1, 3]))
  }

  /// `/` is true division (an integer only when exact); `and`/`or` short-circuit, so `undefined` is never
  /// evaluated.
  @Test func expressions() throws {
    let values = try evaluate(
      "[7 / 2, 8 / 2, floor(3.5), ceil(3.5), min(5, 2, 9), max([1, 6, 4]), len([1, 2]), 7 % 3, -4]")
    #expect(values == "[3.5, 4, 3, 4, 2, 6, 2, 1, -4]")
    #expect(try evaluate("false and undefined or 1 < 2 and not (2 >= 3) and [1, 2] == [1, 2] and B != A") == "true")
    #expect(try evaluate("2 + 3 * 4 - 6 / 3") == "12")
    #expect(try evaluate("1.5 * 2") == "3.0")
    #expect(try evaluate("[1, 2][0] + [[3]][0][0]") == "4")
  }

  /// The value of a file-level constant, spelled as a dump would.
  func evaluate(_ expression: String) throws -> String {
    let graph = try load(
      "let v = \(expression)\nblock show(v) {\n  relu\n}\nnetwork n {\n  input 1x1x1\n  show(v)\n}\n")
    return graph.scopes[0].arguments[0].value
  }

  @Test func conditionalsChooseOneBranch() throws {
    let source = """
      block pick(k) {
        if k == 1 {
          one = relu
        } else if k == 2 {
          two = relu
        } else {
          other = relu
        }
      }
      network n {
        input 1x2x2
        a = pick(1)
        b = pick(2)
        c = pick(3)
      }
      """
    #expect(names(try load(source)) == ["input", "a.one", "b.two", "c.other"])
  }

  @Test func batchAndInputOverride() throws {
    let graph = try load(
      "network n {\n  input 3x8x8\n  conv(4, 3, pad = 1)\n}\n", options: LoadOptions(batch: 5, input: [3, 4, 6]))
    #expect(graph.input.shape == Shape([5, 3, 4, 6]))
    #expect(graph.outputShape == Shape([5, 4, 4, 6]))
  }
}
