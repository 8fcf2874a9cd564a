// Building a generated model with the driver into an executable, cached in a directory keyed by a hash of
// everything the build reads (compiler, flags, C text), and running it on a tensor.

import Foundation

public struct ModelBuilder: Sendable {
  public var compiler: CCompiler
  public var flags: [String]
  public var cacheDirectory: URL

  /// Optimized, and strict: a warning in generated C is a netc bug worth failing on.
  public static let defaultFlags = CCompiler.strictFlags + ["-O2"]

  /// The user's cache directory (`~/.cache/netc` on Linux).
  public static var defaultCacheDirectory: URL {
    let caches =
      FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
      ?? FileManager.default.temporaryDirectory
    return caches.appendingPathComponent("netc", isDirectory: true)
  }

  public init(compiler: CCompiler, flags: [String] = defaultFlags, cacheDirectory: URL = defaultCacheDirectory) {
    self.compiler = compiler
    self.flags = flags
    self.cacheDirectory = cacheDirectory
  }

  /// The driver executable for `program`, built unless the cache has it. Concurrent builds of the same program
  /// each build in a private directory and the first rename wins, so nobody sees a half-written executable.
  public func executable(for program: CProgram) throws -> URL {
    let driver = CDriver.source(prefix: program.prefix)
    let key = SHA256.hex(
      Array(
        ([try compiler.version(), compiler.path] + flags + [program.prefix, program.header, program.source, driver])
          .joined(separator: "\u{0}").utf8))
    let directory = cacheDirectory.appendingPathComponent(key, isDirectory: true)
    let executable = directory.appendingPathComponent("driver")
    if FileManager.default.isExecutableFile(atPath: executable.path) { return executable }

    let staging = cacheDirectory.appendingPathComponent("\(key).\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: staging) }
    let files = [
      ("\(program.prefix).h", program.header), ("\(program.prefix).c", program.source), ("driver.c", driver),
    ]
    for (name, text) in files {
      try text.write(to: staging.appendingPathComponent(name), atomically: false, encoding: .utf8)
    }
    // With threads: the driver runs on as many as it is asked for.
    try compiler.build(
      [staging.appendingPathComponent("\(program.prefix).c").path, staging.appendingPathComponent("driver.c").path],
      output: staging.appendingPathComponent("driver").path,
      flags: flags + ["-D\(program.prefix.uppercased())_THREADS", "-pthread"])
    do {
      try FileManager.default.moveItem(at: staging, to: directory)
    } catch  where FileManager.default.isExecutableFile(atPath: executable.path) {
      // Another build of the same program got there first; its executable is the same.
    }
    return executable
  }
}

/// Runs a built driver: weights from a safetensors file, the input tensor in, the output tensor out.
public enum ModelRunner {
  /// The output of one forward pass on `threads` threads.
  public static func run(
    _ executable: URL, weights: String, input: Tensor, outputShape: Shape, threads: Int = 1
  ) throws -> Tensor {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("netc-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let inputFile = directory.appendingPathComponent("input.f32")
    let outputFile = directory.appendingPathComponent("output.f32")
    try Data(littleEndianBytes(input.scalars)).write(to: inputFile)
    let result = try ProcessRunner.run(executable.path, [weights, inputFile.path, outputFile.path, "\(threads)"])
    guard result.status == 0 else {
      let message = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
      throw DiagnosticError(
        .error(message.hasPrefix("error: ") ? String(message.dropFirst(7)) : "compiled model failed: \(message)"))
    }
    let bytes = try [UInt8](Data(contentsOf: outputFile))
    guard bytes.count == outputShape.byteCount else {
      throw internalError("the compiled model wrote \(bytes.count) bytes, expected \(outputShape.byteCount)")
    }
    let scalars = stride(from: 0, to: bytes.count, by: 4).map { i in
      Float(
        bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3])
          << 24)
    }
    return Tensor(shape: outputShape, scalars: scalars)
  }

  static func littleEndianBytes(_ scalars: [Float]) -> [UInt8] {
    scalars.flatMap { value -> [UInt8] in
      let bits = value.bitPattern
      return [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
    }
  }
}
