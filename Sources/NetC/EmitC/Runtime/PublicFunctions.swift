// The definitions of a generated model's public functions: status strings, shapes and sizes, the three ways
// to load (caller memory, malloc, a file path), free, and run.

extension CRuntime {
  static func definitions(_ f: APIFacts) -> String {
    let p = f.prefix
    let u = f.upper
    func shape(_ s: Shape) -> String { s.dims.map(String.init).joined(separator: ", ") }
    return #"""
      const char *\#(p)_strerror(\#(p)_status status) {
        switch (status) {
        case \#(u)_OK: return "success";
        case \#(u)_ERR_ARGUMENT: return "invalid argument";
        case \#(u)_ERR_NOMEM: return "out of memory";
        case \#(u)_ERR_IO: return "cannot read the weights file";
        case \#(u)_ERR_FORMAT: return "malformed safetensors file";
        case \#(u)_ERR_WEIGHTS: return "the weights do not fit the network";
        case \#(u)_ERR_THREADS: return "cannot start threads";
        }
        return "unknown status";
      }

      size_t \#(p)_input_shape(size_t dims[4]) {
        static const size_t shape[] = {\#(shape(f.inputShape))};
        if (dims) memcpy(dims, shape, sizeof shape);
        return sizeof shape / sizeof shape[0];
      }

      size_t \#(p)_output_shape(size_t dims[4]) {
        static const size_t shape[] = {\#(shape(f.outputShape))};
        if (dims) memcpy(dims, shape, sizeof shape);
        return sizeof shape / sizeof shape[0];
      }

      size_t \#(p)_arena_bytes(void) { return \#(u)_ARENA_BYTES; }

      size_t \#(p)_model_bytes(void) { return \#(u)_MODEL_BYTES; }

      \#(f.initSignature) {
        const unsigned char *found[netc_tensor_count + 1];
        if (detail && detail_size > 0) detail[0] = '\0';
        if (!memory || !safetensors || !model) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "memory, safetensors and model must not be NULL");
        }
        if (memory_bytes < sizeof(struct \#(p)_model)) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "model memory has %zu bytes, the model needs %zu",
                           memory_bytes, sizeof(struct \#(p)_model));
        }
        if ((uintptr_t)memory % _Alignof(struct \#(p)_model) != 0) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "model memory must be aligned to %zu bytes",
                           (size_t)_Alignof(struct \#(p)_model));
        }
        const int status = netc_read_weights(safetensors, size, found, detail, detail_size);
        if (status != NETC_OK) return (\#(p)_status)status;
        netc_load_weights(memory, found);
        *model = memory;
        return \#(u)_OK;
      }

      \#(f.loadSignature) {
        /* On whole cache lines, so the weights' vector loads never straddle two. */
        void *memory = aligned_alloc(64, (sizeof(struct \#(p)_model) + 63) / 64 * 64);
        if (!memory) {
          return netc_fail(detail, detail_size, \#(u)_ERR_NOMEM, "cannot allocate %zu bytes for the model",
                           sizeof(struct \#(p)_model));
        }
        const \#(p)_status status =
            \#(p)_init(memory, sizeof(struct \#(p)_model), safetensors, size, model, detail, detail_size);
        if (status != \#(u)_OK) free(memory);
        return status;
      }

      /* "cannot open file: no such file or directory", as netc's own messages say it. */
      static \#(p)_status netc_file_failure(char *detail, size_t detail_size, const char *what, int error) {
        char reason[128];
        snprintf(reason, sizeof reason, "%s", strerror(error));
        if (reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = (char)(reason[0] - 'A' + 'a');
        return netc_fail(detail, detail_size, \#(u)_ERR_IO, "%s: %s", what, reason);
      }

      \#(p)_status \#(p)_load_file(const char *path, \#(p)_model **model, char *detail, size_t detail_size) {
        unsigned char *bytes = NULL;
        size_t size = 0, capacity = 0;
        if (!path || !model) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "path and model must not be NULL");
        }
        FILE *file = fopen(path, "rb");
        if (!file) return netc_file_failure(detail, detail_size, "cannot open file", errno);
        /* In chunks rather than by the size ftell reports, which a pipe or a directory does not have. */
        for (;;) {
          if (size == capacity) {
            unsigned char *grown = capacity <= SIZE_MAX / 2 ? realloc(bytes, capacity ? 2 * capacity : 1 << 20) : NULL;
            if (!grown) {
              free(bytes);
              fclose(file);
              return netc_fail(detail, detail_size, \#(u)_ERR_NOMEM, "cannot allocate memory to read the file");
            }
            bytes = grown;
            capacity = capacity ? 2 * capacity : 1 << 20;
          }
          size += fread(bytes + size, 1, capacity - size, file);
          if (ferror(file)) {
            const int error = errno;
            free(bytes);
            fclose(file);
            return netc_file_failure(detail, detail_size, "cannot read file", error);
          }
          if (feof(file)) break;
        }
        fclose(file);
        const \#(p)_status status = \#(p)_load(bytes, size, model, detail, detail_size);
        free(bytes);
        return status;
      }

      void \#(p)_free(\#(p)_model *model) { free(model); }

      \#(p)_status \#(p)_run(const \#(p)_model *model, const float *input, float *output, void *arena) {
        return \#(p)_run_threads(model, input, output, arena, NULL);
      }

      """#
  }

  /// The internal status names the shared C uses, the model's own codes under fixed names.
  static func statusAliases(_ f: APIFacts) -> String {
    let u = f.upper
    return #"""
      /* The status codes under the names netc's shared code uses. */
      enum {
        NETC_OK = \#(u)_OK,
        NETC_ERR_FORMAT = \#(u)_ERR_FORMAT,
        NETC_ERR_WEIGHTS = \#(u)_ERR_WEIGHTS
      };

      """#
  }
}
