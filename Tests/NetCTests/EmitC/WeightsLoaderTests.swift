// The safetensors reader of the generated C on good and bad files: every malformation gets its status and a
// detail naming the tensor or field and the reason, word for word, and nothing is read out of bounds (the
// file is handed over in a buffer of exactly its size, under the address sanitizer).

import Foundation
import Testing

@testable import NetC

/// conv (batch norm folded in) → global average pool → flatten → fc: every kind of parameter.
private func loaderGraph() throws -> Graph {
  var net = GraphBuilder("loader", input: [1, 1, 4, 4])
  let bn = Epilogue(batchNorm: FoldedBatchNorm(module: "bn", eps: 1e-5), relu: true)
  try net.add("conv", conv("conv", 2, Pair(square: 3), pad: Pair(square: 1), epilogue: bn))
  try net.add("pool", .adaptiveAvgPool(AdaptiveAvgPool(out: Pair(square: 1))))
  try net.add("flatten", .flatten)
  try net.add("fc", .linear(Linear(outFeatures: 3, module: "fc", hasBias: true)))
  return net.graph()
}

/// A test program around the model: `load FILE` hands the file to `loader_load` in a buffer of exactly its
/// size; `file PATH` calls `loader_load_file`; `init FILE` tries caller memory too small, misaligned and
/// right. Each prints `ok` or `<status> <strerror>: <detail>`.
private let harnessSource = #"""
  #include <stdio.h>
  #include <stdlib.h>
  #include <string.h>

  #include "loader.h"

  static void report(loader_status status, const char *detail) {
    if (status == LOADER_OK) printf("ok\n");
    else printf("%d %s: %s\n", (int)status, loader_strerror(status), detail);
  }

  int main(int argc, char **argv) {
    char detail[LOADER_DETAIL_SIZE];
    loader_model *model = NULL;
    if (argc != 3) return 2;
    if (strcmp(argv[1], "file") == 0) {
      const loader_status status = loader_load_file(argv[2], &model, detail, sizeof detail);
      report(status, detail);
      loader_free(model);
      return 0;
    }
    FILE *file = fopen(argv[2], "rb");
    if (!file || fseek(file, 0, SEEK_END) != 0) return 3;
    const size_t size = (size_t)ftell(file);
    unsigned char *bytes = malloc(size ? size : 1);
    rewind(file);
    if (!bytes || fread(bytes, 1, size, file) != size) return 3;
    fclose(file);
    if (strcmp(argv[1], "load") == 0) {
      const loader_status status = loader_load(bytes, size, &model, detail, sizeof detail);
      report(status, detail);
      if (status == LOADER_OK) {
        static float input[LOADER_INPUT_SIZE], output[LOADER_OUTPUT_SIZE];
        void *arena = malloc(loader_arena_bytes());
        report(loader_run(model, input, output, arena), "");
        free(arena);
        loader_free(model);
      }
    } else {
      unsigned char *memory = malloc(loader_model_bytes() + 1);
      report(loader_init(memory, loader_model_bytes() - 1, bytes, size, &model, detail, sizeof detail), detail);
      report(loader_init(memory + 1, loader_model_bytes(), bytes, size, &model, detail, sizeof detail), detail);
      report(loader_init(memory, loader_model_bytes(), NULL, size, &model, detail, sizeof detail), detail);
      report(loader_init(memory, loader_model_bytes(), bytes, size, &model, detail, sizeof detail), detail);
      report(loader_run(model, NULL, NULL, NULL), "");
      free(memory);
    }
    free(bytes);
    return 0;
  }

  """#

/// One tensor entry of a crafted header.
struct SafetensorsEntry {
  var name: String
  var dtype = "F32"
  var shape: [Int]
  /// Data offsets; nil: the next free bytes, sized by shape and dtype.
  var offsets: (Int, Int)?

  init(_ name: String, _ shape: [Int], dtype: String = "F32", offsets: (Int, Int)? = nil) {
    self.name = name
    self.shape = shape
    self.dtype = dtype
    self.offsets = offsets
  }
}

/// The loader graph's parameters, laid out one after another.
private let goodEntries = [
  SafetensorsEntry("conv.weight", [2, 1, 3, 3]), SafetensorsEntry("bn.weight", [2]), SafetensorsEntry("bn.bias", [2]),
  SafetensorsEntry("bn.running_mean", [2]),
  SafetensorsEntry("bn.running_var", [2]), SafetensorsEntry("fc.weight", [3, 2]), SafetensorsEntry("fc.bias", [3]),
]

/// A safetensors file from entries (data zeros except variances of 1) or from a literal header and data size.
private func file(_ entries: [SafetensorsEntry], extraHeader: String = "") -> [UInt8] {
  var members: [String] = []
  var offset = 0
  for entry in entries {
    let size = ["F32": 4, "I64": 8, "F16": 2][entry.dtype, default: 1] * entry.shape.reduce(1, *)
    let (begin, end) = entry.offsets ?? (offset, offset + size)
    offset = max(offset, end)
    let shape = entry.shape.map(String.init).joined(separator: ",")
    members.append(
      #""\#(entry.name)":{"dtype":"\#(entry.dtype)","shape":[\#(shape)],"data_offsets":[\#(begin),\#(end)]}"#)
  }
  var data = [UInt8](repeating: 0, count: offset)
  if let variance = entries.first(where: { $0.name == "bn.running_var" }), variance.offsets == nil {
    let begin = entries.prefix { $0.name != "bn.running_var" }.reduce(0) { $0 + 4 * $1.shape.reduce(1, *) }
    for i in 0..<2 { data.replaceSubrange((begin + 4 * i)..<(begin + 4 * i + 4), with: [0, 0, 0x80, 0x3F]) }
  }
  let header = "{" + (members + (extraHeader.isEmpty ? [] : [extraHeader])).joined(separator: ",") + "}"
  return file(header: header, data: data)
}

private func file(header: String, data: [UInt8]) -> [UInt8] {
  let header = Array(header.utf8)
  return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header + data
}

private func replacing(_ name: String, with entry: SafetensorsEntry?) -> [SafetensorsEntry] {
  goodEntries.compactMap { $0.name == name ? entry : $0 }
}

/// A bad file and what the loader must print for it.
struct BadFile: CustomTestStringConvertible, Sendable {
  var testDescription: String
  var bytes: [UInt8]
  /// What the C reports: status, `netc_strerror` and detail.
  var output: String
  var detail: String
  /// Whether netc's Swift reader words this case differently (or, for nesting, counts depth differently).
  var onlyC = false

  init(_ what: String, _ bytes: [UInt8], format: String) {
    self.init(what, bytes, "4 malformed safetensors file", format)
  }

  init(_ what: String, _ bytes: [UInt8], json: String) {
    self.init(what, bytes, "4 malformed safetensors file", "header is not valid JSON: " + json + " of the header")
  }

  init(_ what: String, _ bytes: [UInt8], weights: String) {
    self.init(what, bytes, "5 the weights do not fit the network", weights)
  }

  /// A file whose only entry is `fc.bias` with the given fields.
  init(_ what: String, entry fields: String, format: String) {
    self.init(what, file(header: #"{"fc.bias":{"# + fields + "}}", data: []), format: format)
  }

  private init(_ what: String, _ bytes: [UInt8], _ status: String, _ detail: String) {
    testDescription = what
    self.bytes = bytes
    self.detail = detail
    output = status + ": " + detail + "\n"
  }

  var cOnly: BadFile {
    var copy = self
    copy.onlyC = true
    return copy
  }
}

@Suite struct WeightsLoaderTests {
  private static let harness = Result { try buildHarness() }

  static let malformed: [BadFile] = [
    BadFile(
      "too short", [1, 2, 3], format: "file is too short (3 bytes) to hold the 8-byte header length; is it truncated?"),
    BadFile(
      "header past the end", Array(file(header: "{}", data: []).dropLast()),
      format: "header length 2 exceeds the 1 bytes after it; is the file truncated, or not safetensors?"),
    BadFile("empty header", file(header: "", data: []), json: "expected a value, found the end at byte 0"),
    BadFile("header not an object", file(header: "[1]", data: []), format: "header must be a JSON object, got a list"),
    BadFile("missing colon", file(header: #"{"a" 1}"#, data: []), json: "expected ':', found '1' at byte 5"),
    BadFile("text after the header", file(header: "{} x", data: []), json: "unexpected 'x' after the value at byte 3"),
    BadFile(
      "control character", file(header: "{\"a\u{1}\":1}", data: []), json: "control character in string at byte 3"),
    BadFile("unterminated string", file(header: #"{"a"#, data: []), json: "unterminated string at byte 1"),
    BadFile("bad escape", file(header: #"{"\q":1}"#, data: []), json: "invalid escape in string at byte 2"),
    BadFile("lone surrogate", file(header: #"{"\ud800":1}"#, data: []), json: "unpaired surrogate in string at byte 2"),
    BadFile(
      "deep nesting",
      file(header: #"{"a":"# + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}", data: []),
      json: "nesting deeper than 64 levels at byte 70").cOnly,
    BadFile(
      "entry not an object", file(header: #"{"a":[[]]}"#, data: []),
      format: "tensor 'a' must be described by an object, got a list"),
    BadFile(
      "metadata not strings", file(goodEntries, extraHeader: #""__metadata__":{"a":1}"#),
      format: "'__metadata__' must map names to strings"),
  ]

  static let wrongTensors: [BadFile] = [
    BadFile(
      "duplicate", file(goodEntries.map { SafetensorsEntry($0.name == "fc.bias" ? "bn.weight" : $0.name, $0.shape) }),
      format: "header lists 'bn.weight' twice"),
    BadFile("no offsets", entry: #""dtype":"F32","shape":[3]"#, format: "tensor 'fc.bias' has no 'data_offsets'"),
    BadFile(
      "dtype a number", entry: #""dtype":32,"shape":[3],"data_offsets":[0,12]"#,
      format: "'dtype' of tensor 'fc.bias' must be a string"),
    BadFile(
      "fractional dimension", entry: #""dtype":"F32","shape":[3.0],"data_offsets":[0,12]"#,
      format: "'shape' of tensor 'fc.bias' must be a list of non-negative integers"),
    BadFile(
      "negative dimension", entry: #""dtype":"F32","shape":[-3],"data_offsets":[0,12]"#,
      format: "'shape' of tensor 'fc.bias' must be a list of non-negative integers"),
    BadFile(
      "offsets reversed", entry: #""dtype":"F32","shape":[3],"data_offsets":[12,0]"#,
      format: "'data_offsets' of tensor 'fc.bias' must be two non-negative integers [begin, end], begin <= end"),
    BadFile(
      "offset past 2^64", entry: #""dtype":"F32","shape":[3],"data_offsets":[0,99999999999999999999]"#,
      format: "'data_offsets' of tensor 'fc.bias' must be two non-negative integers [begin, end], begin <= end"),
    BadFile(
      "unknown dtype", entry: #""dtype":"Q8","shape":[3],"data_offsets":[0,12]"#,
      format: "tensor 'fc.bias' has unknown dtype 'Q8'"),
    BadFile(
      "size overflows", entry: #""dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,12]"#,
      format: "tensor 'fc.bias' of shape [4294967296,4294967296] is too large"),
    BadFile(
      "span too short", file(replacing("fc.bias", with: SafetensorsEntry("fc.bias", [3], offsets: (0, 8)))),
      format: "tensor 'fc.bias' of shape [3] needs 12 bytes as F32, but its data offsets [0,8] span 8"),
    BadFile(
      "truncated data", Array(file(goodEntries).dropLast()),
      format: "tensor 'fc.bias' has data offsets [128,140] beyond the 139-byte data buffer; is the file truncated?"),
    BadFile(
      "overlap", file(replacing("fc.bias", with: SafetensorsEntry("fc.bias", [3], offsets: (100, 112)))),
      format: "tensors 'bn.running_var' and 'fc.bias' overlap: data offsets [96,104] and [100,112]"),
    BadFile(
      "gap", file(replacing("fc.bias", with: SafetensorsEntry("fc.bias", [3], offsets: (132, 144)))),
      format: "the tensors cover 140 of the 144 data bytes; tensor data must be contiguous").cOnly,
    BadFile(
      "bytes after the data", file(goodEntries) + [0, 0, 0, 0],
      format: "the tensors cover 140 of the 144 data bytes; tensor data must be contiguous").cOnly,
    BadFile(
      "ignored tensor overlapping",
      file(goodEntries + [SafetensorsEntry("bn.num_batches_tracked", [], dtype: "I64", offsets: (0, 8))]),
      format: "the tensors cover 148 bytes, more than the 140 data bytes; tensor data must not overlap").cOnly,
    BadFile("missing", file(replacing("bn.bias", with: nil)), weights: "missing tensor 'bn.bias' of shape [2]"),
    BadFile(
      "extra", file(goodEntries + [SafetensorsEntry("fc2.weight", [1])]),
      weights: "tensor 'fc2.weight' is not a parameter of 'loader'"),
    BadFile(
      "wrong shape", file(replacing("fc.weight", with: SafetensorsEntry("fc.weight", [2, 3]))),
      weights: "tensor 'fc.weight' has shape [2,3], expected [3,2]"),
    BadFile(
      "wrong dtype", file(replacing("fc.weight", with: SafetensorsEntry("fc.weight", [3, 2], dtype: "F16"))),
      weights: "tensor 'fc.weight' has dtype F16; only F32 is supported (save it as float32)"),
  ]


  private static func buildHarness() throws -> URL {
    let program = try CEmitter(graph: try loaderGraph()).emit()
    let directory = try CTest.temporaryDirectory()
    try program.source.write(to: directory.appendingPathComponent("loader.c"), atomically: true, encoding: .utf8)
    try program.header.write(to: directory.appendingPathComponent("loader.h"), atomically: true, encoding: .utf8)
    try harnessSource.write(to: directory.appendingPathComponent("harness.c"), atomically: true, encoding: .utf8)
    let executable = directory.appendingPathComponent("harness")
    try CCompiler.find().build(
      ["loader.c", "harness.c"].map { directory.appendingPathComponent($0).path }, output: executable.path,
      flags: CTest.sanitizerFlags)
    return executable
  }

  private func run(_ mode: String, _ bytes: [UInt8]) throws -> String {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("w.safetensors")
    try Data(bytes).write(to: path)
    return try run(mode, path: path.path)
  }

  private func run(_ mode: String, path: String) throws -> String {
    let result = try ProcessRunner.run(try Self.harness.get().path, [mode, path])
    #expect(result.status == 0, "\(result.output)")
    return result.output
  }

  @Test func goodFilesLoadAndRun() throws {
    #expect(try run("load", file(goodEntries)) == "ok\nok\n")
    // Metadata, PyTorch's step counters, fields netc does not know and escapes in names are all fine.
    var entries = goodEntries + [SafetensorsEntry("bn.num_batches_tracked", [], dtype: "I64")]
    entries[0].name = "conv.weigh\\u0074"
    let extras = #""__metadata__":{"format":"pt","note":"\u00e9"}"#
    #expect(try run("load", file(entries, extraHeader: extras)) == "ok\nok\n")
  }

  @Test func callerMemoryIsChecked() throws {
    // The model keeps the conv weight packed in a panel of 16 output channels (16 x 9 floats), the batch norm
    // folded into a scale and a shift (a panel's 16 floats each), and fc's weight and bias packed likewise
    // (16 x 2 and 16): 224 floats, 896 bytes.
    let bytes = 896
    let output = try run("init", file(goodEntries))
    #expect(
      output == """
        1 invalid argument: model memory has \(bytes - 1) bytes, the model needs \(bytes)
        1 invalid argument: model memory must be aligned to 4 bytes
        1 invalid argument: memory, safetensors and model must not be NULL
        ok
        1 invalid argument: 

        """)
  }

  @Test func unreadableFiles() throws {
    #expect(
      try run("file", path: "/nonexistent/w.safetensors")
        == "3 cannot read the weights file: cannot open file: no such file or directory\n")
    #expect(try run("file", path: "/") == "3 cannot read the weights file: cannot read file: is a directory\n")
  }

  @Test(arguments: malformed)
  func malformedHeaders(_ bad: BadFile) throws {
    #expect(try run("load", bad.bytes) == bad.output)
  }

  @Test(arguments: wrongTensors)
  func badTensors(_ bad: BadFile) throws {
    #expect(try run("load", bad.bytes) == bad.output)
  }

  /// Where netc's Swift reader diagnoses the same case, it says the same thing (after the file's name).
  @Test(arguments: (malformed + wrongTensors).filter { !$0.onlyC })
  func sameWordsAsTheSwiftReader(_ bad: BadFile) throws {
    let graph = try loaderGraph()
    let message = diagnosticText {
      try SafeTensors(decoding: bad.bytes, file: "w.safetensors").weights.validate(for: graph, file: "w.safetensors")
    }
    #expect(message?.split(separator: "\n").first.map(String.init) == "error: w.safetensors: " + bad.detail)
  }

  @Test func negativeVariance() throws {
    var bytes = file(goodEntries)
    let variance = bytes.count - 4 * (3 + 6 + 2)  // bn.running_var is followed by fc.weight and fc.bias
    bytes.replaceSubrange((variance + 4)..<(variance + 8), with: [0, 0, 0x80, 0xBF])
    #expect(
      try run("load", bytes)
        == "5 the weights do not fit the network: tensor 'bn.running_var' has -1 at index 1; "
        + "a variance must not be negative\n")
  }
}
