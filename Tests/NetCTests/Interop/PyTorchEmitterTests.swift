// The Python `netc emit pytorch` writes: byte for byte for ResNet-20, and the module layouts PyTorch can and
// cannot express (keywords as layer names, dotted names outside a scope, fused IR, nn.Module attribute names).

import Foundation
import Testing

@testable import NetC

@Suite struct PyTorchEmitterTests {
  static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

  @Test func resnet20Golden() throws {
    let python = try PyTorchEmitter.emit(try ModelLoader.load(path: Repository.model("resnet20").path))
    Golden.expect(python, matches: Self.golden.appendingPathComponent("resnet20.py"))
  }

  @Test func emitCommandWritesTheSameFile() throws {
    let scratch = try ScratchDirectory("emit")
    defer { scratch.cleanUp() }
    let result = try runNetc(["emit", "pytorch", "Models/resnet20.net", "-o", scratch.path("model.py")])
    #expect(result.status == 0)
    #expect(result.stdout.isEmpty)
    let written = try String(contentsOfFile: scratch.path("model.py"), encoding: .utf8)
    #expect(written == (try String(contentsOf: Self.golden.appendingPathComponent("resnet20.py"), encoding: .utf8)))
    let wrongTarget = try runNetc(["emit", "pytroch", "Models/resnet20.net"])
    #expect(wrongTarget.status == 2)
    #expect(wrongTarget.stderr.hasPrefix("error: unknown target 'pytroch'; did you mean 'pytorch'?"))
  }

  /// Identical blocks share a class; blocks that differ only in numbers share one with parameters named after
  /// the block's arguments.
  @Test func blockClassesAndParameters() throws {
    let python = try PyTorchEmitter.emit(try ModelLoader.load(path: Repository.model("resnet50").path))
    #expect(python.contains("class Bottleneck(nn.Module):"))
    #expect(python.contains("    def __init__(self, in_channels: int, planes: int, stride: int) -> None:"))
    #expect(python.contains("        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)"))
    #expect(python.contains("            *(Bottleneck2(planes=256) for _ in range(5)),"))
    #expect(!python.contains("class Bottleneck3"))
  }

  static func parse(_ text: String) throws -> Graph { try IRParser.parse(SourceFile(path: "t.nir", text: text)) }

  /// A keyword is registered with add_module; dotted names outside any scope become an nn.ModuleDict.
  @Test func namesPythonCannotSpellDirectly() throws {
    let graph = try Self.parse(
      """
      graph odd {
        %input: f32[1,3,8,8] = input
        %class: f32[1,4,8,8] = conv2d(%input) out=4 kernel=1x1 stride=1x1 pad=0x0 dilation=1x1 groups=1 weight=@class.weight
        %branch.a: f32[1,4,8,8] = conv2d(%class) out=4 kernel=1x1 stride=1x1 pad=0x0 dilation=1x1 groups=1 weight=@branch.a.weight
        %branch.b: f32[1,4,8,8] = conv2d(%class) out=4 kernel=1x1 stride=1x1 pad=0x0 dilation=1x1 groups=1 weight=@branch.b.weight
        %sum: f32[1,4,8,8] = add(%branch.a, %branch.b) residual_stride=1 residual_offset=0
        return %sum
      }
      """)
    let python = try PyTorchEmitter.emit(graph)
    #expect(python.contains("        self.add_module(\"class\", nn.Conv2d(3, 4, 1, bias=False))"))
    #expect(python.contains("        x = getattr(self, \"class\")(x)"))
    #expect(python.contains("        self.branch = nn.ModuleDict(\n"))
    #expect(python.contains("        y = self.branch[\"a\"](x)\n        x = self.branch[\"b\"](x)\n        y = y + x\n        return y\n"))
  }

  @Test func fusedIRIsRejected() throws {
    let graph = try Pipeline.default.run(try ModelLoader.load(path: Repository.model("resnet20").path))
    #expect(
      diagnosticText { _ = try PyTorchEmitter.emit(graph) }
        == "error: emit pytorch needs the IR before passes; 'conv1' has fused ops (use the .net file)\n")
  }

  @Test func moduleAttributeNamesAreRejected() throws {
    let graph = try Self.parse(
      """
      graph clash {
        %input: f32[1,3,8,8] = input
        %train: f32[1,4,8,8] = conv2d(%input) out=4 kernel=1x1 stride=1x1 pad=0x0 dilation=1x1 groups=1 weight=@train.weight
        return %train
      }
      """)
    #expect(
      diagnosticText { _ = try PyTorchEmitter.emit(graph) }
        == "error: layer 'train' cannot be a PyTorch submodule: 'train' is an attribute of nn.Module; rename it\n")
  }
}
