// Where the CLI writes: stdout for results, stderr for diagnostics and progress.

import Foundation
import NetC

struct Console {
  func out(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  func err(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  var stderrIsTerminal: Bool { isatty(2) != 0 }
  var stdoutIsTerminal: Bool { isatty(1) != 0 }

  /// Prints diagnostics with their source lines; colour only on a terminal.
  func report(_ diagnostics: [Diagnostic], sources: [SourceFile]) {
    err(DiagnosticRenderer(sources: sources, useColor: stderrIsTerminal).render(diagnostics))
  }
}
