// The one diagnostic value every stage reports, and the error that carries a batch of them.

public struct Diagnostic: Hashable, Sendable, Error {
  public enum Severity: String, Hashable, Sendable {
    case error, warning, note
  }

  public struct Note: Hashable, Sendable {
    public var message: String
    public var range: SourceRange?

    public init(_ message: String, at range: SourceRange? = nil) {
      self.message = message
      self.range = range
    }
  }

  public var severity: Severity
  /// One phrase, lowercase, no trailing period; source text in single quotes.
  public var message: String
  /// Where it points; nil for errors about a whole file or the command line.
  public var range: SourceRange?
  public var notes: [Note]

  public init(_ severity: Severity = .error, _ message: String, at range: SourceRange? = nil, notes: [Note] = []) {
    self.severity = severity
    self.message = message
    self.range = range
    self.notes = notes
  }

  public static func error(_ message: String, at range: SourceRange? = nil, notes: [Note] = []) -> Diagnostic {
    Diagnostic(.error, message, at: range, notes: notes)
  }
}

/// Thrown by a stage that found errors; holds every diagnostic it collected, in source order.
public struct DiagnosticError: Error, Sendable {
  public var diagnostics: [Diagnostic]
  /// The files the diagnostics point into, so the renderer can quote their lines.
  public var sources: [SourceFile]

  public init(_ diagnostics: [Diagnostic], sources: [SourceFile] = []) {
    self.diagnostics = diagnostics
    self.sources = sources
  }

  public init(_ diagnostic: Diagnostic, sources: [SourceFile] = []) {
    self.init([diagnostic], sources: sources)
  }

  /// The rendered text, as the command line prints it (no colour).
  public var rendered: String { DiagnosticRenderer(sources: sources).render(diagnostics) }
}
