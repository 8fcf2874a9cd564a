// The training step's convolution kernels, each a matrix product per image and group over im2col columns
// (read in place for 1x1 stride-1 unpadded convolutions): the forward pass W * cols, the input gradient (a
// stride-1 convolution of dy by the flipped weights where it is one, else col2im(W^T * dy)), and the weight
// gradient, the sum over the batch of cols * dy^T.

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
    "netc_conv2d_train", uses: [convImages, winogradTrain],
    #"""
    /* A convolution in the training step (weight [out_c, in_c / groups, kernel_h, kernel_w], bias or NULL), by
       Winograd where it fits, else over im2col columns; the bias added per image after. scratch: the Winograd
       scratch, or one group's columns unless read in place. */
    static void netc_conv2d_train(const netc_team *team, const netc_window *c, const float *weight,
                                  const float *bias, const float *in, float *scratch, float *out) {
      const size_t plane = (size_t)c->out_h * c->out_w;
      if (netc_winograd_train_fits(c))
        netc_conv_winograd_train(team, c, weight, 0, in, scratch, out);
      else
        netc_conv_images(team, c, weight, in, scratch, out);
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
    uses: [share, convGeometry, im2col, stridedTranspose, trainingGemm, shiftedGradWeight],
    #"""
    /* Images whose products netc_conv2d_grad_weight sums in float before it adds them to its double sums: as
       many as make 1024 terms (one 32 x 32 plane), at least one. A float sum of n terms is off by about
       sqrt(n) roundings, so a bounded n keeps the batch's sum near PyTorch's; the double pass is over dW once
       per chunk, little beside the chunk's products. */
    static int netc_grad_weight_chunk(const netc_window *c) {
      const size_t images = 1024 / ((size_t)c->out_h * c->out_w);
      return images < 1 ? 1 : (int)images;
    }

    /* The weight gradient of a convolution: by netc_conv_grad_weight_shifted where netc_conv_shifts, else dW^T =
       the sum over images of cols * dy^T, in float over netc_grad_weight_chunk images at a time, then in double
       over the chunks, then transposed into PyTorch's layout. The team shares out each group's input channels
       (rows of dW^T), so every element is summed by one thread in the same order whatever the count. scratch:
       the shifted kernel's, or every group's dW^T in double then in float (in_c / groups * taps * out_c values
       each), one image's dy^T (plane * out_c floats), then one group's columns unless read in place. */
    static void netc_conv2d_grad_weight(const netc_team *team, const netc_window *c, const float *dy,
                                        const float *x, float *scratch, float *dw) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const int taps = c->kernel_h * c->kernel_w, chunk = netc_grad_weight_chunk(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      const size_t group_weights = (size_t)depth * out_per_group;
      if (netc_conv_shifts(c)) {
        netc_conv_grad_weight_shifted(team, c, dy, x, scratch, dw);
        return;
      }
      long first, end;
      netc_share(team, (long)in_per_group, &first, &end);
      const int channels = (int)(end - first), rows = channels * taps;
      if (channels == 0) return;
      double *totals = (double *)scratch;
      float *sums = (float *)(totals + c->groups * group_weights), *gradient = sums + c->groups * group_weights;
      float *columns = gradient + plane * c->out_c;
      for (int n = 0; n < c->batch; n++) {
        netc_strided_transpose(c->out_c, (int)plane, dy + (size_t)n * c->out_c * plane, plane, gradient,
                               (size_t)c->out_c);
        for (int g = 0; g < c->groups; g++) {
          const float *image = x + ((size_t)n * c->in_c + (size_t)(g * in_per_group + first)) * in_plane, *cols = image;
          size_t ld = plane;
          if (!netc_conv_in_place(c)) {
            ld = netc_column_stride(c);
            netc_im2col(c, channels, image, columns, ld);
            cols = columns;
          }
          netc_train_gemm(rows, out_per_group, (int)plane, cols, ld, gradient + g * out_per_group, (size_t)c->out_c,
                          sums + g * group_weights + first * taps * out_per_group, (size_t)out_per_group,
                          n % chunk > 0);
        }
        if ((n + 1) % chunk == 0 || n + 1 == c->batch)
          for (int g = 0; g < c->groups; g++) {
            const size_t at = g * group_weights + first * taps * out_per_group, count = (size_t)rows * out_per_group;
            for (size_t k = 0; k < count; k++) totals[at + k] = (n < chunk ? 0.0 : totals[at + k]) + sums[at + k];
          }
      }
      for (int g = 0; g < c->groups; g++)
        for (int r = 0; r < rows; r++)
          for (int o = 0; o < out_per_group; o++)
            dw[g * group_weights + (size_t)o * depth + first * taps + r] =
                (float)totals[g * group_weights + (first * taps + r) * out_per_group + o];
    }

    """#)
}
