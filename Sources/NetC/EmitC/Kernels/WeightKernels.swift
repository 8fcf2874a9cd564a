// Load-time kernels: they turn the safetensors tensors into the model's weights (copies, batch norms folded
// into convs or reduced to a scale and shift, transposed linear weights).

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

  static let batchNormChannel = CKernel(
    "netc_batchnorm_channel", uses: [readF32],
    #"""
    /* Channel c of a batch norm as y = x * scale + shift, from its tensors weight, bias, running_mean and
       running_var (bn[0..3]); in double, as the scale multiplies every weight of a folded conv. */
    static void netc_batchnorm_channel(const unsigned char *const *bn, int c, double eps, double *scale,
                                       double *shift) {
      *scale = netc_f32(bn[0] + 4 * c) / sqrt((double)netc_f32(bn[3] + 4 * c) + eps);
      *shift = netc_f32(bn[1] + 4 * c) - netc_f32(bn[2] + 4 * c) * *scale;
    }

    """#)

  static let foldBatchNorm = CKernel(
    "netc_fold_batchnorm", uses: [batchNormChannel],
    #"""
    /* A conv followed by a batch norm, as one conv: the weights of output channel c times scale[c], the bias
       (zero when the conv has none) times scale[c] plus shift[c]. */
    static void netc_fold_batchnorm(float *weight, float *bias, int out_c, size_t per_channel,
                                    const unsigned char *conv_weight, const unsigned char *conv_bias,
                                    const unsigned char *const *bn, double eps) {
      for (int c = 0; c < out_c; c++) {
        double scale, shift;
        netc_batchnorm_channel(bn, c, eps, &scale, &shift);
        for (size_t i = 0; i < per_channel; i++) {
          const size_t k = (size_t)c * per_channel + i;
          weight[k] = (float)(netc_f32(conv_weight + 4 * k) * scale);
        }
        bias[c] = (float)((conv_bias ? netc_f32(conv_bias + 4 * c) : 0.0) * scale + shift);
      }
    }

    """#)

  static let loadBatchNorm = CKernel(
    "netc_load_batchnorm", uses: [batchNormChannel],
    #"""
    /* A batch norm no conv absorbed, as a scale and shift per channel. */
    static void netc_load_batchnorm(float *scale, float *shift, int channels, const unsigned char *const *bn,
                                    double eps) {
      for (int c = 0; c < channels; c++) {
        double s, t;
        netc_batchnorm_channel(bn, c, eps, &s, &t);
        scale[c] = (float)s;
        shift[c] = (float)t;
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
