// The safetensors format of PyTorch and Hugging Face: an 8-byte little-endian header length, a JSON header
// mapping tensor names to {dtype, shape, data_offsets} (plus an optional `__metadata__` of strings), then the
// tensors' bytes, contiguous and without gaps. Reading checks all of it, so a bad file gets a message, never
// an out-of-bounds read.

/// A safetensors file: F32 tensors with torchvision `state_dict` names, and the header's metadata.
///
/// Reading tolerates and drops `*.num_batches_tracked` tensors (PyTorch's `state_dict` has one per batch
/// norm, as I64; inference does not use it), whatever their dtype; every other tensor must be F32.
public struct SafeTensors: Hashable, Sendable {
  public var weights: Weights
  public var metadata: [String: String]

  public init(weights: Weights, metadata: [String: String] = [:]) {
    self.weights = weights
    self.metadata = metadata
  }

  public static func read(_ path: String) throws -> SafeTensors {
    try SafeTensors(decoding: try BinaryFile.read(path), file: path)
  }

  /// The weights of `path`, checked to be exactly the graph's parameters with their shapes.
  public static func readWeights(_ path: String, for graph: Graph) throws -> Weights {
    let weights = try read(path).weights
    try weights.validate(for: graph, file: path)
    return weights
  }

  public func write(to path: String) throws {
    try BinaryFile.write(encoded(), to: path)
  }

  /// The file's bytes: the metadata (keys sorted), then the tensors in `weights` order with ascending offsets;
  /// the header is padded with spaces so the data starts 8-byte aligned, as the reference writer does.
  public func encoded() -> [UInt8] {
    var members: [String] = []
    if !metadata.isEmpty {
      let entries = metadata.sorted { $0.key < $1.key }.map { JSON.quoted($0.key) + ":" + JSON.quoted($0.value) }
      members.append("\"__metadata__\":{" + entries.joined(separator: ",") + "}")
    }
    var offset = 0
    for (name, tensor) in weights.entries {
      let end = offset + tensor.scalars.count * 4
      let shape = tensor.shape.dims.map(String.init).joined(separator: ",")
      members.append(
        JSON.quoted(name) + ":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
    header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
    bytes.reserveCapacity(bytes.count + offset)
    for (_, tensor) in weights.entries { bytes.appendLittleEndian(tensor.scalars) }
    return bytes
  }
}
