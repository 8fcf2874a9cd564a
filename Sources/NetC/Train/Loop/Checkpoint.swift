// Training checkpoints as safetensors: the weights under their torchvision names (BN statistics included), the
// SGD momentum buffers under a separate prefix, and the step and seed in the metadata — everything a run needs
// to continue bit for bit. Written to a temporary file and renamed, so a crash never leaves a torn file.

import Foundation

public enum Checkpoint {
  /// Momentum buffers are stored as `sgd.momentum.<parameter>`: no torchvision name starts so.
  public static let momentumPrefix = "sgd.momentum."
  public static let format = "netc-checkpoint-1"

  /// The checkpoint's tensors and metadata; `extra` metadata (batch, data size) is kept alongside.
  public static func encode(_ state: TrainingState, extra: [String: String] = [:]) -> SafeTensors {
    var weights = state.weights
    for (name, tensor) in state.momentum.entries { weights[momentumPrefix + name] = tensor }
    var metadata = extra
    metadata["netc.format"] = format
    metadata["netc.step"] = String(state.step)
    metadata["netc.seed"] = String(state.seed)
    return SafeTensors(weights: weights, metadata: metadata)
  }

  /// The state in a checkpoint, checked against the graph's parameters (a training or inference graph).
  public static func decode(_ file: SafeTensors, for graph: Graph, path: String) throws -> TrainingState {
    guard file.metadata["netc.format"] == format else {
      throw DiagnosticError(
        .error("\(path): not a netc training checkpoint (its metadata has no 'netc.format' of '\(format)')"))
    }
    guard let step = file.metadata["netc.step"].flatMap(Int.init), step >= 0,
      let seed = file.metadata["netc.seed"].flatMap(UInt64.init)
    else {
      throw DiagnosticError(.error("\(path): the checkpoint's 'netc.step' or 'netc.seed' is not a number"))
    }
    var weights = Weights()
    var momentum = Weights()
    for (name, tensor) in file.weights.entries {
      if name.hasPrefix(momentumPrefix) {
        momentum[String(name.dropFirst(momentumPrefix.count))] = tensor
      } else {
        weights[name] = tensor
      }
    }
    try weights.validate(for: graph, file: path)
    let trainable = graph.parameters.filter(\.isTrainable)
    for parameter in trainable where momentum[parameter.name]?.shape != parameter.shape {
      throw DiagnosticError(
        .error(
          "\(path): momentum buffer '\(momentumPrefix + parameter.name)' is missing or not of shape "
            + parameter.shape.dimsText))
    }
    // Reordered like the parameters, so a checkpoint read back encodes to the same bytes.
    let ordered = Weights(trainable.map { ($0.name, momentum[$0.name]!) })
    return TrainingState(weights: weights, momentum: ordered, step: step, seed: seed)
  }

  public static func read(_ path: String, for graph: Graph) throws
    -> (state: TrainingState, metadata: [String: String])
  {
    let file = try SafeTensors.read(path)
    return (try decode(file, for: graph, path: path), file.metadata)
  }

  public static func write(_ state: TrainingState, extra: [String: String] = [:], to path: String) throws {
    try writeAtomically(encode(state, extra: extra).encoded(), to: path)
  }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: readers see the old file
/// or the new one, never a partial one.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
  let url = URL(fileURLWithPath: path)
  let temporary = url.deletingLastPathComponent()
    .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
  try BinaryFile.write(bytes, to: temporary)
  guard rename(temporary, path) == 0 else {
    let reason = String(cString: strerror(errno))
    unlink(temporary)
    let phrase = reason.prefix(1).lowercased() + reason.dropFirst()
    throw DiagnosticError(.error("\(path): cannot replace the file: \(phrase)"))
  }
}
