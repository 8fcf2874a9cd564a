// A test program around a generated training file: it loads weights, takes steps on one batch, and writes
// what the tests compare with the interpreter. Built with the sanitizers, so every run also checks the C.

import Foundation
import Testing

@testable import NetC

enum TrainingDriver {
  /// Usage: `driver <weights.safetensors> <input.f32> <labels.i32> <steps> <lr> <momentum> <wd> <seed> <dir>
  /// [threads]` (threads > 1 needs the file built with `-D<PREFIX>_THREADS`);
  /// writes to `dir`: `losses.f32` (one per step), `gradients.f32` (the first step's, every trainable tensor in
  /// file order), `logits.f32` (the input evaluated by the exported inference model after the steps),
  /// `state.safetensors` (the final state as a checkpoint) and `profile.txt` (the last step, which goes through
  /// `<prefix>_train_profile`: a line `<layer name> <seconds>` per layer).
  static func source(prefix p: String) -> String {
    let u = p.uppercased()
    return #"""
      #include <stdio.h>
      #include <stdlib.h>
      #include <string.h>

      #include "\#(p).h"

      static int fail(const char *what, const char *message) {
        fprintf(stderr, "error: %s: %s\n", what, message);
        return 1;
      }

      static long read_file(const char *path, void *buffer, long capacity) {
        FILE *file = fopen(path, "rb");
        if (!file) return -1;
        const long count = (long)fread(buffer, 1, (size_t)capacity, file);
        fclose(file);
        return count;
      }

      static int write_file(const char *dir, const char *name, const void *data, size_t bytes) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *file = fopen(path, "wb");
        if (!file) return 1;
        const int failed = fwrite(data, 1, bytes, file) != bytes;
        return fclose(file) != 0 || failed;
      }

      int main(int argc, char **argv) {
        if (argc != 10 && argc != 11) return fail("usage", "driver weights input labels steps lr momentum wd seed dir");
        \#(p)_train_threads *threads = NULL;
        if (\#(p)_train_threads_start(argc == 11 ? atoi(argv[10]) : 1, &threads) != \#(u)_OK)
          return fail("threads", "cannot start them");
        static unsigned char weights[64 << 20];
        static float input[\#(u)_INPUT_SIZE], logits[\#(u)_OUTPUT_SIZE];
        static int32_t labels[\#(u)_TRAIN_BATCH];
        const long size = read_file(argv[1], weights, (long)sizeof weights);
        if (size <= 0) return fail(argv[1], "cannot read");
        if (read_file(argv[2], input, (long)sizeof input) != (long)sizeof input) return fail(argv[2], "wrong size");
        if (read_file(argv[3], labels, (long)sizeof labels) != (long)sizeof labels) return fail(argv[3], "wrong size");
        const int steps = atoi(argv[4]);
        const \#(p)_sgd sgd = {strtod(argv[5], NULL), strtod(argv[6], NULL), strtod(argv[7], NULL)};
        char detail[\#(u)_DETAIL_SIZE];
        \#(p)_train_state *state = NULL;
        const uint64_t seed = strtoull(argv[8], NULL, 10);
        if (\#(p)_train_load(weights, (size_t)size, seed, &state, detail, sizeof detail) != \#(u)_OK)
          return fail(argv[1], detail);
        void *arena = malloc(\#(p)_train_arena_bytes());
        float *losses = malloc(sizeof(float) * (size_t)(steps > 0 ? steps : 1));
        size_t gradient_count = 0;
        for (size_t i = 0; i < \#(p)_train_tensor_count(); i++)
          if (\#(p)_train_momentum(state, i)) gradient_count += \#(p)_train_tensor_size(i);
        float *gradients = malloc(sizeof(float) * (gradient_count ? gradient_count : 1));
        if (!arena || !losses || !gradients) return fail("memory", "out of memory");
        static double seconds[\#(u)_TRAIN_LAYER_COUNT];
        for (int step = 0; step < steps; step++) {
          const \#(p)_status status = \#(p)_train_profile(state, input, labels, &sgd, arena, &losses[step], NULL,
                                                           threads, step == steps - 1 ? seconds : NULL);
          if (status != \#(u)_OK) return fail("step", \#(p)_strerror(status));
          if (step > 0) continue;
          size_t at = 0;
          for (size_t i = 0; i < \#(p)_train_tensor_count(); i++) {
            const float *gradient = \#(p)_train_gradient(arena, i);
            if (!gradient) continue;
            memcpy(gradients + at, gradient, sizeof(float) * \#(p)_train_tensor_size(i));
            at += \#(p)_train_tensor_size(i);
          }
        }
        void *model_memory = malloc(\#(p)_model_bytes());
        \#(p)_model *model = NULL;
        if (!model_memory || \#(p)_train_export(state, model_memory, \#(p)_model_bytes(), &model, arena) != \#(u)_OK)
          return fail("export", "failed");
        if (\#(p)_run(model, input, logits, arena) != \#(u)_OK) return fail("run", "failed");
        unsigned char *saved = malloc(\#(u)_TRAIN_SAVE_BYTES);
        size_t written = 0;
        if (!saved || \#(p)_train_save(state, saved, \#(u)_TRAIN_SAVE_BYTES, &written) != \#(u)_OK)
          return fail("save", "failed");
        const char *dir = argv[9];
        if (write_file(dir, "losses.f32", losses, sizeof(float) * (size_t)steps) ||
            write_file(dir, "gradients.f32", gradients, sizeof(float) * gradient_count) ||
            write_file(dir, "logits.f32", logits, sizeof logits) ||
            write_file(dir, "state.safetensors", saved, written))
          return fail(dir, "cannot write the results");
        char path[4096];
        snprintf(path, sizeof path, "%s/profile.txt", dir);
        FILE *profile = fopen(path, "w");
        if (!profile) return fail(path, "cannot write");
        for (size_t i = 0; \#(p)_train_layer_name(i); i++)
          fprintf(profile, "%s %.9g\n", \#(p)_train_layer_name(i), seconds[i]);
        if (fclose(profile) != 0) return fail(path, "cannot write");
        free(saved);
        free(model_memory);
        free(gradients);
        free(losses);
        free(arena);
        \#(p)_train_threads_stop(threads);
        \#(p)_train_free(state);
        return 0;
      }

      """#
  }

  struct Results {
    var losses: [Float]
    var gradients: [Float]
    var logits: [Float]
    var state: TrainingState
    /// The checkpoint file's bytes, as `<prefix>_train_save` wrote them.
    var stateBytes: [UInt8]
    /// The last step's layers as `<prefix>_train_profile` timed them, in program order.
    var profile: [(layer: String, seconds: Double)]
  }

  /// Builds `program` with the driver (sanitizers on, warnings are errors), cached by the hash of its inputs.
  static func executable(_ program: CProgram, flags: [String] = CTest.sanitizerFlags) throws -> URL {
    try CTest.builder(flags: flags).executable(for: program, driver: source(prefix: program.prefix), flags: [])
  }

  /// Runs `steps` SGD steps of the generated C on one batch from `weights`, on `threads` threads.
  static func run(
    _ executable: URL, graph: Graph, weights: Weights, input: Tensor, labels: [Int], steps: Int, optimizer: SGD,
    seed: UInt64, threads: Int = 1
  ) throws -> Results {
    let directory = try CTest.temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    try SafeTensors(weights: weights).write(to: path("weights.safetensors"))
    try Data(ModelRunner.littleEndianBytes(input.scalars)).write(to: URL(fileURLWithPath: path("input.f32")))
    let labelBytes = labels.flatMap { label in withUnsafeBytes(of: Int32(label).littleEndian, Array.init) }
    try Data(labelBytes).write(to: URL(fileURLWithPath: path("labels.i32")))
    let arguments = [
      path("weights.safetensors"), path("input.f32"), path("labels.i32"), "\(steps)", "\(optimizer.learningRate)",
      "\(optimizer.momentum)", "\(optimizer.weightDecay)", "\(seed)", directory.path, "\(threads)",
    ]
    let result = try ProcessRunner.run(executable.path, arguments)
    try #require(result.status == 0, "the training driver failed: \(result.output)")
    func floats(_ name: String) throws -> [Float] {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
      return bytes.littleEndianFloats(at: 0, count: bytes.count / 4)
    }
    let state = try Checkpoint.read(path("state.safetensors"), for: graph).state
    let profile = try String(contentsOfFile: path("profile.txt"), encoding: .utf8).split(separator: "\n").map {
      line -> (String, Double) in
      let fields = line.split(separator: " ")
      return (String(fields[0]), try #require(Double(String(fields[1]))))
    }
    return Results(
      losses: try floats("losses.f32"), gradients: try floats("gradients.f32"), logits: try floats("logits.f32"),
      state: state, stateBytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("state.safetensors")))),
      profile: profile)
  }
}
