// The memory planner on small graphs with plans worked out by hand, and the independent overlap checker
// catching a plan that is wrong.

import Testing

@testable import NetC

@Suite struct MemoryPlannerTests {
  static func graph(_ text: String) throws -> Graph {
    try IRParser.parse(SourceFile(path: "plan.nir", text: text))
  }

  /// `input` and `conv1` are 1 KiB each. The unfused relu overwrites `conv1`, which dies there; `conv2`
  /// accumulates into its identity residual `input`, which dies there too: two buffers, one arena of 2 KiB.
  static let residual = """
    graph residual {
      %input: f32[1,4,8,8] = input
      %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
      %relu: f32[1,4,8,8] = relu(%conv1)
      %conv2: f32[1,4,8,8] = conv2d(%relu, %input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv2.weight residual_stride=1 residual_offset=0
      return %conv2
    }

    """

  @Test func writesInPlaceWhereTheOperandDies() throws {
    let graph = try Self.graph(Self.residual)
    let plan = MemoryPlanner.plan(graph)
    #expect(
      plan.buffers == [
        MemoryPlan.Buffer(values: ["input", "conv2"], offset: 0, bytes: 1024, firstUse: 0, lastUse: 3),
        MemoryPlan.Buffer(values: ["conv1", "relu"], offset: 1024, bytes: 1024, firstUse: 1, lastUse: 3),
      ])
    #expect((plan.arenaBytes, plan.lowerBoundBytes, plan.naiveBytes) == (2048, 2048, 4096))
    #expect(plan.offset(of: "relu") == 1024)
    #expect(planProblems(plan, for: graph).isEmpty)
  }

  /// The relu's operand is read again by the add, and the conv's residual is also its input: neither may be
  /// overwritten, so every value gets its own storage. At the add, three values are live: 3 KiB; the conv
  /// reuses the input's bytes.
  @Test func keepsOperandsThatAreStillNeeded() throws {
    let graph = try Self.graph(
      """
      graph needed {
        %input: f32[1,4,8,8] = input
        %relu: f32[1,4,8,8] = relu(%input)
        %add: f32[1,4,8,8] = add(%relu, %input) residual_stride=1 residual_offset=0
        %conv: f32[1,4,8,8] = conv2d(%add, %add) out=4 kernel=1x1 stride=1x1 pad=0x0 dilation=1x1 groups=1 weight=@conv.weight residual_stride=1 residual_offset=0
        return %conv
      }

      """)
    let plan = MemoryPlanner.plan(graph)
    #expect(plan.buffers.map(\.values) == [["input"], ["relu"], ["add"], ["conv"]])
    #expect(plan.buffers.map(\.offset) == [0, 1024, 2048, 0])
    #expect((plan.arenaBytes, plan.lowerBoundBytes, plan.naiveBytes) == (3072, 3072, 4096))
    #expect(planProblems(plan, for: graph).isEmpty)
  }

  /// 10 floats are 40 bytes, stored in a whole 64-byte line; scratch lives only while its op runs, and the
  /// largest buffer is placed first. The peak is at `fc`: its operand, its result and its scratch.
  @Test func alignsBuffersAndPlacesScratch() throws {
    let graph = try Self.graph(
      """
      graph small {
        %input: f32[1,10,1,1] = input
        %flatten: f32[1,10] = flatten(%input)
        %fc: f32[1,10] = linear(%flatten) out=10 weight=@fc.weight bias=@fc.bias
        %softmax: f32[1,10] = softmax(%fc)
        return %softmax
      }

      """)
    let scratch = ["fc": 100, "softmax": 0]
    let plan = MemoryPlanner.plan(graph, scratch: scratch)
    #expect(plan.buffers.map(\.values) == [["input"], ["flatten"], ["fc"], ["softmax"], ["fc#scratch"]])
    #expect(plan.buffers.map(\.bytes) == [64, 64, 64, 64, 128])
    #expect(plan.buffers.map(\.offset) == [0, 128, 192, 0, 0])
    #expect(plan.offset(of: MemoryPlan.scratchName(of: "fc")) == 0)
    #expect((plan.arenaBytes, plan.lowerBoundBytes, plan.naiveBytes) == (256, 256, 384))
    #expect(planProblems(plan, for: graph, scratch: scratch).isEmpty)
  }

  @Test func overlapCheckerRejectsBrokenPlans() throws {
    let graph = try Self.graph(Self.residual)
    var plan = MemoryPlanner.plan(graph)
    plan.buffers[1].offset = 512
    #expect(
      planProblems(plan, for: graph) == [
        "conv1 and input are live together in overlapping bytes",
        "conv2 and relu are live together in overlapping bytes",
        "input and relu are live together in overlapping bytes",
      ])
    plan = MemoryPlanner.plan(graph)
    plan.buffers[1].values = ["conv1"]
    plan.buffers[0].values.append("relu")
    #expect(
      planProblems(plan, for: graph) == [
        "[\"input\", \"conv2\", \"relu\"] are not listed in program order",
        "relu (relu) may not write over input", "conv2 (conv2d) may not write over relu",
      ])
  }
}
