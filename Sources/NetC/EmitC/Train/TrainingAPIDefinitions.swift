// The definitions of the training API's functions (declared in `TrainingAPI`).

extension TrainingAPI {
  /// Needs the state struct, `netc_train_tensors`, `netc_train_run` and the inference
  /// file's reader, tensor table and weight loader before it.
  static func definitions(_ f: TrainingFacts, lossOffset: Int) -> String {
    let p = f.prefix, u = f.upper
    return #"""
      static float *netc_train_write(struct \#(p)_train_state *m, size_t offset) {
        return (float *)((unsigned char *)m + offset);
      }

      static const float *netc_train_read(const struct \#(p)_train_state *m, size_t offset) {
        return (const float *)((const unsigned char *)m + offset);
      }

      static size_t netc_train_count(size_t i) { return netc_tensor_bytes(&netc_tensors[i]) / sizeof(float); }

      size_t \#(p)_train_arena_bytes(void) { return \#(u)_TRAIN_ARENA_BYTES; }

      size_t \#(p)_train_state_bytes(void) { return \#(u)_TRAIN_STATE_BYTES; }

      \#(p)_status \#(p)_train_init(void *memory, size_t memory_bytes, const void *safetensors, size_t size,
                                    uint64_t seed, \#(p)_train_state **state, char *detail, size_t detail_size) {
        const unsigned char *found[netc_tensor_count + 1];
        if (detail && detail_size > 0) detail[0] = '\0';
        if (!memory || !safetensors || !state) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "memory, safetensors and state must not be NULL");
        }
        if (memory_bytes < sizeof(struct \#(p)_train_state)) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "state memory has %zu bytes, the state needs %zu",
                           memory_bytes, sizeof(struct \#(p)_train_state));
        }
        if ((uintptr_t)memory % _Alignof(struct \#(p)_train_state) != 0) {
          return netc_fail(detail, detail_size, \#(u)_ERR_ARGUMENT, "state memory must be aligned to %zu bytes",
                           (size_t)_Alignof(struct \#(p)_train_state));
        }
        const int status = netc_read_weights(safetensors, size, found, detail, detail_size);
        if (status != NETC_OK) return (\#(p)_status)status;
        struct \#(p)_train_state *s = memory;
        memset(s, 0, sizeof *s);
        for (int i = 0; i < netc_tensor_count; i++)
          netc_copy_f32(netc_train_write(s, netc_train_tensors[i].weight), found[i], netc_train_count((size_t)i));
        s->seed = seed;
        *state = s;
        return \#(u)_OK;
      }

      \#(p)_status \#(p)_train_load(const void *safetensors, size_t size, uint64_t seed, \#(p)_train_state **state,
                                    char *detail, size_t detail_size) {
        void *memory = malloc(sizeof(struct \#(p)_train_state));
        if (!memory) {
          return netc_fail(detail, detail_size, \#(u)_ERR_NOMEM, "cannot allocate %zu bytes for the training state",
                           sizeof(struct \#(p)_train_state));
        }
        const \#(p)_status status = \#(p)_train_init(memory, sizeof(struct \#(p)_train_state), safetensors, size,
                                                    seed, state, detail, detail_size);
        if (status != \#(u)_OK) free(memory);
        return status;
      }

      void \#(p)_train_free(\#(p)_train_state *state) { free(state); }

      \#(p)_status \#(p)_train_profile(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                       const \#(p)_sgd *sgd, void *arena, float *loss, float *logits,
                                       \#(p)_train_threads *threads, double *seconds) {
        if (!state || !input || !labels || !sgd || !arena) return \#(u)_ERR_ARGUMENT;
        if ((uintptr_t)arena % _Alignof(double) != 0) return \#(u)_ERR_ARGUMENT;
        for (int n = 0; n < \#(u)_TRAIN_BATCH; n++)
          if (labels[n] < 0 || labels[n] >= \#(u)_TRAIN_CLASSES) return \#(u)_ERR_ARGUMENT;
        netc_train_run(threads, state, labels, input, arena, logits, seconds);
        if (loss) *loss = *netc_train_value(arena, \#(lossOffset));
        for (int i = 0; i < netc_tensor_count; i++) {
          const netc_train_tensor *t = &netc_train_tensors[i];
          if (!t->momentum) continue;
          netc_sgd(netc_train_count((size_t)i), netc_train_value(arena, t->gradient), sgd->learning_rate, sgd->momentum,
                   sgd->weight_decay, netc_train_write(state, t->weight), netc_train_write(state, t->momentum));
        }
        state->step++;
        return \#(u)_OK;
      }

      \#(p)_status \#(p)_train_step_threads(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                            const \#(p)_sgd *sgd, void *arena, float *loss, float *logits,
                                            \#(p)_train_threads *threads) {
        return \#(p)_train_profile(state, input, labels, sgd, arena, loss, logits, threads, NULL);
      }

      \#(layerName(f))

      \#(p)_status \#(p)_train_step(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                    const \#(p)_sgd *sgd, void *arena, float *loss, float *logits) {
        return \#(p)_train_step_threads(state, input, labels, sgd, arena, loss, logits, NULL);
      }

      \#(p)_status \#(p)_train_export(const \#(p)_train_state *state, void *memory, size_t memory_bytes,
                                      \#(p)_model **model, void *arena) {
        const unsigned char *t[netc_tensor_count + 1];
        if (!state || !memory || !model || !arena) return \#(u)_ERR_ARGUMENT;
        if (memory_bytes < sizeof(struct \#(p)_model) || (uintptr_t)memory % _Alignof(struct \#(p)_model) != 0) {
          return \#(u)_ERR_ARGUMENT;
        }
        /* The loader reads little-endian tensors, as a file holds them: the state's are written so into arena. */
        unsigned char *at = arena;
        for (int i = 0; i < netc_tensor_count; i++) {
          const float *values = netc_train_read(state, netc_train_tensors[i].weight);
          t[i] = at;
          for (size_t k = 0; k < netc_train_count((size_t)i); k++, at += sizeof(float)) netc_put_f32(at, values[k]);
        }
        t[netc_tensor_count] = NULL;
        netc_load_weights(memory, t);
        *model = memory;
        return \#(u)_OK;
      }

      /* Appends text at *length when it fits in size bytes; *length counts it either way. */
      static void netc_train_put(unsigned char *out, size_t size, size_t *length, const char *text) {
        const size_t n = strlen(text);
        if (*length + n <= size) memcpy(out + *length, text, n);
        *length += n;
      }

      /* One header entry: "name":{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}. */
      static void netc_train_entry(unsigned char *out, size_t size, size_t *length, const char *prefix, size_t i,
                                   uint64_t begin) {
        char number[32];
        const netc_tensor *t = &netc_tensors[i];
        netc_train_put(out, size, length, ",\"");
        netc_train_put(out, size, length, prefix);
        netc_train_put(out, size, length, t->name);
        netc_train_put(out, size, length, "\":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->rank; d++) {
          snprintf(number, sizeof number, d ? ",%d" : "%d", t->dims[d]);
          netc_train_put(out, size, length, number);
        }
        snprintf(number, sizeof number, "],\"data_offsets\":[%llu,", (unsigned long long)begin);
        netc_train_put(out, size, length, number);
        snprintf(number, sizeof number, "%llu]}", (unsigned long long)(begin + netc_tensor_bytes(t)));
        netc_train_put(out, size, length, number);
      }

      \#(p)_status \#(p)_train_save(const \#(p)_train_state *state, void *buffer, size_t size, size_t *written) {
        if (!state || !buffer || !written) return \#(u)_ERR_ARGUMENT;
        unsigned char *out = buffer;
        char number[32];
        size_t length = 8;
        uint64_t offset = 0;
        netc_train_put(out, size, &length, "{\"__metadata__\":{\"netc.format\":\"netc-checkpoint-1\",\"netc.seed\":\"");
        snprintf(number, sizeof number, "%llu", (unsigned long long)state->seed);
        netc_train_put(out, size, &length, number);
        netc_train_put(out, size, &length, "\",\"netc.step\":\"");
        snprintf(number, sizeof number, "%llu", (unsigned long long)state->step);
        netc_train_put(out, size, &length, number);
        netc_train_put(out, size, &length, "\"}");
        for (int momentum = 0; momentum < 2; momentum++)
          for (size_t i = 0; i < (size_t)netc_tensor_count; i++) {
            if (momentum && !netc_train_tensors[i].momentum) continue;
            netc_train_entry(out, size, &length, momentum ? "sgd.momentum." : "", i, offset);
            offset += netc_tensor_bytes(&netc_tensors[i]);
          }
        netc_train_put(out, size, &length, "}");
        while ((length - 8) % 8 != 0) netc_train_put(out, size, &length, " ");
        if (length + offset > size) return \#(u)_ERR_ARGUMENT;
        for (int i = 0; i < 8; i++) out[i] = (unsigned char)((uint64_t)(length - 8) >> (8 * i));
        for (int momentum = 0; momentum < 2; momentum++)
          for (size_t i = 0; i < (size_t)netc_tensor_count; i++) {
            const size_t field = momentum ? netc_train_tensors[i].momentum : netc_train_tensors[i].weight;
            if (!field) continue;
            const float *values = netc_train_read(state, field);
            for (size_t k = 0; k < netc_train_count(i); k++, length += sizeof(float))
              netc_put_f32(out + length, values[k]);
          }
        *written = length;
        return \#(u)_OK;
      }

      \#(p)_status \#(p)_train_save_file(const \#(p)_train_state *state, const char *path) {
        if (!state || !path) return \#(u)_ERR_ARGUMENT;
        unsigned char *buffer = malloc(\#(u)_TRAIN_SAVE_BYTES);
        if (!buffer) return \#(u)_ERR_NOMEM;
        size_t written = 0;
        \#(p)_status status = \#(p)_train_save(state, buffer, \#(u)_TRAIN_SAVE_BYTES, &written);
        FILE *file = status == \#(u)_OK ? fopen(path, "wb") : NULL;
        if (status == \#(u)_OK && !file) status = \#(u)_ERR_IO;
        if (file) {
          const int failed = fwrite(buffer, 1, written, file) != written;
          if (fclose(file) != 0 || failed) status = \#(u)_ERR_IO;
        }
        free(buffer);
        return status;
      }

      size_t \#(p)_train_tensor_count(void) { return (size_t)netc_tensor_count; }

      const char *\#(p)_train_tensor_name(size_t i) {
        return i < (size_t)netc_tensor_count ? netc_tensors[i].name : NULL;
      }

      size_t \#(p)_train_tensor_size(size_t i) { return i < (size_t)netc_tensor_count ? netc_train_count(i) : 0; }

      float *\#(p)_train_tensor(\#(p)_train_state *state, size_t i) {
        return state && i < (size_t)netc_tensor_count ? netc_train_write(state, netc_train_tensors[i].weight) : NULL;
      }

      float *\#(p)_train_momentum(\#(p)_train_state *state, size_t i) {
        if (!state || i >= (size_t)netc_tensor_count || !netc_train_tensors[i].momentum) return NULL;
        return netc_train_write(state, netc_train_tensors[i].momentum);
      }

      const float *\#(p)_train_gradient(const void *arena, size_t i) {
        if (!arena || i >= (size_t)netc_tensor_count || !netc_train_tensors[i].momentum) return NULL;
        return (const float *)((const unsigned char *)arena + netc_train_tensors[i].gradient);
      }

      uint64_t \#(p)_train_steps(const \#(p)_train_state *state) { return state ? state->step : 0; }

      uint64_t \#(p)_train_seed(const \#(p)_train_state *state) { return state ? state->seed : 0; }

      void \#(p)_train_restore(\#(p)_train_state *state, uint64_t steps, uint64_t seed) {
        if (!state) return;
        state->step = steps;
        state->seed = seed;
      }

      """#
  }
}

extension TrainingAPI {
  /// `<p>_train_layer_name`; a training graph always has layers with code (the loss at least).
  static func layerName(_ f: TrainingFacts) -> String {
    let names = CText.wrapped(
      "static const char *const names[\(f.upper)_TRAIN_LAYER_COUNT + 1] = {", f.layerNames.map(CText.string) + ["NULL"],
      "};")
    return "const char *\(f.prefix)_train_layer_name(size_t layer) {\n" + names.joined(separator: "\n")
      + "\n  return layer < \(f.upper)_TRAIN_LAYER_COUNT ? names[layer] : NULL;\n}"
  }
}

extension CKernel {
  static let writeF32 = CKernel(
    "netc_put_f32",
    #"""
    /* Stores a float as little-endian bytes at any alignment: the byte order of safetensors files. */
    static void netc_put_f32(unsigned char *bytes, float value) {
      uint32_t bits;
      memcpy(&bits, &value, sizeof bits);
      for (int i = 0; i < 4; i++) bytes[i] = (unsigned char)(bits >> (8 * i));
    }

    """#)
}
