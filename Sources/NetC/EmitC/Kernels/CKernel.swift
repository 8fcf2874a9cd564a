// A piece of C the generated file carries only when a layer calls it: a kernel, or a helper kernels share.
// Kernels are fixed C text (no per-model interpolation), so every generated file shares the same tested code.

struct CKernel: Hashable, Sendable {
  /// The C function (or type) name; every kernel name starts with `netc_`, a prefix layer names never take.
  var name: String
  /// Kernels and types this one uses; emitted before it.
  var dependencies: [CKernel]
  /// The C text, ending with a newline.
  var text: String

  init(_ name: String, uses dependencies: [CKernel] = [], _ text: String) {
    self.name = name
    self.dependencies = dependencies
    self.text = text
  }

  /// The given kernels and everything they use, each once, dependencies before their users, otherwise in the
  /// order given: the order the file defines them in.
  static func closure(_ roots: [CKernel]) -> [CKernel] {
    var ordered: [CKernel] = []
    var seen: Set<String> = []
    func visit(_ kernel: CKernel) {
      guard !seen.contains(kernel.name) else { return }
      seen.insert(kernel.name)
      kernel.dependencies.forEach(visit)
      ordered.append(kernel)
    }
    roots.forEach(visit)
    return ordered
  }
}
