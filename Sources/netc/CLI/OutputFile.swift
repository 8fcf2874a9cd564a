// Writing a command's result to the file its `-o`/`--svg` option names, or to standard output.

import Foundation
import NetC

extension Console {
  /// Writes `bytes` to `path`, or to standard output when `path` is nil or `-`.
  func write(_ bytes: [UInt8], to path: String?) throws {
    guard let path, path != "-" else {
      FileHandle.standardOutput.write(Data(bytes))
      return
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
      throw DiagnosticError(.error("\(path): cannot write the file"))
    }
  }

  func write(_ text: String, to path: String?) throws { try write(Array(text.utf8), to: path) }
}
