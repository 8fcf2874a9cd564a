// The C emitter's own rules: prefixes, layer function names that clash with nothing, memory plans it
// refuses, and two models linked into one program.

import Foundation
import Testing

@testable import NetC

@Suite struct EmitterTests {
  @Test func prefixes() {
    #expect(CEmitter.prefixProblem("resnet18") == nil)
    #expect(CEmitter.prefixProblem("2x") == "prefix '2x' must be a C identifier that starts with a letter")
    #expect(CEmitter.prefixProblem("my-net") == "prefix 'my-net' must be a C identifier that starts with a letter")
    #expect(CEmitter.prefixProblem("float") == "prefix 'float' is reserved; choose another name")
    #expect(CEmitter.prefixProblem("netc_model") == "prefix 'netc_model' is reserved; choose another name")
    #expect(CNames.defaultPrefix(for: "resnext50_32x4d") == "resnext50_32x4d")
  }

  /// Names reach the C as string literals and comments that nothing in them can break.
  @Test func literalsAndComments() {
    #expect(CText.string(#"a"b\c??=é"#) == #""a\042b\134c\077\077=\303\251""#)
    #expect(CText.comment(["x */ y"]) == "/* x * / y */\n")
  }

  /// Layer functions are named after their nodes, made identifiers, unless that names something C, libc or
  /// the generated file already has.
  @Test func layerFunctionNames() throws {
    var net = GraphBuilder("names", input: [1, 2, 3, 3])
    for name in ["layer1.0.relu", "layer1_0.relu", "exp", "expf", "main", "netc_at", "names_run", "_x", "ok"] {
      try net.add(name, .relu)
    }
    let names = CNames(graph: net.graph(), prefix: "names")
    #expect(
      net.graph().nodes.dropFirst().map { names.function($0.name) } == [
        "layer1_0_relu", "layer1_0_relu_2", "layer_exp", "layer_expf", "layer_main", "layer_netc_at",
        "layer_names_run", "layer__x", "ok",
      ])
  }

  /// A conv cannot write over its input, which it still reads after writing an output element.
  @Test func refusesAPlanThatOverlapsAConvWithItsInput() throws {
    var net = GraphBuilder(input: [1, 2, 4, 4])
    try net.add("pool", .maxPool(Pool(kernel: Pair(square: 1), stride: Pair(square: 1))))
    try net.conv3x3("conv", 2)
    try net.add("relu", .relu)
    let graph = net.graph()
    var plan = MemoryPlanner.plan(graph, scratch: CEmitter.scratch(for: graph))
    let pool = try #require(plan.offset(of: "pool"))
    for i in plan.buffers.indices where plan.buffers[i].values.contains("conv") { plan.buffers[i].offset = pool }
    let error = try #require(throws: DiagnosticError.self) { try CEmitter(graph: graph, plan: plan).emit() }
    #expect(
      error.rendered
        == "error: internal error in the C back end: the memory plan overlaps 'conv' with its operand 'pool'\n")
  }

  /// Everything a generated file exports is prefixed, so several models link into one program.
  @Test func twoModelsLinkIntoOneProgram() throws {
    var net = GraphBuilder("pair", input: [1, 3, 5, 5])
    try net.conv3x3("conv", 4)
    try net.add("relu", .relu)
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var sources: [String] = []
    for prefix in ["first", "second"] {
      let program = try CEmitter(graph: net.graph(), options: .init(prefix: prefix)).emit()
      let url = directory.appendingPathComponent("\(prefix).c")
      try program.source.write(to: url, atomically: true, encoding: .utf8)
      try program.header.write(to: directory.appendingPathComponent("\(prefix).h"), atomically: true, encoding: .utf8)
      sources.append(url.path)
    }
    let main = directory.appendingPathComponent("main.c")
    try """
    #include <stdio.h>
    #include "first.h"
    #include "second.h"
    int main(void) {
      printf("%zu %zu\\n", first_arena_bytes(), second_model_bytes());
      return first_input_shape(NULL) == 4 && second_output_shape(NULL) == 4 ? 0 : 1;
    }

    """.write(to: main, atomically: true, encoding: .utf8)
    let executable = directory.appendingPathComponent("pair").path
    try CCompiler.find().build(sources + [main.path], output: executable, flags: CCompiler.strictFlags)
    let result = try ProcessRunner.run(executable, [])
    #expect(result.status == 0)
  }

  /// The profile times every layer that has code, in program order, under its IR name, and computes what the
  /// plain run computes.
  @Test func profileTimesEveryLayerWithCodeInProgramOrder() throws {
    var net = GraphBuilder("timed", input: [1, 2, 5, 5])
    try net.conv3x3("conv", 3)
    try net.add("relu", .relu)
    try net.add("pool", .maxPool(Pool(kernel: Pair(square: 2), stride: Pair(square: 2))))
    let program = try CEmitter(graph: net.graph()).emit()
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let source = directory.appendingPathComponent("timed.c")
    try program.source.write(to: source, atomically: true, encoding: .utf8)
    let main = directory.appendingPathComponent("main.c")
    try """
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include "timed.h"
    int main(void) {
      static float input[TIMED_INPUT_SIZE], plain[TIMED_OUTPUT_SIZE], profiled[TIMED_OUTPUT_SIZE];
      double seconds[TIMED_LAYER_COUNT];
      for (int i = 0; i < TIMED_INPUT_SIZE; i++) input[i] = (float)(i % 7) - 3.0f;
      void *arena = malloc(timed_arena_bytes() + 1);
      timed_model *model = calloc(1, timed_model_bytes());
      int status = timed_run(model, input, plain, arena);
      status |= timed_profile(model, input, profiled, arena, NULL, seconds);
      for (size_t i = 0; timed_layer_name(i); i++) printf("%s %d\\n", timed_layer_name(i), seconds[i] >= 0);
      printf("%d %d\\n", TIMED_LAYER_COUNT, memcmp(plain, profiled, sizeof plain) == 0);
      free(arena);
      free(model);
      return status;
    }

    """.write(to: main, atomically: true, encoding: .utf8)
    try program.header.write(to: directory.appendingPathComponent("timed.h"), atomically: true, encoding: .utf8)
    let executable = directory.appendingPathComponent("timed").path
    try CCompiler.find().build([source.path, main.path], output: executable, flags: CTest.sanitizerFlags)
    let result = try ProcessRunner.run(executable, [])
    #expect(result.status == 0)
    #expect(result.output == "conv 1\nrelu 1\npool 1\n3 1\n")
  }

}
