// Until the library's safetensors writer lands on main (delete this file then).

import Foundation

@testable import NetC

struct SafeTensors {
  var weights: Weights

  func write(to path: String) throws {
    var members: [String] = []
    var offset = 0
    for (name, tensor) in weights.entries {
      let end = offset + tensor.scalars.count * 4
      let shape = tensor.shape.dims.map(String.init).joined(separator: ",")
      members.append("\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
    for (_, tensor) in weights.entries { bytes += ModelRunner.littleEndianBytes(tensor.scalars) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }
}
