// What the inference emitter makes of a training op: nothing. `CEmitter.emit` rejects training graphs before
// lowering; this only lets it size the scratch memory of any graph without a special case.

struct RejectedTrainingOpLowering: Lowering {
  var summary: String { "training op (not emitted for inference)" }
  var kernels: [CKernel] { [] }
  func body(_ layer: Layer) -> [String]? { nil }
}
