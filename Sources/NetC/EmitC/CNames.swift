// C identifiers for a graph's layers and for the model prefix: node names made valid identifiers that are
// unique and clash with nothing the generated file or the C library declares.

struct CNames {
  /// Layer function name by node name; the input node has none.
  private(set) var functions: [String: String] = [:]

  init(graph: Graph, prefix: String) {
    var taken = CNames.reserved
    for node in graph.nodes.dropFirst() {
      var name = CNames.identifier(node.name)
      if CNames.clashes(name, prefix: prefix) || CNames.reserved.contains(name) { name = "layer_" + name }
      functions[node.name] = taken.claimUnique(name)
    }
  }

  func function(_ node: String) -> String { functions[node]! }

  /// `layer1.0.conv2` → `layer1_0_conv2`: every character outside `[A-Za-z0-9_]` becomes `_`.
  static func identifier(_ text: String) -> String {
    let scalars = text.unicodeScalars.map { scalar -> Character in
      scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
        ? Character(scalar) : "_"
    }
    return scalars.isEmpty ? "_" : String(scalars)
  }

  /// Why `prefix` cannot prefix the file's external names, or nil when it can.
  static func prefixProblem(_ prefix: String) -> String? {
    let valid =
      prefix.first.map { $0.isASCII && $0.isLetter } == true && identifier(prefix) == prefix
    if !valid { return "prefix '\(prefix)' must be a C identifier that starts with a letter" }
    if reserved.contains(prefix) || prefix.lowercased().hasPrefix("netc") {
      return "prefix '\(prefix)' is reserved; choose another name"
    }
    return nil
  }

  /// The network name as a prefix: its identifier form, starting with a letter.
  static func defaultPrefix(for network: String) -> String {
    let name = identifier(network)
    let prefixed = name.first.map { $0.isASCII && $0.isLetter } == true ? name : "net_" + name
    return prefixProblem(prefixed) == nil ? prefixed : "net_" + prefixed
  }

  /// Names a layer function cannot take as they are: C reserves leading underscores and no identifier starts
  /// with a digit; the kernels start with `netc_`, the API with the prefix; libm has `expf` beside `exp`.
  private static func clashes(_ name: String, prefix: String) -> Bool {
    name.hasPrefix("_") || name.first!.isNumber || name.lowercased().hasPrefix("netc_")
      || name.hasPrefix(prefix + "_") || name.hasPrefix(prefix.uppercased() + "_")
      || (name.hasSuffix("f") || name.hasSuffix("l")) && reserved.contains(String(name.dropLast()))
  }

  /// C keywords (C11 and C23), the names the standard headers the file includes may declare or define, and
  /// the parameter names of the function that calls every layer.
  static let reserved: Set<String> = [
    "alignas", "alignof", "auto", "bool", "break", "case", "char", "const", "constexpr", "continue", "default", "do",
    "double", "else", "enum", "extern", "false", "float", "for", "goto", "if", "inline", "int", "long", "nullptr",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert", "struct", "switch",
    "thread_local", "true", "typedef", "typeof", "typeof_unqual", "union", "unsigned", "void", "volatile", "while",
    "main", "model", "input", "output", "arena", "errno", "assert", "complex", "imaginary", "noreturn",
    // stddef.h, stdint.h, stdarg.h
    "size_t", "ptrdiff_t", "wchar_t", "max_align_t", "offsetof", "NULL", "va_list", "va_start", "va_arg", "va_end",
    "va_copy", "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "int8_t", "int16_t", "int32_t", "int64_t",
    "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    // stdio.h
    "FILE", "fpos_t", "EOF", "BUFSIZ", "stdin", "stdout", "stderr", "remove", "rename", "tmpfile", "tmpnam", "fclose",
    "fflush", "fopen", "freopen", "setbuf", "setvbuf", "fprintf", "fscanf", "printf", "scanf", "snprintf", "sprintf",
    "sscanf", "vfprintf", "vfscanf", "vprintf", "vscanf", "vsnprintf", "vsprintf", "vsscanf", "fgetc", "fgets",
    "fputc", "fputs", "getc", "getchar", "gets", "putc", "putchar", "puts", "ungetc", "fread", "fwrite", "fgetpos",
    "fseek", "fsetpos", "ftell", "rewind", "clearerr", "feof", "ferror", "perror", "fileno", "getline", "popen",
    "pclose", "dprintf",
    // stdlib.h
    "div_t", "ldiv_t", "lldiv_t", "atof", "atoi", "atol", "atoll", "strtod", "strtof", "strtold", "strtol", "strtoll",
    "strtoul", "strtoull", "rand", "srand", "aligned_alloc", "calloc", "free", "malloc", "realloc", "abort", "atexit",
    "at_quick_exit", "exit", "_Exit", "getenv", "quick_exit", "system", "bsearch", "qsort", "abs", "labs", "llabs",
    "div", "ldiv", "lldiv", "mblen", "mbtowc", "wctomb", "mbstowcs", "wcstombs", "random", "srandom", "setenv",
    "unsetenv", "mkstemp", "realpath", "posix_memalign",
    // string.h
    "memcpy", "memmove", "strcpy", "strncpy", "strcat", "strncat", "memcmp", "strcmp", "strcoll", "strncmp",
    "strxfrm", "memchr", "strchr", "strcspn", "strpbrk", "strrchr", "strspn", "strstr", "strtok", "memset",
    "strerror", "strlen", "strdup", "strndup", "strnlen", "index", "rindex", "bzero", "bcopy", "bcmp", "ffs",
    // math.h
    "float_t", "double_t", "acos", "asin", "atan", "atan2", "cos", "sin", "tan", "acosh", "asinh", "atanh", "cosh",
    "sinh", "tanh", "exp", "exp2", "expm1", "frexp", "ilogb", "ldexp", "log", "log10", "log1p", "log2", "logb",
    "modf", "scalbn", "scalbln", "cbrt", "fabs", "hypot", "pow", "sqrt", "erf", "erfc", "lgamma", "tgamma", "ceil",
    "floor", "nearbyint", "rint", "lrint", "llrint", "round", "lround", "llround", "trunc", "fmod", "remainder",
    "remquo", "copysign", "nan", "nextafter", "nexttoward", "fdim", "fmax", "fmin", "fma", "isfinite", "isinf",
    "isnan", "isnormal", "signbit", "fpclassify", "isgreater", "isless", "isunordered", "gamma", "j0", "j1", "jn",
    "y0", "y1", "yn", "drem", "finite", "significand", "scalb", "INFINITY", "NAN", "HUGE_VAL", "M_PI", "M_E",
  ]
}
