// The safetensors half of the reader in the generated C: entries, the header, and the checks of the tensors
// against the parameters the network reads (`netc_tensors`, which the file defines before this text).

extension CRuntime {
  /// Fixed C text, after `jsonReader`; uses `netc_f32` (`CKernel.readF32`).
  static let safetensorsReader = #"""
    /* What the header says about one tensor. */
    typedef struct {
      char dtype[netc_name_capacity];
      int rank;
      uint64_t dims[8], offsets[2];
    } netc_entry;

    /* "[10,512]" */
    static const char *netc_shape_text(char *text, size_t size, int rank, const uint64_t *dims) {
      size_t length = (size_t)snprintf(text, size, "[");
      for (int i = 0; i < rank && length < size; i++)
        length += (size_t)snprintf(text + length, size - length, i ? ",%llu" : "%llu", (unsigned long long)dims[i]);
      if (length < size) snprintf(text + length, size - length, "]");
      return text;
    }

    /* Bytes per element of every safetensors dtype, so entries the network does not read are checked too. */
    static int netc_dtype_bytes(const char *dtype) {
      static const char *const names[] = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8",
                                          "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3", "F8_E5M2"};
      static const int bytes[] = {8, 4, 2, 2, 8, 4, 2, 1, 8, 4, 2, 1, 1, 1, 1};
      for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++)
        if (strcmp(dtype, names[i]) == 0) return bytes[i];
      return 0;
    }

    /* The fields of one entry, {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, 37632]}, in any order. */
    static int netc_entry_fields(netc_reader *r, const char *name, netc_entry *e) {
      static const char *const fields[] = {"dtype", "shape", "data_offsets"};
      char key[netc_name_capacity];
      int seen[3] = {0, 0, 0}, offsets = 0, status = NETC_OK;
      if (netc_expect(r, '{', "'{'") != NETC_OK) return NETC_ERR_FORMAT;
      if (!netc_take(r, '}')) {
        do {
          if (netc_string(r, key) != NETC_OK || netc_expect(r, ':', "':'") != NETC_OK) return NETC_ERR_FORMAT;
          int field = 0;
          while (field < 3 && strcmp(key, fields[field]) != 0) field++;
          if (field == 3 || seen[field]) {
            return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has %s field '%s'", name,
                             field == 3 ? "an unknown" : "a second", key);
          }
          seen[field] = 1;
          status = field == 0 ? netc_string(r, e->dtype)
                 : field == 1 ? netc_integers(r, e->dims, 8, &e->rank, "at most 8 dimensions")
                              : netc_integers(r, e->offsets, 2, &offsets, "two data offsets");
          if (status != NETC_OK) return status;
        } while (netc_take(r, ','));
        if (netc_expect(r, '}', "',' or '}'") != NETC_OK) return NETC_ERR_FORMAT;
      }
      for (int field = 0; field < 3; field++)
        if (!seen[field]) {
          return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has no field '%s'", name,
                           fields[field]);
        }
      if (offsets != 2) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has %d data offsets, expected 2",
                         name, offsets);
      }
      return NETC_OK;
    }

    /* One tensor's entry, checked against itself (a known dtype, as many bytes as its shape needs) and against
       the size of the data section. */
    static int netc_entry_parse(netc_reader *r, const char *name, uint64_t data_size, netc_entry *e) {
      char shape[96];
      const int status = netc_entry_fields(r, name, e), bytes = status == NETC_OK ? netc_dtype_bytes(e->dtype) : 0;
      if (status != NETC_OK) return status;
      if (bytes == 0) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has unknown dtype '%s'", name,
                         e->dtype);
      }
      const unsigned long long begin = e->offsets[0], end = e->offsets[1];
      if (begin > end) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' has data offsets [%llu,%llu] that end before they begin", name, begin, end);
      }
      if (end > data_size) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' has data offsets [%llu,%llu] beyond the %llu bytes of data", name, begin, end,
                         (unsigned long long)data_size);
      }
      uint64_t needed = (uint64_t)bytes; /* saturates at UINT64_MAX, which no data section reaches */
      for (int i = 0; i < e->rank; i++)
        needed = e->dims[i] && needed > UINT64_MAX / e->dims[i] ? UINT64_MAX : needed * e->dims[i];
      if (needed == UINT64_MAX) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has shape %s, too large for a file",
                         name, netc_shape_text(shape, sizeof shape, e->rank, e->dims));
      }
      if (end - begin != needed) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' has %llu bytes of data, but %s %s needs %llu", name, end - begin, e->dtype,
                         netc_shape_text(shape, sizeof shape, e->rank, e->dims), (unsigned long long)needed);
      }
      return NETC_OK;
    }

    /* "__metadata__": an object of strings, which the reader checks and ignores. */
    static int netc_metadata(netc_reader *r) {
      char text[netc_name_capacity];
      if (netc_expect(r, '{', "'{'") != NETC_OK) return NETC_ERR_FORMAT;
      if (netc_take(r, '}')) return NETC_OK;
      do {
        if (netc_string(r, text) != NETC_OK || netc_expect(r, ':', "':'") != NETC_OK || netc_string(r, text) != NETC_OK)
          return NETC_ERR_FORMAT;
      } while (netc_take(r, ','));
      return netc_expect(r, '}', "',' or '}'");
    }

    /* The index in netc_tensors of the parameter called name, or -1: a binary search of the names in byte order. */
    static int netc_find_tensor(const char *name) {
      int low = 0, high = netc_tensor_count;
      while (low < high) {
        const int middle = (low + high) / 2, order = strcmp(netc_tensors[netc_tensors_by_name[middle]].name, name);
        if (order == 0) return netc_tensors_by_name[middle];
        if (order < 0) low = middle + 1;
        else high = middle;
      }
      return -1;
    }

    /* PyTorch saves a step counter with every batch norm; inference does not read it. */
    static int netc_ignored(const char *name) {
      static const char suffix[] = "num_batches_tracked";
      const size_t length = strlen(name), suffix_length = sizeof suffix - 1;
      return length >= suffix_length && strcmp(name + length - suffix_length, suffix) == 0 &&
             (length == suffix_length || name[length - suffix_length - 1] == '.');
    }

    /* Parses the whole header and checks every entry; points found[i] at the entry of netc_tensors[i] and copies
       the name of the first tensor the network does not read (ignored ones aside) to unexpected. */
    static int netc_read_header(netc_reader *r, uint64_t data_size, const unsigned char **found, char *unexpected) {
      char name[netc_name_capacity];
      netc_entry entry;
      if (netc_expect(r, '{', "'{'") != NETC_OK) return NETC_ERR_FORMAT;
      if (!netc_take(r, '}')) {
        do {
          if (netc_string(r, name) != NETC_OK || netc_expect(r, ':', "':'") != NETC_OK) return NETC_ERR_FORMAT;
          if (strcmp(name, "__metadata__") == 0) {
            if (netc_metadata(r) != NETC_OK) return NETC_ERR_FORMAT;
            continue;
          }
          netc_skip_space(r);
          const unsigned char *at = r->text + r->at;
          const int status = netc_entry_parse(r, name, data_size, &entry), index = netc_find_tensor(name);
          if (status != NETC_OK) return status;
          if (index >= 0 && found[index]) {
            return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' appears twice in the header",
                             name);
          }
          if (index >= 0) found[index] = at;
          else if (!unexpected[0] && !netc_ignored(name)) memcpy(unexpected, name, netc_name_capacity);
        } while (netc_take(r, ','));
        if (netc_expect(r, '}', "',' or '}'") != NETC_OK) return NETC_ERR_FORMAT;
      }
      netc_skip_space(r);
      return r->at == r->size ? NETC_OK : netc_malformed(r, "nothing after the header's JSON object");
    }

    /* Checks that the tensor whose entry starts at entry (parsed once already) has the dtype and shape the network
       expects, and points *data at its bytes. */
    static int netc_check_tensor(netc_reader *r, const netc_tensor *t, const unsigned char *entry, uint64_t data_size,
                                 const unsigned char *data_section, const unsigned char **data) {
      char got[96], expected[96];
      uint64_t dims[4];
      netc_entry e;
      r->at = (size_t)(entry - r->text);
      if (netc_entry_parse(r, t->name, data_size, &e) != NETC_OK) return NETC_ERR_FORMAT;
      if (strcmp(e.dtype, "F32") != 0) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_WEIGHTS, "tensor '%s' has dtype %s, expected F32",
                         t->name, e.dtype);
      }
      int same = e.rank == t->rank;
      for (int i = 0; i < t->rank; i++) {
        dims[i] = (uint64_t)t->dims[i];
        same = same && e.dims[i] == dims[i];
      }
      if (!same) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_WEIGHTS, "tensor '%s' has shape %s, expected %s", t->name,
                         netc_shape_text(got, sizeof got, e.rank, e.dims),
                         netc_shape_text(expected, sizeof expected, t->rank, dims));
      }
      *data = data_section + e.offsets[0];
      return NETC_OK;
    }

    static size_t netc_tensor_bytes(const netc_tensor *t) {
      size_t count = sizeof(float);
      for (int i = 0; i < t->rank; i++) count *= (size_t)t->dims[i];
      return count;
    }

    /* The tensors the network reads, after their entries checked out: present, as F32 of the right shape, and
       nothing else but ignored tensors; points found[i] at the data of netc_tensors[i]. */
    static int netc_check_tensors(netc_reader *r, uint64_t data_size, const unsigned char *data_section,
                                  const unsigned char **found, const char *unexpected) {
      char shape[96];
      for (int i = 0; i < netc_tensor_count; i++) {
        const netc_tensor *t = &netc_tensors[i];
        uint64_t dims[4];
        for (int d = 0; d < t->rank; d++) dims[d] = (uint64_t)t->dims[d];
        if (!found[i]) {
          return netc_fail(r->detail, r->detail_size, NETC_ERR_WEIGHTS, "missing tensor '%s' of shape %s", t->name,
                           netc_shape_text(shape, sizeof shape, t->rank, dims));
        }
        const int status = netc_check_tensor(r, t, found[i], data_size, data_section, &found[i]);
        if (status != NETC_OK) return status;
      }
      if (unexpected[0]) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_WEIGHTS, "tensor '%s' is not a parameter of '%s'",
                         unexpected, netc_network);
      }
      for (int i = 0; i < netc_tensor_count; i++)
        for (int j = i + 1; j < netc_tensor_count; j++)
          if (found[i] < found[j] + netc_tensor_bytes(&netc_tensors[j]) &&
              found[j] < found[i] + netc_tensor_bytes(&netc_tensors[i])) {
            return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensors '%s' and '%s' overlap in the data",
                             netc_tensors[i].name, netc_tensors[j].name);
          }
      return NETC_OK;
    }

    /* Batch-norm variances: a negative or NaN one would make the folded weights NaN. */
    static int netc_check_variances(const unsigned char **found, char *detail, size_t detail_size) {
      for (int i = 0; i < netc_tensor_count; i++) {
        if (!netc_tensors[i].variance) continue;
        for (size_t k = 0; k < netc_tensor_bytes(&netc_tensors[i]) / sizeof(float); k++) {
          const float value = netc_f32(found[i] + sizeof(float) * k);
          if (!(value >= 0.0f)) {
            return netc_fail(detail, detail_size, NETC_ERR_WEIGHTS,
                             "tensor '%s' has %g at index %zu; a variance must not be negative", netc_tensors[i].name,
                             (double)value, k);
          }
        }
      }
      return NETC_OK;
    }

    /* Validates a safetensors file against the parameters the network reads, and points found[i] at the data of
       netc_tensors[i]. Checks, in order: the framing, the JSON header and every entry in it (fields, dtype, data
       offsets inside the data), then the tensors the network reads (presence, dtype, shape, in program order),
       tensors it does not read, overlaps between the tensors it reads, and batch-norm variances. Reads nothing
       outside bytes[0, size). */
    static int netc_read_weights(const unsigned char *bytes, size_t size, const unsigned char **found, char *detail,
                                 size_t detail_size) {
      char unexpected[netc_name_capacity] = "";
      if (size < 8) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                         "file has %zu bytes, too few for the 8-byte header length", size);
      }
      uint64_t header_size = 0;
      for (int i = 7; i >= 0; i--) header_size = header_size << 8 | bytes[i];
      if (header_size > size - 8) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT, "header length %llu exceeds the %zu bytes after it",
                         (unsigned long long)header_size, size - 8);
      }
      netc_reader r = {bytes + 8, (size_t)header_size, 0, detail, detail_size};
      const uint64_t data_size = size - 8 - header_size;
      for (int i = 0; i < netc_tensor_count; i++) found[i] = NULL;
      int status = netc_read_header(&r, data_size, found, unexpected);
      if (status == NETC_OK) status = netc_check_tensors(&r, data_size, bytes + 8 + header_size, found, unexpected);
      if (status == NETC_OK) status = netc_check_variances(found, detail, detail_size);
      return status;
    }

    """#
}
