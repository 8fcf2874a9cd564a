// Kernels of training on [batch, features]: the fully connected layer with PyTorch's weight layout (the
// optimizer updates it in place) and its gradients, the softmax cross-entropy loss and its gradient, and SGD.

extension CKernel {
  static let denseShape = CKernel(
    "netc_dense_train",
    #"""
    /* A fully connected layer's sizes; its weight is [out_features, in_features], PyTorch's layout. */
    typedef struct {
      int batch, in_features, out_features;
    } netc_dense_train;

    """#)

  static let linearForward = CKernel(
    "netc_linear_forward", uses: [denseShape],
    #"""
    /* y[n, o] = sum over i of w[o, i] * x[n, i], plus bias[o] (NULL: none), in double. */
    static void netc_linear_forward(const netc_dense_train *d, const float *w, const float *bias, const float *x,
                                    float *y) {
      for (int n = 0; n < d->batch; n++)
        for (int o = 0; o < d->out_features; o++) {
          const float *row = w + (size_t)o * d->in_features, *in = x + (size_t)n * d->in_features;
          double sum = bias ? bias[o] : 0.0;
          for (int i = 0; i < d->in_features; i++) sum += (double)row[i] * in[i];
          y[(size_t)n * d->out_features + o] = (float)sum;
        }
    }

    """#)

  static let linearGradInput = CKernel(
    "netc_linear_grad_input", uses: [denseShape],
    #"""
    /* dx[n, i] = sum over o of dy[n, o] * w[o, i], in double in scratch (in_features doubles). */
    static void netc_linear_grad_input(const netc_dense_train *d, const float *w, const float *dy, double *scratch,
                                       float *dx) {
      for (int n = 0; n < d->batch; n++) {
        for (int i = 0; i < d->in_features; i++) scratch[i] = 0.0;
        for (int o = 0; o < d->out_features; o++) {
          const double g = dy[(size_t)n * d->out_features + o];
          const float *row = w + (size_t)o * d->in_features;
          for (int i = 0; i < d->in_features; i++) scratch[i] += g * row[i];
        }
        for (int i = 0; i < d->in_features; i++) dx[(size_t)n * d->in_features + i] = (float)scratch[i];
      }
    }

    """#)

  static let linearGradWeight = CKernel(
    "netc_linear_grad_weight", uses: [denseShape],
    #"""
    /* dw[o, i] = sum over n of dy[n, o] * x[n, i], in double. */
    static void netc_linear_grad_weight(const netc_dense_train *d, const float *dy, const float *x, float *dw) {
      for (int o = 0; o < d->out_features; o++)
        for (int i = 0; i < d->in_features; i++) {
          double sum = 0.0;
          for (int n = 0; n < d->batch; n++)
            sum += (double)dy[(size_t)n * d->out_features + o] * x[(size_t)n * d->in_features + i];
          dw[(size_t)o * d->in_features + i] = (float)sum;
        }
    }

    """#)

  static let crossEntropy = CKernel(
    "netc_softmax_cross_entropy",
    #"""
    /* The mean over the batch of log(sum of exp(z)) - z[label], the largest logit subtracted first. */
    static void netc_softmax_cross_entropy(int batch, int classes, const float *logits, const int32_t *labels,
                                           float *loss) {
      double total = 0.0;
      for (int n = 0; n < batch; n++) {
        const float *z = logits + (size_t)n * classes;
        double largest = z[0], sum = 0.0;
        for (int c = 1; c < classes; c++)
          if (z[c] > largest) largest = z[c];
        for (int c = 0; c < classes; c++) sum += exp(z[c] - largest);
        total += log(sum) + largest - z[labels[n]];
      }
      *loss = (float)(total / batch);
    }

    """#)

  static let crossEntropyGrad = CKernel(
    "netc_softmax_cross_entropy_grad",
    #"""
    /* (softmax(z) - onehot(label)) / batch; dz may be the logits. */
    static void netc_softmax_cross_entropy_grad(int batch, int classes, const float *logits, const int32_t *labels,
                                                float *dz) {
      for (int n = 0; n < batch; n++) {
        const float *z = logits + (size_t)n * classes;
        float *out = dz + (size_t)n * classes;
        double largest = z[0], sum = 0.0;
        for (int c = 1; c < classes; c++)
          if (z[c] > largest) largest = z[c];
        for (int c = 0; c < classes; c++) sum += exp(z[c] - largest);
        for (int c = 0; c < classes; c++)
          out[c] = (float)((exp(z[c] - largest) / sum - (c == labels[n] ? 1.0 : 0.0)) / batch);
      }
    }

    """#)

  static let sgd = CKernel(
    "netc_sgd",
    #"""
    /* PyTorch's SGD for one tensor, in double: g = grad + weight_decay * w; buffer = momentum * buffer + g;
       w -= lr * buffer. Buffers start at zero, which makes the first step's buffer g, as PyTorch's. */
    static void netc_sgd(size_t count, const float *grad, double lr, double momentum, double weight_decay, float *w,
                         float *buffer) {
      for (size_t i = 0; i < count; i++) {
        const double g = grad[i] + weight_decay * w[i], b = momentum * buffer[i] + g;
        buffer[i] = (float)b;
        w[i] = (float)(w[i] - lr * b);
      }
    }

    """#)
}
