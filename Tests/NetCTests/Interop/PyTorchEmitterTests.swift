// The Python `netc emit pytorch` writes: byte for byte for ResNet-20, and the module layouts PyTorch can and
// cannot express (keywords as layer names, dotted names outside a scope, fused IR, nn.Module attribute names).

import Foundation
import Testing

@testable import NetC

@Suite struct PyTorchEmitterTests {
  static let golden = "Tests/NetCTests/Interop/Golden/resnet20.py"

  @Test func resnet20Golden() throws {
    let python = try PyTorchEmitter.emit(try ModelLoader.load(path: Zoo.path("resnet20")))
    try Fixtures.expectGolden(python, Self.golden)
  }

  private func readSourceFile(_ relativePath: String) throws -> SourceFile {
    SourceFile(path: relativePath, text: try Fixtures.read(relativePath))
  }

  @Test func emitCommandWritesTheSameFile() throws {
    let scratch = try ScratchDirectory("emit")
    defer { scratch.cleanUp() }
    let result = try runNetc(["emit", "pytorch", "Models/resnet20.net", "-o", scratch.path("model.py")])
    #expect(result.status == 0)
    #expect(result.stdout.isEmpty)
    let written = try String(contentsOfFile: scratch.path("model.py"), encoding: .utf8)
    #expect(written == (try Fixtures.read(Self.golden)))
    let wrongTarget = try runNetc(["emit", "pytroch", "Models/resnet20.net"])
    #expect(wrongTarget.status == 2)
    #expect(wrongTarget.stderr.hasPrefix("error: unknown target 'pytroch'; did you mean 'pytorch'?"))
  }

  /// Identical blocks share a class; blocks that differ only in numbers share one with parameters named after
  /// the block's arguments.
  @Test func blockClassesAndParameters() throws {
    let python = try PyTorchEmitter.emit(try ModelLoader.load(path: Zoo.path("resnet50")))
    #expect(python.contains("class Bottleneck(nn.Module):"))
    #expect(python.contains("    def __init__(self, in_channels: int, planes: int, stride: int) -> None:"))
    #expect(python.contains("        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)"))
    #expect(python.contains("            *(Bottleneck2(planes=256) for _ in range(5)),"))
    #expect(!python.contains("class Bottleneck3"))
  }

  /// A keyword is registered with add_module; dotted names outside any scope become an nn.ModuleDict.
  @Test func namesPythonCannotSpellDirectly() throws {
    let graph = try IRParser.parse(try readSourceFile("Tests/NetCTests/Interop/odd_names.nir"))
    let python = try PyTorchEmitter.emit(graph)
    #expect(python.contains("        self.add_module(\"class\", nn.Conv2d(3, 4, 1, bias=False))"))
    #expect(python.contains("        x = getattr(self, \"class\")(x)"))
    #expect(python.contains("        self.branch = nn.ModuleDict(\n"))
    let forward = ["y = self.branch[\"a\"](x)", "x = self.branch[\"b\"](x)", "y = y + x", "return y"]
    #expect(python.contains(forward.map { "        " + $0 + "\n" }.joined()))
  }

  @Test func fusedIRIsRejected() throws {
    let graph = try Pipeline.default.run(try ModelLoader.load(path: Zoo.path("resnet20")))
    #expect(
      diagnosticText { _ = try PyTorchEmitter.emit(graph) }
        == "error: emit pytorch needs the IR before passes; 'conv1' has fused ops "
        + "(use the .net file or 'netc dump -O0')\n")
  }

  @Test func moduleAttributeNamesAreRejected() throws {
    let source = "network clash {\n  input 3x8x8\n  train = conv(4, 1)\n}\n"
    let graph = try ModelLoader.load(path: "clash.net", files: ["clash.net": source])
    #expect(
      diagnosticText { _ = try PyTorchEmitter.emit(graph) }
        == "error: layer 'train' cannot be a PyTorch submodule: 'train' is an attribute of nn.Module; rename it\n")
  }
}
