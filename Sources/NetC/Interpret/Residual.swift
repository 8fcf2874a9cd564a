// Residual connections: the `add` op, the option A shortcut op, and the residual step of a conv epilogue,
// all one mapping (`Residual`: spatial stride and channel offset).

extension Accumulator {
  /// `self[n, c, y, x] += source[n, c - offset, y * stride, x * stride]` where that source channel exists;
  /// the identity shortcut is stride 1, offset 0. Works on `[N, F]` values too (as 1x1 maps).
  mutating func addShortcut(_ source: Accumulator, _ residual: Residual) {
    forEachShortcutPair(target: shape, source: source.shape, residual) { target, from in
      values[target] += source.values[from]
    }
  }
}

/// Every (target element, source element) pair a residual mapping adds, as element indices.
func forEachShortcutPair(target: Shape, source: Shape, _ residual: Residual, _ body: (Int, Int) -> Void) {
  let channels = target.channels
  let (height, width) = spatialSize(target)
  let sourceChannels = source.channels
  let (sourceHeight, sourceWidth) = spatialSize(source)
  for item in 0..<target.batch {
    for channel in 0..<channels {
      let sourceChannel = channel - residual.channelOffset
      guard sourceChannel >= 0 && sourceChannel < sourceChannels else { continue }
      let first = (item * channels + channel) * height * width
      let origin = (item * sourceChannels + sourceChannel) * sourceHeight * sourceWidth
      for y in 0..<height {
        for x in 0..<width {
          body(first + y * width + x, origin + (y * residual.stride) * sourceWidth + x * residual.stride)
        }
      }
    }
  }
}

/// The option A shortcut as its own op: subsample by the stride, then zero-pad channels, half of the new
/// channels before the input's and half after (the ResNet paper's CIFAR nets).
func shortcutA(_ x: Accumulator, _ shortcut: ShortcutA, outputShape: Shape) -> Accumulator {
  var result = Accumulator(zeros: outputShape)
  result.addShortcut(x, shortcut.residual(inputChannels: x.shape.channels))
  return result
}

extension ShortcutA {
  /// The mapping of an option A shortcut from `inputChannels`: half the new channels go before the input's.
  func residual(inputChannels: Int) -> Residual {
    Residual(stride: stride, channelOffset: (outChannels - inputChannels) / 2)
  }
}

/// `x + shortcut(y)`, optionally followed by ReLU.
func add(_ x: Accumulator, _ y: Accumulator, _ add: Add) -> Accumulator {
  var result = x
  result.addShortcut(y, add.shortcut)
  if add.relu { result.applyReLU() }
  return result
}

/// Height and width of a feature map; 1x1 for `[N, F]`.
func spatialSize(_ shape: Shape) -> (height: Int, width: Int) {
  shape.rank == 4 ? (shape.height, shape.width) : (1, 1)
}
