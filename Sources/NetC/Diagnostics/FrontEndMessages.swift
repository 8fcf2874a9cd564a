// Every message the front end (lexer, parser, includes, elaboration) reports, in one table so their wording
// stays consistent and reviewable. House style: lowercase, no trailing period, source text in single quotes,
// phrased as a rule, a fix after ';' where one is plausible. Alphabetical.

enum FrontEndMessages {
  static func badBatch(_ batch: Int, limit: Int) -> String {
    "batch size must be between 1 and \(limit), got \(batch)"
  }

  static func badInputOverride(_ dimensions: [Int], limit: Int) -> String {
    let spelled = dimensions.map(String.init).joined(separator: "x")
    return "input override must be CxHxW with each dimension between 1 and \(limit), got '\(spelled)'"
  }

  static func badOperand(_ op: String, _ value: Value) -> String {
    "operand of '\(op)' must be \(op == "-" ? "a number" : "a boolean"), got \(value.spelling)"
  }

  static func badOperands(_ op: String, _ left: Value, _ right: Value) -> String {
    "operands of '\(op)' must be \(op == "%" ? "integers" : "numbers"), got \(left.spelling) and \(right.spelling)"
  }

  static func blockShadowsBuiltin(_ name: String) -> String {
    "block '\(name)' has the name of a built-in layer; rename it"
  }

  static func bodiesTooDeep(_ limit: Int) -> String {
    "blocks and bodies are nested more than \(limit) levels deep"
  }

  static func builtinRepeated(_ name: String) -> String {
    "only blocks can be repeated with '*'; '\(name)' is a built-in layer"
  }

  static func cannotCompare(_ left: Value, _ right: Value) -> String {
    "cannot compare \(left.typeName) with \(right.typeName)"
  }

  static func cannotRead(_ path: String, _ reason: String) -> String {
    "cannot read '\(path)': \(reason)"
  }

  static let divisionByZero = "division by zero"

  static func duplicateArgument(_ name: String) -> String {
    "argument '\(name)' is given twice"
  }

  static func duplicateDefinition(_ name: String) -> String {
    "duplicate definition of '\(name)'"
  }

  static func duplicateLayerName(_ name: String) -> String {
    "duplicate layer name '\(name)'"
  }

  static func emptyFile(_ path: String) -> String {
    "\(path): file is empty; expected 'include', 'let', 'block' or 'network'"
  }

  static func emptyMinMax(_ function: String) -> String {
    "'\(function)' needs at least one value"
  }

  static func expected(_ what: String, found token: Token) -> String {
    "expected \(what), found \(token.description)"
  }

  static func expectedCondition(got value: Value) -> String {
    "expected a boolean condition, got \(value.spelling)"
  }

  static func expectedIndex(got value: Value) -> String {
    "expected an integer index, got \(value.spelling)"
  }

  static func expectedList(_ function: String, got value: Value) -> String {
    "'\(function)' expects a list, got \(value.spelling)"
  }

  static func expectedNumbers(_ function: String, got value: Value) -> String {
    "'\(function)' expects numbers, got \(value.spelling)"
  }

  static func expectedPair(_ parameter: String, got value: Value) -> String {
    "expected an integer or a list of two integers for '\(parameter)', got \(value.spelling)"
  }

  static func expectedShortcut(got value: Value) -> String {
    "expected a shortcut (identity, A, B, C or none), got \(value.spelling)"
  }

  static func expectedType(_ type: String, for parameter: String, got value: Value) -> String {
    "expected \(type) for '\(parameter)', got \(value.spelling)"
  }

  /// Reasons for `cannotRead`.
  static let fileIsDirectory = "it is a directory"
  static let fileNotFound = "no such file"
  static let fileUnreadable = "permission denied"

  static let firstGivenHere = "first given here"

  static func firstNetwork(_ name: String) -> String {
    "network '\(name)' is defined here"
  }

  static func floatLiteralOutOfRange(_ text: String) -> String {
    "float literal '\(text)' is out of range"
  }

  static func floatOverflow(_ expression: String) -> String {
    "result of \(expression) is not a finite number"
  }

  static func functionArity(_ function: String, got count: Int) -> String {
    "'\(function)' takes 1 argument, got \(count)"
  }

  static func graphTooLarge(_ limit: Int) -> String {
    "network exceeds \(limit) layers and blocks; check the stage counts"
  }

  static func includeCycle(_ chain: [String]) -> String {
    "include cycle: " + chain.map { "'\($0)'" }.joined(separator: " -> ")
  }

  static func includedHere(_ path: String, by includer: String) -> String {
    "'\(includer)' includes '\(path)' here"
  }

  static func includesTooDeep(_ limit: Int) -> String {
    "includes are nested more than \(limit) levels deep"
  }

  static func indexOutOfRange(_ index: Int, count: Int) -> String {
    "index \(index) is out of range for a list of \(count) element\(count == 1 ? "" : "s")"
  }

  static func inInstance(_ path: String, of template: String) -> String {
    "in '\(path)', an instance of block '\(template)'"
  }

  static func inputDimensionCount(_ count: Int) -> String {
    "'input' takes 3 dimensions (CxHxW), got \(count)"
  }

  static func inputDimensionRange(_ dimension: Int, limit: Int) -> String {
    "input dimensions must be between 1 and \(limit), got \(dimension)"
  }

  static func instancesTooDeep(_ limit: Int) -> String {
    "blocks are instantiated more than \(limit) levels deep"
  }

  static func integerLiteralTooLarge(_ text: String) -> String {
    "integer literal '\(text)' does not fit in 64 bits"
  }

  static func integerOverflow(_ expression: String) -> String {
    "integer overflow: \(expression) does not fit in 64 bits"
  }

  static func invalidUTF8(_ byte: UInt8, offset: Int) -> String {
    let hex = String(byte, radix: 16, uppercase: true)
    return "invalid UTF-8 byte 0x\(hex.count == 1 ? "0" + hex : hex) at offset \(offset); source files must be UTF-8"
  }

  static let misplacedInput = "'input' must be the first statement of a network"

  static func missingArgument(_ parameter: String, of callee: String) -> String {
    "missing argument '\(parameter)' for '\(callee)'"
  }

  static func missingInput(_ network: String) -> String {
    "network '\(network)' must start with 'input CxHxW'"
  }

  static func momentumOutOfRange(_ momentum: Double) -> String {
    "'momentum' must be between 0 and 1, got \(momentum)"
  }

  static func mustBeAtMost(_ parameter: String, _ limit: Int, got value: Int) -> String {
    "'\(parameter)' must be at most \(limit), got \(value)"
  }

  static func mustNotBeNegative(_ parameter: String, _ value: Int) -> String {
    "'\(parameter)' must not be negative, got \(value)"
  }

  static func namedLayerInSequential(_ name: String) -> String {
    "layers in 'sequential' are named by position; remove the name '\(name)'"
  }

  static func nestingTooDeep(_ limit: Int) -> String {
    "nesting is deeper than \(limit) levels; simplify the expression or body"
  }

  static func noNetwork(_ path: String) -> String {
    "\(path): no network is defined; add 'network name { … }'"
  }

  static func notIndexable(_ value: Value) -> String {
    "only lists can be indexed, got \(value.spelling)"
  }

  static func numberEndsWithUnderscore(_ text: String) -> String {
    "number literal '\(text)' must not end with '_'"
  }

  static let openedHere = "the '{' opened here"

  static let positionalAfterKeyword = "positional arguments must come before keyword arguments"

  static func previousDefinition(_ name: String) -> String {
    "'\(name)' was first defined here"
  }

  static func recursiveBlock(_ chain: [String]) -> String {
    "blocks cannot instantiate themselves: " + chain.map { "'\($0)'" }.joined(separator: " -> ")
  }

  static func redefinesShortcut(_ name: String) -> String {
    "'\(name)' is a predefined shortcut option and cannot be redefined"
  }

  static func requiredAfterDefault(_ name: String, after previous: String) -> String {
    "parameter '\(name)' needs a default because it follows '\(previous)', which has one"
  }

  static let residualBodyEndsHere = "the residual body ends here"

  static func residualNeedsFeatureMaps(_ input: Shape, _ output: Shape) -> String {
    "a residual shortcut needs [N, C, H, W] values, got \(output) and \(input)"
  }

  static func secondNetwork(_ name: String) -> String {
    "a program has exactly one network; '\(name)' is a second one"
  }

  static func shortcutStride(from input: Pair, to output: Pair) -> String {
    "shortcut cannot map \(input) onto \(output) with an integer stride"
  }

  static func stageCountTooSmall(_ count: Int) -> String {
    "stage count must be at least 1, got \(count)"
  }

  static func tensorTooLarge(_ what: String, _ shape: Shape, limit: Int) -> String {
    "\(what) \(shape) is too large: at most \(limit) elements are supported"
  }

  static func tooManyArguments(_ callee: String, takes count: Int, got given: Int) -> String {
    count == 0
      ? "'\(callee)' takes no arguments, got \(given)"
      : "'\(callee)' takes at most \(count) argument\(count == 1 ? "" : "s"), got \(given)"
  }

  static func tooManyErrors(_ limit: Int) -> String {
    "too many errors (\(limit)); stopping here"
  }

  static func unexpectedCharacter(_ text: String) -> String {
    let invisible: Set<Unicode.GeneralCategory> = [
      .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .unassigned, .privateUse,
    ]
    if !text.unicodeScalars.contains(where: { invisible.contains($0.properties.generalCategory) }) {
      return "unexpected character '\(text)'"
    }
    let code = String(text.unicodeScalars.first?.value ?? 0, radix: 16, uppercase: true)
    return "unexpected character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)"
  }

  static func unknownArgument(_ name: String, of callee: String, suggestion: String?) -> String {
    "'\(callee)' has no parameter '\(name)'" + didYouMean(suggestion)
  }

  static func unknownFunction(_ name: String, suggestion: String?) -> String {
    "unknown function '\(name)'" + didYouMean(suggestion)
  }

  static func unknownLayer(_ name: String, suggestion: String?) -> String {
    "unknown layer '\(name)'" + didYouMean(suggestion)
  }

  static func unknownName(_ name: String, suggestion: String?) -> String {
    "unknown name '\(name)'" + didYouMean(suggestion)
  }

  static let unmatchedBrace = "unmatched '}'"

  static let unterminatedString = "unterminated string; close it with '\"' on the same line"

  private static func didYouMean(_ suggestion: String?) -> String {
    suggestion.map { "; did you mean '\($0)'?" } ?? ""
  }
}
