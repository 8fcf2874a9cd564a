// The program generator: deterministic per seed, and the CI batch's programs together use every feature of the
// language the fuzzer is meant to exercise (checked on what the front end made of them, not on the text).

import Foundation
import Testing

@testable import NetC

@Suite struct FuzzGeneratorTests {
  @Test func aSeedNamesOneProgram() {
    for seed: UInt64 in [1, 77, 9_000_000_001] {
      #expect(FuzzGenerator.program(seed: seed) == FuzzGenerator.program(seed: seed))
      #expect(FuzzCase(seed: seed).source == FuzzCase(seed: seed).source)
    }
    #expect(FuzzCase(seed: 1).source != FuzzCase(seed: 2).source)
  }

  @Test func theBatchCoversTheLanguage() throws {
    let cases = FuzzBatchTests.seeds.map { FuzzCase(seed: $0) }
    let graphs = try cases.map { try $0.load() }
    var seen: Set<String> = []
    for (fuzzCase, graph) in zip(cases, graphs) {
      seen.formUnion(Self.features(graph))
      seen.formUnion(try Self.loweringFeatures(Pipeline.default.run(graph)))
      seen.insert("batch \(fuzzCase.batch)")
      for statement in ["residual(none)", "sequential", "if ", "else", "let ", "[", "floor(", "max("] {
        if fuzzCase.source.contains(statement) { seen.insert("source \(statement)") }
      }
    }
    var wanted = [
      "conv2d", "batchnorm", "relu", "add", "shortcut_a", "maxpool", "avgpool", "adaptive_avgpool", "flatten",
      "linear", "dropout", "lrn", "softmax", "non-square kernel", "stride 2", "stride 3", "dilation", "padding",
      "depthwise", "groups of 4 channels", "other groups", "no bias", "channels not a multiple of 8",
      "pool padding", "ceil mode", "padding not counted", "pool stride unlike kernel", "growing adaptive pool",
      "non-square adaptive pool", "global pool", "identity shortcut", "option A shortcut", "option B projection",
      "option C projection", "stage of several blocks", "block in a block", "sequential scope", "fc chain",
      "softmax over channels", "LRN of even size", "input 1x1", "input 7x5", "input 33x33", "non-square input",
      "source residual(none)", "source sequential", "source if ", "source else", "source let ", "source [",
      "source floor(", "source max(",
    ]
    wanted += (1...11).map { "kernel \($0)" } + (1...4).map { "batch \($0)" }
    wanted += [1, 2, 4, 8].map { "grouped kernel, \($0) out channels a group" }
    wanted += [2, 4, 8].map { "grouped kernel, \($0) in channels a group" } + ["grouped kernel, odd channels"]
    for feature in wanted {
      #expect(seen.contains(feature), "no program of the CI batch has: \(feature)")
    }
  }

  /// Which C lowerings an optimized graph (the graph every program's C legs build) takes, where a kernel has
  /// cases the front end's features do not tell apart: the grouped kernel's widths of a group.
  static func loweringFeatures(_ graph: Graph) -> Set<String> {
    var seen: Set<String> = []
    for (layer, lowering) in CEmitter.lowered(graph, names: nil).layers {
      guard let grouped = lowering as? GroupedConvLowering else { continue }
      let conv = grouped.conv
      seen.insert("grouped kernel, \(conv.outChannels / conv.groups) out channels a group")
      seen.insert("grouped kernel, \(layer.input.channels / conv.groups) in channels a group")
      if conv.outChannels % 2 == 1 { seen.insert("grouped kernel, odd channels") }
    }
    return seen
  }

  /// What a front-end graph exercises, by the names `theBatchCoversTheLanguage` asks for.
  static func features(_ graph: Graph) -> Set<String> {
    var seen: Set<String> = []
    let index = graph.indexByName()
    let input = graph.input.shape
    seen.insert("input \(input.height)x\(input.width)")
    if input.height != input.width { seen.insert("non-square input") }
    for node in graph.nodes.dropFirst() {
      seen.insert(node.op.mnemonic)
      let operand = graph.nodes[index[node.inputs[0]]!].shape
      switch node.op {
      case .conv(let conv):
        seen.insert("kernel \(conv.kernel.h)")
        if !conv.kernel.isSquare { seen.insert("non-square kernel") }
        if conv.stride.h > 1 { seen.insert("stride \(conv.stride.h)") }
        if conv.dilation.h > 1 || conv.dilation.w > 1 { seen.insert("dilation") }
        if conv.pad.h > 0 || conv.pad.w > 0 { seen.insert("padding") }
        if !conv.hasBias { seen.insert("no bias") }
        if conv.outChannels % 8 != 0 { seen.insert("channels not a multiple of 8") }
        if conv.groups > 1 {
          let perGroup = operand.channels / conv.groups
          seen.insert(perGroup == 1 ? "depthwise" : perGroup == 4 ? "groups of 4 channels" : "other groups")
        }
        if node.name.hasSuffix("downsample.0") {
          seen.insert(
            operand.dims.dropFirst(2) == node.shape.dims.dropFirst(2) && operand.channels == conv.outChannels
              ? "option C projection" : "option B projection")
        }
      case .maxPool(let pool), .avgPool(let pool):
        if pool.pad.h > 0 || pool.pad.w > 0 { seen.insert("pool padding") }
        if pool.ceilMode { seen.insert("ceil mode") }
        if !pool.countIncludePad { seen.insert("padding not counted") }
        if pool.stride != pool.kernel { seen.insert("pool stride unlike kernel") }
      case .adaptiveAvgPool(let pool):
        if pool.out.h > operand.height || pool.out.w > operand.width { seen.insert("growing adaptive pool") }
        if !pool.out.isSquare { seen.insert("non-square adaptive pool") }
        if pool.out == Pair(square: 1) { seen.insert("global pool") }
      case .add:
        if case .shortcutA = graph.nodes[index[node.inputs[1]]!].op {
          seen.insert("option A shortcut")
        } else if graph.nodes[index[node.inputs[1]]!].op.mnemonic != "batchnorm" {
          seen.insert("identity shortcut")
        }
      case .linear:
        if case .linear = graph.nodes[index[node.inputs[0]]!].op { seen.insert("fc chain") }
        if case .relu = graph.nodes[index[node.inputs[0]]!].op,
          let before = graph.nodes[index[node.inputs[0]]!].inputs.first, case .linear = graph.node(named: before)?.op
        {
          seen.insert("fc chain")
        }
      case .softmax:
        if operand.rank == 4 { seen.insert("softmax over channels") }
      case .lrn(let lrn):
        if lrn.size % 2 == 0 { seen.insert("LRN of even size") }
      default:
        break
      }
    }
    for scope in graph.scopes {
      switch scope.kind {
      case .stage:
        if scope.arguments.first.flatMap({ Int($0.value) }) ?? 0 > 1 { seen.insert("stage of several blocks") }
      case .block:
        let kinds = Dictionary(graph.scopes.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var parent = kinds[scope.parent]
        while let enclosing = parent, enclosing.kind != .block { parent = kinds[enclosing.parent] }
        if parent != nil { seen.insert("block in a block") }
      case .sequential:
        seen.insert("sequential scope")
      }
    }
    return seen
  }
}
