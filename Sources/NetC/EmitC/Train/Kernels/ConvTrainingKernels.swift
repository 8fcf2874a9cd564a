// The training step's convolution kernels, each a matrix product per image and group over im2col columns
// (read in place for 1x1 stride-1 unpadded convolutions): the forward pass W * cols, the input gradient
// col2im(W^T * dy), and the weight gradient, the sum over the batch of cols * dy^T.

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

    """#)

  static let conv2dTrain = CKernel(
    "netc_conv2d_train", uses: [team, convGeometry, im2col, trainingGemm],
    #"""
    /* A convolution in the training step (weight [out_c, in_c / groups, kernel_h, kernel_w], bias or NULL): per
       image and group, out = W * cols (+ bias); the team shares out the images. scratch: one group's columns,
       unless read in place. */
    static void netc_conv2d_train(const netc_team *team, const netc_window *c, const float *weight,
                                  const float *bias, const float *in, float *scratch, float *out) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      for (int n = team->index; n < c->batch; n += team->count)
        for (int g = 0; g < c->groups; g++) {
          const float *x = in + ((size_t)n * c->in_c + (size_t)g * in_per_group) * in_plane, *columns = x;
          if (!netc_conv_in_place(c)) {
            netc_im2col(c, in_per_group, x, scratch);
            columns = scratch;
          }
          float *y = out + ((size_t)n * c->out_c + (size_t)g * out_per_group) * plane;
          netc_train_gemm(out_per_group, (int)plane, depth, weight + (size_t)g * out_per_group * depth, (size_t)depth,
                          columns, plane, y, plane, 0);
          if (bias)
            for (int o = 0; o < out_per_group; o++)
              for (size_t k = 0; k < plane; k++) y[(size_t)o * plane + k] += bias[g * out_per_group + o];
        }
    }

    """#)

  static let conv2dGradInput = CKernel(
    "netc_conv2d_grad_input",
    uses: [team, convGeometry, col2im, stridedTranspose, trainingGemm],
    #"""
    /* The input gradient of a convolution: per image and group, the columns' gradient W^T * dy scattered back onto
       the input positions they came from; the team shares out the images. scratch: every group's W^T (groups *
       depth * out_c / groups floats), then one group's columns unless they are the input gradient itself. */
    static void netc_conv2d_grad_input(const netc_team *team, const netc_window *c, const float *weight,
                                       const float *dy, float *scratch, float *dx) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      const size_t group_weights = (size_t)depth * out_per_group;
      float *transposed = scratch, *columns = scratch + (size_t)c->groups * group_weights;
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
    uses: [team, convGeometry, im2col, stridedTranspose, trainingGemm],
    #"""
    /* The weight gradient of a convolution: dW^T = the sum over images of cols * dy^T, each element summed over
       the images in order, then transposed into PyTorch's layout. The team shares out each group's input
       channels (rows of dW^T), so every element is summed by one thread in the same order whatever the count.
       scratch: one image's dy^T (plane * out_c floats), every group's dW^T (in_c / groups * taps * out_c floats),
       then one group's columns unless read in place. */
    static void netc_conv2d_grad_weight(const netc_team *team, const netc_window *c, const float *dy,
                                        const float *x, float *scratch, float *dw) {
      const int in_per_group = c->in_c / c->groups, out_per_group = c->out_c / c->groups, depth = netc_conv_depth(c);
      const int taps = c->kernel_h * c->kernel_w;
      const size_t in_plane = (size_t)c->in_h * c->in_w, plane = (size_t)c->out_h * c->out_w;
      const size_t group_weights = (size_t)depth * out_per_group;
      float *gradient = scratch, *sums = gradient + plane * c->out_c, *columns = sums + c->groups * group_weights;
      long first, end;
      netc_share(team, (long)in_per_group, &first, &end);
      const int channels = (int)(end - first), rows = channels * taps;
      if (channels == 0) return;
      for (int n = 0; n < c->batch; n++) {
        netc_strided_transpose(c->out_c, (int)plane, dy + (size_t)n * c->out_c * plane, plane, gradient,
                               (size_t)c->out_c);
        for (int g = 0; g < c->groups; g++) {
          const float *image = x + ((size_t)n * c->in_c + (size_t)(g * in_per_group + first)) * in_plane, *cols = image;
          if (!netc_conv_in_place(c)) {
            netc_im2col(c, channels, image, columns);
            cols = columns;
          }
          netc_train_gemm(rows, out_per_group, (int)plane, cols, plane, gradient + g * out_per_group, (size_t)c->out_c,
                          sums + g * group_weights + first * taps * out_per_group, (size_t)out_per_group, n > 0);
        }
      }
      for (int g = 0; g < c->groups; g++)
        netc_strided_transpose(rows, out_per_group, sums + g * group_weights + first * taps * out_per_group,
                               (size_t)out_per_group, dw + g * group_weights + first * taps, (size_t)depth);
    }

    """#)
}
