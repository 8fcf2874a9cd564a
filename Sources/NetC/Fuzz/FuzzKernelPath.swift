// The instruction sets the generated C is built for, each its own kernel path: the C picks its vector width
// from the compiler's target macros (`__AVX512F__`, `__AVX2__`, else plain C), so the same file built with
// other target flags runs other kernels, and each must agree with the interpreter.

import Foundation

public enum FuzzKernelPath: String, CaseIterable, Hashable, Sendable {
  /// No vector extensions beyond the baseline: the plain C kernels.
  case plain
  case avx2
  case avx512

  /// Flags after the build's own (which may say `-march=native`): the last of conflicting flags wins.
  var flags: [String] {
    #if arch(x86_64)
      switch self {
      case .plain: ["-mno-avx512f", "-mno-avx2", "-mno-fma"]
      case .avx2: ["-mno-avx512f", "-mavx2", "-mfma"]
      case .avx512: ["-mavx512f", "-mavx2", "-mfma"]
      }
    #else
      []
    #endif
  }

  /// The paths this machine can run: on x86-64, those whose instructions `/proc/cpuinfo` lists; elsewhere
  /// the compiler's default target alone.
  public static var available: [FuzzKernelPath] {
    #if arch(x86_64)
      guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
      else { return [.plain] }
      let features = Set(line.split(separator: " ").map(String.init))
      return allCases.filter { path in
        switch path {
        case .plain: true
        case .avx2: features.isSuperset(of: ["avx2", "fma"])
        case .avx512: features.isSuperset(of: ["avx512f", "avx2", "fma"])
        }
      }
    #else
      return [.plain]
    #endif
  }
}
