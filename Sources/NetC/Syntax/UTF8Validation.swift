// Finds the first byte that makes a file invalid UTF-8, so the error can point at its line and column.

enum UTF8Validation {
  /// Offset of the first byte of the first ill-formed sequence, or nil for valid UTF-8 (Unicode table 3-7).
  static func firstInvalidOffset(_ bytes: [UInt8]) -> Int? {
    var i = 0
    while i < bytes.count {
      let lead = bytes[i]
      let (length, secondRange): (Int, ClosedRange<UInt8>) =
        switch lead {
        case 0x00...0x7F: (1, 0x80...0xBF)
        case 0xC2...0xDF: (2, 0x80...0xBF)
        case 0xE0: (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
        case 0xED: (3, 0x80...0x9F)
        case 0xF0: (4, 0x90...0xBF)
        case 0xF1...0xF3: (4, 0x80...0xBF)
        case 0xF4: (4, 0x80...0x8F)
        default: (0, 0x80...0xBF)
        }
      if length == 0 || i + length > bytes.count { return i }
      for k in 1..<max(1, length) {
        let allowed: ClosedRange<UInt8> = k == 1 ? secondRange : 0x80...0xBF
        if !allowed.contains(bytes[i + k]) { return i }
      }
      i += length
    }
    return nil
  }

  /// The 1-based line and column (in Unicode scalars of the valid prefix) of a byte offset.
  static func location(of offset: Int, in bytes: [UInt8], path: String) -> SourceLocation {
    var line = 1
    var column = 1
    for byte in bytes[..<offset] {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return SourceLocation(path: path, line: line, column: column)
  }
}
