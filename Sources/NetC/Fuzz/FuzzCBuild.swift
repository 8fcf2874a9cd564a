// The C legs of a chunk of programs: every program's C files and one driver go through each compiler, once per
// kernel path, in a single invocation (the invocation, not the code, is most of the cost), then every program
// runs in its own process (a crash names its program) on every thread count, and its output is compared with
// the interpreter's on the same graph.

import Foundation

struct FuzzCBuild: Sendable {
  var options: FuzzOptions
  /// Generated code that runs longer than this is reported as hanging (the programs take milliseconds).
  static let runTimeout = 30.0

  /// Each program's first failure (nil: passed), in order; `errors` gains the measured differences.
  func run(_ prepared: [FuzzPrepared], in directory: URL, errors: inout [[String: Double]]) -> [FuzzFailure?] {
    var failures = [FuzzFailure?](repeating: nil, count: prepared.count)
    for (index, item) in prepared.enumerated() {
      do {
        try SafeTensors(weights: item.weights).write(to: file(directory, "w\(index).safetensors"))
        try Data(ModelRunner.littleEndianBytes(item.input.scalars)).write(
          to: URL(fileURLWithPath: file(directory, "x\(index).f32")))
      } catch {
        failures[index] = FuzzFailure("c-files", "cannot write the weights or input: \(error)")
      }
    }
    for compiler in options.compilers {
      for path in options.kernelPaths {
        let members = prepared.indices.filter {
          failures[$0] == nil && !prepared[$0].programs.isEmpty
            && options.kernelPaths(seed: prepared[$0].fuzzCase.seed).contains(path)
            && options.compilers(seed: prepared[$0].fuzzCase.seed).contains(compiler)
        }
        guard !members.isEmpty else { continue }
        let target = Target(compiler: compiler, path: path)
        let built = build(members, prepared, target, in: directory)
        for (index, result) in zip(members, built) {
          switch result {
          case .failure(let failure): failures[index] = failure
          case .success(let executable):
            failures[index] = runAll(prepared[index], index, executable, target, directory, &errors[index])
          }
        }
      }
    }
    return failures
  }

  /// A compiler and the kernel path it builds for.
  private struct Target {
    var compiler: CCompiler
    var path: FuzzKernelPath
    var name: String { "\(compiler.name) \(path.rawValue)" }
    var fileName: String { "\(compiler.name)-\(path.rawValue)" }
  }

  /// One executable for the programs at `members`; when that fails, one per program, so the failure names its
  /// program. Results in the order of `members`.
  private func build(
    _ members: [Int], _ prepared: [FuzzPrepared], _ target: Target, in directory: URL
  ) -> [Result<String, FuzzFailure>] {
    if let executable = try? link(members, prepared, target, "\(target.fileName)-all", directory) {
      return members.map { _ in .success(executable) }
    }
    return members.map { index in
      do {
        return .success(try link([index], prepared, target, "\(target.fileName)-\(index)", directory))
      } catch let error as DiagnosticError {
        let message = error.diagnostics.map(\.message).joined(separator: "\n")
        return .failure(FuzzFailure("c-build \(target.name)", String(message.prefix(4000))))
      } catch {
        return .failure(FuzzFailure("c-build \(target.name)", "\(error)"))
      }
    }
  }

  private func link(
    _ indices: [Int], _ prepared: [FuzzPrepared], _ target: Target, _ name: String, _ directory: URL
  ) throws -> String {
    var sources: [String] = []
    var programs: [CProgram] = []
    for index in indices {
      for kind in FuzzGraph.allCases {
        guard let program = prepared[index].programs[kind] else { continue }
        let path = file(directory, "\(program.prefix).c")
        try program.source.write(toFile: path, atomically: false, encoding: .utf8)
        try program.header.write(toFile: file(directory, "\(program.prefix).h"), atomically: false, encoding: .utf8)
        sources.append(path)
        programs.append(program)
      }
    }
    let driver = file(directory, "\(name)-driver.c")
    try FuzzDriver.source(programs).write(toFile: driver, atomically: false, encoding: .utf8)
    let executable = file(directory, name)
    let threaded = programs.filter(FuzzDriver.hasThreads)
    let threadFlags = threaded.isEmpty ? [] : threaded.map { "-D\($0.prefix.uppercased())_THREADS" } + ["-pthread"]
    try target.compiler.build(
      sources + [driver], output: executable, flags: options.cFlags + target.path.flags + threadFlags)
    return executable
  }

  /// Every graph of a program with a C program, on every thread count its API takes: the first failure, if any.
  private func runAll(
    _ item: FuzzPrepared, _ index: Int, _ executable: String, _ target: Target, _ directory: URL,
    _ errors: inout [String: Double]
  ) -> FuzzFailure? {
    for kind in FuzzGraph.allCases {
      guard let program = item.programs[kind], let reference = item.references[kind] else { continue }
      for threads in options.threadCounts where threads == 1 || FuzzDriver.hasThreads(program) {
        let leg = "\(target.name) \(kind.rawValue) threads=\(threads)"
        let output = file(directory, "y\(index)-\(target.fileName)-\(kind.rawValue)-\(threads).f32")
        let arguments = [
          program.prefix, String(threads), file(directory, "w\(index).safetensors"), file(directory, "x\(index).f32"),
          output,
        ]
        let result: ProcessRunner.Result
        do {
          result = try ProcessRunner.run(executable, arguments, timeout: Self.runTimeout)
        } catch {
          return FuzzFailure("c-error \(leg)", "\(error)")
        }
        if result.timedOut { return FuzzFailure("c-timeout \(leg)", "still running after \(Self.runTimeout) s") }
        if result.signaled { return FuzzFailure("c-crash \(leg)", "signal \(result.status): \(result.output)") }
        if result.status != 0 { return FuzzFailure("c-error \(leg)", "exit status \(result.status): \(result.output)") }
        guard let data = FileManager.default.contents(atPath: output), data.count == reference.shape.byteCount else {
          return FuzzFailure("c-error \(leg)", "no output of \(reference.shape.byteCount) bytes")
        }
        let scalars = [UInt8](data).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let error = FuzzTolerance.relativeError(Tensor(shape: reference.shape, scalars: scalars), reference)
        let comparison = "c \(kind.rawValue) \(target.path.rawValue)"
        errors[comparison] = max(errors[comparison] ?? 0, error)
        if !(error <= FuzzTolerance.c.allowing(item.errors["conditioning"] ?? 0)) {
          return FuzzFailure(
            "c-mismatch \(leg)", "the C differs from the interpreter by \(error) of the largest output")
        }
      }
    }
    return nil
  }

  private func file(_ directory: URL, _ name: String) -> String { directory.appendingPathComponent(name).path }
}

extension CCompiler {
  /// `clang`, `gcc`: the executable's name, for reports.
  var name: String { URL(fileURLWithPath: path).lastPathComponent }
}

/// The fuzzer's C driver: `driver <prefix> <threads> <weights.safetensors> <input.f32> <output.f32>` runs one
/// of the models linked into it. Input and output buffers are allocated at exactly their size, so a sanitizer
/// sees any access past them.
enum FuzzDriver {
  /// Whether the program's API runs on a team of threads (`<prefix>_run_threads`, built with
  /// `-D<PREFIX>_THREADS`); without it, the C runs on the calling thread alone.
  static func hasThreads(_ program: CProgram) -> Bool {
    program.header.contains("\(program.prefix)_run_threads(")
  }

  static func source(_ programs: [CProgram]) -> String {
    let prefixes = programs.map(\.prefix)
    var text = "/* netc fuzz driver: runs one of the linked models on raw float32 files. */\n"
    text += "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
    text += prefixes.map { "#include \"\($0).h\"\n" }.joined() + "\n"
    for program in programs {
      let p = program.prefix
      let u = p.uppercased()
      text += """
        static int run_\(p)(const char *weights, const float *input, float *output, int threads) {
          char detail[\(u)_DETAIL_SIZE];
          \(p)_model *model = NULL;
          if (\(p)_load_file(weights, &model, detail, sizeof detail) != \(u)_OK) {
            fprintf(stderr, "load: %s\\n", detail);
            return 3;
          }
          void *arena = malloc(\(p)_arena_bytes() > 0 ? \(p)_arena_bytes() : 1);
          if (!arena) return 4;
          \(runStatement(program))
          free(arena);
          \(p)_free(model);
          if (status != \(u)_OK) {
            fprintf(stderr, "run: %s\\n", \(p)_strerror(status));
            return 5;
          }
          return 0;
        }


        """
    }
    text += """
      typedef struct {
        const char *prefix;
        int (*run)(const char *, const float *, float *, int);
        size_t input_size, output_size;
      } model_entry;

      static const model_entry models[] = {

      """
    text += prefixes.map {
      "  {\"\($0)\", run_\($0), \($0.uppercased())_INPUT_SIZE, \($0.uppercased())_OUTPUT_SIZE},\n"
    }
    .joined()
    text += """
      };

      int main(int argc, char **argv) {
        if (argc != 6) {
          fprintf(stderr, "usage: %s <prefix> <threads> <weights> <input.f32> <output.f32>\\n", argv[0]);
          return 2;
        }
        const model_entry *m = NULL;
        for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
          if (strcmp(models[i].prefix, argv[1]) == 0) m = &models[i];
        if (!m) return 2;
        float *input = malloc(m->input_size * sizeof(float)), *output = malloc(m->output_size * sizeof(float));
        FILE *file = fopen(argv[4], "rb");
        const size_t read = file && input ? fread(input, sizeof(float), m->input_size, file) : 0;
        if (file) fclose(file);
        if (read != m->input_size || !output) return 6;
        const int status = m->run(argv[3], input, output, atoi(argv[2]));
        if (status == 0) {
          file = fopen(argv[5], "wb");
          if (!file || fwrite(output, sizeof(float), m->output_size, file) != m->output_size || fclose(file) != 0) return 7;
        }
        free(input);
        free(output);
        return status;
      }

      """
    return text
  }

  /// The statements that run a model on `threads` threads: the calling thread and a team started for the run
  /// where the API has one, else the calling thread alone (the caller asks for one thread then).
  static func runStatement(_ program: CProgram) -> String {
    let p = program.prefix
    guard hasThreads(program) else {
      return "(void)threads; const \(p)_status status = \(p)_run(model, input, output, arena);"
    }
    return """
      \(p)_threads *team = NULL;
        \(p)_status status = \(p)_threads_start(threads, &team);
        if (status == \(p.uppercased())_OK) status = \(p)_run_threads(model, input, output, arena, team);
        \(p)_threads_stop(team);
      """
  }
}
