// The JSON half of the safetensors reader in the generated C: a cursor over the header with strict JSON strings
// and integers; every read is bounds-checked, so a malformed header gets an error with its byte offset.

enum CRuntime {}

extension CRuntime {
  /// Fixed C text; it returns the `NETC_` status aliases the file defines for the model's status codes.
  static let jsonReader = #"""
    /* Where the reader is in the JSON header of a safetensors file, and where it reports what went wrong. */
    typedef struct {
      const unsigned char *text;
      size_t size, at;
      char *detail;
      size_t detail_size;
    } netc_reader;

    /* Decoded names longer than this are cut (they match no parameter, whose names are shorter). */
    enum { netc_name_capacity = 256 };

    /* Writes the detail of a failure, when the caller gave room for it, and returns its status. */
    static int netc_fail(char *detail, size_t detail_size, int status, const char *format, ...) {
      if (detail && detail_size > 0) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(detail, detail_size, format, arguments);
        va_end(arguments);
      }
      return status;
    }

    /* Byte offsets count from the start of the file, so they point into it as a hex dump shows it. */
    static int netc_malformed(netc_reader *r, const char *expected) {
      return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT, "malformed JSON header at byte %zu: expected %s",
                       r->at + 8, expected);
    }

    static void netc_skip_space(netc_reader *r) {
      while (r->at < r->size && (r->text[r->at] == ' ' || r->text[r->at] == '\t' || r->text[r->at] == '\n' ||
                                 r->text[r->at] == '\r'))
        r->at++;
    }

    /* Consumes c, after white space, if it comes next. */
    static int netc_take(netc_reader *r, char c) {
      netc_skip_space(r);
      if (r->at < r->size && r->text[r->at] == (unsigned char)c) {
        r->at++;
        return 1;
      }
      return 0;
    }

    static int netc_expect(netc_reader *r, char c, const char *expected) {
      return netc_take(r, c) ? NETC_OK : netc_malformed(r, expected);
    }

    /* Appends a byte to a decoded string; a string too long to keep is cut and ends in "...". */
    static void netc_append(char *out, size_t *length, unsigned char byte) {
      if (*length < netc_name_capacity - 4) out[*length] = (char)byte;
      else if (*length == netc_name_capacity - 4) memcpy(out + *length, "...", 3);
      if (*length <= netc_name_capacity - 4) (*length)++;
    }

    static void netc_append_utf8(char *out, size_t *length, unsigned code) {
      const int continuation = code < 0x80 ? 0 : code < 0x800 ? 1 : code < 0x10000 ? 2 : 3;
      static const unsigned char lead[] = {0x00, 0xC0, 0xE0, 0xF0};
      netc_append(out, length, (unsigned char)(lead[continuation] | code >> (6 * continuation)));
      for (int i = continuation - 1; i >= 0; i--)
        netc_append(out, length, (unsigned char)(0x80 | (code >> (6 * i) & 0x3F)));
    }

    /* The four hex digits of a \u escape. */
    static int netc_code_unit(netc_reader *r, unsigned *unit) {
      *unit = 0;
      for (int i = 0; i < 4; i++, r->at++) {
        const unsigned char c = r->at < r->size ? r->text[r->at] : 0;
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) return netc_malformed(r, "four hex digits after '\\u'");
        *unit = *unit * 16 + (unsigned)digit;
      }
      return NETC_OK;
    }

    /* The escape sequence after a backslash, decoded onto out; a surrogate pair becomes one code point. */
    static int netc_escape(netc_reader *r, char *out, size_t *length) {
      static const char letters[] = "\"\\/bfnrt", meanings[] = "\"\\/\b\f\n\r\t";
      const unsigned char escaped = r->at < r->size ? r->text[r->at] : 0;
      const char *letter = escaped ? strchr(letters, escaped) : NULL;
      unsigned code = 0, low = 0;
      if (!letter && escaped != 'u') return netc_malformed(r, "an escape sequence");
      r->at++;
      if (letter) {
        netc_append(out, length, (unsigned char)meanings[letter - letters]);
        return NETC_OK;
      }
      if (netc_code_unit(r, &code) != NETC_OK) return NETC_ERR_FORMAT;
      if (code >= 0xDC00 && code < 0xE000) return netc_malformed(r, "a high surrogate before a low one");
      if (code >= 0xD800 && code < 0xDC00) {
        if (r->at + 2 > r->size || r->text[r->at] != '\\' || r->text[r->at + 1] != 'u') {
          return netc_malformed(r, "a low surrogate after a high one");
        }
        r->at += 2;
        if (netc_code_unit(r, &low) != NETC_OK) return NETC_ERR_FORMAT;
        if (low < 0xDC00 || low >= 0xE000) return netc_malformed(r, "a low surrogate after a high one");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      }
      netc_append_utf8(out, length, code);
      return NETC_OK;
    }

    /* A JSON string, decoded into out (netc_name_capacity bytes, NUL-terminated). */
    static int netc_string(netc_reader *r, char *out) {
      size_t length = 0;
      if (!netc_take(r, '"')) return netc_malformed(r, "a string");
      for (;;) {
        if (r->at >= r->size) return netc_malformed(r, "'\"' to end the string");
        const unsigned char c = r->text[r->at];
        if (c < 0x20) return netc_malformed(r, "a character that needs no escape, or '\"'");
        r->at++;
        if (c == '"') break;
        if (c != '\\') netc_append(out, &length, c);
        else if (netc_escape(r, out, &length) != NETC_OK) return NETC_ERR_FORMAT;
      }
      out[length] = '\0';
      return NETC_OK;
    }

    /* A non-negative JSON integer below 2^64. */
    static int netc_integer(netc_reader *r, uint64_t *value) {
      netc_skip_space(r);
      const size_t start = r->at;
      *value = 0;
      for (; r->at < r->size && r->text[r->at] >= '0' && r->text[r->at] <= '9'; r->at++) {
        const unsigned digit = r->text[r->at] - '0';
        if (*value > (UINT64_MAX - digit) / 10) {
          r->at = start;
          return netc_malformed(r, "an integer below 2^64");
        }
        *value = *value * 10 + digit;
      }
      const int more = r->at < r->size && (r->text[r->at] == '.' || r->text[r->at] == 'e' || r->text[r->at] == 'E');
      if (r->at == start || more || (r->text[start] == '0' && r->at - start > 1)) {
        r->at = start;
        return netc_malformed(r, "a non-negative integer");
      }
      return NETC_OK;
    }

    /* A JSON array of at most capacity non-negative integers. */
    static int netc_integers(netc_reader *r, uint64_t *values, int capacity, int *count, const char *too_many) {
      *count = 0;
      if (netc_expect(r, '[', "'['") != NETC_OK) return NETC_ERR_FORMAT;
      if (netc_take(r, ']')) return NETC_OK;
      do {
        if (*count == capacity) return netc_malformed(r, too_many);
        if (netc_integer(r, &values[(*count)++]) != NETC_OK) return NETC_ERR_FORMAT;
      } while (netc_take(r, ','));
      return netc_expect(r, ']', "',' or ']'");
    }

    """#
}
