// The training step's forward kernels, over NCHW values (the layout its backward kernels read): residual add,
// option A shortcut, pools, softmax and LRN, each as the reference interpreter computes it (convolutions are in
// ConvTrainingKernels.swift). The inference forward pass has its own NHWC kernels.

extension CKernel {
  static let windowBounds = CKernel(
    "netc_first_inside",
    #"""
    /* The first output index o >= 0 whose input index o * stride + shift is not in the leading padding. */
    static int netc_first_inside(int shift, int stride) {
      return shift >= 0 ? 0 : (-shift + stride - 1) / stride;
    }

    /* One past the last output index o < out whose input index o * stride + shift is inside [0, size). */
    static int netc_end_inside(int shift, int stride, int size, int out) {
      if (size - shift <= 0) return 0;
      const int end = (size - shift + stride - 1) / stride;
      return end < out ? end : out;
    }

    """#)

  static let nchwShortcutRow = CKernel(
    "netc_nchw_shortcut_row", uses: [shortcut],
    #"""
    /* The shortcut row feeding output row y of channel c in batch item n of an NCHW output, to be read every
       s->stride columns; NULL where option A pads with zero channels. */
    static const float *netc_nchw_shortcut_row(const netc_shortcut *s, int n, int c, int y) {
      const int source = c - s->offset;
      if (!s->data || source < 0 || source >= s->channels) return NULL;
      return s->data + (((size_t)n * s->channels + source) * s->height + (size_t)y * s->stride) * s->width;
    }

    """#)

  static let nchwAdd = CKernel(
    "netc_nchw_add", uses: [team, maps, nchwShortcutRow, batchNormChannel],
    #"""
    /* One vector of the add: a, or with stats the batch norm's result (bn, netc_batchnorm_channel), plus the
       shortcut's lanes when it has some there, then with relu the ReLU. */
    static inline netc_vec netc_add_lanes(netc_vec a, const float *stats, const netc_batchnorm_lanes *bn,
                                          const float *source, netc_vec shortcut, int relu) {
      if (stats) a = netc_vfma(netc_vsub(a, bn->mean), bn->scale, bn->shift);
      if (source) a = netc_vadd(a, shortcut);
      return relu ? netc_vrelu(a) : a;
    }

    /* out = a + shortcut [then ReLU] over a [batch, channels, h, w] output: the residual add a pass did not fuse
       into a conv. A float sum rounds exactly as the interpreter's double one does. With stats, a is the input of
       the batch norm whose result is the addend, normalized here as netc_batchnorm_train does it (the batch's
       statistics, gamma, beta, eps): one sweep fewer. A shortcut read in place (stride 1, the output's plane)
       goes a plane at a time, a subsampled one a row at a time. out may be a, or an identity shortcut. The team
       shares out the images. */
    static void netc_nchw_add(const netc_team *team, const netc_shortcut *s, int relu, int batch, int channels, int h,
                              int w, const float *a, const float *stats, const float *gamma, const float *beta,
                              double eps, float *out) {
      const netc_maps maps = {batch, channels, (size_t)h * w};
      const int in_place = s->stride == 1 && s->height == h && s->width == w;
      for (int n = team->index; n < batch; n += team->count)
        for (int c = 0; c < channels; c++) {
          const netc_batchnorm_lanes bn = stats ? netc_batchnorm_channel(&maps, stats, gamma, beta, eps, c)
                                                : (netc_batchnorm_lanes){netc_vzero(), netc_vzero(), netc_vzero()};
          const size_t base = ((size_t)n * channels + c) * maps.plane;
          const float *source = netc_nchw_shortcut_row(s, n, c, 0);
          if (!source || in_place) {
            for (size_t i = 0; i < maps.plane; i += NETC_LANES) {
              const netc_vec shortcut = source ? netc_vload_upto(source, i, maps.plane) : netc_vzero();
              const netc_vec value = netc_add_lanes(netc_vload_upto(a + base, i, maps.plane), stats, &bn, source,
                                                    shortcut, relu);
              netc_vstore_upto(out + base, i, maps.plane, value);
            }
            continue;
          }
          for (int y = 0; y < h; y++) {
            const float *row = netc_nchw_shortcut_row(s, n, c, y);
            const size_t at = base + (size_t)y * w;
            for (size_t x = 0; x < (size_t)w; x += NETC_LANES) {
              float picked[NETC_LANES] = {0};
              for (size_t k = 0; k < NETC_LANES && x + k < (size_t)w; k++) picked[k] = row[(x + k) * s->stride];
              const netc_vec value = netc_add_lanes(netc_vload_upto(a + at, x, (size_t)w), stats, &bn, row,
                                                    netc_vload(picked), relu);
              netc_vstore_upto(out + at, x, (size_t)w, value);
            }
          }
        }
    }

    """#)

  static let nchwShortcutA = CKernel(
    "netc_nchw_shortcut_a", uses: [team, nchwShortcutRow],
    #"""
    /* The option A shortcut on its own: each output plane is its subsampled, channel-shifted input plane, or
       zero where no input channel maps. The team shares out the images. */
    static void netc_nchw_shortcut_a(const netc_team *team, const netc_shortcut *s, int batch, int channels, int h,
                                     int w, float *out) {
      for (int n = team->index; n < batch; n += team->count)
        for (int c = 0; c < channels; c++)
          for (int y = 0; y < h; y++) {
            const float *source = netc_nchw_shortcut_row(s, n, c, y);
            float *row = out + (((size_t)n * channels + c) * h + y) * w;
            if (!source) memset(row, 0, (size_t)w * sizeof(float));
            else
              for (int x = 0; x < w; x++) row[x] = source[(size_t)x * s->stride];
          }
    }

    """#)

  static let nchwWindowMean = CKernel(
    "netc_nchw_window_mean",
    #"""
    /* The mean of rows [y0, y1) and columns [x0, x1) of a plane of width w, divided by divisor. */
    static float netc_nchw_window_mean(const float *plane, int w, int y0, int y1, int x0, int x1, int divisor) {
      double sum = 0.0;
      for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) sum += plane[(size_t)y * w + x];
      return divisor > 0 ? (float)(sum / divisor) : 0.0f;
    }

    """#)

  static let nchwMaxPool = CKernel(
    "netc_nchw_maxpool", uses: [window],
    #"""
    /* Max pooling: padding never wins (PyTorch pads with -infinity) and a NaN in the window wins, as in PyTorch. */
    static void netc_nchw_maxpool(const netc_window *p, const float *restrict in, float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *source = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->stride_h - p->pad_h, y1 = y0 + p->kernel_h < p->in_h ? y0 + p->kernel_h : p->in_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->stride_w - p->pad_w, x1 = x0 + p->kernel_w < p->in_w ? x0 + p->kernel_w : p->in_w;
            float largest = -INFINITY;
            for (int y = y0 < 0 ? 0 : y0; y < y1; y++)
              for (int x = x0 < 0 ? 0 : x0; x < x1; x++) {
                const float value = source[(size_t)y * p->in_w + x];
                if (value > largest || value != value) largest = value;
              }
            o[(size_t)oy * p->out_w + ox] = largest;
          }
        }
      }
    }

    """#)

  static let nchwAveragePool = CKernel(
    "netc_nchw_avgpool", uses: [window, averagePoolSpan, nchwWindowMean],
    #"""
    /* Average pooling over NCHW planes (netc_avgpool_span's windows). */
    static void netc_nchw_avgpool(const netc_window *p, int count_include_pad, const float *restrict in,
                             float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *x = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++)
          for (int ox = 0; ox < p->out_w; ox++) {
            const netc_pool_span s = netc_avgpool_span(p, count_include_pad, oy, ox);
            o[(size_t)oy * p->out_w + ox] = netc_nchw_window_mean(x, p->in_w, s.y0, s.y1, s.x0, s.x1, s.divisor);
          }
      }
    }

    """#)

  static let nchwAdaptiveAveragePool = CKernel(
    "netc_nchw_adaptive_avgpool", uses: [window, nchwWindowMean],
    #"""
    /* Adaptive average pooling: output o of n averages input indices floor(o * size / n) up to
       ceil((o + 1) * size / n), PyTorch's rule; global average pooling is the 1x1 case. */
    static void netc_nchw_adaptive_avgpool(const netc_window *p, const float *restrict in, float *restrict out) {
      for (int plane = 0; plane < p->batch * p->in_c; plane++) {
        const float *x = in + (size_t)plane * p->in_h * p->in_w;
        float *o = out + (size_t)plane * p->out_h * p->out_w;
        for (int oy = 0; oy < p->out_h; oy++) {
          const int y0 = oy * p->in_h / p->out_h, y1 = ((oy + 1) * p->in_h + p->out_h - 1) / p->out_h;
          for (int ox = 0; ox < p->out_w; ox++) {
            const int x0 = ox * p->in_w / p->out_w, x1 = ((ox + 1) * p->in_w + p->out_w - 1) / p->out_w;
            o[(size_t)oy * p->out_w + ox] = netc_nchw_window_mean(x, p->in_w, y0, y1, x0, x1, (y1 - y0) * (x1 - x0));
          }
        }
      }
    }

    """#)

  static let nchwSoftmax = CKernel(
    "netc_nchw_softmax",
    #"""
    /* Softmax over dimension 1 of [batch, channels, inner...], for each batch item and inner position, in
       double; the largest value is subtracted first so exp cannot overflow. out may be in. */
    static void netc_nchw_softmax(int batch, int channels, int inner, const float *in, float *out) {
      for (int n = 0; n < batch; n++)
        for (int i = 0; i < inner; i++) {
          const size_t base = (size_t)n * channels * inner + i;
          double largest = in[base], sum = 0.0;
          for (int c = 1; c < channels; c++)
            if (in[base + (size_t)c * inner] > largest) largest = in[base + (size_t)c * inner];
          for (int c = 0; c < channels; c++) sum += exp(in[base + (size_t)c * inner] - largest);
          for (int c = 0; c < channels; c++)
            out[base + (size_t)c * inner] = (float)(exp(in[base + (size_t)c * inner] - largest) / sum);
        }
    }

    """#)

  static let nchwLRN = CKernel(
    "netc_nchw_lrn",
    #"""
    /* Local response normalization across channels, the AlexNet paper's formula
       b[c] = a[c] / (k + alpha * sum a[j]^2)^beta (alpha not divided by size) over the channels j from
       c - size / 2 to c + (size - 1) / 2 that exist, PyTorch's window; sums in scratch (plane doubles). */
    typedef struct {
      int batch, channels, plane, size;
      double alpha, beta, k;
    } netc_nchw_lrn_shape;

    static void netc_nchw_lrn(const netc_nchw_lrn_shape *l, const float *restrict in, double *restrict scratch,
                         float *restrict out) {
      for (int n = 0; n < l->batch; n++)
        for (int c = 0; c < l->channels; c++) {
          const float *item = in + (size_t)n * l->channels * l->plane, *x = item + (size_t)c * l->plane;
          float *o = out + ((size_t)n * l->channels + c) * l->plane;
          const int first = c - l->size / 2 < 0 ? 0 : c - l->size / 2;
          const int last = c + (l->size - 1) / 2 < l->channels ? c + (l->size - 1) / 2 : l->channels - 1;
          for (int i = 0; i < l->plane; i++) scratch[i] = 0.0;
          for (int j = first; j <= last; j++) {
            const float *a = item + (size_t)j * l->plane;
            for (int i = 0; i < l->plane; i++) scratch[i] += (double)a[i] * a[i];
          }
          for (int i = 0; i < l->plane; i++) o[i] = (float)(x[i] / pow(l->k + l->alpha * scratch[i], l->beta));
        }
    }

    """#)
}
