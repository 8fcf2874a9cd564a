// The program `netc run` and `netc check` build around a generated model: it loads the weights, reads a raw
// float32 input, runs the forward pass and writes the raw float32 output. Kept apart from the model's file,
// which stays exactly what a user embeds.

public enum CDriver {
  /// C text of the driver for a model with the given prefix; it includes `<prefix>.h`.
  /// Usage: `driver <weights.safetensors> <input.f32> <output.f32> [threads]`; errors go to stderr, exit
  /// status 1.
  public static func source(prefix p: String) -> String {
    let u = p.uppercased()
    return #"""
      /* netc's driver for \#(p): weights from a safetensors file, raw float32 input and output files. */
      #include <stdio.h>
      #include <stdlib.h>

      #include "\#(p).h"

      static int fail(const char *path, const char *message) {
        fprintf(stderr, "error: %s: %s\n", path, message);
        return 1;
      }

      int main(int argc, char **argv) {
        if (argc != 4 && argc != 5) {
          fprintf(stderr, "usage: %s <weights.safetensors> <input.f32> <output.f32> [threads]\n", argv[0]);
          return 2;
        }
        \#(p)_threads *threads = NULL;
        const \#(p)_status started = \#(p)_threads_start(argc == 5 ? atoi(argv[4]) : 1, &threads);
        if (started != \#(u)_OK) return fail("threads", \#(p)_strerror(started));
        static float input[\#(u)_INPUT_SIZE], output[\#(u)_OUTPUT_SIZE];
        char detail[\#(u)_DETAIL_SIZE];
        \#(p)_model *model = NULL;
        if (\#(p)_load_file(argv[1], &model, detail, sizeof detail) != \#(u)_OK) return fail(argv[1], detail);
        FILE *file = fopen(argv[2], "rb");
        const size_t read = file ? fread(input, sizeof(float), \#(u)_INPUT_SIZE, file) : 0;
        const int extra = file && fgetc(file) != EOF;
        if (file) fclose(file);
        if (read != \#(u)_INPUT_SIZE || extra) {
          snprintf(detail, sizeof detail, "expected exactly %d float32 values", \#(u)_INPUT_SIZE);
          return fail(argv[2], detail);
        }
        /* Exactly the reported size, so an address sanitizer catches any access past it. */
        void *arena = malloc(\#(p)_arena_bytes() > 0 ? \#(p)_arena_bytes() : 1);
        if (!arena) return fail("arena", "out of memory");
        const \#(p)_status status = \#(p)_run_threads(model, input, output, arena, threads);
        free(arena);
        \#(p)_threads_stop(threads);
        \#(p)_free(model);
        if (status != \#(u)_OK) return fail("run", \#(p)_strerror(status));
        file = fopen(argv[3], "wb");
        const size_t written = file ? fwrite(output, sizeof(float), \#(u)_OUTPUT_SIZE, file) : 0;
        if (!file || fclose(file) != 0 || written != \#(u)_OUTPUT_SIZE) return fail(argv[3], "cannot write the output");
        return 0;
      }

      """#
  }
}
