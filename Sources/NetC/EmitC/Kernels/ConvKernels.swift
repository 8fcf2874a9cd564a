// The convolution kernels: any conv as a matrix product over packed weights (rows = output pixels, reached
// through pointers into the input, or gathered when a tap has few channels), and the direct double-precision
// reference that serves the shapes the product's limits exclude.

extension CKernel {
  /// Floats of the stack buffer a conv gathers its rows into; the emitter keeps a unit's rows within it.
  static let gatherFloats = 8192
  /// Input channels per tap the zero row covers; wider padded convs gather instead.
  static let zeroRowFloats = 4096
  /// Kernel taps an indirect conv tile addresses at once.
  static let indirectTaps = 128

  static let convRows = CKernel(
    "netc_conv_rows", uses: [window, nextCell],
    #"""
    /* Zeros standing in for the input in the padding: an indirect row points here. */
    static const float netc_zero_row[\#(zeroRowFloats)] = {0.0f};

    /* Pointers to the input channels of group `group` that output rows [first, first + count) read through each
       tap: a[t * count + m], or the zero row where the tap falls in the padding. */
    static void netc_conv_rows(const netc_window *w, const float *in, int group, long first, int count,
                               const float **a) {
      const int cin = w->in_c / w->groups;
      int ox = (int)(first % w->out_w), oy = (int)(first / w->out_w % w->out_h), n = (int)(first / w->out_w / w->out_h);
      for (int m = 0; m < count; m++, netc_next_cell(w->out_w, w->out_h, &ox, &oy, &n)) {
        for (int ky = 0; ky < w->kernel_h; ky++) {
          const int iy = oy * w->stride_h - w->pad_h + ky * w->dilation_h;
          const int row_inside = iy >= 0 && iy < w->in_h;
          const float *line =
              row_inside ? in + ((size_t)n * w->in_h + iy) * w->in_w * w->in_c + (size_t)group * cin : netc_zero_row;
          for (int kx = 0; kx < w->kernel_w; kx++) {
            const int ix = ox * w->stride_w - w->pad_w + kx * w->dilation_w;
            const int inside = row_inside && ix >= 0 && ix < w->in_w;
            a[(ky * w->kernel_w + kx) * count + m] = inside ? line + (size_t)ix * w->in_c : netc_zero_row;
          }
        }
      }
    }

    """#)

  static let convRowsNCHW = CKernel(
    "netc_conv_rows_nchw", uses: [convRows],
    #"""
    /* The rows of an NCHW input (dilation_w 1): a pointer per input channel of group `group` and kernel row to
       the kernel_w floats that output row m reads along it, a[(i * kernel_h + ky) * count + m]: the input itself,
       the zero row where the kernel row lies in the padding, or a zero-filled copy in edges (count * depth
       floats) where it reaches past a side. The stem reads its 3 channels in place instead of copying them: a
       3x3 stem's copies took 3 times as long as its products. */
    static void netc_conv_rows_nchw(const netc_window *w, const float *in, int group, long first, int count,
                                    const float **a, float *edges) {
      const int cin = w->in_c / w->groups, kh = w->kernel_h, kw = w->kernel_w;
      int ox = (int)(first % w->out_w), oy = (int)(first / w->out_w % w->out_h), n = (int)(first / w->out_w / w->out_h);
      for (int m = 0; m < count; m++, netc_next_cell(w->out_w, w->out_h, &ox, &oy, &n)) {
        const int x0 = ox * w->stride_w - w->pad_w, y0 = oy * w->stride_h - w->pad_h;
        const int whole = x0 >= 0 && x0 + kw <= w->in_w;
        for (int i = 0; i < cin; i++) {
          const float *plane = in + ((size_t)n * w->in_c + (size_t)group * cin + i) * w->in_h * w->in_w;
          for (int ky = 0; ky < kh; ky++) {
            const int iy = y0 + ky * w->dilation_h, t = i * kh + ky;
            if (iy < 0 || iy >= w->in_h) {
              a[t * count + m] = netc_zero_row;
              continue;
            }
            const float *line = plane + (size_t)iy * w->in_w;
            if (whole) {
              a[t * count + m] = line + x0;
              continue;
            }
            float *copy = edges + ((size_t)m * cin * kh + t) * kw;
            for (int kx = 0; kx < kw; kx++) copy[kx] = x0 + kx >= 0 && x0 + kx < w->in_w ? line[x0 + kx] : 0.0f;
            a[t * count + m] = copy;
          }
        }
      }
    }

    """#)

  static let convGemm = CKernel(
    "netc_conv_gemm", uses: [convRowsNCHW, share, gemm],
    #"""
    /* A conv as a matrix product: a netc_window and how the product walks it. */
    typedef struct {
      netc_window window;
      int nchw;       /* the input is the caller's NCHW tensor (gathered, or its kernel rows read in place), not NHWC */
      int gather;     /* rows are copied contiguous first: an NCHW input, or few channels per tap */
      int rows_outer; /* units are blocks of rows, each through every panel: the weights are small */
      int tiles;      /* row tiles (of the widest kernel) per unit */
      int prefetch;   /* each panel run fetches the next one's weights: they come from memory, not the cache */
      int shifted;    /* groups read in place whose weights stay in L2: netc_conv_groups */
    } netc_conv;

    /* Copies output rows [first, first + count) of the im2col matrix of group `group` into buf, one row of
       taps * cin floats each: [tap][channel] from an NHWC input, [channel][tap] from an NCHW one (its weights are
       packed to match), so every copy runs along contiguous memory. */
    static void netc_conv_gather(const netc_conv *c, const float *in, int group, long first, int count,
                                 float *buf) {
      const netc_window *w = &c->window;
      const int cin = w->in_c / w->groups, taps = w->kernel_h * w->kernel_w;
      int ox = (int)(first % w->out_w), oy = (int)(first / w->out_w % w->out_h), n = (int)(first / w->out_w / w->out_h);
      for (int m = 0; m < count; m++, netc_next_cell(w->out_w, w->out_h, &ox, &oy, &n)) {
        const int x0 = ox * w->stride_w - w->pad_w, y0 = oy * w->stride_h - w->pad_h;
        float *row = buf + (size_t)m * taps * cin;
        if (c->nchw) {
          for (int i = 0; i < cin; i++) {
            const float *plane = in + ((size_t)n * w->in_c + (size_t)group * cin + i) * w->in_h * w->in_w;
            for (int ky = 0; ky < w->kernel_h; ky++, row += w->kernel_w) {
              const int iy = y0 + ky * w->dilation_h;
              if (iy < 0 || iy >= w->in_h) {
                for (int kx = 0; kx < w->kernel_w; kx++) row[kx] = 0.0f;
                continue;
              }
              const float *line = plane + (size_t)iy * w->in_w;
              /* Away from the sides a tap row is a contiguous run of the input row, copied a vector at a time:
                 a test per element cost more than the stem's whole matrix product. */
              if (w->dilation_w == 1 && x0 >= 0 && x0 + w->kernel_w <= w->in_w) {
                for (int kx = 0; kx < w->kernel_w; kx += NETC_LANES) {
                  const int lanes = w->kernel_w - kx < NETC_LANES ? w->kernel_w - kx : NETC_LANES;
                  netc_vstore_part(row + kx, netc_vload_part(line + x0 + kx, lanes), lanes);
                }
                continue;
              }
              for (int kx = 0; kx < w->kernel_w; kx++) {
                const int ix = x0 + kx * w->dilation_w;
                row[kx] = ix >= 0 && ix < w->in_w ? line[ix] : 0.0f;
              }
            }
          }
          continue;
        }
        for (int ky = 0; ky < w->kernel_h; ky++)
          for (int kx = 0; kx < w->kernel_w; kx++, row += cin) {
            const int iy = y0 + ky * w->dilation_h, ix = x0 + kx * w->dilation_w;
            if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w)
              memset(row, 0, (size_t)cin * sizeof(float));
            else
              memcpy(row, in + (((size_t)n * w->in_h + iy) * w->in_w + ix) * w->in_c + (size_t)group * cin,
                     (size_t)cin * sizeof(float));
          }
      }
    }

    /* netc_conv_gemm for groups read in place: units are row tiles, each through every group, whose row pointers
       are the first group's shifted by a group's channels (the zero row covers the shift), so that the window's
       arithmetic is done once per tile rather than once per group. */
    static void netc_conv_groups(const netc_conv *c, const float *weight, const netc_gemm_epilogue *e,
                                 const float *residual, const float *in, float *out, const netc_team *team) {
      const netc_window *w = &c->window;
      const int cin = w->in_c / w->groups, cout = w->out_c / w->groups, taps = w->kernel_h * w->kernel_w;
      const int panels = (cout + NETC_PANEL - 1) / NETC_PANEL;
      const size_t panel_stride = (size_t)taps * cin * NETC_PANEL;
      const int mr = netc_gemm_kernels[panels < NETC_MAX_PANELS ? panels : NETC_MAX_PANELS].rows;
      const long rows = (long)w->batch * w->out_h * w->out_w, tiles = (rows + mr - 1) / mr;
      long first, end;
      netc_share(team, tiles, &first, &end);
      for (long tile = first; tile < end; tile++) {
        const long r = tile * mr;
        const int count = rows - r < mr ? (int)(rows - r) : mr;
        const float *a[NETC_MAX_ROWS * \#(indirectTaps)], *res[NETC_MAX_ROWS];
        float *o[NETC_MAX_ROWS];
        netc_conv_rows(w, in, 0, r, count, a);
        for (int group = 0; group < w->groups; group++) {
          if (group > 0)
            for (int i = 0; i < taps * count; i++) a[i] += cin;
          for (int first_panel = 0; first_panel < panels; first_panel += NETC_MAX_PANELS) {
            const int np = panels - first_panel < NETC_MAX_PANELS ? panels - first_panel : NETC_MAX_PANELS;
            const int first_column = first_panel * NETC_PANEL;
            const int columns = cout - first_column < np * NETC_PANEL ? cout - first_column : np * NETC_PANEL;
            const size_t channel = (size_t)group * panels * NETC_PANEL + (size_t)first_column;
            const netc_gemm_epilogue run_epilogue = {e->scale ? e->scale + channel : NULL,
                                                     e->shift ? e->shift + channel : NULL, e->relu};
            for (int m = 0; m < count; m++) {
              const size_t at = (size_t)(r + m) * w->out_c + (size_t)group * cout + (size_t)first_column;
              o[m] = out + at;
              res[m] = residual ? residual + at : NULL;
            }
            netc_gemm_kernels[np].run(count, taps, cin, a,
                                      weight + ((size_t)group * panels + first_panel) * panel_stride, panel_stride,
                                      NULL, &run_epilogue, residual ? res : NULL, o, columns);
          }
        }
      }
    }

    /* out (NHWC) = the conv of in, then the epilogue (+ an identity residual before ReLU when residual is not
       NULL; it may be out). weight is packed [group][panel][depth][16], depth = taps * cin in the gather order,
       zero past the group's out_c / groups channels; e's scale and shift are [group][panels * 16]. Work units
       (a block of rows through a run of up to NETC_MAX_PANELS panels) are split statically over the team. */
    static void netc_conv_gemm(const netc_conv *c, const float *weight, const netc_gemm_epilogue *e,
                               const float *residual, const float *in, float *out, const netc_team *team) {
      if (c->shifted) {
        netc_conv_groups(c, weight, e, residual, in, out, team);
        return;
      }
      const netc_window *w = &c->window;
      const int cin = w->in_c / w->groups, cout = w->out_c / w->groups, taps = w->kernel_h * w->kernel_w;
      const int panels = (cout + NETC_PANEL - 1) / NETC_PANEL;
      const int runs = (panels + NETC_MAX_PANELS - 1) / NETC_MAX_PANELS;
      const size_t depth = (size_t)taps * cin, panel_stride = depth * NETC_PANEL;
      const long rows = (long)w->batch * w->out_h * w->out_w;
      const long block = (long)c->tiles * netc_gemm_kernels[NETC_MAX_PANELS].rows;
      const long blocks = (rows + block - 1) / block, per_block = (long)w->groups * runs;
      float gathered[\#(gatherFloats)];
      long gathered_block = -1, first_unit, end_unit;
      int gathered_group = -1;
      netc_share(team, blocks * per_block, &first_unit, &end_unit);
      for (long u = first_unit; u < end_unit; u++) {
        const long b = c->rows_outer ? u / per_block : u % blocks;
        const long panel_run = c->rows_outer ? u % per_block : u / blocks;
        const int group = (int)(panel_run / runs), first_panel = (int)(panel_run % runs) * NETC_MAX_PANELS;
        const int np = panels - first_panel < NETC_MAX_PANELS ? panels - first_panel : NETC_MAX_PANELS;
        const int mr = netc_gemm_kernels[np].rows, first_column = first_panel * NETC_PANEL;
        const int columns = cout - first_column < np * NETC_PANEL ? cout - first_column : np * NETC_PANEL;
        const long begin = b * block, end = begin + block < rows ? begin + block : rows;
        const size_t channel = (size_t)group * panels * NETC_PANEL + (size_t)first_column;
        const netc_gemm_epilogue run_epilogue = {e->scale ? e->scale + channel : NULL,
                                                 e->shift ? e->shift + channel : NULL, e->relu};
        if (c->gather && (b != gathered_block || group != gathered_group)) {
          netc_conv_gather(c, in, group, begin, (int)(end - begin), gathered);
          gathered_block = b;
          gathered_group = group;
        }
        for (long r = begin; r < end; r += mr) {
          const int count = end - r < mr ? (int)(end - r) : mr;
          const float *a[NETC_MAX_ROWS * \#(indirectTaps)], *res[NETC_MAX_ROWS];
          float *o[NETC_MAX_ROWS];
          for (int m = 0; m < count; m++) {
            const size_t at = (size_t)(r + m) * w->out_c + (size_t)group * cout + (size_t)first_column;
            o[m] = out + at;
            res[m] = residual ? residual + at : NULL;
            if (c->gather) a[m] = gathered + (size_t)(r - begin + m) * depth;
          }
          if (c->nchw && !c->gather) netc_conv_rows_nchw(w, in, group, r, count, a, gathered);
          else if (!c->gather) netc_conv_rows(w, in, group, r, count, a);
          /* The first row tiles of a panel run (panels outer) fetch the next run's panels, one each. */
          const float *next = NULL;
          const long pass = (r - begin) / mr + b * ((block + mr - 1) / mr);
          if (c->prefetch && panel_run + 1 < per_block) {
            const int next_first = (int)((panel_run + 1) % runs) * NETC_MAX_PANELS;
            if (pass < panels - next_first && pass < NETC_MAX_PANELS)
              next = weight + ((size_t)((panel_run + 1) / runs) * panels + next_first + pass) * panel_stride;
          }
          /* Gathered rows are one tap deep; NCHW rows have a tap per channel and kernel row, kernel_w deep. */
          const int row_taps = c->gather ? 1 : c->nchw ? cin * w->kernel_h : taps;
          const int row_depth = c->gather ? (int)depth : c->nchw ? w->kernel_w : cin;
          netc_gemm_kernels[np].run(count, row_taps, row_depth, a,
                                    weight + ((size_t)group * panels + first_panel) * panel_stride, panel_stride,
                                    next, &run_epilogue, residual ? res : NULL, o, columns);
        }
      }
    }

    """#)

  static let conv2dDirect = CKernel(
    "netc_conv2d_direct", uses: [window, share],
    #"""
    /* Direct convolution in double, one rounding per output: the reference, for shapes the matrix product does
       not take and for chains of convs too deep for float sums. weight is PyTorch's
       [out_c][in_c / groups][kernel_h][kernel_w]; out = sum * scale + shift (NULL for 1 and 0) + an identity
       residual (NULL: none; it may be out), then ReLU. Output pixels are split over the team. */
    static void netc_conv2d_direct(const netc_window *w, const float *weight, const double *scale,
                                   const double *shift, int relu, const float *residual, const float *in, float *out,
                                   const netc_team *team) {
      const int cin = w->in_c / w->groups, cout = w->out_c / w->groups;
      long first, end;
      netc_share(team, (long)w->batch * w->out_h * w->out_w, &first, &end);
      for (long p = first; p < end; p++) {
        const int ox = (int)(p % w->out_w), oy = (int)(p / w->out_w % w->out_h), n = (int)(p / w->out_w / w->out_h);
        for (int o = 0; o < w->out_c; o++) {
          const float *filter = weight + (size_t)o * cin * w->kernel_h * w->kernel_w;
          double sum = 0.0;
          for (int ky = 0; ky < w->kernel_h; ky++)
            for (int kx = 0; kx < w->kernel_w; kx++) {
              const int iy = oy * w->stride_h - w->pad_h + ky * w->dilation_h;
              const int ix = ox * w->stride_w - w->pad_w + kx * w->dilation_w;
              if (iy < 0 || iy >= w->in_h || ix < 0 || ix >= w->in_w) continue;
              const float *x = in + (((size_t)n * w->in_h + iy) * w->in_w + ix) * w->in_c + (size_t)(o / cout) * cin;
              for (int i = 0; i < cin; i++) sum += (double)x[i] * filter[(i * w->kernel_h + ky) * w->kernel_w + kx];
            }
          const size_t at = (size_t)p * w->out_c + o;
          const double value = sum * (scale ? scale[o] : 1.0) + (shift ? shift[o] : 0.0) + (residual ? residual[at] : 0.0f);
          out[at] = (float)(relu && value < 0.0 ? 0.0 : value);
        }
      }
    }

    """#)
}
