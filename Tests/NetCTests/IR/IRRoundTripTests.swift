// Every zoo model's IR, before and after the default pipeline, read back by the IR parser to the same
// bytes, and through the model loader as a `.nir` file.

import Testing

@testable import NetC

@Suite struct IRRoundTripTests {
  @Test(arguments: Repository.zoo)
  func zooDumpsReadBack(model: String) throws {
    let source = try ModelLoader.load(path: Repository.model(model).path, options: LoadOptions(batch: 2))
    for graph in [source, try Pipeline.default.run(source)] {
      let text = graph.text
      let parsed = try IRParser.parse(SourceFile(path: "\(model).nir", text: text))
      #expect(parsed.text == text)
      #expect(try ModelLoader.load(path: "m.nir", files: ["m.nir": text]).text == text)
    }
  }

  @Test func loaderRebatchesIRText() throws {
    let text = try ModelLoader.load(path: Repository.model("resnet20").path, options: LoadOptions(batch: 2)).text
    let rebatched = try ModelLoader.load(path: "m.nir", files: ["m.nir": text], options: LoadOptions(batch: 5))
    #expect(rebatched.text == text.replacingOccurrences(of: "f32[2,", with: "f32[5,"))
  }

  @Test func loaderDiagnosesIRText() {
    let error = #expect(throws: DiagnosticError.self) {
      try ModelLoader.load(path: "m.nir", files: ["m.nir": "graph g {\n  %input: f32[1,2] = input\n}\n"])
    }
    #expect(
      error?.rendered == """
        m.nir:2:11: error: the graph input must have shape f32[N,C,H,W] with positive sizes, got f32[1,2]
          %input: f32[1,2] = input
                  ^~~~~~~~
        m.nir:3:1: error: graph 'g' has no 'return %value' before its closing '}'
        }
        ^

        """)
  }
}
