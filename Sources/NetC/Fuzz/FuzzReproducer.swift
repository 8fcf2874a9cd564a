// Reproducer files: a shrunk failing program as a `.net` file whose comment header records the failure it
// showed and the batch and seed it needs, so `netc check` and the regression test run it as it failed.

import Foundation

public enum FuzzReproducer {
  /// The file's text: the header, then the program.
  public static func text(_ fuzzCase: FuzzCase, failure: FuzzFailure) -> String {
    let detail = failure.detail.split(separator: "\n").first.map { String($0.prefix(200)) } ?? ""
    return """
      # netc fuzz reproducer (\(fuzzCase.name)): \(failure.check)
      # \(detail)
      # batch \(fuzzCase.batch), seed \(fuzzCase.seed)

      """ + fuzzCase.source
  }

  /// Writes `<name>.net` and, where the program loads, the weights and input it runs with
  /// (`<name>.safetensors`, `<name>.input.npy`), for `netc run` and `netc check`.
  public static func write(_ fuzzCase: FuzzCase, failure: FuzzFailure, to directory: String, name: String) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let base = directory + "/" + name
    try text(fuzzCase, failure: failure).write(toFile: base + ".net", atomically: true, encoding: .utf8)
    guard let graph = try? fuzzCase.load() else { return }
    try SafeTensors(weights: try fuzzCase.weights(for: graph)).write(to: base + ".safetensors")
    try NPY.write(fuzzCase.input(for: graph), to: base + ".input.npy")
  }

  /// A reproducer file as a case to check (no program tree: it is checked as text).
  public static func read(_ path: String) throws -> FuzzCase {
    guard let data = FileManager.default.contents(atPath: path), let source = String(data: data, encoding: .utf8)
    else { throw DiagnosticError(.error("\(path): cannot read the file")) }
    for line in source.split(separator: "\n").prefix(8) {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "," })
      if words.count == 5, words[0] == "#", words[1] == "batch", words[3] == "seed", let batch = Int(words[2]),
        let seed = UInt64(words[4])
      {
        return FuzzCase(name: URL(fileURLWithPath: path).lastPathComponent, source: source, batch: batch, seed: seed)
      }
    }
    throw DiagnosticError(.error("\(path): no '# batch N, seed S' line in the header of this reproducer"))
  }
}
