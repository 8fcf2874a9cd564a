// The C API of a generated model: the declarations (the header, which the C file also carries so it compiles
// alone) and the definitions of the public functions.

/// The names and sizes the API text is spelled from.
struct APIFacts: Sendable {
  var network: String
  /// `resnet18`: functions and types; `RESNET18`: macros and status codes.
  var prefix: String
  var inputShape: Shape
  var outputShape: Shape
  var arenaBytes: Int
  var modelBytes: Int
  /// The node names of the layers with code, in the order the profile reports them.
  var layerNames: [String]
  /// Whether code the file is extended with times layers of its own (the training step's).
  var extensionProfiled = false

  /// Whether the file times any layer, and so reads the clock.
  var profiled: Bool { !layerNames.isEmpty || extensionProfiled }

  var upper: String { prefix.uppercased() }

  /// `resnet18_status resnet18_init(void *memory, …)`, wrapped with its parameters aligned.
  func signature(_ function: String, _ parameters: [String], _ tail: String) -> String {
    CText.wrapped("\(prefix)_status \(prefix)_\(function)(", parameters, ")" + tail, indent: "").joined(separator: "\n")
  }

  var initSignature: String {
    signature(
      "init",
      [
        "void *memory", "size_t memory_bytes", "const void *safetensors", "size_t size", "\(prefix)_model **model",
        "char *detail", "size_t detail_size",
      ], "")
  }

  var loadSignature: String {
    signature(
      "load",
      ["const void *safetensors", "size_t size", "\(prefix)_model **model", "char *detail", "size_t detail_size"], "")
  }
}

extension CRuntime {
  static let detailSize = 512

  /// The declarations, inside an include guard.
  static func declarations(_ f: APIFacts) -> String {
    let p = f.prefix
    let u = f.upper
    return #"""
      #ifndef \#(u)_H
      #define \#(u)_H

      #include <stddef.h>

      #ifdef __cplusplus
      extern "C" {
      #endif

      /* The input is float32 \#(f.inputShape.dimsText) and the output float32 \#(f.outputShape.dimsText), both
         row-major (NCHW): sizes in floats. */
      #define \#(u)_INPUT_SIZE \#(f.inputShape.elementCount)
      #define \#(u)_OUTPUT_SIZE \#(f.outputShape.elementCount)
      /* Bytes of working memory (the arena) a forward pass needs, whatever the number of threads; a multiple
         of 64. */
      #define \#(u)_ARENA_BYTES \#(f.arenaBytes)
      /* Bytes of a loaded model: the weights, packed for the kernels, batch norms folded into a scale and shift
         per channel. */
      #define \#(u)_MODEL_BYTES \#(f.modelBytes)
      /* Layers a profile times, each one layer function of the C. */
      #define \#(u)_LAYER_COUNT \#(f.layerNames.count)
      /* Room for the longest detail the load functions write about an error. */
      #define \#(u)_DETAIL_SIZE \#(detailSize)

      typedef enum {
        \#(u)_OK = 0,
        \#(u)_ERR_ARGUMENT = 1, /* a NULL pointer, or memory too small or misaligned */
        \#(u)_ERR_NOMEM = 2,    /* malloc failed */
        \#(u)_ERR_IO = 3,       /* the weights file could not be opened or read */
        \#(u)_ERR_FORMAT = 4,   /* the bytes are not a well-formed safetensors file */
        \#(u)_ERR_WEIGHTS = 5,  /* the tensors are not this network's: missing, extra, wrong dtype, shape or value */
        \#(u)_ERR_THREADS = 6   /* threads could not start: built without \#(u)_THREADS, or the system refused */
      } \#(p)_status;

      /* A loaded model: read-only while it runs, so threads may share it, each with its own arena. */
      typedef struct \#(p)_model \#(p)_model;

      /* A short English phrase for a status. */
      const char *\#(p)_strerror(\#(p)_status status);

      /* The shapes of the input and output: writes up to 4 dimensions to dims (when not NULL), returns the rank. */
      size_t \#(p)_input_shape(size_t dims[4]);
      size_t \#(p)_output_shape(size_t dims[4]);

      /* \#(u)_ARENA_BYTES and \#(u)_MODEL_BYTES, for callers that do not read the header. */
      size_t \#(p)_arena_bytes(void);
      size_t \#(p)_model_bytes(void);

      /* Loads a model from the bytes of a safetensors file (torchvision state_dict names, float32) into
         caller-owned memory of at least \#(u)_MODEL_BYTES bytes, aligned like malloc's result. The bytes are
         copied and may be freed afterwards; *model points into memory. On failure, detail (when not NULL) gets a
         message naming the tensor or field and the reason, e.g. "tensor 'fc.weight' has shape [10,512],
         expected [1000,512]". */
      \#(f.initSignature);

      /* The same, with the model's memory from malloc; release it with \#(p)_free. */
      \#(f.loadSignature);

      /* The same, reading the safetensors file at path. */
      \#(p)_status \#(p)_load_file(const char *path, \#(p)_model **model, char *detail, size_t detail_size);

      /* Frees a model from \#(p)_load or \#(p)_load_file (not one from \#(p)_init); NULL is ignored. */
      void \#(p)_free(\#(p)_model *model);

      /* The forward pass: input has \#(u)_INPUT_SIZE floats, output \#(u)_OUTPUT_SIZE floats, arena
         \#(u)_ARENA_BYTES bytes aligned for float (malloc's result is; 64-byte alignment is fastest). The three
         must not overlap. Allocates nothing and keeps no state between calls. */
      \#(p)_status \#(p)_run(const \#(p)_model *model, const float *input, float *output, void *arena);

      /* Worker threads that run forward passes with the calling thread, each layer's work split statically
         between them, so the output is the same bit for bit whatever their number. A file compiled with
         -D\#(u)_THREADS (and -pthread) starts count - 1 threads; without it, only count 1 succeeds. */
      typedef struct \#(p)_threads \#(p)_threads;

      \#(p)_status \#(p)_threads_start(int count, \#(p)_threads **threads);

      /* Stops and joins the threads; NULL is ignored. */
      void \#(p)_threads_stop(\#(p)_threads *threads);

      /* \#(p)_run on the threads (NULL: the calling thread alone). One forward pass at a time per threads. */
      \#(p)_status \#(p)_run_threads(const \#(p)_model *model, const float *input, float *output, void *arena,
                                   \#(p)_threads *threads);

      /* \#(p)_run_threads that also writes each layer's wall-clock time in seconds to seconds[i], for i below
         \#(u)_LAYER_COUNT: where a forward pass spends its time. */
      \#(p)_status \#(p)_profile(const \#(p)_model *model, const float *input, float *output, void *arena,
                               \#(p)_threads *threads, double *seconds);

      /* The IR name of layer i of the profile ("layer1.0.conv1"), or NULL past the last. */
      const char *\#(p)_layer_name(size_t layer);

      #ifdef __cplusplus
      }
      #endif

      #endif /* \#(u)_H */

      """#
  }

  /// Whether the file starts threads: the header's switch under the name the kernels test; and whether its
  /// forward pass times any layer, which the clock's definition tests.
  static func configuration(_ f: APIFacts) -> String {
    """
      /* -D\(f.upper)_THREADS builds the worker threads of \(f.prefix)_threads_start. */
      #ifdef \(f.upper)_THREADS
      #define NETC_THREADS 1
      #else
      #define NETC_THREADS 0
      #endif
      /* Whether the profile has layers to time. */
      #define NETC_PROFILED \(f.profiled ? 1 : 0)

      """
  }

  /// The header file: a comment on what it is and how to use it, then the declarations.
  static func header(_ f: APIFacts) -> String {
    let p = f.prefix
    let u = f.upper
    return #"""
      /* \#(p).h: the C API of the network '\#(f.network)', generated by netc \#(netcVersion); do not edit.
         Compile \#(p).c with any C11 compiler and link with -lm. In short:

         \#(p)_model *model;
         char detail[\#(u)_DETAIL_SIZE];
         if (\#(p)_load_file("weights.safetensors", &model, detail, sizeof detail) != \#(u)_OK) {
           fprintf(stderr, "weights.safetensors: %s\n", detail);
           return 1;
         }
         void *arena = malloc(\#(p)_arena_bytes());
         \#(p)_run(model, input, output, arena);
         free(arena);
         \#(p)_free(model);

         Fastest built for the machine it runs on: -O3 -march=native. For several threads, build with
         -D\#(u)_THREADS -pthread, start them once with \#(p)_threads_start and run with \#(p)_run_threads. */

      """# + declarations(f)
  }
}
