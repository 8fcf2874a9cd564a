// A small JSON reader and string writer for safetensors headers: objects keep their members in order
// (duplicates included, so the caller can name them), numbers keep their text (offsets need exact 64-bit
// integers), and every syntax error says what was expected at which byte.

enum JSONValue: Equatable {
  case object([JSONMember])
  case array([JSONValue])
  case string(String)
  /// The number's literal text, e.g. `12`, `-0.5e3`.
  case number(String)
  case bool(Bool)
  case null

  /// The JSON type's name, for "must be a list, got a string" messages.
  var kind: String {
    switch self {
    case .object: "an object"
    case .array: "a list"
    case .string: "a string"
    case .number: "a number"
    case .bool: "a boolean"
    case .null: "null"
    }
  }

  /// The value as a non-negative integer, if it is one that fits in `Int`.
  var count: Int? {
    guard case .number(let text) = self, let value = Int(text), value >= 0 else { return nil }
    return value
  }
}

struct JSONMember: Equatable {
  var key: String
  var value: JSONValue
}

public enum JSON {
  /// Deep enough for any header, shallow enough that hostile nesting cannot overflow the stack.
  static let maxDepth = 64

  /// Parses one JSON value filling `bytes` (surrounding whitespace allowed).
  static func parse(_ bytes: ArraySlice<UInt8>) throws(HeaderSyntaxError) -> JSONValue {
    var scanner = ByteScanner(bytes)
    let value = try parseValue(&scanner, depth: 0)
    scanner.skipWhitespace()
    if !scanner.atEnd {
      throw HeaderSyntaxError("unexpected \(scanner.found) after the value", at: scanner.offset)
    }
    return value
  }

  /// `"text"` with the escapes JSON requires: the one string quoter of every JSON netc writes.
  public static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  private static func parseValue(_ s: inout ByteScanner, depth: Int) throws(HeaderSyntaxError) -> JSONValue {
    s.skipWhitespace()
    if depth > maxDepth { throw HeaderSyntaxError("nesting deeper than \(maxDepth) levels", at: s.offset) }
    switch s.peek ?? 0 {
    case UInt8(ascii: "{"):
      s.advance()
      var members: [JSONMember] = []
      if s.consume(UInt8(ascii: "}")) { return .object(members) }
      repeat {
        s.skipWhitespace()
        guard s.peek == UInt8(ascii: "\"") else {
          throw HeaderSyntaxError("expected a string key, found \(s.found)", at: s.offset)
        }
        let key = try parseString(&s)
        guard s.consume(UInt8(ascii: ":")) else {
          throw HeaderSyntaxError("expected ':', found \(s.found)", at: s.offset)
        }
        members.append(JSONMember(key: key, value: try parseValue(&s, depth: depth + 1)))
      } while s.consume(UInt8(ascii: ","))
      guard s.consume(UInt8(ascii: "}")) else {
        throw HeaderSyntaxError("expected ',' or '}', found \(s.found)", at: s.offset)
      }
      return .object(members)
    case UInt8(ascii: "["):
      s.advance()
      var elements: [JSONValue] = []
      if s.consume(UInt8(ascii: "]")) { return .array(elements) }
      repeat {
        elements.append(try parseValue(&s, depth: depth + 1))
      } while s.consume(UInt8(ascii: ","))
      guard s.consume(UInt8(ascii: "]")) else {
        throw HeaderSyntaxError("expected ',' or ']', found \(s.found)", at: s.offset)
      }
      return .array(elements)
    case UInt8(ascii: "\""):
      return .string(try parseString(&s))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try parseNumber(&s)
    default:
      for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)]
      where s.consume(word: word) {
        return value
      }
      throw HeaderSyntaxError("expected a value, found \(s.found)", at: s.offset)
    }
  }

  /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
  private static func parseNumber(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> JSONValue {
    let start = s.offset
    var text = ""
    func digits(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> String {
      let run = s.take { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
      if run.isEmpty { throw HeaderSyntaxError("expected a digit, found \(s.found)", at: s.offset) }
      return String(decoding: run, as: UTF8.self)
    }
    if s.consume(word: "-") { text += "-" }
    let whole = try digits(&s)
    if whole.count > 1 && whole.hasPrefix("0") { throw HeaderSyntaxError("number has a leading zero", at: start) }
    text += whole
    if s.consume(word: ".") { text += "." + (try digits(&s)) }
    if s.consume(word: "e") || s.consume(word: "E") {
      text += "e"
      if s.consume(word: "-") { text += "-" } else if s.consume(word: "+") { text += "+" }
      text += try digits(&s)
    }
    return .number(text)
  }

  private static func parseString(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> String {
    let start = s.offset
    s.advance()  // the opening quote
    var bytes: [UInt8] = []
    while true {
      guard let byte = s.next() else { throw HeaderSyntaxError("unterminated string", at: start) }
      switch byte {
      case UInt8(ascii: "\""):
        return String(decoding: bytes, as: UTF8.self)
      case UInt8(ascii: "\\"):
        let escapeOffset = s.offset - 1
        guard let escaped = s.next() else { throw HeaderSyntaxError("unterminated string", at: start) }
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escaped)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
          bytes += Array(String(try parseUnicodeEscape(&s, at: escapeOffset)).utf8)
        default: throw HeaderSyntaxError("invalid escape in string", at: escapeOffset)
        }
      case 0..<0x20:
        throw HeaderSyntaxError("control character in string", at: s.offset - 1)
      default:
        bytes.append(byte)
      }
    }
  }

  /// The scalar of `\uXXXX` (the `\u` already read), or of a surrogate pair `\uD83D\uDE00`.
  private static func parseUnicodeEscape(
    _ s: inout ByteScanner, at offset: Int
  ) throws(HeaderSyntaxError) -> Character {
    func hexQuad(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> UInt32 {
      var value: UInt32 = 0
      for _ in 0..<4 {
        guard let byte = s.next(), byte < 0x80, let digit = Character(UnicodeScalar(byte)).hexDigitValue else {
          throw HeaderSyntaxError("invalid \\u escape in string", at: offset)
        }
        value = value * 16 + UInt32(digit)
      }
      return value
    }
    var value = try hexQuad(&s)
    if (0xD800..<0xDC00).contains(value) {
      guard s.consume(word: "\\u") else { throw HeaderSyntaxError("unpaired surrogate in string", at: offset) }
      let low = try hexQuad(&s)
      guard (0xDC00..<0xE000).contains(low) else {
        throw HeaderSyntaxError("unpaired surrogate in string", at: offset)
      }
      value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let scalar = UnicodeScalar(value) else {
      throw HeaderSyntaxError("unpaired surrogate in string", at: offset)
    }
    return Character(scalar)
  }
}
