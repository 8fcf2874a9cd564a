// The training step's convolution kernels, each a matrix product per image and group over im2col columns
// (read in place for 1x1 stride-1 unpadded convolutions): the forward pass W * cols, the input gradient (a
// stride-1 convolution of dy by the flipped weights where it is one, else col2im(W^T * dy)), and the weight
// gradient, the sum over the batch of cols * dy^T (its columns read from the input in place).

extension CKernel {
  static let convGeometry = CKernel(
    "netc_conv_depth", uses: [window],
    #"""
    /* The depth of a convolution's product (one group's inputs times its taps), and whether its columns are the
       input itself (a 1x1 stride-1 unpadded convolution, which needs no im2col). */
    static int netc_conv_depth(const netc_window *c) { return c->in_c / c->groups * c->kernel_h * c->kernel_w; }
    static int netc_conv_in_place(const netc_window *c) {
      return c->kernel_h == 1 && c->kernel_w == 1 && c->stride_h == 1 && c->stride_w == 1 && c->pad_h == 0 &&
             c->pad_w == 0;
    }

    /* The distance between rows of im2col columns: 16 floats past the plane, so that a product walking down the
       rows of a power-of-two plane does not find them all in one set of the cache. */
    static size_t netc_column_stride(const netc_window *c) { return (size_t)c->out_h * c->out_w + 16; }

    """#)

  static let convImages = CKernel(
    "netc_conv_images", uses: [team, convGeometry, im2col, trainingGemm],
    #"""
    /* out = the convolution of in by weight [out_c, in_c / groups, kernel_h, kernel_w]: per image and group,
       W * cols; the team shares out the images. scratch: one group's columns, unless read in place. */
    static void netc_conv_images(const netc_team *team, const netc_window *c, const float *weight, const float *in,
                                 float *scratch, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      for (int n = team->index; n < c->batch; n += team->count)
        for (int g = 0; g < c->groups; g++) {
          const float *x = in + ((size_t)n * c->in_c + (size_t)g * in_per_group) * in_plane, *columns = x;
          size_t ld = plane;
          if (!netc_conv_in_place(c)) {
            ld = netc_column_stride(c);
            netc_im2col(c, in_per_group, x, scratch, ld);
            columns = scratch;
          }
          netc_train_gemm(out_per_group, (int)plane, depth, weight + (size_t)g * out_per_group * depth, (size_t)depth,
                          columns, ld, out + ((size_t)n * c->out_c + (size_t)g * out_per_group) * plane, plane, 0);
        }
    }

    """#)

  static let conv2dTrain = CKernel(
    "netc_conv2d_train", uses: [team, convImages, winogradTrain],
    #"""
    /* A convolution in the training step (weight [out_c, in_c / groups, kernel_h, kernel_w], bias or NULL), by
       Winograd where it fits, else over im2col columns; the bias added per image after. scratch: the Winograd
       scratch, or one group's columns unless read in place. */
    static void netc_conv2d_train(const netc_team *team, const netc_window *c, const float *weight,
                                  const float *bias, const float *in, float *scratch, float *out) {
      const size_t plane = (size_t)c->out_h * c->out_w;
      if (netc_winograd_train_fits(c)) {
        netc_conv_winograd_train(team, c, weight, 0, in, scratch, out);
        /* Winograd shares out chunks of images, not every count-th image as the bias below: without this wait a
           thread would add the bias to an image another thread has not yet written. */
        if (bias) netc_sync(team);
      } else {
        netc_conv_images(team, c, weight, in, scratch, out);
      }
      if (bias)
        for (int n = team->index; n < c->batch; n += team->count)
          for (int o = 0; o < c->out_c; o++)
            for (size_t k = 0; k < plane; k++) out[((size_t)n * c->out_c + o) * plane + k] += bias[o];
    }

    """#)

  static let conv2dGradInput = CKernel(
    "netc_conv2d_grad_input",
    uses: [convImages, winogradTrain, col2im, stridedTranspose],
    #"""
    /* Whether a convolution's input gradient is itself a stride-1 convolution of dy (by the weights transposed
       per group and flipped, padded by dilation * (kernel - 1) - pad): stride 1, columns to build, and a
       padding that leaves that one non-negative. */
    static int netc_conv_flips(const netc_window *c) {
      return c->stride_h == 1 && c->stride_w == 1 && !netc_conv_in_place(c) &&
             c->pad_h <= c->dilation_h * (c->kernel_h - 1) && c->pad_w <= c->dilation_w * (c->kernel_w - 1);
    }

    /* The input gradient of a convolution. When netc_conv_flips, the convolution of dy by the flipped weights
       (no scatter, every dx element one product's sum), by Winograd where that fits; otherwise per image and
       group, the columns' gradient W^T * dy scattered back onto the input positions they came from. The team
       shares out the images. scratch: the Winograd scratch, or every group's transposed weights (groups * depth
       * out_c / groups floats), then one group's columns (of dy when flipped) unless they are the input
       gradient itself. */
    static void netc_conv2d_grad_input(const netc_team *team, const netc_window *c, const float *weight,
                                       const float *dy, float *scratch, float *dx) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const int taps = c->kernel_h * c->kernel_w;
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      const size_t group_weights = (size_t)depth * out_per_group;
      float *transposed = scratch, *columns = scratch + (size_t)c->groups * group_weights;
      if (netc_conv_flips(c)) {
        const netc_window flipped = {c->batch, c->out_c, c->out_h, c->out_w, c->in_c, c->in_h, c->in_w, c->kernel_h,
                                     c->kernel_w, 1, 1, c->dilation_h * (c->kernel_h - 1) - c->pad_h,
                                     c->dilation_w * (c->kernel_w - 1) - c->pad_w, c->dilation_h, c->dilation_w,
                                     c->groups};
        if (netc_winograd_train_fits(&flipped)) {
          netc_conv_winograd_train(team, &flipped, weight, 1, dy, scratch, dx);
          return;
        }
        for (int g = 0; g < c->groups; g++)
          for (int i = 0; i < in_per_group; i++)
            for (int o = 0; o < out_per_group; o++)
              for (int t = 0; t < taps; t++)
                transposed[g * group_weights + ((size_t)i * out_per_group + o) * taps + t] =
                    weight[g * group_weights + ((size_t)o * in_per_group + i) * taps + (taps - 1 - t)];
        netc_conv_images(team, &flipped, transposed, dy, columns, dx);
        return;
      }
      for (int g = 0; g < c->groups; g++)
        netc_strided_transpose(out_per_group, depth, weight + g * group_weights, (size_t)depth,
                               transposed + g * group_weights, (size_t)out_per_group);
      for (int n = team->index; n < c->batch; n += team->count) {
        float *image = dx + (size_t)n * c->in_c * in_plane;
        if (!netc_conv_in_place(c))
          for (size_t k = 0; k < (size_t)c->in_c * in_plane; k++) image[k] = 0.0f;
        for (int g = 0; g < c->groups; g++) {
          const float *gradient = dy + ((size_t)n * c->out_c + (size_t)g * out_per_group) * plane;
          float *x = image + (size_t)g * in_per_group * in_plane;
          netc_train_gemm(depth, (int)plane, out_per_group, transposed + g * group_weights, (size_t)out_per_group,
                          gradient, plane, netc_conv_in_place(c) ? x : columns, plane, 0);
          if (!netc_conv_in_place(c)) netc_col2im(c, in_per_group, columns, x);
        }
      }
    }

    """#)

  static let conv2dGradWeight = CKernel(
    "netc_conv2d_grad_weight",
    uses: [share, convGeometry, tapRows, stridedTranspose, trainingGemm, shiftedGradWeight, winogradGradWeight],
    #"""
    /* Images whose products netc_grad_weight_taps sums in float before it adds them to its double sums: as
       many as make 1024 terms (one 32 x 32 plane), at least one. A float sum of n terms is off by about
       sqrt(n) roundings, so a bounded n keeps the batch's sum near PyTorch's; the double pass is over dW once
       per chunk, little beside the chunk's products. */
    static int netc_grad_weight_chunk(const netc_window *c) {
      const size_t images = 1024 / ((size_t)c->out_h * c->out_w);
      return images < 1 ? 1 : (int)images;
    }

    /* The weight gradient of images [n0, n1) for output channels [lo, hi): dW^T[i * taps + t][o] = the sum over
       the images, and over the output positions p where tap t reads inside the input, of the input value it
       reads there times dy^T[p][o]: the product of im2col columns and dy^T without the columns (a tap's rows
       read the input in place, skipping the padding's zero terms). Summed in float over netc_grad_weight_chunk
       images, then in double into totals (dW^T, rows out_c apart). Splitting output channels, each caller
       transposes only its own rows of dy. scratch: the float sums (at most in_c / groups * taps * out_c), then
       one image's rows of dy^T (at most plane * out_c floats). */
    static void netc_grad_weight_taps(const netc_window *c, int n0, int n1, int lo, int hi, const float *dy,
                                      const float *x, float *scratch, double *totals) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const int taps = c->kernel_h * c->kernel_w, chunk = netc_grad_weight_chunk(c), outs = hi - lo;
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      float *sums = scratch, *gradient = sums + (size_t)depth * outs;
      for (int n = n0; n < n1; n++) {
        netc_strided_transpose(outs, (int)plane, dy + ((size_t)n * c->out_c + lo) * plane, plane, gradient,
                               (size_t)outs);
        for (int o = lo; o < hi;) {
          const int g = o / out_per_group, next = (g + 1) * out_per_group < hi ? (g + 1) * out_per_group : hi;
          const float *image = x + ((size_t)n * c->in_c + (size_t)g * in_per_group) * in_plane;
          for (int t = 0; t < taps; t++) {
            const int ky = t / c->kernel_w, kx = t % c->kernel_w;
            int y0, y1, x0, x1;
            ptrdiff_t shift;
            netc_tap_rows(c, ky, kx, &y0, &y1, &x0, &x1, &shift);
            const int inside = y0 < y1 && x0 < x1;
            const netc_walk walk = {inside ? y1 - y0 : 0, inside ? x1 - x0 : 0, (size_t)c->stride_w,
                                    (size_t)c->stride_h * c->in_w, (size_t)c->out_w * outs};
            const ptrdiff_t from = (ptrdiff_t)(y0 * c->stride_h + ky * c->dilation_h - c->pad_h) * c->in_w +
                                   (x0 * c->stride_w + kx * c->dilation_w - c->pad_w);
            netc_train_gemm_walk(in_per_group, next - o, &walk, inside ? image + from : image, in_plane,
                                 gradient + (inside ? ((size_t)y0 * c->out_w + x0) * outs : 0) + (o - lo),
                                 (size_t)outs, sums + (size_t)t * outs + (o - lo), (size_t)taps * outs,
                                 (n - n0) % chunk > 0);
          }
          o = next;
        }
        if ((n - n0 + 1) % chunk == 0 || n + 1 == n1)
          for (int r = 0; r < depth; r++) {
            double *row = totals + (size_t)r * c->out_c + lo;
            const float *from = sums + (size_t)r * outs;
            for (int j = 0; j < outs; j++) row[j] = (n - n0 < chunk ? 0.0 : row[j]) + from[j];
          }
      }
    }

    /* The weight gradient of a convolution, by netc_conv_grad_weight_winograd where
       netc_winograd_grad_weight_fits, else by netc_conv_grad_weight_shifted where netc_conv_shifts, else by
       netc_grad_weight_taps: the batch cut into `blocks` blocks of images, each summed in double into its own
       partial sums in shared (blocks * out_c * in_c / groups * taps doubles), then, once the team has met,
       every element of dW the sum of its blocks' in block order, stored in PyTorch's layout. blocks is the
       layer's, not the thread count's, so the bits are the same whatever the count. The team shares out blocks
       * count units, a unit one of count slices of a block's channels (output channels for the taps, a group's
       input channels for the shifted planes): when the count divides blocks every thread sums whole blocks,
       reading only its own images, and the shares are even whatever it is (the shifted planes slice a group's input
       channels, the others output channels). scratch: the kernel's. */
    static void netc_conv2d_grad_weight(const netc_team *team, const netc_window *c, int blocks, const float *dy,
                                        const float *x, float *scratch, double *shared, float *dw) {
      const int winograd = netc_winograd_grad_weight_fits(c), shifts = !winograd && netc_conv_shifts(c);
      const int depth = netc_conv_depth(c);
      const size_t size = (size_t)c->out_c * depth;
      const long slices = team->count, channels = shifts ? c->in_c / c->groups : c->out_c;
      long first, end;
      netc_share(team, blocks * slices, &first, &end);
      for (long unit = first; unit < end;) {
        const int b = (int)(unit / slices);
        const long next = (b + 1) * slices < end ? (b + 1) * slices : end;
        const int n0 = c->batch * b / blocks, n1 = c->batch * (b + 1) / blocks;
        const int lo = (int)(channels * (unit - b * slices) / slices);
        const int hi = (int)(channels * (next - b * slices) / slices);
        double *totals = shared + b * size;
        if (lo < hi && winograd) netc_conv_grad_weight_winograd(c, n0, n1, lo, hi, dy, x, scratch, totals);
        else if (lo < hi && shifts) netc_conv_grad_weight_shifted(c, n0, n1, lo, hi, dy, x, scratch, totals);
        else if (lo < hi) netc_grad_weight_taps(c, n0, n1, lo, hi, dy, x, scratch, totals);
        unit = next;
      }
      netc_sync(team);
      /* A block's element (o, r) is at o * down + r * across: dW's layout for Winograd and the shifted planes,
         dW^T's for the taps. */
      const int transposed = !winograd && !shifts;
      const size_t down = transposed ? 1 : (size_t)depth, across = transposed ? (size_t)c->out_c : 1;
      netc_share(team, (long)size, &first, &end);
      for (long e = first; e < end; e++) {
        const size_t at = (size_t)e / depth * down + (size_t)e % depth * across;
        double sum = 0.0;
        for (int b = 0; b < blocks; b++) sum += shared[b * size + at];
        dw[e] = (float)sum;
      }
    }

    """#)
}
