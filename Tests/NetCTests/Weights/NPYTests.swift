// .npy: byte-for-byte agreement with numpy.save, round trips, and every rejected file with its message.

import Foundation
import Testing

@testable import NetC

private let fixtures = Fixtures.url("Tests/NetCTests/Weights/Fixtures")

/// A version 1.0 file with the given header text and data bytes.
private func npy(_ header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
  let length = header.utf8.count
  let lengthBytes: [UInt8] =
    version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)] : [UInt8(length & 0xFF), UInt8(length >> 8), 0, 0]
  return [0x93] + Array("NUMPY".utf8) + [version, 0] + lengthBytes + Array(header.utf8) + data
}

private func decodeError(_ bytes: [UInt8]) -> String? {
  diagnosticText { _ = try NPY.decode(bytes, file: "x.npy") }
}

@Suite struct NPYTests {
  /// Written by `numpy.save(np.arange(5, dtype=np.float32) / 4)` and `np.array([[1.5, -2.0, 0.25],
  /// [3.0, 1e-3, -0.0]], dtype=np.float32)`.
  @Test func matchesNumPyByteForByte() throws {
    let five = try NPY.read(fixtures.appendingPathComponent("numpy_5.npy").path)
    #expect(five == Tensor(shape: Shape([5]), scalars: [0, 0.25, 0.5, 0.75, 1]))
    let twoByThree = try NPY.read(fixtures.appendingPathComponent("numpy_2x3.npy").path)
    #expect(twoByThree == Tensor(shape: Shape([2, 3]), scalars: [1.5, -2, 0.25, 3, 1e-3, -0.0]))
    #expect(NPY.encode(five) == Array(try Data(contentsOf: fixtures.appendingPathComponent("numpy_5.npy"))))
    #expect(NPY.encode(twoByThree) == Array(try Data(contentsOf: fixtures.appendingPathComponent("numpy_2x3.npy"))))
  }

  @Test(arguments: [[], [3], [2, 3], [1, 2, 3, 4], [2, 0]])
  func roundTrip(_ dims: [Int]) throws {
    let tensor = randomTensor(dims, seed: 5)
    let bytes = NPY.encode(tensor)
    #expect(bytes.count % 64 == tensor.scalars.count * 4 % 64)  // data 64-byte aligned
    #expect(try NPY.decode(bytes, file: "x.npy") == tensor)
  }

  @Test func readsVersionTwoHeaders() throws {
    let bytes = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", data: [0, 0, 0x80, 0x3F], version: 2)
    #expect(try NPY.decode(bytes, file: "x.npy") == Tensor(shape: Shape([1]), scalars: [1]))
  }

  @Test func rejectsOtherDtypes() {
    #expect(
      decodeError(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data: Array(repeating: 0, count: 8)))
        == "error: x.npy: dtype '<f8' is not supported; only little-endian float32 ('<f4') is\n")
    #expect(
      decodeError(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]))
        == "error: x.npy: dtype '>f4' is not supported; only little-endian float32 ('<f4') is\n")
  }

  @Test func rejectsFortranOrder() {
    #expect(
      decodeError(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", data: [0, 0, 0, 0]))
        == "error: x.npy: Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)\n")
  }

  @Test func rejectsTruncatedAndOverlongData() {
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
    #expect(
      decodeError(npy(header, data: Array(repeating: 0, count: 20)))
        == "error: x.npy: data is truncated: 20 bytes, but shape (2, 3) needs 24\n")
    #expect(
      decodeError(npy(header, data: Array(repeating: 0, count: 28)))
        == "error: x.npy: 4 bytes follow the 24 bytes of data that shape (2, 3) needs\n")
    #expect(decodeError(Array(npy(header).prefix(30))) == "error: x.npy: file is truncated in its header\n")
    #expect(decodeError(Array(npy(header).prefix(9))) == "error: x.npy: file is truncated in its header\n")
  }

  @Test func rejectsOtherFilesAndBadHeaders() {
    #expect(
      decodeError(Array("PK\u{3}\u{4}".utf8)) == "error: x.npy: not a .npy file: it does not start with '\\x93NUMPY'\n")
    #expect(
      decodeError(npy("{'descr': '<f4', 'shape': (1,), }", version: 4))
        == "error: x.npy: unsupported .npy format version 4.0\n")
    #expect(
      decodeError(npy("{'descr': '<f4', 'shape': (1,), }"))
        == "error: x.npy: header is not a valid .npy header: no boolean 'fortran_order' at byte 0 of the header\n")
    #expect(
      decodeError(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -2), }"))
        == "error: x.npy: header is not a valid .npy header: expected a non-negative integer, found '-' "
        + "at byte 54 of the header\n")
  }
}
