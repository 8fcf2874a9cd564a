// The protocol buffers encoding the ONNX writer uses, against bytes worked out by hand from the wire format.

import Testing

@testable import NetC

@Suite struct ProtobufTests {
  @Test func varintsAndKeys() {
    var message = ProtobufMessage()
    message.int(1, 150)  // key 1<<3|0 = 0x08; 150 = 0b1_0010110 -> 0x96 0x01
    message.int(2, 0)
    message.int(3, -1)  // two's complement of 64 bits: nine 0xFF bytes and 0x01
    #expect(message.bytes == [0x08, 0x96, 0x01, 0x10, 0x00, 0x18] + Array(repeating: 0xFF, count: 9) + [0x01])
  }

  @Test func lengthDelimitedAndFixed32() {
    var inner = ProtobufMessage()
    inner.string(1, "ab")  // key 0x0A, length 2
    var outer = ProtobufMessage()
    outer.message(7, inner)  // key 7<<3|2 = 0x3A, length 4
    outer.float(2, 1.0)  // key 2<<3|5 = 0x15, 0x3F800000 little-endian
    outer.ints(8, [1, 2])  // unpacked: a key per element
    #expect(outer.bytes == [0x3A, 0x04, 0x0A, 0x02, 0x61, 0x62, 0x15, 0x00, 0x00, 0x80, 0x3F, 0x40, 0x01, 0x40, 0x02])
  }

  @Test func longLengthsTakeSeveralBytes() {
    var message = ProtobufMessage()
    message.bytes(9, Array(repeating: 7, count: 300))  // 300 = 0b10_0101100 -> 0xAC 0x02
    #expect(Array(message.bytes.prefix(3)) == [0x4A, 0xAC, 0x02])
    #expect(message.bytes.count == 303)
  }
}
