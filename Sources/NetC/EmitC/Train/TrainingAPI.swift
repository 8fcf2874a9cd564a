// The training API of a generated file, next to the inference API under the same prefix: the state's
// lifetime (from a weights file), the training step, export to an inference model for evaluation, the state
// as safetensors (a checkpoint), and access to tensors, momentum buffers and gradients.

/// The names and sizes the training API text is spelled from.
struct TrainingFacts {
  var prefix: String
  var network: String
  var input: Shape
  var classes: Int
  var arenaBytes: Int
  var stateBytes: Int
  /// Upper bound of `<p>_train_save`'s output: header with 20-digit step and seed, then the data.
  var saveBytes: Int
  /// Scratch bytes of each thread but the first (which works in the arena).
  var workspaceBytes: Int
  /// The values of the training graph whose layers a profile times, in program order.
  var layerNames: [String]

  var upper: String { prefix.uppercased() }
}

enum TrainingAPI {
  static func declarations(_ f: TrainingFacts) -> String {
    let p = f.prefix, u = f.upper
    return #"""
      #ifndef \#(u)_TRAIN_H
      #define \#(u)_TRAIN_H

      #include <stdint.h>

      #ifdef __cplusplus
      extern "C" {
      #endif

      /* Training \#(f.network): a batch of \#(f.input.batch) inputs of \#(u)_INPUT_SIZE / \#(f.input.batch) floats
         each, with integer class labels in 0..\#(f.classes - 1). */
      #define \#(u)_TRAIN_BATCH \#(f.input.batch)
      #define \#(u)_TRAIN_CLASSES \#(f.classes)
      /* Bytes of the arena of a training step; it also serves \#(p)_train_export and \#(p)_run. */
      #define \#(u)_TRAIN_ARENA_BYTES \#(f.arenaBytes)
      /* Bytes of a training state: weights, batch-norm statistics, momentum buffers, step and seed. */
      #define \#(u)_TRAIN_STATE_BYTES \#(f.stateBytes)
      /* The most bytes \#(p)_train_save writes. */
      #define \#(u)_TRAIN_SAVE_BYTES \#(f.saveBytes)

      /* The training state: caller-owned like a model; one thread at a time. */
      typedef struct \#(p)_train_state \#(p)_train_state;

      /* SGD's hyperparameters, PyTorch's torch.optim.SGD (dampening 0, no Nesterov): weight decay applies to every
         parameter, batch-norm weights and biases included. */
      typedef struct {
        double learning_rate, momentum, weight_decay;
      } \#(p)_sgd;

      size_t \#(p)_train_arena_bytes(void);
      size_t \#(p)_train_state_bytes(void);

      /* A fresh training state from the bytes of a safetensors weights file (torchvision names, float32, checked
         as \#(p)_init checks them) in caller-owned memory of at least \#(u)_TRAIN_STATE_BYTES bytes aligned like
         malloc's result: momentum buffers zero, step 0; seed draws the dropout masks. */
      \#(p)_status \#(p)_train_init(void *memory, size_t memory_bytes, const void *safetensors, size_t size,
                                    uint64_t seed, \#(p)_train_state **state, char *detail, size_t detail_size);

      /* The same with memory from malloc, released by \#(p)_train_free. */
      \#(p)_status \#(p)_train_load(const void *safetensors, size_t size, uint64_t seed, \#(p)_train_state **state,
                                    char *detail, size_t detail_size);

      void \#(p)_train_free(\#(p)_train_state *state);

      /* One step of SGD on a batch: forward pass in training mode (batch statistics, which also update the
         running statistics; dropout), softmax cross-entropy (the mean over the batch), backward pass, then the
         update of every parameter and momentum buffer. input holds \#(u)_INPUT_SIZE floats, labels
         \#(u)_TRAIN_BATCH class indices; arena has \#(u)_TRAIN_ARENA_BYTES bytes aligned for double (fastest
         aligned on 64 bytes, where vectors do not straddle cache lines). loss (when not NULL) gets the loss before
         the update, logits (when not NULL) the \#(u)_TRAIN_BATCH x \#(u)_TRAIN_CLASSES logits it came from. A
         label outside 0..\#(f.classes - 1) is \#(u)_ERR_ARGUMENT and changes nothing. */
      \#(p)_status \#(p)_train_step(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                    const \#(p)_sgd *sgd, void *arena, float *loss, float *logits);

      \#(TrainingThreads.declarations(
        prefix: p, upper: u, workspaceBytes: f.workspaceBytes, layerCount: f.layerNames.count))
      /* Fills an inference model (\#(u)_MODEL_BYTES bytes of caller memory) from the state, batch norms with
         their running statistics, for evaluation with \#(p)_run; uses arena as scratch. */
      \#(p)_status \#(p)_train_export(const \#(p)_train_state *state, void *memory, size_t memory_bytes,
                                      \#(p)_model **model, void *arena);

      /* The state as a safetensors checkpoint: the weights under their torchvision names, the momentum buffers
         as "sgd.momentum.<name>", the step and seed as metadata "netc.step" and "netc.seed". Writes at most
         \#(u)_TRAIN_SAVE_BYTES bytes to buffer and their count to *written. */
      \#(p)_status \#(p)_train_save(const \#(p)_train_state *state, void *buffer, size_t size, size_t *written);

      /* The same, to the file at path. */
      \#(p)_status \#(p)_train_save_file(const \#(p)_train_state *state, const char *path);

      /* The state's tensors by index, in the order of the weights file: name, element count, data (updated in
         place by each step), momentum buffer (NULL for batch-norm running statistics); after a step, the
         gradient of the loss in arena (NULL likewise; valid until the arena is reused). NULL or 0 past the end. */
      size_t \#(p)_train_tensor_count(void);
      const char *\#(p)_train_tensor_name(size_t i);
      size_t \#(p)_train_tensor_size(size_t i);
      float *\#(p)_train_tensor(\#(p)_train_state *state, size_t i);
      float *\#(p)_train_momentum(\#(p)_train_state *state, size_t i);
      const float *\#(p)_train_gradient(const void *arena, size_t i);

      /* Steps taken and the dropout seed. */
      uint64_t \#(p)_train_steps(const \#(p)_train_state *state);
      uint64_t \#(p)_train_seed(const \#(p)_train_state *state);

      /* Continues a run: sets the step counter and seed, after its tensors and momentum buffers were written
         through the pointers above (say from a checkpoint). */
      void \#(p)_train_restore(\#(p)_train_state *state, uint64_t steps, uint64_t seed);

      #ifdef __cplusplus
      }
      #endif

      #endif /* \#(u)_TRAIN_H */

      """#
  }
}
