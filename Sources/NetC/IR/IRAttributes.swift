// Decodes the `key=value` attributes of a node line into a typed `Op`, the inverse of `Op.attributeText`.

/// The attributes written after an op's operands, read by name; each read marks the key as known, so
/// whatever is left over is an unknown attribute (reported with the closest known one).
struct AttributeReader {
  private let mnemonic: String
  private let opRange: SourceRange
  private var attributes: [String: Located<String?>] = [:]
  private var written: [String] = []
  private var known: [String] = []

  /// `words` are `key=value` or bare flags such as `relu`.
  init(mnemonic: String, opRange: SourceRange, words: [Located<String>]) throws {
    self.mnemonic = mnemonic
    self.opRange = opRange
    for word in words {
      let parts = word.value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let key = String(parts[0])
      guard attributes[key] == nil else {
        throw Diagnostic.error("attribute '\(key)' is given twice", at: word.range)
      }
      attributes[key] = Located(value: parts.count == 2 ? String(parts[1]) : nil, range: word.range)
      written.append(key)
    }
  }

  mutating func int(_ key: String) throws -> Int { try required(key, "an integer") { Self.smallInt($0) } }

  mutating func double(_ key: String) throws -> Double {
    try required(key, "a finite number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
  }

  mutating func bool(_ key: String) throws -> Bool {
    try required(key, "'true' or 'false'") { ["true": true, "false": false][$0] }
  }

  /// `3x3`.
  mutating func pair(_ key: String) throws -> Pair {
    try required(key, "HxW such as '3x3'") { text in
      let sides = text.split(separator: "x", omittingEmptySubsequences: false).map { Self.smallInt($0) }
      guard sides.count == 2, let h = sides[0], let w = sides[1] else { return nil }
      return Pair(h, w)
    }
  }

  /// A parameter reference `@layer1.0.conv1.weight`; returns the module path before `suffix`.
  mutating func module(_ key: String, suffix: String = "") throws -> String {
    let spelling = "'@<module>\(suffix)'"
    return try required(key, spelling) { text in
      guard text.hasPrefix("@"), text.hasSuffix(suffix), text.count > suffix.count + 1 else { return nil }
      return String(text.dropFirst().dropLast(suffix.count))
    }
  }

  /// Whether a bare flag (`relu`) is present.
  mutating func flag(_ key: String) throws -> Bool {
    known.append(key)
    guard let attribute = attributes[key] else { return false }
    if attribute.value != nil { throw Diagnostic.error("'\(key)' is a flag and takes no value", at: attribute.range) }
    return true
  }

  mutating func has(_ key: String) -> Bool {
    known.append(key)
    return attributes[key] != nil
  }

  /// The range of an attribute that is present, for errors about its value.
  func range(of key: String) -> SourceRange { attributes[key]?.range ?? opRange }

  /// Integers are kept within 32 bits so that shape arithmetic on them cannot overflow.
  static func smallInt(_ text: Substring) -> Int? {
    Int(text).flatMap { -Int(Int32.max)...Int(Int32.max) ~= $0 ? $0 : nil }
  }

  static func smallInt(_ text: String) -> Int? { smallInt(Substring(text)) }

  /// Rejects the attributes no read asked for.
  func finish() throws {
    for key in written where !known.contains(key) {
      throw unknown(key, suggestion: closestMatch(to: key, in: known))
    }
  }

  private mutating func required<T>(_ key: String, _ expected: String, _ parse: (String) -> T?) throws -> T {
    known.append(key)
    guard let attribute = attributes[key] else {
      // A misspelling of this very key reads better as "unknown 'kernal'; did you mean 'kernel'?".
      if let typo = written.first(where: { !known.contains($0) && closestMatch(to: $0, in: [key]) != nil }) {
        throw unknown(typo, suggestion: key)
      }
      throw Diagnostic.error("'\(mnemonic)' requires attribute '\(key)'", at: opRange)
    }
    guard let text = attribute.value else {
      throw Diagnostic.error("attribute '\(key)' needs a value: \(expected)", at: attribute.range)
    }
    guard let value = parse(text) else {
      throw Diagnostic.error("expected \(expected) for '\(key)', got '\(text)'", at: attribute.range)
    }
    return value
  }

  private func unknown(_ key: String, suggestion: String?) -> Diagnostic {
    let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
    return Diagnostic.error("unknown attribute '\(key)' for '\(mnemonic)'\(hint)", at: range(of: key))
  }
}

extension Op {
  /// Every mnemonic of the text form, for "unknown op" suggestions.
  static let mnemonics = [
    "input", "conv2d", "batchnorm", "relu", "add", "shortcut_a", "maxpool", "avgpool", "adaptive_avgpool",
    "flatten", "linear", "dropout", "lrn", "softmax",
  ] + TrainingOp.mnemonics

  /// The op a node line spells, or nil for an unknown mnemonic.
  static func decode(_ mnemonic: String, _ a: inout AttributeReader) throws -> Op? {
    switch mnemonic {
    case "input": return .input
    case "conv2d": return .conv(try decodeConv(&a))
    case "batchnorm":
      let (eps, momentum) = (try a.double("eps"), try a.double("momentum"))
      return .batchNorm(BatchNorm(eps: eps, momentum: momentum, module: try a.module("bn")))
    case "relu": return .relu
    case "add": return .add(Add(shortcut: try decodeResidual(&a), relu: try a.flag("relu")))
    case "shortcut_a": return .shortcutA(ShortcutA(outChannels: try a.int("out"), stride: try a.int("stride")))
    case "maxpool": return .maxPool(try decodePool(&a, isAverage: false))
    case "avgpool": return .avgPool(try decodePool(&a, isAverage: true))
    case "adaptive_avgpool": return .adaptiveAvgPool(AdaptiveAvgPool(out: try a.pair("out")))
    case "flatten": return .flatten
    case "linear":
      let out = try a.int("out")
      let module = try a.module("weight", suffix: ".weight")
      let hasBias = try decodeBias(&a, module: module)
      return .linear(Linear(outFeatures: out, module: module, hasBias: hasBias, relu: try a.flag("relu")))
    case "dropout": return .dropout(Dropout(p: try a.double("p")))
    case "lrn":
      let (size, alpha, beta) = (try a.int("size"), try a.double("alpha"), try a.double("beta"))
      return .lrn(LRN(size: size, alpha: alpha, beta: beta, k: try a.double("k")))
    case "softmax": return .softmax
    default: return try TrainingOp.decode(mnemonic, &a).map(Op.train)
    }
  }

  private static func decodeConv(_ a: inout AttributeReader) throws -> Conv {
    let out = try a.int("out")
    let kernel = try a.pair("kernel")
    let stride = try a.pair("stride")
    let pad = try a.pair("pad")
    let dilation = try a.pair("dilation")
    let groups = try a.int("groups")
    let module = try a.module("weight", suffix: ".weight")
    let hasBias = try decodeBias(&a, module: module)
    var epilogue = Epilogue()
    if a.has("bn") || a.has("bn_eps") {
      epilogue.batchNorm = FoldedBatchNorm(module: try a.module("bn"), eps: try a.double("bn_eps"))
    }
    if a.has("residual_stride") || a.has("residual_offset") { epilogue.residual = try decodeResidual(&a) }
    epilogue.relu = try a.flag("relu")
    return Conv(
      outChannels: out, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups, module: module,
      hasBias: hasBias, epilogue: epilogue)
  }

  /// `bias=@<module>.bias`, which must name the weight's own module.
  private static func decodeBias(_ a: inout AttributeReader, module: String) throws -> Bool {
    guard a.has("bias") else { return false }
    let biasModule = try a.module("bias", suffix: ".bias")
    if biasModule != module {
      throw Diagnostic.error(
        "bias '@\(biasModule).bias' must belong to the weight's module; expected '@\(module).bias'",
        at: a.range(of: "bias"))
    }
    return true
  }

  private static func decodeResidual(_ a: inout AttributeReader) throws -> Residual {
    Residual(stride: try a.int("residual_stride"), channelOffset: try a.int("residual_offset"))
  }

  /// Max pooling has no divisor, so it keeps `Pool`'s default `countIncludePad`.
  private static func decodePool(_ a: inout AttributeReader, isAverage: Bool) throws -> Pool {
    Pool(
      kernel: try a.pair("kernel"), stride: try a.pair("stride"), pad: try a.pair("pad"),
      ceilMode: try a.bool("ceil_mode"), countIncludePad: isAverage ? try a.bool("count_include_pad") : true)
  }
}
