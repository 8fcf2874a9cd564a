// Training graphs are built from the network as the front end makes it and no pass optimizes them, so the
// commands that take `--train` refuse pass options with it.

import NetC

extension PipelineOptions {
  /// Throws unless the options ask for the default pipeline or none (`-O0`), and print no intermediate IR.
  func requireNoPasses(_ command: String) throws {
    let passes = pipeline.passes.map(\.name)
    if (!passes.isEmpty && passes != Pipeline.catalog.map(\.name)) || after != nil || printAfterAll {
      throw UsageError("'--train' \(command) the training graph, which no pass optimizes; drop the pass options")
    }
  }
}
