// Load-time kernels: they turn the safetensors tensors into the model's weights, once, step by step: copies,
// weights packed into the panels the matrix-product kernels stream, and batch norms folded with the bias before
// them into a float scale and shift per output channel (computed in double, rounded once).

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

  static let packWeights = CKernel(
    "netc_pack", uses: [readF32],
    #"""
    /* A conv weight [groups * cout][cin][taps] (PyTorch's [out][in / groups][kh][kw]; a linear weight is taps
       1) packed for the matrix product: per group, panels of 16 output channels, each [depth][16] with depth
       tap-major (t * cin + i) or, for convs gathering an NCHW input, channel-major (i * taps + t); zero past
       cout. */
    static void netc_pack(float *out, const unsigned char *weight, int groups, int cout, int cin, int taps,
                          int channel_major) {
      const int panels = (cout + 15) / 16;
      const size_t depth = (size_t)cin * taps;
      for (int g = 0; g < groups; g++)
        for (int p = 0; p < panels; p++)
          for (int i = 0; i < cin; i++)
            for (int t = 0; t < taps; t++) {
              const size_t k = channel_major ? (size_t)i * taps + t : (size_t)t * cin + i;
              float *lanes = out + (((size_t)g * panels + p) * depth + k) * 16;
              for (int l = 0; l < 16; l++) {
                const int o = p * 16 + l;
                lanes[l] = o < cout ? netc_f32(weight + 4 * ((((size_t)g * cout + o) * cin + i) * taps + t)) : 0.0f;
              }
            }
    }

    """#)

  static let foldChannels = CKernel(
    "netc_fold_channels", uses: [readF32],
    #"""
    /* The scale (or shift) per output channel of a batch norm, bn[0..3] its weight, bias, running_mean and
       running_var (NULL: none, so a scale of 1 and a shift of just the bias), after a bias (NULL: none):
       y = x * scale + shift, computed in double and stored as float (rounded once) or, in_double, as double.
       Channels are laid out per group, padded to whole panels of 16 when padded is set, zero in the padding. */
    static void netc_fold_channels(void *out, size_t count, int in_double, int scale, int groups, int cout,
                                   int padded, const unsigned char *bias, const unsigned char *const *bn,
                                   double eps) {
      const size_t stride = padded ? (size_t)(cout + 15) / 16 * 16 : (size_t)cout;
      memset(out, 0, count * (in_double ? sizeof(double) : sizeof(float)));
      for (int c = 0; c < groups * cout; c++) {
        const double before = bias ? netc_f32(bias + 4 * c) : 0.0;
        double value = scale ? 1.0 : before;
        if (bn) {
          const double factor = netc_f32(bn[0] + 4 * c) / sqrt((double)netc_f32(bn[3] + 4 * c) + eps);
          value = scale ? factor : netc_f32(bn[1] + 4 * c) + (before - netc_f32(bn[2] + 4 * c)) * factor;
        }
        const size_t at = (size_t)(c / cout) * stride + (size_t)(c % cout);
        if (in_double) ((double *)out)[at] = value;
        else ((float *)out)[at] = (float)value;
      }
    }

    """#)

  static let copyF32 = CKernel(
    "netc_copy_f32", uses: [readF32],
    #"""
    static void netc_copy_f32(float *out, const unsigned char *tensor, size_t count) {
      for (size_t i = 0; i < count; i++) out[i] = netc_f32(tensor + 4 * i);
    }

    """#)
}

extension CKernel {
  /// Fills the model by running through `netc_load_steps`, which the file defines per model before this.
  static let loadWeights = CKernel(
    "netc_load_weights", uses: [copyF32, packWeights, winogradPack, foldChannels],
    #"""
    /* Fills the model from the checked tensors, t[i] the data of netc_tensors[i], step by step. A table rather
       than one call per array keeps the code small and quick to compile for networks of a thousand layers. */
    static void netc_load_weights(void *model, const unsigned char *const *t) {
      for (int i = 0; i < netc_load_step_count; i++) {
        const netc_load_step *s = &netc_load_steps[i];
        void *field = (unsigned char *)model + s->field;
        switch (s->kind) {
        case NETC_COPY: netc_copy_f32(field, t[s->tensor], (size_t)s->count); break;
        case NETC_PACK:
          netc_pack(field, t[s->tensor], s->groups, s->out, s->in, s->taps, s->channel_major);
          break;
        case NETC_WINOGRAD: netc_winograd_pack(field, t[s->tensor], s->out, s->in, s->taps); break;
        case NETC_SCALE:
        case NETC_SHIFT: {
          /* A batch norm's four tensors always lie within t; saying so lets gcc's -Warray-bounds see it too in
             a model with fewer than four tensors, where it cannot tell from the table that no step has one. */
          const int has_norm = s->tensor >= 0 && s->tensor + 3 < netc_tensor_count;
          netc_fold_channels(field, (size_t)s->count, s->in_double, s->kind == NETC_SCALE, s->groups, s->out,
                             s->padded, s->bias < 0 ? NULL : t[s->bias], has_norm ? t + s->tensor : NULL, s->eps);
        }
        }
      }
    }

    """#)

  static let loadStep = CKernel(
    "netc_load_step",
    #"""
    /* How netc_load_weights fills one array of the model (at offset field, count elements). */
    typedef enum {
      NETC_COPY,  /* the floats of t[tensor] */
      NETC_PACK,  /* t[tensor], [groups * out][in][taps], in panels (netc_pack) */
      NETC_WINOGRAD, /* t[tensor], [out][in][3][3], Winograd-transformed to taps points in panels
                        (netc_winograd_pack) */
      NETC_SCALE, /* per output channel: a batch norm's scale (t[tensor] its weight, then bias, running_mean,
                     running_var) */
      NETC_SHIFT  /* per output channel: the norm's shift after the bias t[bias]; without a norm (tensor -1), the
                     bias (-1: none) */
    } netc_load_kind;

    typedef struct {
      netc_load_kind kind;
      size_t field;
      int count, tensor, bias;
      int groups, out, in, taps, channel_major, padded, in_double;
      double eps;
    } netc_load_step;

    """#)
}
