// Load-time kernels: they turn the safetensors tensors into the model's weights (copies, batch norms folded
// with the bias before them into a scale and shift per channel, transposed linear weights), step by step.

extension CKernel {
  static let readF32 = CKernel(
    "netc_f32",
    #"""
    /* A little-endian f32 at any alignment: safetensors guarantees neither the host's byte order nor alignment. */
    static float netc_f32(const unsigned char *bytes) {
      const uint32_t bits = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
                            (uint32_t)bytes[3] << 24;
      float value;
      memcpy(&value, &bits, sizeof value);
      return value;
    }

    """#)

  static let copyF32 = CKernel(
    "netc_copy_f32", uses: [readF32],
    #"""
    static void netc_copy_f32(float *out, const unsigned char *tensor, size_t count) {
      for (size_t i = 0; i < count; i++) out[i] = netc_f32(tensor + 4 * i);
    }

    """#)

  static let copyToDouble = CKernel(
    "netc_copy_to_double", uses: [readF32],
    #"""
    static void netc_copy_to_double(double *out, const unsigned char *tensor, size_t count) {
      for (size_t i = 0; i < count; i++) out[i] = netc_f32(tensor + 4 * i);
    }

    """#)

  static let batchNorm = CKernel(
    "netc_batchnorm", uses: [readF32],
    #"""
    /* The scale (or shift) per channel of a batch norm, bn[0..3] its weight, bias, running_mean and
       running_var, after a bias (NULL: none): y = x * scale + shift, in double. */
    static void netc_batchnorm(int scale, double *out, int channels, const unsigned char *bias,
                               const unsigned char *const *bn, double eps) {
      for (int c = 0; c < channels; c++) {
        const double factor = netc_f32(bn[0] + 4 * c) / sqrt((double)netc_f32(bn[3] + 4 * c) + eps);
        const double before = (bias ? netc_f32(bias + 4 * c) : 0.0) - netc_f32(bn[2] + 4 * c);
        out[c] = scale ? factor : netc_f32(bn[1] + 4 * c) + before * factor;
      }
    }

    """#)

  static let copyTransposed = CKernel(
    "netc_copy_transposed", uses: [readF32],
    #"""
    /* A [rows, columns] tensor stored as its [columns, rows] transpose. */
    static void netc_copy_transposed(float *out, const unsigned char *tensor, int rows, int columns) {
      for (int r = 0; r < rows; r++)
        for (int c = 0; c < columns; c++) out[(size_t)c * rows + r] = netc_f32(tensor + 4 * ((size_t)r * columns + c));
    }

    """#)
}

extension CKernel {
  /// Fills the model by running through `netc_load_steps`, which the file defines per model before this.
  static let loadWeights = CKernel(
    "netc_load_weights", uses: [copyF32, copyToDouble, copyTransposed, batchNorm],
    #"""
    /* Fills the model from the checked tensors, t[i] the data of netc_tensors[i], step by step. A table rather
       than one call per array keeps the code small and quick to compile for networks of a thousand layers. */
    static void netc_load_weights(void *model, const unsigned char *const *t) {
      for (int i = 0; i < netc_load_step_count; i++) {
        const netc_load_step *s = &netc_load_steps[i];
        unsigned char *field = (unsigned char *)model + s->field;
        switch (s->kind) {
        case NETC_COPY: netc_copy_f32((float *)field, t[s->tensor], (size_t)s->count); break;
        case NETC_COPY_TO_DOUBLE: netc_copy_to_double((double *)field, t[s->tensor], (size_t)s->count); break;
        case NETC_TRANSPOSE:
          netc_copy_transposed((float *)field, t[s->tensor], s->count / s->columns, s->columns);
          break;
        case NETC_BATCHNORM_SCALE:
        case NETC_BATCHNORM_SHIFT:
          netc_batchnorm(s->kind == NETC_BATCHNORM_SCALE, (double *)field, s->count, s->bias < 0 ? NULL : t[s->bias],
                         t + s->tensor, s->eps);
        }
      }
    }

    """#)

  static let loadStep = CKernel(
    "netc_load_step",
    #"""
    /* How netc_load_weights fills one array of the model (at offset field, count elements). */
    typedef enum {
      NETC_COPY,             /* the floats of t[tensor] */
      NETC_COPY_TO_DOUBLE,   /* the floats of t[tensor], as doubles */
      NETC_TRANSPOSE,        /* t[tensor], [count / columns, columns], stored transposed */
      NETC_BATCHNORM_SCALE,  /* a batch norm (t[tensor] its weight, then bias, running_mean, running_var) */
      NETC_BATCHNORM_SHIFT   /* the same norm's shift, after the bias t[bias] (-1: none) */
    } netc_load_kind;

    typedef struct {
      netc_load_kind kind;
      size_t field;
      int count, tensor, columns, bias;
      double eps;
    } netc_load_step;

    """#)
}
