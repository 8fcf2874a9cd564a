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

    /* The value of an entry's field 0 (dtype: a string), 1 (shape: a list of integers) or 2 (data_offsets: two
       integers in order). */
    static int netc_field(netc_reader *r, const char *name, int field, netc_entry *e) {
      static const char *const rules[] = {
          "'dtype' of tensor '%s' must be a string", "'shape' of tensor '%s' must be a list of non-negative integers",
          "'data_offsets' of tensor '%s' must be two non-negative integers [begin, end], begin <= end"};
      int offsets = 0;
      netc_skip_space(r);
      const size_t start = r->at;
      if (field == 0 && r->at < r->size && r->text[r->at] == '"') return netc_string(r, e->dtype);
      if (field == 1 && netc_integer_list(r, e->dims, 8, &e->rank)) return NETC_OK;
      if (field == 2 && netc_integer_list(r, e->offsets, 2, &offsets) && offsets == 2 &&
          e->offsets[0] <= e->offsets[1])
        return NETC_OK;
      if (!netc_wrong_type(r, start)) return NETC_ERR_FORMAT;
      return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, rules[field], name);
    }

    /* The fields of one entry, {"dtype": "F32", "shape": [64, 3, 7, 7], "data_offsets": [0, 37632]}, in any order;
       other fields are skipped, and of a repeated field the first counts. */
    static int netc_entry_fields(netc_reader *r, const char *name, netc_entry *e) {
      static const char *const fields[] = {"dtype", "shape", "data_offsets"};
      char key[netc_name_capacity];
      int seen[3] = {0, 0, 0};
      netc_skip_space(r);
      if (!netc_take(r, '{')) {
        if (!netc_wrong_type(r, r->at)) return NETC_ERR_FORMAT;
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' must be described by an object, got %s", name, netc_kind(r));
      }
      if (!netc_take(r, '}')) {
        do {
          if (netc_string(r, key) != NETC_OK || netc_expect(r, ':', "':'") != NETC_OK) return NETC_ERR_FORMAT;
          int field = 0;
          while (field < 3 && strcmp(key, fields[field]) != 0) field++;
          const int status = field == 3 || seen[field] ? netc_skip_value(r, 0) : netc_field(r, name, field, e);
          if (status != NETC_OK) return status;
          if (field < 3) seen[field] = 1;
        } while (netc_take(r, ','));
        if (netc_expect(r, '}', "',' or '}'") != NETC_OK) return NETC_ERR_FORMAT;
      }
      for (int field = 0; field < 3; field++)
        if (!seen[field]) {
          return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has no '%s'", name, fields[field]);
        }
      return NETC_OK;
    }

    /* One tensor's entry, checked on its own: a known dtype, a size its shape fills, data inside the data buffer. */
    static int netc_entry_parse(netc_reader *r, const char *name, uint64_t data_size, netc_entry *e) {
      char shape[96];
      const int status = netc_entry_fields(r, name, e);
      if (status != NETC_OK) return status;
      const int bytes = netc_dtype_bytes(e->dtype);
      if (bytes == 0) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' has unknown dtype '%s'", name,
                         e->dtype);
      }
      netc_shape_text(shape, sizeof shape, e->rank, e->dims);
      unsigned long long needed = (unsigned long long)bytes;
      for (int i = 0; i < e->rank; i++) {
        if (e->dims[i] != 0 && needed > ULLONG_MAX / e->dims[i]) {
          return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "tensor '%s' of shape %s is too large", name,
                           shape);
        }
        needed *= e->dims[i];
      }
      const unsigned long long begin = e->offsets[0], end = e->offsets[1];
      if (end - begin != needed) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' of shape %s needs %llu bytes as %s, but its data offsets [%llu,%llu] span %llu",
                         name, shape, needed, e->dtype, begin, end, end - begin);
      }
      if (end > data_size) {
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                         "tensor '%s' has data offsets [%llu,%llu] beyond the %llu-byte data buffer; "
                         "is the file truncated?", name, begin, end, (unsigned long long)data_size);
      }
      return NETC_OK;
    }

    /* "__metadata__": an object of strings, which the reader checks and ignores. */
    static int netc_metadata(netc_reader *r) {
      char text[netc_name_capacity];
      netc_skip_space(r);
      const size_t start = r->at;
      int valid = netc_take(r, '{');
      if (valid && !netc_take(r, '}')) {
        do {
          valid = netc_string(r, text) == NETC_OK && netc_expect(r, ':', "':'") == NETC_OK;
          netc_skip_space(r);
          valid = valid && r->at < r->size && r->text[r->at] == '"' && netc_string(r, text) == NETC_OK;
        } while (valid && netc_take(r, ','));
        valid = valid && netc_take(r, '}');
      }
      if (valid) return NETC_OK;
      if (!netc_wrong_type(r, start)) return NETC_ERR_FORMAT;
      return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "'__metadata__' must map names to strings");
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
      static const char suffix[] = ".num_batches_tracked";
      const size_t length = strlen(name), suffix_length = sizeof suffix - 1;
      return length >= suffix_length && strcmp(name + length - suffix_length, suffix) == 0;
    }

    /* Parses the whole header and checks every entry; points found[i] at the entry of netc_tensors[i], copies
       the name of the first tensor the network does not read (ignored ones aside) to unexpected, and adds up
       the bytes all entries cover. */
    static int netc_read_header(netc_reader *r, uint64_t data_size, const unsigned char **found, char *unexpected,
                                uint64_t *covered) {
      char name[netc_name_capacity], text[16];
      netc_entry entry;
      netc_skip_space(r);
      if (!netc_take(r, '{')) {
        if (!netc_wrong_type(r, r->at)) return NETC_ERR_FORMAT;
        return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "header must be a JSON object, got %s",
                         netc_kind(r));
      }
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
          const uint64_t bytes = entry.offsets[1] - entry.offsets[0];
          *covered = bytes > UINT64_MAX - *covered ? UINT64_MAX : *covered + bytes;
          if (index >= 0 && found[index]) {
            return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "header lists '%s' twice", name);
          }
          if (index >= 0) found[index] = at;
          else if (!unexpected[0] && !netc_ignored(name)) memcpy(unexpected, name, netc_name_capacity);
        } while (netc_take(r, ','));
        if (netc_expect(r, '}', "',' or '}'") != NETC_OK) return NETC_ERR_FORMAT;
      }
      netc_skip_space(r);
      if (r->at == r->size) return NETC_OK;
      snprintf(name, sizeof name, "unexpected %s after the value", netc_found(r, text, sizeof text));
      return netc_syntax(r, r->at, name);
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
        return netc_fail(r->detail, r->detail_size, NETC_ERR_WEIGHTS,
                         "tensor '%s' has dtype %s; only F32 is supported (save it as float32)", t->name, e.dtype);
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

    /* The first two tensors the network reads whose data overlap, in the order their data starts. */
    static int netc_check_overlaps(char *detail, size_t detail_size, const unsigned char *data_section,
                                   const unsigned char **found) {
      for (int i = 0; i < netc_tensor_count; i++)
        for (int j = i + 1; j < netc_tensor_count; j++) {
          const size_t bytes_i = netc_tensor_bytes(&netc_tensors[i]), bytes_j = netc_tensor_bytes(&netc_tensors[j]);
          const int a = found[i] < found[j] || (found[i] == found[j] && bytes_i <= bytes_j) ? i : j, b = i + j - a;
          const unsigned long long begin_a = (unsigned long long)(found[a] - data_section),
                                   begin_b = (unsigned long long)(found[b] - data_section),
                                   end_a = begin_a + netc_tensor_bytes(&netc_tensors[a]),
                                   end_b = begin_b + netc_tensor_bytes(&netc_tensors[b]);
          if (begin_b < end_a) {
            return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                             "tensors '%s' and '%s' overlap: data offsets [%llu,%llu] and [%llu,%llu]",
                             netc_tensors[a].name, netc_tensors[b].name, begin_a, end_a, begin_b, end_b);
          }
        }
      return NETC_OK;
    }

    /* Batch-norm variances: a negative or NaN one would make the folded weights NaN. */
    static int netc_check_variances(char *detail, size_t detail_size, const unsigned char **found) {
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
       netc_tensors[i]. Checks, in order: the framing, the JSON header and every entry in it (fields, dtype, size,
       data offsets inside the data), that the entries cover the data, the tensors the network reads (presence,
       F32, shape, in program order), tensors it does not read, overlaps, and batch-norm variances. Reads
       nothing outside bytes[0, size). */
    static int netc_read_weights(const unsigned char *bytes, size_t size, const unsigned char **found, char *detail,
                                 size_t detail_size) {
      char unexpected[netc_name_capacity] = "", shape[96];
      if (size < 8) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                         "file is too short (%zu bytes) to hold the 8-byte header length; is it truncated?", size);
      }
      uint64_t header_size = 0;
      for (int i = 7; i >= 0; i--) header_size = header_size << 8 | bytes[i];
      if (header_size > size - 8) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                         "header length %llu exceeds the %zu bytes after it; is the file truncated, or not "
                         "safetensors?", (unsigned long long)header_size, size - 8);
      }
      netc_reader r = {bytes + 8, (size_t)header_size, 0, detail, detail_size};
      const unsigned char *data_section = bytes + 8 + header_size;
      const uint64_t data_size = size - 8 - header_size;
      for (int i = 0; i < netc_tensor_count; i++) found[i] = NULL;
      uint64_t covered = 0;
      int status = netc_read_header(&r, data_size, found, unexpected, &covered);
      if (status == NETC_OK && covered < data_size) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                         "the tensors cover %llu of the %llu data bytes; tensor data must be contiguous",
                         (unsigned long long)covered, (unsigned long long)data_size);
      }
      for (int i = 0; i < netc_tensor_count && status == NETC_OK; i++) {
        const netc_tensor *t = &netc_tensors[i];
        uint64_t dims[4];
        for (int d = 0; d < t->rank; d++) dims[d] = (uint64_t)t->dims[d];
        if (!found[i]) {
          return netc_fail(detail, detail_size, NETC_ERR_WEIGHTS, "missing tensor '%s' of shape %s", t->name,
                           netc_shape_text(shape, sizeof shape, t->rank, dims));
        }
        status = netc_check_tensor(&r, t, found[i], data_size, data_section, &found[i]);
      }
      if (status == NETC_OK && unexpected[0]) {
        return netc_fail(detail, detail_size, NETC_ERR_WEIGHTS, "tensor '%s' is not a parameter of '%s'", unexpected,
                         netc_network);
      }
      if (status == NETC_OK) status = netc_check_overlaps(detail, detail_size, data_section, found);
      if (status == NETC_OK && covered > data_size) {
        return netc_fail(detail, detail_size, NETC_ERR_FORMAT,
                         "the tensors cover %llu bytes, more than the %llu data bytes; tensor data must not overlap",
                         (unsigned long long)covered, (unsigned long long)data_size);
      }
      if (status == NETC_OK) status = netc_check_variances(detail, detail_size, found);
      return status;
    }

    """#
}
