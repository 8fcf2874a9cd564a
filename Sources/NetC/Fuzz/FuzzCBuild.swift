// The C legs of a chunk of programs: every program's C files and one driver go through each compiler in a
// single invocation (the invocation, not the code, is most of the cost), then every program runs in its own
// process (a crash names its program) on every thread count, and its output is compared with the
// interpreter's on the same graph.

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
        try Data(ModelRunner.littleEndianBytes(item.input.scalars)).write(to: URL(fileURLWithPath: file(directory, "x\(index).f32")))
      } catch {
        failures[index] = FuzzFailure("c-files", "cannot write the weights or input: \(error)")
      }
    }
    for compiler in options.compilers {
      let built = build(prepared, compiler, in: directory, skipping: failures)
      for index in prepared.indices where failures[index] == nil {
        switch built[index] {
        case .failure(let failure): failures[index] = failure
        case .success(let executable):
          failures[index] = runAll(prepared[index], index, executable, compiler, directory, &errors[index])
        }
      }
    }
    return failures
  }

  /// One executable for the whole chunk; when that fails, one per program, so the failure names its program.
  private func build(
    _ prepared: [FuzzPrepared], _ compiler: CCompiler, in directory: URL, skipping failures: [FuzzFailure?]
  ) -> [Result<String, FuzzFailure>] {
    let indices = prepared.indices.filter { failures[$0] == nil }
    let name = compiler.name
    if let executable = try? link(indices, prepared, compiler, "\(name)-all", directory) {
      return prepared.indices.map { _ in .success(executable) }
    }
    return prepared.indices.map { index in
      do {
        return .success(try link([index], prepared, compiler, "\(name)-\(index)", directory))
      } catch let error as DiagnosticError {
        let message = error.diagnostics.map(\.message).joined(separator: "\n")
        return .failure(FuzzFailure("c-build \(name)", String(message.prefix(4000))))
      } catch {
        return .failure(FuzzFailure("c-build \(name)", "\(error)"))
      }
    }
  }

  private func link(
    _ indices: [Int], _ prepared: [FuzzPrepared], _ compiler: CCompiler, _ name: String, _ directory: URL
  ) throws -> String {
    var sources: [String] = []
    var entries: [(index: Int, prefix: String)] = []
    for index in indices {
      for kind in FuzzGraph.allCases {
        guard let program = prepared[index].programs[kind] else { continue }
        let path = file(directory, "\(program.prefix).c")
        try program.source.write(toFile: path, atomically: false, encoding: .utf8)
        try program.header.write(toFile: file(directory, "\(program.prefix).h"), atomically: false, encoding: .utf8)
        sources.append(path)
        entries.append((index, program.prefix))
      }
    }
    let driver = file(directory, "\(name)-driver.c")
    try FuzzDriver.source(entries.map(\.prefix)).write(toFile: driver, atomically: false, encoding: .utf8)
    let executable = file(directory, name)
    try compiler.build(sources + [driver], output: executable, flags: options.cFlags)
    return executable
  }

  /// Every graph of a program with a C program, on every thread count: the first failure, if any.
  private func runAll(
    _ item: FuzzPrepared, _ index: Int, _ executable: String, _ compiler: CCompiler, _ directory: URL,
    _ errors: inout [String: Double]
  ) -> FuzzFailure? {
    for kind in FuzzGraph.allCases {
      guard let program = item.programs[kind], let reference = item.references[kind] else { continue }
      for threads in options.threadCounts {
        let leg = "\(compiler.name) \(kind.rawValue) threads=\(threads)"
        let output = file(directory, "y\(index)-\(compiler.name)-\(kind.rawValue)-\(threads).f32")
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
        errors["c \(kind.rawValue)"] = max(errors["c \(kind.rawValue)"] ?? 0, error)
        if !(error <= FuzzTolerance.c) {
          return FuzzFailure("c-mismatch \(leg)", "the C differs from the interpreter by \(error) of the largest output")
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
  static func source(_ prefixes: [String]) -> String {
    var text = "/* netc fuzz driver: runs one of the linked models on raw float32 files. */\n"
    text += "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n"
    text += prefixes.map { "#include \"\($0).h\"\n" }.joined() + "\n"
    for p in prefixes {
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
          \(runStatement(prefix: p))
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
    text += prefixes.map { "  {\"\($0)\", run_\($0), \($0.uppercased())_INPUT_SIZE, \($0.uppercased())_OUTPUT_SIZE},\n" }
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

  /// The one line that runs a model: the generated API runs on one thread today, so `threads` is unused.
  /// When the API takes a thread count, this line passes it, and `FuzzOptions.supportedThreadCounts` grows.
  static func runStatement(prefix p: String) -> String {
    "(void)threads; const \(p)_status status = \(p)_run(model, input, output, arena);"
  }
}
