// NumPy's `.npy` format for single tensors (test inputs and reference outputs): float32, little-endian,
// C order. Anything else is diagnosed with the file name and what was found.

public enum NPY {
  private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  public static func read(_ path: String) throws -> Tensor {
    try decode(try BinaryFile.read(path), file: path)
  }

  public static func write(_ tensor: Tensor, to path: String) throws {
    try BinaryFile.write(encode(tensor), to: path)
  }

  /// Version 1.0 with numpy's header text, padded so the data starts 64-byte aligned, as `numpy.save` does.
  public static func encode(_ tensor: Tensor) -> [UInt8] {
    let dims = tensor.shape.dims.map(String.init)
    let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
    let unpadded = magic.count + 4 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
    bytes.appendLittleEndian(tensor.scalars)
    return bytes
  }

  /// Decodes a file's bytes; `file` starts every error message.
  public static func decode(_ bytes: [UInt8], file: String) throws -> Tensor {
    func fail(_ message: String) -> DiagnosticError { DiagnosticError(.error("\(file): \(message)")) }
    guard bytes.starts(with: magic) else { throw fail("not a .npy file: it does not start with '\\x93NUMPY'") }
    guard bytes.count >= 10 else { throw fail("file is truncated in its header") }
    let major = bytes[6]
    let lengthBytes: Int
    switch major {
    case 1: lengthBytes = 2
    case 2, 3: lengthBytes = 4
    default: throw fail("unsupported .npy format version \(major).\(bytes[7])")
    }
    guard bytes.count >= 8 + lengthBytes else { throw fail("file is truncated in its header") }
    let headerLength = bytes[8..<8 + lengthBytes].reversed().reduce(0) { $0 << 8 | Int($1) }
    let dataStart = 8 + lengthBytes + headerLength
    guard dataStart <= bytes.count else { throw fail("file is truncated in its header") }
    let header: NPYHeader
    do {
      header = try NPYHeader(bytes[8 + lengthBytes..<dataStart])
    } catch {
      throw fail("header is not a valid .npy header: \(error.message) at byte \(error.offset) of the header")
    }
    guard header.descr == "<f4" else {
      throw fail("dtype '\(header.descr)' is not supported; only little-endian float32 ('<f4') is")
    }
    if header.fortranOrder {
      throw fail("Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)")
    }
    let shape = Shape(header.shape)
    let shapeText = "(" + header.shape.map(String.init).joined(separator: ", ") + ")"
    var byteCount = 4
    for size in header.shape {
      let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
      if overflow { throw fail("shape \(shapeText) is too large") }
      byteCount = product
    }
    let available = bytes.count - dataStart
    if available < byteCount {
      throw fail("data is truncated: \(available) bytes, but shape \(shapeText) needs \(byteCount)")
    }
    if available > byteCount {
      throw fail("\(available - byteCount) bytes follow the \(byteCount) bytes of data that shape \(shapeText) needs")
    }
    let scalars = bytes.littleEndianFloats(at: dataStart, count: shape.elementCount)
    return Tensor(shape: shape, scalars: scalars)
  }
}

/// The header's Python dict literal: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
private struct NPYHeader {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]

  private enum Value {
    case string(String)
    case bool(Bool)
    case tuple([Int])
  }

  init(_ bytes: ArraySlice<UInt8>) throws(HeaderSyntaxError) {
    var s = ByteScanner(bytes)
    guard s.consume(UInt8(ascii: "{")) else {
      throw HeaderSyntaxError("expected '{', found \(s.found)", at: s.offset)
    }
    var entries: [String: Value] = [:]
    while !s.consume(UInt8(ascii: "}")) {
      s.skipWhitespace()
      let keyOffset = s.offset
      guard case .string(let key) = try Self.value(&s) else {
        throw HeaderSyntaxError("expected a string key", at: keyOffset)
      }
      guard s.consume(UInt8(ascii: ":")) else {
        throw HeaderSyntaxError("expected ':', found \(s.found)", at: s.offset)
      }
      entries[key] = try Self.value(&s)
      if !s.consume(UInt8(ascii: ",")) {
        guard s.consume(UInt8(ascii: "}")) else {
          throw HeaderSyntaxError("expected ',' or '}', found \(s.found)", at: s.offset)
        }
        break
      }
    }
    s.skipWhitespace()
    if !s.atEnd { throw HeaderSyntaxError("unexpected \(s.found) after the dict", at: s.offset) }
    guard case .string(let descr) = entries["descr"] else { throw HeaderSyntaxError("no string 'descr'", at: 0) }
    guard case .bool(let fortranOrder) = entries["fortran_order"] else {
      throw HeaderSyntaxError("no boolean 'fortran_order'", at: 0)
    }
    guard case .tuple(let shape) = entries["shape"] else { throw HeaderSyntaxError("no tuple 'shape'", at: 0) }
    self.descr = descr
    self.fortranOrder = fortranOrder
    self.shape = shape
  }

  /// A quoted string, `True`/`False`, or a tuple of non-negative integers (`()`, `(5,)`, `(2, 3)`).
  private static func value(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Value {
    s.skipWhitespace()
    if let quote = s.peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") {
      let start = s.offset
      s.advance()
      let text = s.take { $0 != quote && $0 != 0x0A }
      guard s.next() == quote else { throw HeaderSyntaxError("unterminated string", at: start) }
      return .string(String(decoding: text, as: UTF8.self))
    }
    if s.consume(word: "True") { return .bool(true) }
    if s.consume(word: "False") { return .bool(false) }
    guard s.consume(UInt8(ascii: "(")) else {
      throw HeaderSyntaxError("expected a value, found \(s.found)", at: s.offset)
    }
    var sizes: [Int] = []
    while !s.consume(UInt8(ascii: ")")) {
      s.skipWhitespace()
      let start = s.offset
      let digits = s.take { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      guard let size = Int(String(decoding: digits, as: UTF8.self)) else {
        throw HeaderSyntaxError("expected a non-negative integer, found \(s.found)", at: start)
      }
      sizes.append(size)
      if !s.consume(UInt8(ascii: ",")) {
        guard s.consume(UInt8(ascii: ")")) else {
          throw HeaderSyntaxError("expected ',' or ')', found \(s.found)", at: s.offset)
        }
        break
      }
    }
    return .tuple(sizes)
  }
}
