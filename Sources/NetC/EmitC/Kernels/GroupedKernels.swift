// The grouped conv kernel for groups narrower than a panel (ResNeXt's 4 and 8 channels, depthwise convs): each
// panel of 16 output channels holds 16 / cout whole groups side by side, and every lane picks its own group's
// input by a permute of the panel's input channels, so no lane computes a padding zero.

extension CKernel {
  /// Output rows of the grouped tile per vector width: the panel's accumulators, its weights, the pick's
  /// indices and a picked input stay in registers (32 on AVX-512, 16 on AVX2).
  static let groupedRows: [(lanes: Int, rows: Int)] = [(16, 12), (8, 4), (4, 3)]

  static let groupedConv = CKernel(
    "netc_conv_grouped", uses: [convRows, share, gemmEpilogue], groupedTileText + groupedDispatchText + groupedDriverText)

  private static let groupedTileText = #"""
    /* C[m][0, columns) for m < R, one panel of 16 output channels holding whole groups, over weights b packed as
       if ungrouped ([tap][cin][16]: lane l's weights for input channel i of its own group). For tap t and
       channel i, lane l of vector v reads a[t * R + m] + offset + start[v] at index[i][l], start[v] and span[v]
       the first and the count of the floats vector v may read; sums in float in tap then channel order whatever
       the tile, then the epilogue of netc_store_sums. */
    #define NETC_GROUPED_TILE(R)                                                                                  \
      static void netc_grouped_tile_##R(int taps, int cin, const float *const *a, size_t offset, const int *start, \
                                        const int *span, const int *index, const float *b,                       \
                                        const netc_gemm_epilogue *e, const float *const *residual,               \
                                        float *const *c, int columns) {                                          \
        netc_vec acc[R][NETC_PANEL_VECTORS];                                                                      \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++) acc[m][v] = netc_vzero();                      \
        for (int t = 0; t < taps; t++) {                                                                          \
          const float *row[R];                                                                                    \
          NETC_UNROLL for (int m = 0; m < R; m++) row[m] = a[t * R + m] + offset;                                 \
          for (int i = 0; i < cin; i++, b += NETC_PANEL) {                                                        \
            NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++) {                                            \
              const netc_vec w = netc_vload(b + v * NETC_LANES);                                                  \
              const netc_vindex lanes = netc_vload_index(index + i * NETC_PANEL + v * NETC_LANES);                \
              NETC_UNROLL for (int m = 0; m < R; m++)                                                             \
                acc[m][v] = netc_vfma(netc_vpick(row[m] + start[v], span[v], lanes), w, acc[m][v]);               \
            }                                                                                                     \
          }                                                                                                       \
        }                                                                                                         \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++)                                                \
            netc_store_sums(acc[m][v], e, residual ? residual[m] : NULL, c[m], v * NETC_LANES, columns);          \
      }

    /* netc_grouped_tile for R outputs side by side along an output row, through a kernel 3 wide at stride 1:
       each kernel row reads R + 2 input pixels, px[ky * (R + 2) + p], and each pixel's pick feeds the three taps
       that read it rather than one (the picks, which share a port with the products, bound narrow groups: 1.3-1.4
       times faster on ResNeXt's stages 1-2). Sums in kernel row, channel, then column order whatever R. */
    #define NETC_GROUPED_RUN(R)                                                                                   \
      static void netc_grouped_run_##R(int kernel_h, int cin, const float *const *px, size_t offset,             \
                                       const int *start, const int *span, const int *index, const float *b,      \
                                       const netc_gemm_epilogue *e, const float *const *residual,               \
                                       float *const *c, int columns) {                                          \
        netc_vec acc[R][NETC_PANEL_VECTORS];                                                                      \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++) acc[m][v] = netc_vzero();                      \
        for (int ky = 0; ky < kernel_h; ky++) {                                                                   \
          const float *const *line = px + ky * (R + 2);                                                           \
          const float *taps = b + (size_t)ky * 3 * cin * NETC_PANEL;                                              \
          for (int i = 0; i < cin; i++) {                                                                         \
            NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++) {                                            \
              const netc_vindex lanes = netc_vload_index(index + i * NETC_PANEL + v * NETC_LANES);                \
              netc_vec w[3];                                                                                      \
              NETC_UNROLL for (int kx = 0; kx < 3; kx++)                                                          \
                w[kx] = netc_vload(taps + ((size_t)kx * cin + i) * NETC_PANEL + v * NETC_LANES);                  \
              NETC_UNROLL for (int p = 0; p < R + 2; p++) {                                                       \
                const netc_vec x = netc_vpick(line[p] + offset + start[v], span[v], lanes);                       \
                NETC_UNROLL for (int kx = 0; kx < 3; kx++)                                                        \
                  if (p - kx >= 0 && p - kx < R) acc[p - kx][v] = netc_vfma(x, w[kx], acc[p - kx][v]);            \
              }                                                                                                   \
            }                                                                                                     \
          }                                                                                                       \
        }                                                                                                         \
        NETC_UNROLL for (int m = 0; m < R; m++)                                                                   \
          NETC_UNROLL for (int v = 0; v < NETC_PANEL_VECTORS; v++)                                                \
            netc_store_sums(acc[m][v], e, residual ? residual[m] : NULL, c[m], v * NETC_LANES, columns);          \
      }

    """#

  /// Per vector width, both tiles for every row count up to its own, and `netc_grouped_tile` and
  /// `netc_grouped_run`, which pick by rows.
  private static let groupedDispatchText: String = {
    var text = ""
    for (index, (lanes, rows)) in groupedRows.enumerated() {
      text += (index == 0 ? "#if" : "#elif") + " NETC_LANES == \(lanes)\n"
      text += "#define NETC_GROUPED_ROWS \(rows)\n"
      text += (1...rows).map { "NETC_GROUPED_TILE(\($0))\nNETC_GROUPED_RUN(\($0))\n" }.joined()
    }
    text += "#endif\n\n"
    let arguments = "start, span, index, b, e, residual, c, columns"
    text += dispatcher(
      "netc_grouped_tile", parameters: "int taps, int cin, const float *const *a, size_t offset",
      arguments: "taps, cin, a, offset, " + arguments)
    text += dispatcher(
      "netc_grouped_run", parameters: "int kernel_h, int cin, const float *const *px, size_t offset",
      arguments: "kernel_h, cin, px, offset, " + arguments)
    return text
  }()

  /// `name(rows, …)`, calling `name_<rows>`: every width has the tiles up to the smallest width's rows; taller
  /// ones exist only where that width has them.
  private static func dispatcher(_ name: String, parameters: String, arguments: String) -> String {
    var text = """
      static void \(name)(int rows, \(parameters),
                          const int *start, const int *span, const int *index, const float *b,
                          const netc_gemm_epilogue *e, const float *const *residual, float *const *c, int columns) {
        switch (rows) {

      """
    let fewest = groupedRows.map(\.rows).min()!
    for rows in (1...groupedRows.map(\.rows).max()!).reversed() {
      let call = "\(name)_\(rows)(\(arguments))"
      text += rows > fewest ? "#if NETC_GROUPED_ROWS >= \(rows)\n  case \(rows): \(call); break;\n#endif\n"
        : "  case \(rows): \(call); break;\n"
    }
    return text + "  }\n}\n\n"
  }

  private static let groupedDriverText = #"""
    /* What panel p of a grouped conv reads and writes for output rows [r, r + count): per vector, the first
       input (from the panel's first group on) and the count it may read, clamped so that a vector past a last
       panel's groups points at their end; the rows' outputs and residuals; its epilogue. Returns its columns. */
    static int netc_grouped_panel(const netc_window *w, const int *first, int p, long r, int count,
                                  const netc_gemm_epilogue *e, const float *residual, float *out, int *start,
                                  int *span, float **o, const float **res, netc_gemm_epilogue *panel_epilogue) {
      const int cin = w->in_c / w->groups, cout = w->out_c / w->groups;
      const int columns = w->out_c - p * NETC_PANEL < NETC_PANEL ? w->out_c - p * NETC_PANEL : NETC_PANEL;
      const int readable = columns / cout * cin;
      for (int v = 0; v < NETC_PANEL_VECTORS; v++) {
        start[v] = first[v] < readable ? first[v] : readable;
        span[v] = readable - start[v];
      }
      for (int m = 0; m < count; m++) {
        const size_t at = (size_t)(r + m) * w->out_c + (size_t)p * NETC_PANEL;
        o[m] = out + at;
        res[m] = residual ? residual + at : NULL;
      }
      panel_epilogue->scale = e->scale ? e->scale + p * NETC_PANEL : NULL;
      panel_epilogue->shift = e->shift ? e->shift + p * NETC_PANEL : NULL;
      panel_epilogue->relu = e->relu;
      return columns;
    }

    /* out (NHWC) = the grouped conv of in (NHWC), then the epilogue (+ an identity residual before ReLU when
       residual is not NULL; it may be out), for cout = out_c / groups dividing 16 and cin = in_c / groups at
       most cout, so that a panel's groups read at most 16 contiguous input channels. weight is packed as if
       ungrouped, [panel][tap][cin][16]; e's scale and shift are [panels * 16]. Work units (a row tile through
       every panel, its row pointers shared) are split statically over the team; a kernel 3 wide at stride 1
       takes runs along an output row instead, the row split evenly (netc_grouped_run). */
    static void netc_conv_grouped(const netc_window *w, const float *weight, const netc_gemm_epilogue *e,
                                  const float *residual, const float *in, float *out, const netc_team *team) {
      const int cin = w->in_c / w->groups, cout = w->out_c / w->groups, taps = w->kernel_h * w->kernel_w;
      const int panels = (w->out_c + NETC_PANEL - 1) / NETC_PANEL, panel_groups = NETC_PANEL / cout;
      const size_t panel_stride = (size_t)taps * cin * NETC_PANEL;
      /* Lane l of vector v (lanes [v * NETC_LANES, (v + 1) * NETC_LANES) of the panel) computes output channel
         l % cout of the panel's group l / cout: it reads that group's input channel i, at offset first[v] from
         the panel's first group onwards. */
      int first[NETC_PANEL_VECTORS], index[NETC_PANEL * NETC_PANEL];
      for (int v = 0; v < NETC_PANEL_VECTORS; v++) first[v] = v * NETC_LANES / cout * cin;
      for (int i = 0; i < cin; i++)
        for (int l = 0; l < NETC_PANEL; l++) index[i * NETC_PANEL + l] = l / cout * cin + i - first[l / NETC_LANES];
      int start[NETC_PANEL_VECTORS], span[NETC_PANEL_VECTORS];
      const float *res[NETC_GROUPED_ROWS];
      float *o[NETC_GROUPED_ROWS];
      netc_gemm_epilogue panel_epilogue;
      long first_unit, end_unit;
      if (w->kernel_w == 3 && w->stride_w == 1 && w->dilation_w == 1) {
        const int runs = (w->out_w + NETC_GROUPED_ROWS - 1) / NETC_GROUPED_ROWS;
        netc_share(team, (long)w->batch * w->out_h * runs, &first_unit, &end_unit);
        for (long u = first_unit; u < end_unit; u++) {
          const int run = (int)(u % runs), oy = (int)(u / runs % w->out_h), n = (int)(u / runs / w->out_h);
          const int x0 = run * w->out_w / runs, count = (run + 1) * w->out_w / runs - x0;
          const float *px[(NETC_GROUPED_ROWS + 2) * (\#(indirectTaps) / 3)];
          for (int ky = 0; ky < w->kernel_h; ky++) {
            const int iy = oy * w->stride_h - w->pad_h + ky * w->dilation_h;
            for (int p = 0; p < count + 2; p++) {
              const int ix = x0 - w->pad_w + p;
              px[ky * (count + 2) + p] = iy >= 0 && iy < w->in_h && ix >= 0 && ix < w->in_w
                                             ? in + (((size_t)n * w->in_h + iy) * w->in_w + ix) * w->in_c
                                             : netc_zero_row;
            }
          }
          const long r = ((long)n * w->out_h + oy) * w->out_w + x0;
          for (int p = 0; p < panels; p++) {
            const int columns =
                netc_grouped_panel(w, first, p, r, count, e, residual, out, start, span, o, res, &panel_epilogue);
            netc_grouped_run(count, w->kernel_h, cin, px, (size_t)p * panel_groups * cin, start, span, index,
                             weight + p * panel_stride, &panel_epilogue, residual ? res : NULL, o, columns);
          }
        }
        return;
      }
      const long rows = (long)w->batch * w->out_h * w->out_w;
      netc_share(team, (rows + NETC_GROUPED_ROWS - 1) / NETC_GROUPED_ROWS, &first_unit, &end_unit);
      for (long tile = first_unit; tile < end_unit; tile++) {
        const long r = tile * NETC_GROUPED_ROWS;
        const int count = rows - r < NETC_GROUPED_ROWS ? (int)(rows - r) : NETC_GROUPED_ROWS;
        const float *a[NETC_GROUPED_ROWS * \#(indirectTaps)];
        netc_conv_rows(w, in, 0, r, count, a);
        for (int p = 0; p < panels; p++) {
          const int columns =
              netc_grouped_panel(w, first, p, r, count, e, residual, out, start, span, o, res, &panel_epilogue);
          netc_grouped_tile(count, taps, cin, a, (size_t)p * panel_groups * cin, start, span, index,
                            weight + p * panel_stride, &panel_epilogue, residual ? res : NULL, o, columns);
        }
      }
    }

    """#
}
