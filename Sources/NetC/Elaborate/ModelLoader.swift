// The front end's entry point: a model file (and what it includes) to a checked, shape-inferred IR graph,
// or a `DiagnosticError` with every problem found and the sources to quote.

import Foundation

/// Compile-time choices that are not part of the model file.
public struct LoadOptions: Sendable {
  /// The batch size N of the input `[N, C, H, W]`.
  public var batch: Int = 1
  /// `[C, H, W]` replacing the network's declared `input`, for reduced-size runs.
  public var input: [Int]?

  public init(batch: Int = 1, input: [Int]? = nil) {
    self.batch = batch
    self.input = input
  }
}

public enum ModelLoader {
  /// Loads a model from disk; includes are read relative to the including file.
  public static func load(path: String, options: LoadOptions = .init()) throws -> Graph {
    try load(path: path, options: options, read: readFromDisk)
  }

  /// Loads a model from in-memory files keyed by path (tests, the fuzzer); `path` names the main file.
  public static func load(path: String, files: [String: [UInt8]], options: LoadOptions = .init()) throws -> Graph {
    let files = Dictionary(files.map { (ProgramLoader.normalize($0), $1) }, uniquingKeysWith: { first, _ in first })
    return try load(path: path, options: options) { name in
      files[name].map { .success($0) } ?? .failure(FileReadError(reason: FrontEndMessages.fileNotFound))
    }
  }

  /// Same as `load(path:files:options:)` for text files.
  public static func load(path: String, files: [String: String], options: LoadOptions = .init()) throws -> Graph {
    try load(path: path, files: files.mapValues { Array($0.utf8) }, options: options)
  }

  /// The one dispatch point on the kind of model file: architecture language today; IR text (`.nir`) joins here.
  static func load(path: String, options: LoadOptions, read: @escaping FileReader) throws -> Graph {
    try checkOptions(options)
    let program = ProgramLoader.load(path, read: read)
    guard program.diagnostics.isEmpty else { throw DiagnosticError(program.diagnostics, sources: program.sources) }
    let (graph, diagnostics) = Elaborator.elaborate(
      program.items, mainPath: ProgramLoader.normalize(path), options: options)
    guard let graph, diagnostics.isEmpty else { throw DiagnosticError(diagnostics, sources: program.sources) }
    return graph
  }

  private static func checkOptions(_ options: LoadOptions) throws {
    var diagnostics: [Diagnostic] = []
    if !(1...maxAttribute).contains(options.batch) {
      diagnostics.append(.error(FrontEndMessages.badBatch(options.batch, limit: maxAttribute)))
    }
    if let input = options.input, input.count != 3 || input.contains(where: { !(1...maxAttribute).contains($0) }) {
      diagnostics.append(.error(FrontEndMessages.badInputOverride(input, limit: maxAttribute)))
    }
    if !diagnostics.isEmpty { throw DiagnosticError(diagnostics) }
  }

  private static func readFromDisk(_ path: String) -> Result<[UInt8], FileReadError> {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return .failure(FileReadError(reason: FrontEndMessages.fileNotFound))
    }
    if isDirectory.boolValue { return .failure(FileReadError(reason: FrontEndMessages.fileIsDirectory)) }
    guard let data = FileManager.default.contents(atPath: path) else {
      return .failure(FileReadError(reason: FrontEndMessages.fileUnreadable))
    }
    return .success([UInt8](data))
  }
}
