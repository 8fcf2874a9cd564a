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
    "netc_team", uses: [now],
    #"""
    /* The threads running a forward pass together: this thread's index and their count. Kernels split their
       work statically by index, and never sum across threads, so every element is computed the same way
       whatever the count. */
    typedef struct {
      int index, count;
      void *barrier; /* shared by the team; NULL when the count is 1 */
    } netc_team;

    #if NETC_THREADS
    #include <pthread.h>
    #include <stdatomic.h>

    /* Where threads wait for a value to change: they spin a while (the next layer or run is usually due within
       microseconds), then sleep on wake, so that threads sharing their cores with other processes do not burn
       the time slices the threads they wait for need. */
    typedef struct {
      atomic_int sleepers;
      pthread_mutex_t lock;
      pthread_cond_t wake;
    } netc_waiting;

    /* Seconds a waiting thread spins before it sleeps: longer than a wake-up takes, and short enough not to
       hold a core long from a thread that needs it. At 50 us, on a virtual machine whose wake-ups took about as
       long, half the processes settled into a cascade: a woken thread came late to the next meeting, where the
       other had already gone to sleep, and ResNet-20 on 2 threads took 1.7 ms instead of 0.25. At 1 ms none
       did (OpenMP runtimes spin for 200 ms by default). */
    #define NETC_SPIN_SECONDS 1e-3

    static int netc_waiting_init(netc_waiting *w) {
      atomic_init(&w->sleepers, 0);
      if (pthread_mutex_init(&w->lock, NULL) != 0) return -1;
      if (pthread_cond_init(&w->wake, NULL) == 0) return 0;
      pthread_mutex_destroy(&w->lock);
      return -1;
    }

    static void netc_waiting_destroy(netc_waiting *w) {
      pthread_cond_destroy(&w->wake);
      pthread_mutex_destroy(&w->lock);
    }

    /* Returns once *value is no longer seen. A sleeper counts itself before it checks the value, and a changer
       stores the value before it checks for sleepers (both sequentially consistent), so one of them sees the
       other: a sleeper is never left waiting for a broadcast that came too early. */
    static void netc_wait_change(netc_waiting *w, atomic_uint *value, unsigned seen) {
      const double start = netc_now();
      for (int spins = 1; atomic_load_explicit(value, memory_order_acquire) == seen; spins++) {
    #if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        __builtin_ia32_pause();
    #endif
        if (spins % 64 != 0 || netc_now() - start < NETC_SPIN_SECONDS) continue;
        pthread_mutex_lock(&w->lock);
        atomic_fetch_add(&w->sleepers, 1);
        while (atomic_load(value) == seen) pthread_cond_wait(&w->wake, &w->lock);
        atomic_fetch_sub(&w->sleepers, 1);
        pthread_mutex_unlock(&w->lock);
        return;
      }
    }

    /* Sets *value (a sequentially consistent store), then wakes whoever sleeps waiting for it to change. */
    static void netc_change(netc_waiting *w, atomic_uint *value, unsigned to) {
      atomic_store(value, to);
      if (atomic_load(&w->sleepers) == 0) return;
      pthread_mutex_lock(&w->lock);
      pthread_cond_broadcast(&w->wake);
      pthread_mutex_unlock(&w->lock);
    }

    /* The team's meeting point: the last of count threads to arrive starts the next round. Rounds count up
       without end, so they are unsigned: they wrap where a signed count's overflow would be undefined. */
    typedef struct {
      atomic_int arrived;
      atomic_uint round;
      int count;
      netc_waiting waiting;
    } netc_barrier;

    static int netc_barrier_init(netc_barrier *b, int count) {
      atomic_init(&b->arrived, 0);
      atomic_init(&b->round, 0);
      b->count = count;
      return netc_waiting_init(&b->waiting);
    }

    static void netc_barrier_wait(netc_barrier *b) {
      const unsigned round = atomic_load_explicit(&b->round, memory_order_acquire);
      if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == b->count - 1) {
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        netc_change(&b->waiting, &b->round, round + 1);
        return;
      }
      netc_wait_change(&b->waiting, &b->round, round);
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

  static let nextCell = CKernel(
    "netc_next_cell",
    #"""
    /* Cell (x, y) of batch item n of a width x height grid (a map's pixels, a Winograd conv's tiles) to the next
       one: a run of cells steps along instead of dividing its index out per cell, as the divisions cost as much
       as a narrow group's products, a stem row's copies or a tile's transform. */
    static inline void netc_next_cell(int width, int height, int *x, int *y, int *n) {
      if (++*x == width) {
        *x = 0;
        if (++*y == height) {
          *y = 0;
          ++*n;
        }
      }
    }

    """#)

  /// Only where a kernel splits work: a file whose layers all run in place has none, and clang rejects an unused
  /// static inline function.
  static let share = CKernel(
    "netc_share", uses: [team],
    #"""
    /* Thread index's share [*begin, *end) of total items. */
    static inline void netc_share(const netc_team *team, long total, long *begin, long *end) {
      *begin = total * team->index / team->count;
      *end = total * (team->index + 1) / team->count;
    }

    """#)

  /// Read by waiting threads and by the profile's clock: a file built without threads whose layers all run in
  /// place has no profile entries (see `LayerSection`) and reads no clock, so the C leaves it out then.
  static let now = CKernel(
    "netc_now",
    #"""
    /* Wall-clock seconds: the profile's clock, and how long a waiting thread has spun. */
    #if NETC_THREADS || NETC_PROFILED
    static inline double netc_now(void) {
      struct timespec now;
      timespec_get(&now, TIME_UTC);
      return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
    }
    #endif

    """#)

  static let step = CKernel(
    "netc_step", uses: [team],
    #"""
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
