// A cursor over the bytes of a text header, shared by the JSON (safetensors) and Python-literal (.npy)
// header parsers: byte offsets for messages, whitespace skipping, and expected punctuation.

struct ByteScanner {
  let bytes: ArraySlice<UInt8>
  private(set) var position: Int

  init(_ bytes: ArraySlice<UInt8>) {
    self.bytes = bytes
    position = bytes.startIndex
  }

  /// Offset from the start of the scanned text, as messages report it.
  var offset: Int { position - bytes.startIndex }
  var atEnd: Bool { position >= bytes.endIndex }
  var peek: UInt8? { atEnd ? nil : bytes[position] }

  mutating func advance(_ count: Int = 1) { position += count }

  mutating func next() -> UInt8? {
    guard let byte = peek else { return nil }
    position += 1
    return byte
  }

  mutating func skipWhitespace() {
    while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
  }

  /// Consumes `byte` (after whitespace) if it is next.
  mutating func consume(_ byte: UInt8) -> Bool {
    skipWhitespace()
    guard peek == byte else { return false }
    position += 1
    return true
  }

  /// Consumes `word` if the bytes at the cursor spell it.
  mutating func consume(word: String) -> Bool {
    let utf8 = Array(word.utf8)
    guard bytes[position...].starts(with: utf8) else { return false }
    position += utf8.count
    return true
  }

  /// The bytes matching `predicate` from the cursor on.
  mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
    let start = position
    while let byte = peek, predicate(byte) { position += 1 }
    return bytes[start..<position]
  }

  /// A description of what is at the cursor, for "expected …, found …" messages.
  var found: String {
    guard let byte = peek else { return "the end" }
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
  }
}

/// A header that does not parse: what was expected, and where (offset in the header).
struct HeaderSyntaxError: Error {
  var message: String
  var offset: Int

  init(_ message: String, at offset: Int) {
    self.message = message
    self.offset = offset
  }
}
