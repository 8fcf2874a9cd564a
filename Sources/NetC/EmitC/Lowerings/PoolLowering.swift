// Lowering of the pools: max, average and adaptive average, each one kernel over the shared window geometry.

struct PoolLowering: Lowering {
  /// Which pool; the training step's NCHW pools are the same three.
  enum Kind: Sendable {
    case max(Pool)
    case average(Pool)
    case adaptive

    var summary: String {
      switch self {
      case .max: "max pooling"
      case .average: "average pooling"
      case .adaptive: "adaptive average pooling"
      }
    }
  }

  var kind: Kind

  var summary: String { kind.summary }

  var kernels: [CKernel] {
    switch kind {
    case .max: [.maxPool]
    case .average: [.averagePool]
    case .adaptive: [.adaptiveAveragePool]
    }
  }

  func body(_ layer: Layer) -> [String]? {
    let x = layer.input
    let y = layer.shape
    var fields = [
      ("batch", y.batch), ("in_c", x.channels), ("in_h", x.height), ("in_w", x.width), ("out_c", y.channels),
      ("out_h", y.height), ("out_w", y.width),
    ]
    switch kind {
    case .max(let p), .average(let p):
      fields += [
        ("kernel_h", p.kernel.h), ("kernel_w", p.kernel.w), ("stride_h", p.stride.h), ("stride_w", p.stride.w),
        ("pad_h", p.pad.h), ("pad_w", p.pad.w),
      ]
    case .adaptive:
      break
    }
    let window = CText.initializer("static const netc_window window", fields)
    switch kind {
    case .max: return window + CText.call("netc_maxpool", ["&window", "in", "out", "team"])
    case .average(let p):
      return window + CText.call("netc_avgpool", ["&window", p.countIncludePad ? "1" : "0", "in", "out", "team"])
    case .adaptive: return window + CText.call("netc_adaptive_avgpool", ["&window", "in", "out", "team"])
    }
  }
}
