// The ONNX messages netc writes (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto,
// OperatorSetIdProto) as plain values, and their encoding with the field numbers of onnx.proto.

struct ONNXModel {
  /// IR version 8 is the one that goes with opset 17.
  static let irVersion = 8
  static let opsetVersion = 17

  var graph: ONNXGraph
  var producerVersion: String

  func encoded() -> [UInt8] {
    var model = ProtobufMessage()
    model.int(1, Self.irVersion)
    model.string(2, "netc")
    model.string(3, producerVersion)
    model.message(7, graph.encoded())
    var opset = ProtobufMessage()
    opset.string(1, "")
    opset.int(2, Self.opsetVersion)
    model.message(8, opset)
    return model.bytes
  }
}

struct ONNXGraph {
  var name: String
  var nodes: [ONNXNode] = []
  var initializers: [ONNXTensor] = []
  var inputs: [ONNXValue] = []
  var outputs: [ONNXValue] = []
  /// Shapes of the intermediate values, for readers such as Netron.
  var valueInfo: [ONNXValue] = []

  func encoded() -> ProtobufMessage {
    var graph = ProtobufMessage()
    for node in nodes { graph.message(1, node.encoded()) }
    graph.string(2, name)
    for tensor in initializers { graph.message(5, tensor.encoded()) }
    for value in inputs { graph.message(11, value.encoded()) }
    for value in outputs { graph.message(12, value.encoded()) }
    for value in valueInfo { graph.message(13, value.encoded()) }
    return graph
  }
}

struct ONNXNode {
  enum Attribute {
    case int(Int)
    case ints([Int])
    case float(Float)
  }

  var opType: String
  var name: String
  var inputs: [String]
  var outputs: [String]
  var attributes: [(String, Attribute)] = []

  func encoded() -> ProtobufMessage {
    var node = ProtobufMessage()
    for input in inputs { node.string(1, input) }
    for output in outputs { node.string(2, output) }
    node.string(3, name)
    node.string(4, opType)
    for (name, value) in attributes {
      var attribute = ProtobufMessage()
      attribute.string(1, name)
      switch value {
      case .float(let f):
        attribute.float(2, f)
        attribute.int(20, 1)
      case .int(let i):
        attribute.int(3, i)
        attribute.int(20, 2)
      case .ints(let list):
        attribute.ints(8, list)
        attribute.int(20, 7)
      }
      node.message(5, attribute)
    }
    return node
  }
}

/// A constant tensor: a weight (f32) or an operand such as Slice's starts or Pad's pads (i64).
struct ONNXTensor {
  enum Data {
    case float([Float])
    case int64([Int])
  }

  var name: String
  var dims: [Int]
  var data: Data

  func encoded() -> ProtobufMessage {
    var tensor = ProtobufMessage()
    tensor.ints(1, dims)
    var raw: [UInt8] = []
    switch data {
    case .float(let values):
      tensor.int(2, 1)
      raw.appendLittleEndian(values)
    case .int64(let values):
      tensor.int(2, 7)
      for value in values { withUnsafeBytes(of: Int64(value).littleEndian) { raw += $0 } }
    }
    tensor.string(8, name)
    tensor.bytes(9, raw)
    return tensor
  }
}

/// A named f32 tensor value with a static shape: a graph input, output or intermediate.
struct ONNXValue {
  var name: String
  var dims: [Int]

  func encoded() -> ProtobufMessage {
    var shape = ProtobufMessage()
    for dim in dims {
      var dimension = ProtobufMessage()
      dimension.int(1, dim)
      shape.message(1, dimension)
    }
    var tensorType = ProtobufMessage()
    tensorType.int(1, 1)
    tensorType.message(2, shape)
    var type = ProtobufMessage()
    type.message(1, tensorType)
    var value = ProtobufMessage()
    value.string(1, name)
    value.message(2, type)
    return value
  }
}
