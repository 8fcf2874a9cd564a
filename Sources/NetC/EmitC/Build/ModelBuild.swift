// Building a generated model with the driver into an executable, cached in a directory keyed by a hash of
// everything the build reads (compiler, flags, C text), and running it on a tensor.

import Foundation

public struct ModelBuilder: Sendable {
  public var compiler: CCompiler
  public var flags: [String]
  public var cache: BuildCache

  /// Optimized, and strict: a warning in generated C is a netc bug worth failing on.
  public static let defaultFlags = CCompiler.strictFlags + ["-O2"]

  public init(compiler: CCompiler, flags: [String] = defaultFlags, cache: BuildCache = BuildCache()) {
    self.compiler = compiler
    self.flags = flags
    self.cache = cache
  }

  /// The driver executable for `program`, built with threads (it runs on as many as it is asked for) unless the
  /// cache has it.
  public func executable(for program: CProgram) throws -> URL {
    try executable(
      for: program, driver: CDriver.source(prefix: program.prefix),
      flags: ["-D\(program.prefix.uppercased())_THREADS", "-pthread"])
  }

  /// `program` linked with `driver` (the C text of a `main`) into `driver`, built with the builder's flags and
  /// `extra` unless the cache has it.
  public func executable(for program: CProgram, driver: String, flags extra: [String]) throws -> URL {
    let all = flags + extra
    let inputs = [try compiler.version(), compiler.path] + all
      + [program.prefix, program.header, program.source, driver]
    let source = "\(program.prefix).c"
    let files = [
      (name: "\(program.prefix).h", text: program.header), (name: source, text: program.source),
      (name: "driver.c", text: driver),
    ]
    return try cache.product("driver", inputs: inputs, files: files) { directory in
      try compiler.build(
        [source, "driver.c"].map { directory.appendingPathComponent($0).path },
        output: directory.appendingPathComponent("driver").path, flags: all)
    }
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
