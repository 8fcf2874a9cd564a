// The model a command works on and the size options that go with it: `<model> [--batch N] [--input CxHxW]`.

import Foundation
import NetC

struct ModelOptions {
  var path: String
  var batch: Int?
  /// `[C, H, W]`.
  var input: [Int]?

  static let help = """
      --batch N             batch size (default: 1, or the IR file's)
      --input CxHxW         input size, e.g. 3x64x64 (default: the model's)
    """

  static func parse(_ arguments: inout Arguments) throws -> ModelOptions {
    let batch = try arguments.intOption("--batch")
    var input: [Int]?
    if let text = try arguments.option("--input") {
      let dims = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
      guard dims.count == 3, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw UsageError("option '--input' expects CxHxW with positive sizes, e.g. 3x224x224, got '\(text)'")
      }
      input = dims.compactMap { $0 }
    }
    return ModelOptions(path: try arguments.positional("model file"), batch: batch, input: input)
  }

  /// Reads the model: IR text (a `.nir` file, or any text starting with `graph`), else the architecture
  /// language through `ModelLoader` (which reads the file and its includes itself).
  func load() throws -> Graph {
    if !path.hasSuffix(".nir") && path != "-" && !FileManager.default.isIRText(atPath: path) {
      return try ModelLoader.load(path: path, options: LoadOptions(batch: batch ?? 1, input: input))
    }
    let file = try readSource(path)
    var graph = try IRParser.parse(file)
    if batch != nil || input != nil {
      let current = graph.input.shape.dims
      graph = try graph.withInputShape(Shape([batch ?? current[0]] + (input ?? Array(current[1...]))))
    }
    return graph
  }
}

/// A file's text, or standard input's for `-`; unreadable or non-UTF-8 files are diagnosed.
func readSource(_ path: String) throws -> SourceFile {
  let data: Data?
  if path == "-" {
    data = FileHandle.standardInput.readDataToEndOfFile()
  } else {
    data = FileManager.default.contents(atPath: path)
  }
  guard let data else { throw DiagnosticError(.error("\(path): cannot read the file")) }
  guard let text = String(data: data, encoding: .utf8) else {
    throw DiagnosticError(.error("\(path): the file is not valid UTF-8"))
  }
  return SourceFile(path: path == "-" ? "<stdin>" : path, text: text)
}

extension FileManager {
  /// Whether the file's first word is `graph`, the start of the IR text form (DSL files never start so).
  func isIRText(atPath path: String) -> Bool {
    guard let data = contents(atPath: path) else { return false }
    return String(decoding: data.prefix(4096), as: UTF8.self).drop(while: \.isWhitespace).hasPrefix("graph")
  }
}
