// The IR text parser: printed graphs read back to the same bytes, and every malformed line diagnosed at
// its place with the house-style message.

import Testing

@testable import NetC

@Suite struct IRParserTests {
  static let valid = """
    graph tiny {
      %input: f32[1,3,8,8] = input
      %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
      stage layer1 = basic * 1 {
        block layer1.0 = basic(planes=4, kernel=[3, 3], shortcut=A) {
          %layer1.0.bn1: f32[1,4,8,8] = batchnorm(%conv1) bn=@layer1.0.bn1 eps=1e-05 momentum=0.1
          %layer1.0.relu: f32[1,4,8,8] = relu(%layer1.0.bn1)
        }
      }
      sequential head {
        %head.0: f32[1,4,4,4] = avgpool(%layer1.0.relu) kernel=2x2 stride=2x2 pad=0x0 ceil_mode=false count_include_pad=true
        %head.1: f32[1,64] = flatten(%head.0)
        %head.2: f32[1,10] = linear(%head.1) out=10 weight=@head.2.weight bias=@head.2.bias relu
        %head.3: f32[1,10] = dropout(%head.2) p=0.5
        %head.4: f32[1,10] = softmax(%head.3)
      }
      return %head.4
    }

    """

  /// The diagnostics `text` gets, rendered without colour.
  static func errors(_ text: String) -> String {
    do {
      _ = try IRParser.parse(SourceFile(path: "t.nir", text: text))
      return "no error"
    } catch let error as DiagnosticError {
      return error.rendered
    } catch {
      return "unexpected \(error)"
    }
  }

  /// The diagnostics of `valid` with `old` replaced by `new`.
  static func errors(replacing old: String, with new: String) -> String {
    guard valid.contains(old) else { return "'\(old)' is not in the valid text" }
    return errors(valid.replacingOccurrences(of: old, with: new))
  }

  @Test func readsBackWhatThePrinterWrote() throws {
    let graph = try IRParser.parse(SourceFile(path: "t.nir", text: Self.valid))
    #expect(graph.text == Self.valid)
    #expect(graph.scopes.map(\.path) == ["layer1", "layer1.0", "head"])
    #expect(graph.scopes[1].arguments.map(\.value) == ["4", "[3, 3]", "A"])
    #expect(graph.node(named: "head.0")?.scope == "head")
  }

  @Test func ignoresCommentsAndBlankLines() throws {
    let text = "// a dump\n\n" + Self.valid.replacingOccurrences(of: "  return", with: "\n  // the end\n  return")
    #expect(try IRParser.parse(SourceFile(path: "t.nir", text: text)).text == Self.valid)
  }

  @Test func reopenedScopeKeepsItsHeader() throws {
    let text = """
      graph split {
        %input: f32[1,2,4,4] = input
        sequential features {
          %features.0: f32[1,2,4,4] = relu(%input)
        }
        %relu: f32[1,2,4,4] = relu(%features.0)
        sequential features {
          %features.1: f32[1,2,4,4] = relu(%relu)
        }
        return %features.1
      }

      """
    let graph = try IRParser.parse(SourceFile(path: "t.nir", text: text))
    #expect(graph.scopes.count == 1)
    #expect(graph.text == text)
  }

  @Test func unknownOpSuggestsTheMnemonic() {
    #expect(
      Self.errors(replacing: "= conv2d(%input) out=4", with: "= conv(%input) out=4") == """
        t.nir:3:26: error: unknown op 'conv'; did you mean 'conv2d'?
          %conv1: f32[1,4,8,8] = conv(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                                 ^~~~

        """)
  }

  @Test func unknownAttributeIsPreferredOverTheMissingOneItMisspells() {
    #expect(
      Self.errors(replacing: "out=4 kernel=3x3", with: "out=4 kernal=3x3") == """
        t.nir:3:47: error: unknown attribute 'kernal' for 'conv2d'; did you mean 'kernel'?
          %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernal=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                                                      ^~~~~~~~~~

        """)
  }

  @Test func attributeErrors() {
    #expect(
      Self.errors(replacing: "out=4 kernel=3x3 stride", with: "out=4 stride") == """
        t.nir:3:26: error: 'conv2d' requires attribute 'kernel'
          %conv1: f32[1,4,8,8] = conv2d(%input) out=4 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                                 ^~~~~~

        """)
    #expect(
      Self.errors(replacing: "kernel=3x3 stride=1x1 pad=1x1", with: "kernel=3 stride=1x1 pad=1x1") == """
        t.nir:3:47: error: expected HxW such as '3x3' for 'kernel', got '3'
          %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                                                      ^~~~~~~~

        """)
    #expect(
      Self.errors(replacing: "p=0.5", with: "p=0.5 p=0.2") == """
        t.nir:14:49: error: attribute 'p' is given twice
            %head.3: f32[1,10] = dropout(%head.2) p=0.5 p=0.2
                                                        ^~~~~

        """)
    #expect(
      Self.errors(replacing: "bias=@head.2.bias", with: "bias=@head.3.bias") == """
        t.nir:13:71: error: bias '@head.3.bias' must belong to the weight's module; expected '@head.2.bias'
            %head.2: f32[1,10] = linear(%head.1) out=10 weight=@head.2.weight bias=@head.3.bias relu
                                                                              ^~~~~~~~~~~~~~~~~

        """)
    #expect(
      Self.errors(replacing: "bias relu\n", with: "bias relu=1\n") == """
        t.nir:13:89: error: 'relu' is a flag and takes no value
            %head.2: f32[1,10] = linear(%head.1) out=10 weight=@head.2.weight bias=@head.2.bias relu=1
                                                                                                ^~~~~~

        """)
  }

  @Test func malformedShapes() {
    #expect(
      Self.errors(replacing: "%conv1: f32[1,4,8,8]", with: "%conv1: [1,4,8,8]") == """
        t.nir:3:11: error: expected a shape like 'f32[1,3,224,224]'
          %conv1: [1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                  ^~~~~~~~~

        """)
    #expect(
      Self.errors(replacing: "%conv1: f32[1,4,8,8]", with: "%conv1: f32[1,0,8,8]") == """
        t.nir:3:17: error: dimension must be positive, got 0
          %conv1: f32[1,0,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                        ^

        """)
  }

  /// A wrong declared shape is reported once, at its op: its users are checked against the inferred shape.
  @Test func shapeThatDisagreesWithInference() {
    #expect(
      Self.errors(replacing: "%conv1: f32[1,4,8,8]", with: "%conv1: f32[1,4,9,8]") == """
        t.nir:3:11: error: expected shape f32[1,4,8,8], got f32[1,4,9,8]
          %conv1: f32[1,4,9,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                  ^~~~~~~~~~~~

        """)
    #expect(
      Self.errors(replacing: "groups=1 weight=@conv1.weight", with: "groups=3 weight=@conv1.weight") == """
        t.nir:3:26: error: groups (3) must divide output channels 4
          %conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=3 weight=@conv1.weight
                                 ^~~~~~

        """)
    #expect(
      Self.errors(replacing: "= relu(%layer1.0.bn1)", with: "= relu(%layer1.0.bn1, %conv1)") == """
        t.nir:7:38: error: 'relu' takes 1 operand, got 2
              %layer1.0.relu: f32[1,4,8,8] = relu(%layer1.0.bn1, %conv1)
                                             ^~~~

        """)
  }

  @Test func operandsAndNames() {
    #expect(
      Self.errors(replacing: "batchnorm(%conv1)", with: "batchnorm(%conv)") == """
        t.nir:6:47: error: operand '%conv' is not defined; did you mean '%conv1'?
              %layer1.0.bn1: f32[1,4,8,8] = batchnorm(%conv) bn=@layer1.0.bn1 eps=1e-05 momentum=0.1
                                                      ^~~~~

        """)
    #expect(
      Self.errors(replacing: "relu(%layer1.0.bn1)", with: "relu(%head.1)") == """
        t.nir:7:43: error: operand '%head.1' is used before its definition
              %layer1.0.relu: f32[1,4,8,8] = relu(%head.1)
                                                  ^~~~~~~

        """)
    #expect(
      Self.errors(replacing: "%head.1: f32[1,64] = flatten", with: "%head.0: f32[1,64] = flatten") == """
        t.nir:12:5: error: value '%head.0' is defined twice
            %head.0: f32[1,64] = flatten(%head.0)
            ^~~~~~~
        t.nir:13:33: error: operand '%head.1' is not defined; did you mean '%head.0'?
            %head.2: f32[1,10] = linear(%head.1) out=10 weight=@head.2.weight bias=@head.2.bias relu
                                        ^~~~~~~

        """)
    #expect(
      Self.errors(replacing: "return %head.4", with: "return %head") == """
        t.nir:17:10: error: returned value '%head' is not defined
          return %head
                 ^~~~~

        """)
  }

  /// A line that cannot be read is reported once; its users are not reported again as undefined.
  @Test func unreadableLineDoesNotCascade() {
    #expect(
      Self.errors(replacing: "%conv1: f32", with: "conv1: f32") == """
        t.nir:3:1: error: expected an op ('%name: shape = op(...)'), a scope, 'return' or '}'
          conv1: f32[1,4,8,8] = conv2d(%input) out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
        ^

        """)
    #expect(
      Self.errors(replacing: "= conv2d(%input)", with: "= conv2d %input") == """
        t.nir:3:33: error: expected '(' before the operands
          %conv1: f32[1,4,8,8] = conv2d %input out=4 kernel=3x3 stride=1x1 pad=1x1 dilation=1x1 groups=1 weight=@conv1.weight
                                        ^~~~~~

        """)
  }

  @Test func unbalancedScopes() {
    #expect(
      Self.errors(replacing: "    }\n  }\n  sequential", with: "    }\n  sequential") == """
        t.nir:16:10: error: 'return' must come after the closing '}' of scope 'layer1'
          return %head.4
                 ^~~~~~~
        t.nir:17:2: error: missing '}' closing graph 'tiny'
        }
         ^

        """)
    #expect(
      Self.errors(replacing: "  return %head.4\n", with: "  }\n  return %head.4\n") == """
        t.nir:17:1: error: graph 'tiny' has no 'return %value' before its closing '}'
          }
        ^
        t.nir:18:1: error: unexpected text after the graph's closing '}'
          return %head.4
        ^

        """)
    #expect(
      Self.errors(replacing: "  return %head.4\n}\n", with: "  return %head.4\n") == """
        t.nir:17:17: error: missing '}' closing graph 'tiny'
          return %head.4
                        ^

        """)
  }

  @Test func scopeHeaders() {
    #expect(
      Self.errors(replacing: "basic * 1 {", with: "basic * 1") == """
        t.nir:4:27: error: expected '{' to open the stage
          stage layer1 = basic * 1
                                  ^

        """)
    #expect(
      Self.errors(replacing: "kernel=[3, 3], shortcut", with: "kernel=, shortcut") == """
        t.nir:5:45: error: expected a value for argument 'kernel'
            block layer1.0 = basic(planes=4, kernel=, shortcut=A) {
                                                    ^

        """)
    #expect(
      Self.errors(replacing: "  sequential head {\n", with: "  sequential layer1.0 {\n") == """
        t.nir:10:14: error: scope 'layer1.0' is declared differently before
          sequential layer1.0 {
                     ^~~~~~~~
        t.nir:5:11: note: previous declaration is here
            block layer1.0 = basic(planes=4, kernel=[3, 3], shortcut=A) {
                  ^~~~~~~~

        """)
  }

  @Test func notAGraph() {
    #expect(
      Self.errors(replacing: "graph tiny {", with: "graf tiny {") == """
        t.nir:1:1: error: expected 'graph <name> {' to start the IR text
        graf tiny {
        ^~~~

        """)
    #expect(
      Self.errors(replacing: "%head.4\n}\n", with: "%head.4\n}\n%extra: f32[1] = relu(%x)\n}\n") == """
        t.nir:19:1: error: unexpected text after the graph's closing '}'
        %extra: f32[1] = relu(%x)
        ^~~~~~~

        """)
    #expect(Self.errors("") == "t.nir:1:1: error: expected 'graph <name> {' to start the IR text\n\n^\n")
  }

  /// Values too large for shape arithmetic are rejected by the parser, not trapped on later.
  @Test func hugeNumbersAreErrorsNotCrashes() {
    #expect(
      Self.errors(replacing: "kernel=3x3 stride=1x1 pad=1x1", with: "kernel=3x3 stride=1x1 pad=9223372036854775807x1")
        .hasPrefix("t.nir:3:69: error: expected HxW such as '3x3' for 'pad', got '9223372036854775807x1'"))
    #expect(
      Self.errors(replacing: "%input: f32[1,3,8,8]", with: "%input: f32[100000,3000,3000,3000]")
        .hasPrefix("t.nir:2:11: error: tensor f32[100000,3000,3000,3000] is too large"))
  }

  /// Robustness: every truncation and every one-character deletion of a valid text yields a graph that passes
  /// the verifier or a diagnostic, never a crash.
  @Test func damagedTextIsDiagnosedNeverCrashes() {
    let scalars = Array(Self.valid.unicodeScalars)
    var variants = (0..<scalars.count).map { String(String.UnicodeScalarView(scalars[..<$0])) }
    variants += scalars.indices.map { index in
      var damaged = scalars
      damaged.remove(at: index)
      return String(String.UnicodeScalarView(damaged))
    }
    for text in variants {
      do {
        let graph = try IRParser.parse(SourceFile(path: "t.nir", text: text))
        #expect(Verifier.violations(in: graph).isEmpty)
      } catch let error as DiagnosticError {
        #expect(!error.diagnostics.isEmpty)
      } catch {
        Issue.record("unexpected error \(error)")
      }
    }
  }
}
