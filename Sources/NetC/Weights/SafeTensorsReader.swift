// Decoding and validating a safetensors file: every way a header or layout can be wrong gets its own message
// naming the file, the tensor and the reason.

/// One tensor as the header describes it.
private struct HeaderEntry {
  var name: String
  var dtype: String
  var shape: Shape
  var begin: Int
  var end: Int
}

/// Bytes per element of the dtypes safetensors defines; only F32 is loaded, the rest are known so a file
/// holding them is diagnosed precisely (and `num_batches_tracked`, I64, skipped safely).
private let dtypeSizes = [
  "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
  "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
]

private func isIgnored(_ name: String) -> Bool { name.hasSuffix(".num_batches_tracked") }

extension SafeTensors {
  /// Decodes a file's bytes; `file` starts every error message.
  public init(decoding bytes: [UInt8], file: String) throws {
    func fail(_ message: String) -> DiagnosticError { DiagnosticError(.error("\(file): \(message)")) }
    guard bytes.count >= 8 else {
      throw fail("file is too short (\(bytes.count) bytes) to hold the 8-byte header length; is it truncated?")
    }
    let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let available = bytes.count - 8
    guard headerLength <= UInt64(available) else {
      throw fail(
        "header length \(headerLength) exceeds the \(available) bytes after it; "
          + "is the file truncated, or not safetensors?")
    }
    let dataStart = 8 + Int(headerLength)
    let headerBytes = bytes[8..<dataStart]
    guard String(validating: headerBytes, as: UTF8.self) != nil else { throw fail("header is not valid UTF-8") }
    let header: JSONValue
    do {
      header = try JSON.parse(headerBytes)
    } catch {
      throw fail("header is not valid JSON: \(error.message) at byte \(error.offset) of the header")
    }
    guard case .object(let members) = header else { throw fail("header must be a JSON object, got \(header.kind)") }

    var metadata: [String: String] = [:]
    var entries: [HeaderEntry] = []
    var seen: Set<String> = []
    for member in members {
      guard seen.insert(member.key).inserted else { throw fail("header lists '\(member.key)' twice") }
      if member.key == "__metadata__" {
        metadata = try Self.metadata(member.value, fail)
      } else {
        entries.append(try Self.entry(member, dataLength: bytes.count - dataStart, fail))
      }
    }
    try Self.checkContiguous(entries, dataLength: bytes.count - dataStart, fail)

    var weights = Weights()
    for entry in entries where !isIgnored(entry.name) {
      let scalars = bytes.littleEndianFloats(at: dataStart + entry.begin, count: entry.shape.elementCount)
      weights[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
    }
    self.init(weights: weights, metadata: metadata)
  }

  private static func metadata(
    _ value: JSONValue, _ fail: (String) -> DiagnosticError
  ) throws -> [String: String] {
    guard case .object(let members) = value else { throw fail("'__metadata__' must map names to strings") }
    var metadata: [String: String] = [:]
    for member in members {
      guard case .string(let text) = member.value else { throw fail("'__metadata__' must map names to strings") }
      metadata[member.key] = text
    }
    return metadata
  }

  /// Checks one tensor's description on its own: fields, dtype, size against shape, bounds.
  private static func entry(
    _ member: JSONMember, dataLength: Int, _ fail: (String) -> DiagnosticError
  ) throws -> HeaderEntry {
    let name = member.key
    guard case .object(let fields) = member.value else {
      throw fail("tensor '\(name)' must be described by an object, got \(member.value.kind)")
    }
    func field(_ key: String) throws -> JSONValue {
      guard let value = fields.first(where: { $0.key == key })?.value else {
        throw fail("tensor '\(name)' has no '\(key)'")
      }
      return value
    }
    guard case .string(let dtype) = try field("dtype") else {
      throw fail("'dtype' of tensor '\(name)' must be a string")
    }
    guard case .array(let dims) = try field("shape"), case let sizes = dims.compactMap(\.count),
      sizes.count == dims.count
    else {
      throw fail("'shape' of tensor '\(name)' must be a list of non-negative integers")
    }
    guard case .array(let offsets) = try field("data_offsets"), offsets.count == 2,
      let begin = offsets[0].count, let end = offsets[1].count, begin <= end
    else {
      throw fail("'data_offsets' of tensor '\(name)' must be two non-negative integers [begin, end], begin <= end")
    }
    let shape = Shape(sizes)
    let offsetsText = "[\(begin),\(end)]"
    guard let elementSize = dtypeSizes[dtype] else { throw fail("tensor '\(name)' has unknown dtype '\(dtype)'") }
    if dtype != "F32" && !isIgnored(name) {
      throw fail("tensor '\(name)' has dtype \(dtype); only F32 is supported (save it as float32)")
    }
    var byteCount = elementSize
    for size in sizes {
      let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
      if overflow { throw fail("tensor '\(name)' of shape \(shape.dimsText) is too large") }
      byteCount = product
    }
    if end - begin != byteCount {
      throw fail(
        "tensor '\(name)' of shape \(shape.dimsText) needs \(byteCount) bytes as \(dtype), "
          + "but its data offsets \(offsetsText) span \(end - begin)")
    }
    if end > dataLength {
      throw fail(
        "tensor '\(name)' has data offsets \(offsetsText) beyond the \(dataLength)-byte data buffer; "
          + "is the file truncated?")
    }
    return HeaderEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
  }

  /// The tensors must tile the data buffer exactly: no overlap, no unowned bytes.
  private static func checkContiguous(
    _ entries: [HeaderEntry], dataLength: Int, _ fail: (String) -> DiagnosticError
  ) throws {
    let sorted = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var covered = 0
    var previous: HeaderEntry?
    for entry in sorted {
      if entry.begin < covered, let previous {
        throw fail(
          "tensors '\(previous.name)' and '\(entry.name)' overlap: data offsets "
            + "[\(previous.begin),\(previous.end)] and [\(entry.begin),\(entry.end)]")
      }
      if entry.begin > covered {
        throw fail("data bytes [\(covered),\(entry.begin)) belong to no tensor; tensor data must be contiguous")
      }
      covered = entry.end
      previous = entry
    }
    if covered < dataLength {
      throw fail("data bytes [\(covered),\(dataLength)) belong to no tensor; tensor data must be contiguous")
    }
  }
}
