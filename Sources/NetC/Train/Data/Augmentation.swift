// The ResNet paper's CIFAR preprocessing (section 4.2): per-pixel mean subtraction with the training set's
// mean, and for training 4 pixels of padding on each side, a random 32x32 crop and a random horizontal flip.
// Every random choice is a function of (seed, step, image), so a resumed run sees exactly the same batches.

/// Turns 8-bit images into network inputs: `(pixel − mean) / 255`, the mean taken per pixel position over
/// the training set; padding is zero in that scale (the mean colour), as padding a normalized tensor gives.
public struct Preprocessing: Hashable, Sendable {
  /// The training set's mean of each of the 3072 pixel positions, on the 0...255 scale.
  public var mean: [Float]
  public static let padding = 4

  public init(mean: [Float]) { self.mean = mean }

  /// The per-pixel mean of `images`.
  public init(meanOf images: ImageSet) {
    var sums = [Double](repeating: 0, count: ImageSet.pixelsPerImage)
    for (i, pixel) in images.pixels.enumerated() { sums[i % ImageSet.pixelsPerImage] += Double(pixel) }
    mean = sums.map { Float($0 / Double(max(images.count, 1))) }
  }

  /// Image `index` of `images` into `output` (3072 floats from `offset`), unchanged in geometry: evaluation.
  public func write(_ images: ImageSet, _ index: Int, into output: inout [Float], at offset: Int) {
    write(images, index, crop: (Self.padding, Self.padding), flip: false, into: &output, at: offset)
  }

  /// Image `index` cropped at `crop` (row, column) of the padded 40x40 image, optionally mirrored left to right.
  public func write(
    _ images: ImageSet, _ index: Int, crop: (y: Int, x: Int), flip: Bool, into output: inout [Float], at offset: Int
  ) {
    let side = ImageSet.side
    let source = index * ImageSet.pixelsPerImage
    for channel in 0..<ImageSet.channels {
      for y in 0..<side {
        let sourceY = y + crop.y - Self.padding
        for x in 0..<side {
          let target = offset + (channel * side + y) * side + x
          let sourceX = (flip ? side - 1 - x : x) + crop.x - Self.padding
          guard (0..<side).contains(sourceY) && (0..<side).contains(sourceX) else {
            output[target] = 0
            continue
          }
          let position = (channel * side + sourceY) * side + sourceX
          output[target] = (Float(images.pixels[source + position]) - mean[position]) / 255
        }
      }
    }
  }

  /// The crop and flip of the image at `position` in the batch of step `step`: 9x9 crops, flip or not.
  public static func augmentation(seed: UInt64, step: Int, position: Int) -> (crop: (y: Int, x: Int), flip: Bool) {
    var random = RandomSource(seed: seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15), stream: "augment-\(position)")
    let choices = 2 * Self.padding + 1
    let y = Int(random.next() % UInt64(choices))
    let x = Int(random.next() % UInt64(choices))
    return ((y, x), random.next() & 1 == 1)
  }
}

/// The order images are visited in: a fresh seeded shuffle per epoch, batches of whole images only (the last
/// partial batch of an epoch is left out, as PyTorch's `drop_last`), so step `t` always sees the same images.
public struct EpochOrder: Hashable, Sendable {
  public var count: Int
  public var batch: Int
  public var seed: UInt64

  public init(count: Int, batch: Int, seed: UInt64) {
    self.count = count
    self.batch = batch
    self.seed = seed
  }

  public var stepsPerEpoch: Int { count / batch }

  /// The image indices of step `step`'s batch.
  public func batch(step: Int) -> [Int] {
    let epoch = step / stepsPerEpoch
    let position = step % stepsPerEpoch
    return Array(permutation(epoch: epoch)[position * batch..<(position + 1) * batch])
  }

  /// Fisher–Yates with the epoch's own stream.
  public func permutation(epoch: Int) -> [Int] {
    var random = RandomSource(seed: seed, stream: "epoch-\(epoch)")
    var order = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) {
      order.swapAt(i, Int(random.next() % UInt64(i + 1)))
    }
    return order
  }
}
