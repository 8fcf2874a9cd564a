// The generated training C as a shared library in netc's build cache, loaded into the netc process, so
// `netc train` calls the C step directly with its batches: the data pipeline, progress and checkpoints stay in
// Swift, the arithmetic runs as compiled C.

import Foundation

/// A loaded training library and the functions of its API.
final class TrainingLibrary {
  typealias Load = @convention(c) (
    UnsafeRawPointer?, Int, UInt64, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<CChar>?, Int
  ) -> Int32
  typealias Step = @convention(c) (
    OpaquePointer?, UnsafePointer<Float>?, UnsafePointer<Int32>?, UnsafePointer<Double>?, UnsafeMutableRawPointer?,
    UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, OpaquePointer?
  ) -> Int32
  typealias StartThreads = @convention(c) (Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
  typealias Export = @convention(c) (
    OpaquePointer?, UnsafeMutableRawPointer?, Int, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutableRawPointer?
  ) -> Int32
  typealias Run = @convention(c) (
    OpaquePointer?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutableRawPointer?
  ) -> Int32
  typealias Size = @convention(c) () -> Int
  typealias Name = @convention(c) (Int) -> UnsafePointer<CChar>?
  typealias Count = @convention(c) (Int) -> Int
  typealias Array = @convention(c) (OpaquePointer?, Int) -> UnsafeMutablePointer<Float>?
  typealias Counter = @convention(c) (OpaquePointer?) -> UInt64
  typealias Restore = @convention(c) (OpaquePointer?, UInt64, UInt64) -> Void
  typealias Free = @convention(c) (OpaquePointer?) -> Void
  typealias Message = @convention(c) (Int32) -> UnsafePointer<CChar>?

  private let handle: UnsafeMutableRawPointer
  let load: Load, step: Step, export: Export, run: Run, free: Free, message: Message
  let startThreads: StartThreads, stopThreads: Free
  let arenaBytes: Size, modelBytes: Size, tensorCount: Size
  let tensorName: Name, tensorSize: Count, tensor: Array, momentum: Array
  let steps: Counter, seed: Counter, restore: Restore

  /// Builds `program` as a shared library unless the cache has it, and loads it.
  init(_ program: CProgram, compiler: CCompiler, flags: [String], cache: BuildCache) throws {
    let path = try Self.build(program, compiler: compiler, flags: flags, cache: cache)
    guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
      throw DiagnosticError(.error("cannot load the compiled training step '\(path)': \(String(cString: dlerror()))"))
    }
    self.handle = handle
    func symbol<T>(_ name: String, _ type: T.Type) throws -> T {
      guard let address = dlsym(handle, program.prefix + "_" + name) else {
        throw internalError("the compiled training step has no '\(program.prefix)_\(name)'")
      }
      return unsafeBitCast(address, to: type)
    }
    load = try symbol("train_load", Load.self)
    step = try symbol("train_step_threads", Step.self)
    startThreads = try symbol("train_threads_start", StartThreads.self)
    stopThreads = try symbol("train_threads_stop", Free.self)
    export = try symbol("train_export", Export.self)
    run = try symbol("run", Run.self)
    free = try symbol("train_free", Free.self)
    message = try symbol("strerror", Message.self)
    arenaBytes = try symbol("train_arena_bytes", Size.self)
    modelBytes = try symbol("model_bytes", Size.self)
    tensorCount = try symbol("train_tensor_count", Size.self)
    tensorName = try symbol("train_tensor_name", Name.self)
    tensorSize = try symbol("train_tensor_size", Count.self)
    tensor = try symbol("train_tensor", Array.self)
    momentum = try symbol("train_momentum", Array.self)
    steps = try symbol("train_steps", Counter.self)
    seed = try symbol("train_seed", Counter.self)
    restore = try symbol("train_restore", Restore.self)
  }

  deinit { dlclose(handle) }

  /// `lib<prefix>.so` in `cache`, built once per program, compiler and flags.
  static func build(_ program: CProgram, compiler: CCompiler, flags: [String], cache: BuildCache) throws -> String {
    let all = flags + ["-fPIC", "-shared"]
    let library = "lib\(program.prefix).so"
    let source = "\(program.prefix).c"
    let files = [(name: source, text: program.source), (name: "\(program.prefix).h", text: program.header)]
    let inputs = [try compiler.version(), compiler.path] + all + [program.header, program.source]
    return try cache.product(library, inputs: inputs, files: files) { directory in
      try compiler.build(
        [directory.appendingPathComponent(source).path], output: directory.appendingPathComponent(library).path,
        flags: all)
    }.path
  }
}
