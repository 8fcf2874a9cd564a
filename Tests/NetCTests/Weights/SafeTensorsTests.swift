// safetensors: round trips, a file the reference Python writer made, and every kind of bad file with its
// exact message.

import Foundation
import Testing

@testable import NetC

private let fixtures = Fixtures.url("Tests/NetCTests/Weights/Fixtures")

/// A file with the given header text (its length prefixed) and data bytes.
private func file(_ header: String, data: [UInt8] = []) -> [UInt8] {
  withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init) + Array(header.utf8) + data
}

private func entry(_ name: String, _ dtype: String = "F32", shape: [Int], _ begin: Int, _ end: Int) -> String {
  "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
}

/// The rendered error of decoding `bytes` as `w.safetensors`.
private func decodeError(_ bytes: [UInt8]) -> String? {
  diagnosticText { _ = try SafeTensors(decoding: bytes, file: "w.safetensors") }
}

/// input [1,3,4,4] → conv (2 channels, 1x1, bias) → flatten → fc (3).
private let tinyGraph = Graph(
  name: "tiny",
  nodes: [
    Node(name: "input", op: .input, inputs: [], shape: Shape([1, 3, 4, 4])),
    Node(name: "conv", op: .conv(Conv(outChannels: 2, kernel: Pair(square: 1), module: "conv", hasBias: true)),
         inputs: ["input"], shape: Shape([1, 2, 4, 4])),
    Node(name: "flatten", op: .flatten, inputs: ["conv"], shape: Shape([1, 32])),
    Node(name: "fc", op: .linear(Linear(outFeatures: 3, module: "fc", hasBias: true)), inputs: ["flatten"],
         shape: Shape([1, 3])),
  ],
  output: "fc")

private func tinyWeights() -> Weights {
  Weights(tinyGraph.parameters.enumerated().map { ($1.name, randomTensor($1.shape.dims, seed: UInt64($0))) })
}

private func validationError(_ weights: Weights) -> String? {
  diagnosticText { try weights.validate(for: tinyGraph, file: "w.safetensors") }
}

@Suite struct SafeTensorsTests {
  @Test func roundTripKeepsOrderValuesAndMetadata() throws {
    let original = SafeTensors(weights: tinyWeights(), metadata: ["netc.seed": "7", "format": "pt"])
    let bytes = original.encoded()
    let decoded = try SafeTensors(decoding: bytes, file: "w.safetensors")
    #expect(decoded == original)
    #expect(decoded.weights.names == ["conv.weight", "conv.bias", "fc.weight", "fc.bias"])
    let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
    #expect((8 + headerLength) % 8 == 0)  // data 8-byte aligned
    #expect(bytes == original.encoded())  // deterministic
  }

  @Test func writesTheHeaderTheFormatSpecifies() {
    let weights = Weights([("a", Tensor(shape: Shape([2]), scalars: [1, -2]))])
    let bytes = SafeTensors(weights: weights, metadata: ["k": "v"]).encoded()
    let header = String(decoding: bytes[8..<bytes.count - 8], as: UTF8.self)
    #expect(header == #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} "#)
    #expect(Array(bytes.suffix(8)) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
  }

  /// Written by Python's `safetensors.torch.save_file` (tensors sorted by its rules, an I64
  /// `num_batches_tracked` among them, metadata `format: pt`).
  @Test func readsWhatPyTorchWrites() throws {
    let file = try SafeTensors.read(fixtures.appendingPathComponent("torch_small.safetensors").path)
    #expect(file.metadata == ["format": "pt"])
    #expect(file.weights.names.sorted() == ["layer.bias", "layer.weight"])  // num_batches_tracked dropped
    #expect(file.weights["layer.weight"] == Tensor(shape: Shape([2, 3]), scalars: [1.5, -2, 0.25, 3, 1e-3, -0.0]))
    #expect(file.weights["layer.bias"] == Tensor(shape: Shape([2]), scalars: [7, -8]))
  }

  @Test func emptyFileOfTensorsIsValid() throws {
    #expect(try SafeTensors(decoding: file("{}"), file: "w.safetensors").weights.isEmpty)
  }

  @Test func truncatedBeforeTheHeaderLength() {
    #expect(
      decodeError([1, 2, 3])
        == "error: w.safetensors: file is too short (3 bytes) to hold the 8-byte header length; is it truncated?\n")
  }

  @Test func headerLengthBeyondTheFile() {
    let bytes = withUnsafeBytes(of: UInt64(100).littleEndian, Array.init) + Array("{}".utf8)
    #expect(
      decodeError(bytes)
        == "error: w.safetensors: header length 100 exceeds the 2 bytes after it; "
        + "is the file truncated, or not safetensors?\n")
  }

  @Test func malformedHeaders() {
    #expect(
      decodeError(file(#"{"a":{"dtype":"F32" "shape":[1]}}"#))
        == "error: w.safetensors: header is not valid JSON: expected ',' or '}', found '\"' at byte 20 of the header\n")
    #expect(
      decodeError(file(#"{"a":1,}"#))
        == "error: w.safetensors: header is not valid JSON: expected a string key, found '}' at byte 7 of the header\n")
    #expect(
      decodeError(file(String(repeating: "[", count: 100)))
        == "error: w.safetensors: header is not valid JSON: nesting deeper than 64 levels at byte 65 of the header\n")
    #expect(decodeError(file("[1]")) == "error: w.safetensors: header must be a JSON object, got a list\n")
    #expect(decodeError(file("{}") + [0xFF]) == "error: w.safetensors: data bytes [0,1) belong to no tensor; "
      + "tensor data must be contiguous\n")
    let notUTF8 = withUnsafeBytes(of: UInt64(3).littleEndian, Array.init) + [0x7B, 0xFF, 0x7D]
    #expect(decodeError(notUTF8) == "error: w.safetensors: header is not valid UTF-8\n")
  }

  @Test func malformedEntries() {
    let data = [UInt8](repeating: 0, count: 8)
    let cases: [(String, String)] = [
      (#"{"a":[1]}"#, "tensor 'a' must be described by an object, got a list"),
      (#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, "tensor 'a' has no 'dtype'"),
      (#"{"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}"#,
       "'shape' of tensor 'a' must be a list of non-negative integers"),
      (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
       "'data_offsets' of tensor 'a' must be two non-negative integers [begin, end], begin <= end"),
      ("{" + entry("a", shape: [2], 0, 8) + "," + entry("a", shape: [2], 0, 8) + "}", "header lists 'a' twice"),
      (#"{"__metadata__":{"n":1}}"#, "'__metadata__' must map names to strings"),
    ]
    for (header, message) in cases {
      #expect(decodeError(file(header, data: data)) == "error: w.safetensors: \(message)\n", "\(header)")
    }
  }

  @Test func wrongAndUnknownDtypes() {
    #expect(
      decodeError(file("{" + entry("fc.weight", "F16", shape: [2], 0, 4) + "}", data: [0, 0, 0, 0]))
        == "error: w.safetensors: tensor 'fc.weight' has dtype F16; only F32 is supported (save it as float32)\n")
    #expect(
      decodeError(file("{" + entry("fc.weight", "Q4", shape: [2], 0, 4) + "}", data: [0, 0, 0, 0]))
        == "error: w.safetensors: tensor 'fc.weight' has unknown dtype 'Q4'\n")
  }

  @Test func byteSizeDisagreeingWithShape() {
    #expect(
      decodeError(file("{" + entry("a", shape: [2, 3], 0, 20) + "}", data: Array(repeating: 0, count: 20)))
        == "error: w.safetensors: tensor 'a' of shape [2,3] needs 24 bytes as F32, but its data offsets [0,20] "
        + "span 20\n")
  }

  @Test func offsetsOutsideTheBuffer() {
    // A file cut short in its data: the last tensor runs past the end.
    let header = "{" + entry("a", shape: [2], 0, 8) + "," + entry("b", shape: [3], 8, 20) + "}"
    #expect(
      decodeError(file(header, data: Array(repeating: 0, count: 16)))
        == "error: w.safetensors: tensor 'b' has data offsets [8,20] beyond the 16-byte data buffer; "
        + "is the file truncated?\n")
  }

  @Test func overlappingAndNonContiguousOffsets() {
    let data = [UInt8](repeating: 0, count: 16)
    let overlap = "{" + entry("a", shape: [3], 0, 12) + "," + entry("b", shape: [2], 8, 16) + "}"
    #expect(
      decodeError(file(overlap, data: data))
        == "error: w.safetensors: tensors 'a' and 'b' overlap: data offsets [0,12] and [8,16]\n")
    let gap = "{" + entry("b", shape: [2], 8, 16) + "," + entry("a", shape: [1], 0, 4) + "}"
    #expect(
      decodeError(file(gap, data: data))
        == "error: w.safetensors: data bytes [4,8) belong to no tensor; tensor data must be contiguous\n")
    let leading = "{" + entry("a", shape: [2], 8, 16) + "}"
    #expect(
      decodeError(file(leading, data: data))
        == "error: w.safetensors: data bytes [0,8) belong to no tensor; tensor data must be contiguous\n")
    let trailing = "{" + entry("a", shape: [2], 0, 8) + "}"
    #expect(
      decodeError(file(trailing, data: data))
        == "error: w.safetensors: data bytes [8,16) belong to no tensor; tensor data must be contiguous\n")
  }

  @Test func numBatchesTrackedIsIgnored() throws {
    let counter = entry("bn.num_batches_tracked", "I64", shape: [], 0, 8)
    let header = "{" + counter + "," + entry("a", shape: [1], 8, 12) + "}"
    let decoded = try SafeTensors(decoding: file(header, data: Array(repeating: 0, count: 12)), file: "w.safetensors")
    #expect(decoded.weights.names == ["a"])
  }

  @Test func missingExtraAndMisshapenTensors() {
    var weights = tinyWeights()
    #expect(validationError(weights) == nil)
    weights["fc.weights"] = weights["fc.weight"]
    weights["fc.weight"] = nil
    weights["conv.bias"] = Tensor(zeros: Shape([3]))
    weights["extra"] = Tensor(zeros: Shape([1]))
    #expect(
      validationError(weights) == """
        error: w.safetensors: tensor 'conv.bias' has shape [3], expected [2]
        error: w.safetensors: missing tensor 'fc.weight' of shape [3,32]
        error: w.safetensors: tensor 'fc.weights' is not a parameter of 'tiny'; did you mean 'fc.weight'?
        error: w.safetensors: tensor 'extra' is not a parameter of 'tiny'

        """)
  }

  @Test func readingAFileForAGraph() throws {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("netc-\(UUID().uuidString).safetensors").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try SafeTensors(weights: tinyWeights()).write(to: path)
    #expect(try SafeTensors.readWeights(path, for: tinyGraph) == tinyWeights())
    let other = inputOnly(Shape([1, 1, 1, 1]))
    let error = #expect(throws: DiagnosticError.self) { try SafeTensors.readWeights(path, for: other) }
    #expect(error?.diagnostics.first?.message == "\(path): tensor 'conv.weight' is not a parameter of 'g'")
  }

  @Test func unreadableFile() {
    let error = #expect(throws: DiagnosticError.self) { try SafeTensors.read("/nonexistent/w.safetensors") }
    #expect(error?.rendered == "error: /nonexistent/w.safetensors: cannot open file: no such file or directory\n")
  }
}
