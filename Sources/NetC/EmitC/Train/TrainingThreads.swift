// The training step's threads: every thread runs the whole pass as a member of a `netc_team` (the inference
// runtime's), sharing out the work of the layers that split (images, channels or element ranges, each result
// computed by one thread in a fixed order, so any thread count gives the same bits) and meeting at the team's
// barrier after every layer. Workers are pthreads, with -D<PREFIX>_THREADS; each has its own scratch.

enum TrainingThreads {
  /// The pool: before the pass, which its workers run.
  static func pool(prefix p: String, upper u: String) -> String {
    #"""
    #if NETC_THREADS
    #include <pthread.h>

    /* A worker: thread `index` of its pool's team. */
    typedef struct {
      struct netc_train_pool *pool;
      int index;
    } netc_train_worker;

    /* Workers sleep until the generation changes, then run that step's pass. */
    struct netc_train_pool {
      int count, started, stop;
      unsigned generation; /* counts up without end: unsigned, so it wraps without undefined behaviour */
      pthread_t *ids;
      netc_team *teams;
      netc_train_worker *workers;
      netc_barrier barrier;
      unsigned char *workspaces;
      pthread_mutex_t lock;
      pthread_cond_t wake;
      struct \#(p)_train_state *state;
      const int32_t *labels;
      const float *input;
      unsigned char *arena;
    };
    #endif


    """#
  }

  /// The workers and the API that starts, stops and steps with them: after the pass.
  static func definitions(prefix p: String, upper u: String) -> String {
    #"""
    #if NETC_THREADS
    static void *netc_train_work(void *argument) {
      const netc_train_worker *worker = argument;
      struct netc_train_pool *pool = worker->pool;
      const netc_team *team = &pool->teams[worker->index];
      unsigned char *workspace = pool->workspaces + (size_t)worker->index * \#(u)_TRAIN_WORKSPACE_BYTES;
      unsigned seen = 0;
      for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (pool->generation == seen) pthread_cond_wait(&pool->wake, &pool->lock);
        seen = pool->generation;
        const int stop = pool->stop;
        pthread_mutex_unlock(&pool->lock);
        if (stop) return NULL;
        netc_train_pass(pool->state, pool->labels, pool->input, pool->arena, NULL, team, workspace, NULL);
      }
    }

    void \#(p)_train_threads_stop(\#(p)_train_threads *threads) {
      struct netc_train_pool *pool = (struct netc_train_pool *)threads;
      if (!pool) return;
      pthread_mutex_lock(&pool->lock);
      pool->stop = 1;
      pool->generation++;
      pthread_cond_broadcast(&pool->wake);
      pthread_mutex_unlock(&pool->lock);
      for (int i = 0; i < pool->started; i++) pthread_join(pool->ids[i], NULL);
      pthread_cond_destroy(&pool->wake);
      pthread_mutex_destroy(&pool->lock);
      netc_waiting_destroy(&pool->barrier.waiting);
      free(pool->ids);
      free(pool->teams);
      free(pool->workers);
      free(pool->workspaces);
      free(pool);
    }

    \#(p)_status \#(p)_train_threads_start(int count, \#(p)_train_threads **threads) {
      if (!threads || count < 1) return \#(u)_ERR_ARGUMENT;
      *threads = NULL;
      struct netc_train_pool *pool = calloc(1, sizeof *pool);
      if (!pool) return \#(u)_ERR_NOMEM;
      pool->count = count;
      pool->ids = calloc((size_t)count, sizeof *pool->ids);
      pool->teams = calloc((size_t)count, sizeof *pool->teams);
      pool->workers = calloc((size_t)count, sizeof *pool->workers);
      /* On cache lines (the workspace bytes are a multiple of 64), as the arena's scratch is: malloc's 16-byte
         alignment had every vector of a worker's scratch straddle two lines, which cost its Winograd layers
         10 % over thread 0's (measured). */
      pool->workspaces = aligned_alloc(64, (size_t)count * \#(u)_TRAIN_WORKSPACE_BYTES + 64);
      const int barrier = pool->ids && pool->teams && pool->workers && pool->workspaces &&
                          netc_barrier_init(&pool->barrier, count) == 0;
      if (!barrier || pthread_mutex_init(&pool->lock, NULL) != 0) {
        if (barrier) netc_waiting_destroy(&pool->barrier.waiting);
        free(pool->ids);
        free(pool->teams);
        free(pool->workers);
        free(pool->workspaces);
        free(pool);
        return \#(u)_ERR_NOMEM;
      }
      pthread_cond_init(&pool->wake, NULL);
      for (int i = 0; i < count; i++) {
        pool->teams[i] = (netc_team){i, count, count > 1 ? &pool->barrier : NULL};
        pool->workers[i] = (netc_train_worker){pool, i};
      }
      for (int i = 1; i < count; i++) {
        if (pthread_create(&pool->ids[i - 1], NULL, netc_train_work, &pool->workers[i]) != 0) {
          \#(p)_train_threads_stop((\#(p)_train_threads *)pool);
          return \#(u)_ERR_NOMEM;
        }
        pool->started = i;
      }
      *threads = (\#(p)_train_threads *)pool;
      return \#(u)_OK;
    }

    /* Hands the pass to the workers and runs thread 0's part (which times the layers when seconds is not
       NULL); the pass ends at a barrier, so all are done. */
    static void netc_train_run(\#(p)_train_threads *threads, struct \#(p)_train_state *m, const int32_t *labels,
                               const float *input, unsigned char *arena, float *logits, double *seconds) {
      struct netc_train_pool *pool = (struct netc_train_pool *)threads;
      if (!pool || pool->count == 1) {
        const netc_team alone = {0, 1, NULL};
        netc_train_pass(m, labels, input, arena, logits, &alone, NULL, seconds);
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
      netc_train_pass(m, labels, input, arena, logits, &pool->teams[0], pool->workspaces, seconds);
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
                               const float *input, unsigned char *arena, float *logits, double *seconds) {
      const netc_team alone = {0, 1, NULL};
      (void)threads;
      netc_train_pass(m, labels, input, arena, logits, &alone, NULL, seconds);
    }
    #endif


    """#
  }

  static func declarations(prefix p: String, upper u: String, workspaceBytes: Int, layerCount: Int) -> String {
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

    /* \#(p)_train_step_threads that also writes the wall-clock time in seconds of each layer of the training
       graph to seconds[i], for i below \#(u)_TRAIN_LAYER_COUNT, named by \#(p)_train_layer_name(i): where a
       step spends its time (the SGD update after the layers is not one of them). */
    #define \#(u)_TRAIN_LAYER_COUNT \#(layerCount)
    \#(p)_status \#(p)_train_profile(\#(p)_train_state *state, const float *input, const int32_t *labels,
                                     const \#(p)_sgd *sgd, void *arena, float *loss, float *logits,
                                     \#(p)_train_threads *threads, double *seconds);

    /* The training graph's name of layer i of the profile ("layer1.0.bn1.weight.grad"), or NULL past the last. */
    const char *\#(p)_train_layer_name(size_t layer);

    """#
  }
}
