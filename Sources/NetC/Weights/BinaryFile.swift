// Whole-file reads and writes of bytes, with the operating system's reason in the diagnostic when they fail,
// and the little-endian f32 data both weights formats store.

import Foundation

enum BinaryFile {
  static func read(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw failure(path, "cannot open file") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      bytes += chunk[0..<count]
      if count < chunk.count { break }
    }
    if ferror(file) != 0 { throw failure(path, "cannot read file") }
    return bytes
  }

  static func write(_ bytes: [UInt8], to path: String) throws {
    guard let file = fopen(path, "wb") else { throw failure(path, "cannot create file") }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    let closed = fclose(file) == 0
    if written != bytes.count || !closed { throw failure(path, "cannot write file") }
  }

  /// `w.safetensors: cannot open file: no such file or directory`.
  private static func failure(_ path: String, _ what: String) -> DiagnosticError {
    let reason = String(cString: strerror(errno))
    let phrase = reason.prefix(1).lowercased() + reason.dropFirst()
    return DiagnosticError(.error("\(path): \(what): \(phrase)"))
  }
}

extension Array where Element == UInt8 {
  /// `count` little-endian f32 values starting at byte `offset` (which the caller has bounds-checked).
  func littleEndianFloats(at offset: Int, count: Int) -> [Float] {
    withUnsafeBytes { raw in
      (0..<count).map {
        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)))
      }
    }
  }

  /// Appends `values` as little-endian f32 (the host's own layout on every platform netc targets).
  mutating func appendLittleEndian(_ values: [Float]) {
    #if _endian(little)
      values.withUnsafeBytes { append(contentsOf: $0) }
    #else
      for value in values {
        Swift.withUnsafeBytes(of: value.bitPattern.littleEndian) { append(contentsOf: $0) }
      }
    #endif
  }
}
