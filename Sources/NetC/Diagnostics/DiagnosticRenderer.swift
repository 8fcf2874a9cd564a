// Renders diagnostics the way clang and swiftc do: `path:line:col: error: message`, the source line, and a
// caret with `~` under the range; each note at its own location.

public struct DiagnosticRenderer: Sendable {
  /// Sources by path, for quoting lines; a diagnostic about a file not here prints without its line.
  public var sources: [String: SourceFile]
  public var useColor: Bool

  public init(sources: [SourceFile] = [], useColor: Bool = false) {
    self.sources = Dictionary(sources.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    self.useColor = useColor
  }

  public func render(_ diagnostics: [Diagnostic]) -> String {
    diagnostics.map(render).joined()
  }

  public func render(_ diagnostic: Diagnostic) -> String {
    var out = entry(diagnostic.severity, diagnostic.message, diagnostic.range)
    for note in diagnostic.notes {
      out += entry(.note, note.message, note.range)
    }
    return out
  }

  private func entry(_ severity: Diagnostic.Severity, _ message: String, _ range: SourceRange?) -> String {
    let label = colored(severity.rawValue + ":", severity)
    guard let range else { return "\(label) \(message)\n" }
    var out = "\(range.start): \(label) \(message)\n"
    if let source = sources[range.start.path] {
      let line = source.line(range.start.line)
      let printable = String(line.unicodeScalars.map { $0 == "\t" ? " " : Character($0) })
      out += printable + "\n"
      let column = max(1, range.start.column)
      let available = max(1, printable.unicodeScalars.count - column + 1)
      let underline = "^" + String(repeating: "~", count: max(0, min(range.length, available) - 1))
      out += String(repeating: " ", count: column - 1) + colored(underline, .note) + "\n"
    }
    return out
  }

  private func colored(_ text: String, _ severity: Diagnostic.Severity) -> String {
    guard useColor else { return text }
    let code =
      switch severity {
      case .error: "1;31"
      case .warning: "1;35"
      case .note: "1;32"
      }
    return "\u{1B}[\(code)m\(text)\u{1B}[0m"
  }
}
