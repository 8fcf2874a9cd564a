// Residual connections: the `add` op, the option A shortcut op, and the residual step of a conv epilogue,
// all one mapping (`Residual`: spatial stride and channel offset).

extension Accumulator {
  /// `self[n, c, y, x] += source[n, c - offset, y * stride, x * stride]` where that source channel exists;
  /// the identity shortcut is stride 1, offset 0. Works on `[N, F]` values too (as 1x1 maps).
  mutating func addShortcut(_ source: Tensor, _ residual: Residual) {
    let channels = shape.channels
    let (height, width) = spatialSize(shape)
    let sourceChannels = source.shape.channels
    let (sourceHeight, sourceWidth) = spatialSize(source.shape)
    for item in 0..<shape.batch {
      for channel in 0..<channels {
        let sourceChannel = channel - residual.channelOffset
        guard sourceChannel >= 0 && sourceChannel < sourceChannels else { continue }
        let target = (item * channels + channel) * height * width
        let origin = (item * sourceChannels + sourceChannel) * sourceHeight * sourceWidth
        for y in 0..<height {
          for x in 0..<width {
            let from = origin + (y * residual.stride) * sourceWidth + x * residual.stride
            values[target + y * width + x] += Double(source.scalars[from])
          }
        }
      }
    }
  }
}

/// The option A shortcut as its own op: subsample by the stride, then zero-pad channels, half of the new
/// channels before the input's and half after (the ResNet paper's CIFAR nets).
func shortcutA(_ x: Tensor, _ shortcut: ShortcutA, outputShape: Shape) -> Tensor {
  var result = Accumulator(zeros: outputShape)
  let offset = (shortcut.outChannels - x.shape.channels) / 2
  result.addShortcut(x, Residual(stride: shortcut.stride, channelOffset: offset))
  return result.rounded(relu: false)
}

/// `x + shortcut(y)`, optionally followed by ReLU.
func add(_ x: Tensor, _ y: Tensor, _ add: Add) -> Tensor {
  var result = Accumulator(x)
  result.addShortcut(y, add.shortcut)
  return result.rounded(relu: add.relu)
}

/// Height and width of a feature map; 1x1 for `[N, F]`.
func spatialSize(_ shape: Shape) -> (height: Int, width: Int) {
  shape.rank == 4 ? (shape.height, shape.width) : (1, 1)
}
