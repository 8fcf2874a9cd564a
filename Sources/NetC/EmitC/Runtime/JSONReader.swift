// The JSON half of the safetensors reader in the generated C: a cursor over the header with strict strings and
// integers; every read is bounds-checked, and messages match the Swift reader's (`header is not valid JSON: …`).

/// Fixed C text of the generated file that is not a kernel: the weights reader.
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

    /* Decoded strings longer than this are cut (they match no parameter, whose names are shorter). */
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

    /* A syntax error at byte `at` of the header (offsets count from its first byte, after the length). */
    static int netc_syntax(netc_reader *r, size_t at, const char *message) {
      return netc_fail(r->detail, r->detail_size, NETC_ERR_FORMAT,
                       "header is not valid JSON: %s at byte %zu of the header", message, at);
    }

    /* What is at the cursor, for "expected ..., found ..." messages: 'x', byte 0x0A, or the end. */
    static const char *netc_found(netc_reader *r, char *text, size_t size) {
      const unsigned char c = r->at < r->size ? r->text[r->at] : 0;
      if (r->at >= r->size) snprintf(text, size, "the end");
      else if (c >= 0x21 && c < 0x7F) snprintf(text, size, "'%c'", c);
      else snprintf(text, size, "byte 0x%02X", c);
      return text;
    }

    static int netc_expected(netc_reader *r, const char *expected) {
      char message[64], found[16];
      snprintf(message, sizeof message, "expected %s, found %s", expected, netc_found(r, found, sizeof found));
      return netc_syntax(r, r->at, message);
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
      return netc_take(r, c) ? NETC_OK : netc_expected(r, expected);
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

    /* The four hex digits of a \u escape, whose backslash is at `escape`. */
    static int netc_code_unit(netc_reader *r, size_t escape, unsigned *unit) {
      *unit = 0;
      for (int i = 0; i < 4; i++, r->at++) {
        const unsigned char c = r->at < r->size ? r->text[r->at] : 0;
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) return netc_syntax(r, escape, "invalid \\u escape in string");
        *unit = *unit * 16 + (unsigned)digit;
      }
      return NETC_OK;
    }

    /* The escape sequence after the backslash at `escape`, decoded onto out; a surrogate pair is one code point. */
    static int netc_escape(netc_reader *r, size_t escape, char *out, size_t *length) {
      static const char letters[] = "\"\\/bfnrt", meanings[] = "\"\\/\b\f\n\r\t";
      const unsigned char escaped = r->at < r->size ? r->text[r->at] : 0;
      const char *letter = escaped ? strchr(letters, escaped) : NULL;
      unsigned code = 0, low = 0;
      if (!letter && escaped != 'u') return netc_syntax(r, escape, "invalid escape in string");
      r->at++;
      if (letter) {
        netc_append(out, length, (unsigned char)meanings[letter - letters]);
        return NETC_OK;
      }
      if (netc_code_unit(r, escape, &code) != NETC_OK) return NETC_ERR_FORMAT;
      if (code >= 0xD800 && code < 0xDC00 && r->at + 2 <= r->size && r->text[r->at] == '\\' &&
          r->text[r->at + 1] == 'u') {
        const size_t second = r->at;
        r->at += 2;
        if (netc_code_unit(r, second, &low) != NETC_OK) return NETC_ERR_FORMAT;
        if (low >= 0xDC00 && low < 0xE000) code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      }
      if (code >= 0xD800 && code < 0xE000) return netc_syntax(r, escape, "unpaired surrogate in string");
      netc_append_utf8(out, length, code);
      return NETC_OK;
    }

    /* A JSON string, decoded into out (netc_name_capacity bytes, NUL-terminated). */
    static int netc_string(netc_reader *r, char *out) {
      size_t length = 0;
      if (!netc_take(r, '"')) return netc_expected(r, "a string");
      const size_t start = r->at - 1;
      for (;;) {
        if (r->at >= r->size) return netc_syntax(r, start, "unterminated string");
        const unsigned char c = r->text[r->at++];
        if (c == '"') break;
        if (c < 0x20) return netc_syntax(r, r->at - 1, "control character in string");
        if (c != '\\') netc_append(out, &length, c);
        else if (netc_escape(r, r->at - 1, out, &length) != NETC_OK) return NETC_ERR_FORMAT;
      }
      out[length] = '\0';
      return NETC_OK;
    }

    /* Skips a JSON number, true, false or null; returns 0 if none starts at the cursor. */
    static int netc_skip_scalar(netc_reader *r) {
      static const char *const words[] = {"true", "false", "null"};
      for (int i = 0; i < 3; i++) {
        const size_t length = strlen(words[i]);
        if (r->at + length <= r->size && memcmp(r->text + r->at, words[i], length) == 0) {
          r->at += length;
          return 1;
        }
      }
      const size_t start = r->at;
      if (r->at < r->size && r->text[r->at] == '-') r->at++;
      const size_t digits = r->at;
      while (r->at < r->size && ((r->text[r->at] >= '0' && r->text[r->at] <= '9') || r->text[r->at] == '.' ||
                                 r->text[r->at] == 'e' || r->text[r->at] == 'E' || r->text[r->at] == '+' ||
                                 r->text[r->at] == '-'))
        r->at++;
      if (r->at > digits && r->text[digits] >= '0' && r->text[digits] <= '9') return 1;
      r->at = start;
      return 0;
    }

    /* Skips any JSON value (an entry's field netc does not know), nested at most 64 deep. */
    static int netc_skip_value(netc_reader *r, int depth) {
      char text[netc_name_capacity];
      netc_skip_space(r);
      if (depth > 64) return netc_syntax(r, r->at, "nesting deeper than 64 levels");
      if (r->at < r->size && r->text[r->at] == '"') return netc_string(r, text);
      const int object = netc_take(r, '{');
      if (!object && !netc_take(r, '[')) return netc_skip_scalar(r) ? NETC_OK : netc_expected(r, "a value");
      if (netc_take(r, object ? '}' : ']')) return NETC_OK;
      do {
        if (object && (netc_string(r, text) != NETC_OK || netc_expect(r, ':', "':'") != NETC_OK))
          return NETC_ERR_FORMAT;
        if (netc_skip_value(r, depth + 1) != NETC_OK) return NETC_ERR_FORMAT;
      } while (netc_take(r, ','));
      return netc_expect(r, object ? '}' : ']', object ? "',' or '}'" : "',' or ']'");
    }

    /* A JSON array of at most capacity non-negative integers below 2^64, or 0 with the cursor anywhere. */
    static int netc_integer_list(netc_reader *r, uint64_t *values, int capacity, int *count) {
      *count = 0;
      if (!netc_take(r, '[')) return 0;
      if (netc_take(r, ']')) return 1;
      do {
        netc_skip_space(r);
        const size_t first = r->at;
        uint64_t value = 0;
        for (; r->at < r->size && r->text[r->at] >= '0' && r->text[r->at] <= '9'; r->at++) {
          const unsigned digit = r->text[r->at] - '0';
          if (value > (UINT64_MAX - digit) / 10) return 0;
          value = value * 10 + digit;
        }
        const int fraction =
            r->at < r->size && (r->text[r->at] == '.' || r->text[r->at] == 'e' || r->text[r->at] == 'E');
        if (r->at == first || fraction || (r->text[first] == '0' && r->at - first > 1) || *count == capacity) return 0;
        values[(*count)++] = value;
      } while (netc_take(r, ','));
      return netc_take(r, ']');
    }

    /* Whether the value at the cursor is valid JSON that is not what a field needs: then the caller names the
       field and what it must be; a syntax error is reported as one (and this returns 0). */
    static int netc_wrong_type(netc_reader *r, size_t start) {
      r->at = start;
      const int valid = netc_skip_value(r, 0) == NETC_OK;
      r->at = start;
      return valid;
    }

    /* What kind of JSON value starts at the cursor, for "must be ..., got ..." messages about valid JSON. */
    static const char *netc_kind(netc_reader *r) {
      netc_skip_space(r);
      switch (r->at < r->size ? r->text[r->at] : 0) {
      case '{': return "an object";
      case '[': return "a list";
      case '"': return "a string";
      case 't': case 'f': return "a boolean";
      case 'n': return "null";
      default: return "a number";
      }
    }

    """#
}
