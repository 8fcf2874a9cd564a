// The protocol buffers wire format, as much of it as an ONNX file needs: varints, 32-bit floats and
// length-delimited fields (strings, bytes, nested messages). Fields are written in the order they are added.

struct ProtobufMessage {
  private(set) var bytes: [UInt8] = []

  private enum WireType: UInt64 {
    case varint = 0
    case fixed32 = 5
    case lengthDelimited = 2
  }

  private mutating func key(_ field: Int, _ type: WireType) {
    appendVarint(UInt64(field) << 3 | type.rawValue)
  }

  private mutating func appendVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  /// An `int32`, `int64` or enum field; negative values take ten bytes, as protobuf's two's complement.
  mutating func int(_ field: Int, _ value: Int) {
    key(field, .varint)
    appendVarint(UInt64(bitPattern: Int64(value)))
  }

  /// A repeated integer field, one key per element (proto2's unpacked encoding, which ONNX's schema uses).
  mutating func ints(_ field: Int, _ values: [Int]) {
    for value in values { int(field, value) }
  }

  mutating func float(_ field: Int, _ value: Float) {
    key(field, .fixed32)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
  }

  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    key(field, .lengthDelimited)
    appendVarint(UInt64(value.count))
    bytes += value
  }

  mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

  mutating func message(_ field: Int, _ value: ProtobufMessage) { bytes(field, value.bytes) }
}
