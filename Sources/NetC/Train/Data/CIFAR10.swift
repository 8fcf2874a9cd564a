// The CIFAR-10 binary format: records of 1 label byte and 3072 pixel bytes (a 32x32 image, red plane, green,
// blue, row-major), any number per file; `data_batch_1.bin` … `data_batch_5.bin` train, `test_batch.bin` tests.

import Foundation

/// Labelled 3x32x32 images of 8-bit pixels.
public struct ImageSet: Hashable, Sendable {
  public static let channels = 3
  public static let side = 32
  public static let pixelsPerImage = channels * side * side
  public static let recordSize = 1 + pixelsPerImage
  public static let classes = 10

  /// `count · pixelsPerImage` bytes, image after image.
  public var pixels: [UInt8]
  public var labels: [UInt8]

  public init(pixels: [UInt8], labels: [UInt8]) {
    precondition(pixels.count == labels.count * Self.pixelsPerImage, "pixels for \(labels.count) images")
    self.pixels = pixels
    self.labels = labels
  }

  public var count: Int { labels.count }

  /// The records of one file; a size that is not a whole number of records, no records, or a label outside
  /// 0...9 is an error naming the file (and the record).
  public static func read(_ path: String) throws -> ImageSet {
    try decode(BinaryFile.read(path), file: path)
  }

  static func decode(_ bytes: [UInt8], file: String) throws -> ImageSet {
    guard !bytes.isEmpty else { throw DiagnosticError(.error("\(file): the file has no records")) }
    guard bytes.count % recordSize == 0 else {
      throw DiagnosticError(
        .error(
          "\(file): size \(bytes.count) bytes is not a whole number of \(recordSize)-byte records (1 label byte "
            + "and \(pixelsPerImage) pixel bytes each); record \(bytes.count / recordSize) is cut short"))
    }
    let count = bytes.count / recordSize
    var pixels: [UInt8] = []
    pixels.reserveCapacity(count * pixelsPerImage)
    var labels: [UInt8] = []
    for record in 0..<count {
      let start = record * recordSize
      let label = bytes[start]
      if Int(label) >= classes {
        throw DiagnosticError(
          .error("\(file): record \(record) has label \(label); CIFAR-10 labels are 0...\(classes - 1)"))
      }
      labels.append(label)
      pixels += bytes[start + 1..<start + recordSize]
    }
    return ImageSet(pixels: pixels, labels: labels)
  }

  /// The training set (`data_batch_1.bin` … `data_batch_5.bin`, those that exist, at least the first) and the
  /// test set (`test_batch.bin`) of a CIFAR-10 directory.
  public static func readDirectory(_ directory: String) throws -> (train: ImageSet, test: ImageSet) {
    let url = URL(fileURLWithPath: directory)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw DiagnosticError(.error("\(directory): not a directory of CIFAR-10 binary files"))
    }
    let trainFiles = (1...5).map { url.appendingPathComponent("data_batch_\($0).bin").path }
    guard FileManager.default.fileExists(atPath: trainFiles[0]) else {
      throw DiagnosticError(
        .error("\(directory): no 'data_batch_1.bin'; expected the CIFAR-10 binary version's files"))
    }
    var train = ImageSet(pixels: [], labels: [])
    for file in trainFiles where FileManager.default.fileExists(atPath: file) {
      let part = try read(file)
      train.pixels += part.pixels
      train.labels += part.labels
    }
    let testFile = url.appendingPathComponent("test_batch.bin").path
    guard FileManager.default.fileExists(atPath: testFile) else {
      throw DiagnosticError(.error("\(directory): no 'test_batch.bin' to evaluate on"))
    }
    return (train, try read(testFile))
  }

  /// The records in the CIFAR-10 binary format.
  public var encoded: [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count * Self.recordSize)
    for i in 0..<count {
      bytes.append(labels[i])
      bytes += pixels[i * Self.pixelsPerImage..<(i + 1) * Self.pixelsPerImage]
    }
    return bytes
  }
}
