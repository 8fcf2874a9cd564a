// The options every command that compiles a model accepts: `--batch N` and `--input CxHxW`.

import NetC

extension Arguments {
  static let modelOptionsHelp = """
      --batch N           batch size N of the input [N, C, H, W] (default 1, or the IR file's)
      --input CxHxW       replace the network's declared input size (e.g. 3x64x64)
    """

  /// Reads `--batch` and `--input`.
  mutating func loadOptions() throws -> LoadOptions {
    var options = LoadOptions()
    if let batch = try intOption("--batch") { options.batch = batch }
    if let text = try option("--input") {
      let dimensions = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
      guard dimensions.count == 3, dimensions.allSatisfy({ ($0 ?? 0) >= 1 }) else {
        throw UsageError("option '--input' expects CxHxW with positive integers, got '\(text)'")
      }
      options.input = dimensions.compactMap { $0 }
    }
    return options
  }
}
