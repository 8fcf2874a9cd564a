// `netc compile`, `netc run` and `netc check` as a user runs them: the files they write, their output, and
// their errors word for word.

import Foundation
import Testing

@testable import NetC

@Suite struct CommandTests {
  @Test func compileWritesTheCAndItsHeader() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let c = directory.appendingPathComponent("cifar.c").path
    let h = directory.appendingPathComponent("cifar.h").path
    let result = try runNetc(["compile", "Models/resnet20.net", "-o", c, "--header", h, "--prefix", "cifar"])
    #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty)
    let source = try String(contentsOfFile: c, encoding: .utf8)
    let header = try String(contentsOfFile: h, encoding: .utf8)
    // The C file carries the header's declarations, so it compiles alone and agrees with the header.
    let declarations = String(header[header.range(of: "#ifndef CIFAR_H")!.lowerBound...])
    #expect(source.contains(declarations))
    #expect(source.contains("cifar_status cifar_run(const cifar_model *model, const float *input, float *output"))
  }

  @Test func compileToStandardOutputWithoutPasses() throws {
    let result = try runNetc(["compile", "Models/resnet20.net", "-O0"])
    #expect(result.status == 0 && result.stderr.isEmpty)
    #expect(result.stdout.hasPrefix("/* resnet20.c: the network 'resnet20' as C11"))
    // Without fold-bn the batch norms are layers of their own.
    #expect(
      result.stdout.contains(
        "static void layer1_0_bn1(const struct resnet20_model *m, const float *in, float *out, const netc_team *team)"))
  }

  @Test func compileRejectsAPrefixThatIsNotAnIdentifier() throws {
    let result = try runNetc(["compile", "Models/resnet20.net", "--prefix", "2x"])
    #expect(result.status == 2)
    #expect(result.stderr.hasPrefix("error: prefix '2x' must be a C identifier that starts with a letter\nusage: "))
  }

  /// The compiled C and the interpreter agree on a user's files; a mismatched weights file gets the same
  /// message from the C reader as from the interpreter's.
  @Test func runCompiledAndInterpreted() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    let weights = try runNetc(["init-weights", "Models/resnet20.net", "-o", path("w.safetensors"), "--randomize-bn"])
    #expect(weights.status == 0)
    try NPY.write(Tensor(randomNormal: Shape([2, 3, 32, 32]), seed: 7), to: path("x.npy"))
    let arguments = ["run", "Models/resnet20.net", "--weights", path("w.safetensors"), "--input", path("x.npy")]
    let compiled = try runNetc(arguments + ["--output", path("c.npy")])
    let interpreted = try runNetc(arguments + ["--output", path("i.npy"), "--interpret"])
    let unoptimized = try runNetc(arguments + ["--output", path("u.npy"), "--interpret", "-O0"])
    #expect(compiled.status == 0 && compiled.stdout.isEmpty && compiled.stderr.isEmpty)
    #expect(interpreted.status == 0 && interpreted.stderr.isEmpty)
    #expect(unoptimized.status == 0 && unoptimized.stderr.isEmpty)
    let c = try NPY.read(path("c.npy"))
    let reference = try NPY.read(path("i.npy"))
    let unfolded = try NPY.read(path("u.npy"))
    #expect(c.shape == Shape([2, 10]) && reference.shape == c.shape && unfolded.shape == c.shape)
    // The interpreter runs the fused graph the C runs (or with -O0 the front end's), rounding each op's result to
    // float where the C rounds inside its kernels too: a few float roundings per layer, amplified little by a
    // residual net (~1e-7); 1e-5 leaves margin.
    #expect(relativeError(c.scalars, reference.scalars) <= 1e-5)
    #expect(relativeError(unfolded.scalars, reference.scalars) <= 1e-5)

    let wrongNet = ["run", "Models/resnet32.net", "--weights", path("w.safetensors"), "--input", path("x.npy")]
    let missing = "error: \(path("w.safetensors")): missing tensor 'layer1.3.conv1.weight' of shape [16,16,3,3]\n"
    let compiledError = try runNetc(wrongNet + ["--output", path("c.npy")])
    #expect(compiledError.status == 1 && compiledError.stderr == missing)
    let interpretedError = try runNetc(wrongNet + ["--output", path("c.npy"), "--interpret"])
    #expect(interpretedError.status == 1 && interpretedError.stderr.hasPrefix(missing))
  }

  @Test func runWithoutAWeightsFile() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("x.npy").path, weights = directory.appendingPathComponent("w").path
    try NPY.write(Tensor(zeros: Shape([1, 3, 32, 32])), to: input)
    let arguments = ["run", "Models/resnet20.net", "--weights", weights, "--input", input, "--output", "y.npy"]
    for options in [[], ["--interpret"]] {
      let result = try runNetc(arguments + options)
      #expect(result.status == 1)
      #expect(result.stderr == "error: \(weights): cannot open file: no such file or directory\n")
    }
  }

  @Test func runChecksTheInputsChannels() throws {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("x.npy").path
    try NPY.write(Tensor(zeros: Shape([1, 1, 32, 32])), to: input)
    let result = try runNetc(
      ["run", "Models/resnet20.net", "--weights", "w.safetensors", "--input", input, "--output", "y.npy"])
    #expect(result.status == 1)
    #expect(result.stderr == "error: \(input): the input has 1 channels, but the network takes 3\n")
  }

  @Test(arguments: [[], ["-O0"]])
  func checkEndsWithTheRelativeError(_ options: [String]) throws {
    let result = try runNetc(["check", "Models/resnet20.net"] + options)
    #expect(result.status == 0 && result.stderr.isEmpty)
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.first?.hasPrefix("resnet20: input [1,3,32,32], output [1,10], ") == true)
    let error = try #require(lines.last.flatMap { $0.hasPrefix("max_rel_err=") ? Double($0.dropFirst(12)) : nil })
    // Same IR, double sums rounded once on both sides: equal but for rare last-bit roundings.
    #expect(error <= 1e-6)
  }
}
