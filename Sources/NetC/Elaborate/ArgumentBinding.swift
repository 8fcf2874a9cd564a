// Matches a call's positional and keyword arguments to the parameters of a built-in layer or a block, with
// one set of rules and messages for both (too many, unknown with did-you-mean, duplicate, missing).

/// What a built-in layer or block takes; the first `required` parameters have no default.
struct Signature: Sendable {
  var name: String
  var parameters: [String]
  var required: Int

  /// The expression passed for each parameter, in parameter order; nil where the default applies.
  func bind(_ call: LayerCall) throws -> [Argument?] {
    var bound = [Argument?](repeating: nil, count: parameters.count)
    for (position, argument) in call.arguments.enumerated() {
      let index: Int
      if let label = argument.label {
        guard let found = parameters.firstIndex(of: label.name) else {
          let suggestion = closestMatch(to: label.name, in: parameters)
          throw Diagnostic.error(
            FrontEndMessages.unknownArgument(label.name, of: name, suggestion: suggestion), at: label.range)
        }
        index = found
      } else {
        guard position < parameters.count else {
          throw Diagnostic.error(
            FrontEndMessages.tooManyArguments(name, takes: parameters.count, got: call.arguments.count),
            at: argument.value.range)
        }
        index = position
      }
      if let previous = bound[index] {
        throw Diagnostic.error(
          FrontEndMessages.duplicateArgument(parameters[index]), at: argument.label?.range ?? argument.value.range,
          notes: [.init(FrontEndMessages.firstGivenHere, at: previous.label?.range ?? previous.value.range)])
      }
      bound[index] = argument
    }
    if let missing = (0..<required).first(where: { bound[$0] == nil }) {
      throw Diagnostic.error(FrontEndMessages.missingArgument(parameters[missing], of: name), at: call.range)
    }
    return bound
  }
}
