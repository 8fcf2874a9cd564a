// The definitions of a generated model's threads API: worker threads that run forward passes with the calling
// thread (pthreads, with -D<PREFIX>_THREADS), the threaded and profiled runs, and the profile's layer names.

extension CRuntime {
  static func threads(_ f: APIFacts) -> String {
    let p = f.prefix
    let u = f.upper
    let names = CText.wrapped(
      "static const char *const names[\(u)_LAYER_COUNT + 1] = {", f.layerNames.map(CText.string) + ["NULL"], "};")
    // Without layers, `layer < 0` would be a comparison gcc's -Wtype-limits rejects.
    let layerName =
      f.layerNames.isEmpty
      ? "  (void)layer; /* a network without layers */\n  return NULL;"
      : names.joined(separator: "\n") + "\n  return layer < \(u)_LAYER_COUNT ? names[layer] : NULL;"
    return #"""

      /* The run the workers are asked to do. */
      typedef struct {
        const struct \#(p)_model *model;
        const float *input;
        float *output;
        unsigned char *arena;
        double *seconds;
      } netc_run;

      #if NETC_THREADS
      #include <pthread.h>

      /* A worker waits for the generation to change (netc_wait_change: spinning a while, as the next run is
         often due at once, then sleeping), runs that generation's forward pass as thread `index` of the team,
         and waits again. */
      typedef struct {
        \#(p)_threads *threads;
        int index;
      } netc_worker;

      struct \#(p)_threads {
        int count, started, stop;
        pthread_t *ids;
        netc_worker *workers;
        netc_waiting idle;
        atomic_uint generation;
        netc_barrier barrier;
        netc_run run;
      };

      static void *netc_work(void *argument) {
        const netc_worker *worker = argument;
        \#(p)_threads *threads = worker->threads;
        unsigned seen = 0;
        for (;;) {
          netc_wait_change(&threads->idle, &threads->generation, seen);
          seen = atomic_load_explicit(&threads->generation, memory_order_acquire);
          if (threads->stop) return NULL;
          const netc_team team = {worker->index, threads->count, &threads->barrier};
          const netc_run run = threads->run;
          netc_forward(run.model, run.input, run.output, run.arena, &team, run.seconds);
        }
      }

      /* Publishes the next generation (the run, or the stop) and wakes the sleeping workers; only this thread
         changes it. */
      static void netc_wake(\#(p)_threads *threads) {
        netc_change(&threads->idle, &threads->generation, atomic_load(&threads->generation) + 1);
      }

      void \#(p)_threads_stop(\#(p)_threads *threads) {
        if (!threads) return;
        threads->stop = 1;
        netc_wake(threads);
        for (int i = 0; i < threads->started; i++) pthread_join(threads->ids[i], NULL);
        netc_waiting_destroy(&threads->idle);
        netc_waiting_destroy(&threads->barrier.waiting);
        free(threads->ids);
        free(threads->workers);
        free(threads);
      }

      \#(p)_status \#(p)_threads_start(int count, \#(p)_threads **threads) {
        if (!threads || count < 1) return \#(u)_ERR_ARGUMENT;
        *threads = NULL;
        \#(p)_threads *t = calloc(1, sizeof *t);
        if (!t) return \#(u)_ERR_NOMEM;
        t->count = count;
        t->ids = calloc((size_t)count, sizeof *t->ids);
        t->workers = calloc((size_t)count, sizeof *t->workers);
        atomic_init(&t->generation, 0);
        const int idle = t->ids && t->workers && netc_waiting_init(&t->idle) == 0;
        if (!idle || netc_barrier_init(&t->barrier, count) != 0) {
          if (idle) netc_waiting_destroy(&t->idle);
          free(t->ids);
          free(t->workers);
          free(t);
          return \#(u)_ERR_NOMEM;
        }
        for (int i = 1; i < count; i++) {
          t->workers[i - 1] = (netc_worker){t, i};
          if (pthread_create(&t->ids[i - 1], NULL, netc_work, &t->workers[i - 1]) != 0) {
            \#(p)_threads_stop(t);
            return \#(u)_ERR_THREADS;
          }
          t->started = i;
        }
        *threads = t;
        return \#(u)_OK;
      }

      static void netc_run_team(\#(p)_threads *threads, netc_run run) {
        if (!threads || threads->count == 1) {
          const netc_team alone = {0, 1, NULL};
          netc_forward(run.model, run.input, run.output, run.arena, &alone, run.seconds);
          return;
        }
        threads->run = run;
        netc_wake(threads);
        const netc_team team = {0, threads->count, &threads->barrier};
        netc_forward(run.model, run.input, run.output, run.arena, &team, run.seconds);
      }
      #else
      struct \#(p)_threads {
        int count;
      };

      void \#(p)_threads_stop(\#(p)_threads *threads) { free(threads); }

      \#(p)_status \#(p)_threads_start(int count, \#(p)_threads **threads) {
        if (!threads || count < 1) return \#(u)_ERR_ARGUMENT;
        *threads = NULL;
        if (count > 1) return \#(u)_ERR_THREADS;
        *threads = calloc(1, sizeof **threads);
        if (!*threads) return \#(u)_ERR_NOMEM;
        (*threads)->count = 1;
        return \#(u)_OK;
      }

      static void netc_run_team(\#(p)_threads *threads, netc_run run) {
        const netc_team alone = {0, 1, NULL};
        (void)threads;
        netc_forward(run.model, run.input, run.output, run.arena, &alone, run.seconds);
      }
      #endif

      \#(p)_status \#(p)_profile(const \#(p)_model *model, const float *input, float *output, void *arena,
                               \#(p)_threads *threads, double *seconds) {
        if (!model || !input || !output || (!arena && \#(u)_ARENA_BYTES > 0)) return \#(u)_ERR_ARGUMENT;
        if ((uintptr_t)arena % _Alignof(float) != 0) return \#(u)_ERR_ARGUMENT;
        const netc_run run = {model, input, output, arena, seconds};
        netc_run_team(threads, run);
        return \#(u)_OK;
      }

      \#(p)_status \#(p)_run_threads(const \#(p)_model *model, const float *input, float *output, void *arena,
                                   \#(p)_threads *threads) {
        return \#(p)_profile(model, input, output, arena, threads, NULL);
      }

      const char *\#(p)_layer_name(size_t layer) {
      \#(layerName)
      }

      """#
  }
}
