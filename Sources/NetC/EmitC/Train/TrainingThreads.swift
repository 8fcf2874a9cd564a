// The training step's threads: every thread runs the whole pass, sharing out the work of the layers that split
// (images, channels or element ranges, each result computed by one thread in a fixed order, so any thread count
// gives the same bits) and meeting at a barrier after every layer. Workers are pthreads, with -D<PREFIX>_THREADS.

extension CKernel {
  static let trainingTeam = CKernel(
    "netc_train_team",
    #"""
    /* A thread's part in the training step: thread index of count, its scratch (thread 0 uses the arena's), and
       the pool whose barrier the team meets at. */
    typedef struct netc_train_pool netc_train_pool;
    typedef struct {
      int index, count;
      void *workspace;
      netc_train_pool *pool;
    } netc_train_team;

    /* This thread's part [*begin, *end) of total items: contiguous, in thread order. */
    static void netc_train_share(const netc_train_team *team, size_t total, size_t *begin, size_t *end) {
      *begin = total * (size_t)team->index / (size_t)team->count;
      *end = total * (size_t)(team->index + 1) / (size_t)team->count;
    }

    """#)

  static let trainingScratch = CKernel(
    "netc_train_own", uses: [trainingTeam],
    #"""
    /* The scratch this thread works in. */
    static void *netc_train_own(const netc_train_team *team, void *scratch) {
      return team->index ? team->workspace : scratch;
    }

    """#)
}

enum TrainingThreads {
  /// The pool and its barrier: before the pass, which meets at it.
  static func pool(prefix p: String, upper u: String) -> String {
    #"""
    #if defined(\#(u)_THREADS)
    #include <pthread.h>
    #include <sched.h>
    #include <stdatomic.h>

    /* Workers sleep until the generation changes, then run that step's pass; `round` counts barrier crossings. */
    struct netc_train_pool {
      int count, started, generation, stop;
      pthread_t *ids;
      netc_train_team *teams;
      unsigned char *workspaces;
      pthread_mutex_t lock;
      pthread_cond_t wake;
      atomic_int arrived, round;
      struct \#(p)_train_state *state;
      const int32_t *labels;
      const float *input;
      unsigned char *arena;
    };

    /* Waits until every thread of the team arrived: the last one to arrive opens the next round. Spinning, as
       the layers between barriers take microseconds to milliseconds, but yielding the core after a while, so a
       thread the system descheduled (more threads than free cores) gets to run and arrive. */
    static void netc_train_sync(const netc_train_team *team) {
      if (team->count == 1) return;
      netc_train_pool *pool = team->pool;
      const int round = atomic_load_explicit(&pool->round, memory_order_acquire);
      if (atomic_fetch_add_explicit(&pool->arrived, 1, memory_order_acq_rel) == team->count - 1) {
        atomic_store_explicit(&pool->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&pool->round, round + 1, memory_order_release);
      } else {
        for (int spins = 0; atomic_load_explicit(&pool->round, memory_order_acquire) == round; spins++)
          if (spins >= 4000) sched_yield();
      }
    }
    #else
    static void netc_train_sync(const netc_train_team *team) { (void)team; }
    #endif


    """#
  }

  /// The workers and the API that starts, stops and steps with them: after the pass.
  static func definitions(prefix p: String, upper u: String) -> String {
    #"""
    #if defined(\#(u)_THREADS)
    static void *netc_train_work(void *argument) {
      const netc_train_team *team = argument;
      netc_train_pool *pool = team->pool;
      int seen = 0;
      for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->lock);
        seen = pool->generation;
        const int stop = pool->stop;
        pthread_mutex_unlock(&pool->lock);
        if (stop) return NULL;
        netc_train_pass(pool->state, pool->labels, pool->input, pool->arena, NULL, team);
      }
    }

    void \#(p)_train_threads_stop(\#(p)_train_threads *threads) {
      netc_train_pool *pool = (netc_train_pool *)threads;
      if (!pool) return;
      pthread_mutex_lock(&pool->lock);
      pool->stop = 1;
      pool->generation++;
      pthread_cond_broadcast(&pool->wake);
      pthread_mutex_unlock(&pool->lock);
      for (int i = 0; i < pool->started; i++) pthread_join(pool->ids[i], NULL);
      pthread_cond_destroy(&pool->wake);
      pthread_mutex_destroy(&pool->lock);
      free(pool->ids);
      free(pool->teams);
      free(pool->workspaces);
      free(pool);
    }

    \#(p)_status \#(p)_train_threads_start(int count, \#(p)_train_threads **threads) {
      if (!threads || count < 1) return \#(u)_ERR_ARGUMENT;
      *threads = NULL;
      netc_train_pool *pool = calloc(1, sizeof *pool);
      if (!pool) return \#(u)_ERR_NOMEM;
      pool->count = count;
      pool->ids = calloc((size_t)count, sizeof *pool->ids);
      pool->teams = calloc((size_t)count, sizeof *pool->teams);
      pool->workspaces = malloc((size_t)count * \#(u)_TRAIN_WORKSPACE_BYTES + 1);
      atomic_init(&pool->arrived, 0);
      atomic_init(&pool->round, 0);
      if (!pool->ids || !pool->teams || !pool->workspaces || pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool->ids);
        free(pool->teams);
        free(pool->workspaces);
        free(pool);
        return \#(u)_ERR_NOMEM;
      }
      pthread_cond_init(&pool->wake, NULL);
      for (int i = 0; i < count; i++)
        pool->teams[i] = (netc_train_team){i, count, pool->workspaces + (size_t)i * \#(u)_TRAIN_WORKSPACE_BYTES, pool};
      for (int i = 1; i < count; i++) {
        if (pthread_create(&pool->ids[i - 1], NULL, netc_train_work, &pool->teams[i]) != 0) {
          \#(p)_train_threads_stop((\#(p)_train_threads *)pool);
          return \#(u)_ERR_NOMEM;
        }
        pool->started = i;
      }
      *threads = (\#(p)_train_threads *)pool;
      return \#(u)_OK;
    }

    /* Hands the pass to the workers and runs thread 0's part; the pass ends at a barrier, so all are done. */
    static void netc_train_run(\#(p)_train_threads *threads, struct \#(p)_train_state *m, const int32_t *labels,
                               const float *input, unsigned char *arena, float *logits) {
      netc_train_pool *pool = (netc_train_pool *)threads;
      if (!pool || pool->count == 1) {
        const netc_train_team alone = {0, 1, NULL, NULL};
        netc_train_pass(m, labels, input, arena, logits, &alone);
        return;
      }
      pthread_mutex_lock(&pool->lock);
      pool->state = m;
      pool->labels = labels;
      pool->input = input;
      pool->arena = arena;
      pool->generation++;
      pthread_cond_broadcast(&pool->wake);
      pthread_mutex_unlock(&pool->lock);
      netc_train_pass(m, labels, input, arena, logits, &pool->teams[0]);
    }
    #else
    /* Without pthreads a pool is one thread: a token that is never dereferenced. */
    void \#(p)_train_threads_stop(\#(p)_train_threads *threads) { free(threads); }

    \#(p)_status \#(p)_train_threads_start(int count, \#(p)_train_threads **threads) {
      if (!threads || count != 1) return \#(u)_ERR_ARGUMENT;
      *threads = malloc(1);
      return *threads ? \#(u)_OK : \#(u)_ERR_NOMEM;
    }

    static void netc_train_run(\#(p)_train_threads *threads, struct \#(p)_train_state *m, const int32_t *labels,
                               const float *input, unsigned char *arena, float *logits) {
      const netc_train_team alone = {0, 1, NULL, NULL};
      (void)threads;
      netc_train_pass(m, labels, input, arena, logits, &alone);
    }
    #endif


    """#
  }

  static func declarations(prefix p: String, upper u: String, workspaceBytes: Int) -> String {
    #"""
    /* Threads for training steps: count - 1 pthreads beside the caller's, each with its own scratch, when the
       file is built with -D\#(u)_THREADS; without it only count 1 is accepted (count > 1 is \#(u)_ERR_ARGUMENT).
       A step gives the same bits for any count. */
    #define \#(u)_TRAIN_WORKSPACE_BYTES \#(workspaceBytes)
    typedef struct \#(p)_train_threads \#(p)_train_threads;
    \#(p)_status \#(p)_train_threads_start(int count, \#(p)_train_threads **threads);
    void \#(p)_train_threads_stop(\#(p)_train_threads *threads);

    /* \#(p)_train_step on the pool's threads (NULL: the calling thread alone). */
    \#(p)_status \#(p)_train_step_threads(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                          const \#(p)_sgd *sgd, void *arena, float *loss, float *logits,
                                          \#(p)_train_threads *threads);

    """#
  }
}
