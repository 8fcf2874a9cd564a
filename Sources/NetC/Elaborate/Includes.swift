// Loads a program: the main file and everything it includes (paths relative to the including file, each file
// once, cycles reported with a note at every include in the cycle), decoded, lexed and parsed.

/// Why a file could not be read (`no such file`), for "cannot read 'x.net': no such file".
struct FileReadError: Error {
  var reason: String
}

/// Reads a file's bytes: from disk for the command line, from memory for tests and the fuzzer.
typealias FileReader = (String) -> Result<[UInt8], FileReadError>

/// Every item of a program in order, included files' items at their include.
struct Program {
  var sources: [SourceFile] = []
  var items: [Item] = []
  var diagnostics: [Diagnostic] = []
}

struct ProgramLoader {
  static let maxIncludeDepth = 64

  private let read: FileReader
  private var program = Program()
  private var loaded: Set<String> = []
  /// The files being loaded, outermost first, with the include that brought each in.
  private var stack: [(path: String, include: SourceRange?)] = []

  static func load(_ path: String, read: @escaping FileReader) -> Program {
    var loader = ProgramLoader(read: read)
    loader.load(normalize(path), include: nil)
    return loader.program
  }

  private init(read: @escaping FileReader) { self.read = read }

  private mutating func load(_ path: String, include: SourceRange?) {
    if let start = stack.firstIndex(where: { $0.path == path }) {
      reportCycle(from: start, closing: path, at: include)
      return
    }
    if loaded.contains(path) { return }
    if stack.count >= ProgramLoader.maxIncludeDepth {
      program.diagnostics.append(.error(FrontEndMessages.includesTooDeep(ProgramLoader.maxIncludeDepth), at: include))
      return
    }
    loaded.insert(path)
    let bytes: [UInt8]
    switch read(path) {
    case .success(let contents): bytes = contents
    case .failure(let error):
      program.diagnostics.append(.error(FrontEndMessages.cannotRead(path, error.reason), at: include))
      return
    }
    let source = SourceFile(path: path, text: String(decoding: bytes, as: UTF8.self))
    program.sources.append(source)
    if let offset = UTF8Validation.firstInvalidOffset(bytes) {
      let location = UTF8Validation.location(of: offset, in: bytes, path: path)
      program.diagnostics.append(
        .error(FrontEndMessages.invalidUTF8(bytes[offset], offset: offset), at: SourceRange(location)))
      return
    }
    let (file, diagnostics) = Parser.parse(source, bytes: bytes)
    program.diagnostics += diagnostics
    stack.append((path, include))
    for item in file.items {
      if case .include(let target, let range) = item.kind {
        load(ProgramLoader.resolve(target, from: path), include: range)
      } else {
        program.items.append(item)
      }
    }
    stack.removeLast()
  }

  /// The cycle `stack[start] → … → path`: an error at the include closing it, a note at each other include.
  private mutating func reportCycle(from start: Int, closing path: String, at include: SourceRange?) {
    let cycle = stack[start...].map(\.path) + [path]
    let notes = stack[(start + 1)...].enumerated().compactMap { offset, entry -> Diagnostic.Note? in
      entry.include.map { .init(FrontEndMessages.includedHere(entry.path, by: cycle[offset]), at: $0) }
    }
    program.diagnostics.append(.error(FrontEndMessages.includeCycle(cycle), at: include, notes: notes))
  }

  /// `target` relative to the directory of `includer` (unless absolute), normalized.
  static func resolve(_ target: String, from includer: String) -> String {
    if target.hasPrefix("/") { return normalize(target) }
    guard let slash = includer.lastIndex(of: "/") else { return normalize(target) }
    return normalize(String(includer[...slash]) + target)
  }

  /// Removes `.` components and folds `name/..`, so each file has one spelling.
  static func normalize(_ path: String) -> String {
    var components: [Substring] = []
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
      if component == "." { continue }
      if component == "..", let last = components.last, last != ".." {
        components.removeLast()
      } else {
        components.append(component)
      }
    }
    let joined = components.joined(separator: "/")
    return path.hasPrefix("/") ? "/" + joined : joined
  }
}
