// C types and helpers shared by the kernels: the geometry of sliding windows (convs and pools), the residual
// operand of an epilogue, and the team of threads that splits every layer's work statically.

extension CKernel {
  static let window = CKernel(
    "netc_window",
    #"""
    /* The geometry of a conv or pool: an input of in_c channels of in_h x in_w pixels and the output a kernel
       window sliding over it makes. The inference kernels store values NHWC, the training step's NCHW. */
    typedef struct {
      int batch, in_c, in_h, in_w, out_c, out_h, out_w;
      int kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups;
    } netc_window;

    """#)

  static let team = CKernel(
    "netc_team",
    #"""
    /* The threads running a forward pass together: this thread's index and their count. Kernels split their
       work statically by index, and never sum across threads, so every element is computed the same way
       whatever the count. */
    typedef struct {
      int index, count;
      void *barrier; /* shared by the team; NULL when the count is 1 */
    } netc_team;

    /* Thread index's share [*begin, *end) of total items. */
    static inline void netc_share(const netc_team *team, long total, long *begin, long *end) {
      *begin = total * team->index / team->count;
      *end = total * (team->index + 1) / team->count;
    }

    #if NETC_THREADS
    #include <sched.h>
    #include <stdatomic.h>

    /* A barrier that spins (the next layer is due within microseconds), yielding the core after a while. */
    typedef struct {
      atomic_int arrived, round;
      int count;
    } netc_barrier;

    static void netc_relax(int spins) {
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
      if (spins < 2000) {
        __builtin_ia32_pause();
        return;
      }
    #endif
      (void)spins;
      sched_yield();
    }

    static void netc_barrier_wait(netc_barrier *b) {
      const int round = atomic_load_explicit(&b->round, memory_order_acquire);
      if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == b->count - 1) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&b->round, round + 1, memory_order_release);
        return;
      }
      for (int spins = 0; atomic_load_explicit(&b->round, memory_order_acquire) == round; spins++) netc_relax(spins);
    }
    #endif

    /* Waits until every thread of the team has come here: what one layer wrote, the next may read. */
    static void netc_sync(const netc_team *team) {
    #if NETC_THREADS
      if (team->count > 1) netc_barrier_wait((netc_barrier *)team->barrier);
    #else
      (void)team;
    #endif
    }

    """#)

  static let step = CKernel(
    "netc_step", uses: [team],
    #"""
    /* Wall-clock seconds, for the profile. */
    static double netc_now(void) {
      struct timespec now;
      timespec_get(&now, TIME_UTC);
      return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
    }

    /* After a layer: the team meets, then thread 0 records the layer's time when profiling. */
    static void netc_step(const netc_team *team, double *seconds, int layer, double *clock) {
      netc_sync(team);
      if (seconds && team->index == 0) {
        const double now = netc_now();
        seconds[layer] = now - *clock;
        *clock = now;
      }
    }

    """#)

  static let shortcut = CKernel(
    "netc_shortcut",
    #"""
    /* A residual operand of batch items of channels x height x width (NHWC in the inference kernels, NCHW in
       the training step's) and how it maps onto an output: the identity (stride 1, offset 0, the output's
       shape) or the ResNet paper's option A, subsampled by stride and shifted up by offset channels, zero where
       no channel maps. */
    typedef struct {
      const float *data;
      int channels, height, width, stride, offset;
    } netc_shortcut;

    """#)

  /// Apart from `shortcut`: the NCHW kernels of the training step read the shortcut by rows instead.
  static let shortcutPixel = CKernel(
    "netc_shortcut_pixel", uses: [shortcut],
    #"""
    /* The shortcut's channels feeding output pixel (n, y, x): output channel c reads entry c - offset. */
    static const float *netc_shortcut_pixel(const netc_shortcut *s, int n, int y, int x) {
      const size_t pixel = ((size_t)n * s->height + (size_t)y * s->stride) * s->width + (size_t)x * s->stride;
      return s->data + pixel * s->channels;
    }

    """#)
}
