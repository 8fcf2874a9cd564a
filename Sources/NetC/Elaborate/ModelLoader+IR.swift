// Model files in the IR text form, so a saved or hand-edited dump goes through every command the
// architecture language does (`netc dump file.nir` prints the same bytes back).

extension ModelLoader {
  /// Whether a main file is IR text: a `.nir` file, or text whose first word is `graph` or a `//` comment
  /// (neither can start a file of the architecture language, whose comments start with `#`).
  static func isIRText(path: String, bytes: [UInt8]) -> Bool {
    let start = String(decoding: bytes.prefix(64), as: UTF8.self).drop { $0.isWhitespace }
    return path.hasSuffix(".nir") || start.hasPrefix("graph ") || start.hasPrefix("//")
  }

  /// Parses IR text; `--batch` and `--input` re-infer every shape from the new input shape.
  static func loadIR(path: String, bytes: [UInt8], options: LoadOptions) throws -> Graph {
    let source = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
    if let offset = UTF8Validation.firstInvalidOffset(bytes) {
      let location = UTF8Validation.location(of: offset, in: bytes, path: path)
      throw DiagnosticError(
        .error(FrontEndMessages.invalidUTF8(bytes[offset], offset: offset), at: SourceRange(location)),
        sources: [source])
    }
    let graph = try IRParser.parse(source)
    guard options.batch != nil || options.input != nil else { return graph }
    let dims = graph.input.shape.dims
    return try graph.withInputShape(Shape([options.batch ?? dims[0]] + (options.input ?? Array(dims[1...]))))
  }
}
