/* peak.c: this machine's FMA peak, the 100 % of the benchmark's "% of peak". Independent chains of fused
   multiply-adds (more chains than FMA units times their latency, so the units never wait), with 256-bit (AVX2)
   and, where the CPU has it, 512-bit (AVX-512) vectors, on 1 thread and on 2 threads at once.
   Built as: clang -O3 -march=native -pthread peak.c -o peak; prints one JSON object of GFLOP/s, each figure
   twice: over wall time ("avx2_2t"), and over the threads' own CPU time ("avx2_2t_cpu": the rate while they had
   a core, which other processes on a shared machine do not lower). */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { ITERATIONS = 150 * 1000 * 1000, REPEATS = 3 };

static double now(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The empty asm keeps every chain in its own register and stops the compiler from merging or removing them. */
#define STEP(v) v = FMA(v, m, c); __asm__ volatile("" : "+x"(v));
#define STEP_WIDE(v) v = FMA(v, m, c); __asm__ volatile("" : "+v"(v));

/* 12 chains of 8 floats: 12 of the 16 ymm registers. Returns 12 * 16 * iterations FLOP's worth of work. */
__attribute__((target("avx2,fma"), noinline)) static float chains256(long iterations) {
#define FMA _mm256_fmadd_ps
  __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
  for (long i = 0; i < iterations; i++) {
    STEP(a0) STEP(a1) STEP(a2) STEP(a3) STEP(a4) STEP(a5) STEP(a6) STEP(a7) STEP(a8) STEP(a9) STEP(a10) STEP(a11)
  }
#undef FMA
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  return _mm256_cvtss_f32(s);
}

/* 24 chains of 16 floats: 24 of the 32 zmm registers. */
__attribute__((target("avx512f"), noinline)) static float chains512(long iterations) {
#define FMA _mm512_fmadd_ps
  __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  __m512 a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
  __m512 b0 = m, b1 = m, b2 = m, b3 = m, b4 = m, b5 = m, b6 = m, b7 = m, b8 = m, b9 = m, b10 = m, b11 = m;
  for (long i = 0; i < iterations; i++) {
    STEP_WIDE(a0) STEP_WIDE(a1) STEP_WIDE(a2) STEP_WIDE(a3) STEP_WIDE(a4) STEP_WIDE(a5)
    STEP_WIDE(a6) STEP_WIDE(a7) STEP_WIDE(a8) STEP_WIDE(a9) STEP_WIDE(a10) STEP_WIDE(a11)
    STEP_WIDE(b0) STEP_WIDE(b1) STEP_WIDE(b2) STEP_WIDE(b3) STEP_WIDE(b4) STEP_WIDE(b5)
    STEP_WIDE(b6) STEP_WIDE(b7) STEP_WIDE(b8) STEP_WIDE(b9) STEP_WIDE(b10) STEP_WIDE(b11)
  }
#undef FMA
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(b0, b1), _mm512_add_ps(b2, b3)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(b4, b5), _mm512_add_ps(b6, b7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(b8, b9), _mm512_add_ps(b10, b11)));
  return _mm512_reduce_add_ps(s);
}

typedef struct {
  int wide;
  double cpu_seconds;
  volatile float sink;
} job;

static void *work(void *argument) {
  job *j = argument;
  const double start = now(CLOCK_THREAD_CPUTIME_ID);
  j->sink = j->wide ? chains512(ITERATIONS / 2) : chains256(ITERATIONS);
  j->cpu_seconds = now(CLOCK_THREAD_CPUTIME_ID) - start;
  return NULL;
}

/* The best of REPEATS runs of `threads` threads, each doing the same work at once: GFLOP/s over wall time, and
   the sum of the threads' GFLOP/s over their own CPU time. */
static void measure(int wide, int threads, double *wall, double *cpu) {
  const double flop = wide ? 24.0 * 16 * 2 * (ITERATIONS / 2) : 12.0 * 8 * 2 * ITERATIONS;
  *wall = *cpu = 0;
  for (int r = 0; r < REPEATS; r++) {
    pthread_t ids[2];
    job jobs[2] = {{.wide = wide}, {.wide = wide}};
    const double start = now(CLOCK_MONOTONIC);
    for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, work, &jobs[t]);
    for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
    const double rate = flop * threads / (now(CLOCK_MONOTONIC) - start) / 1e9;
    double on_cpu = 0;
    for (int t = 0; t < threads; t++) on_cpu += flop / jobs[t].cpu_seconds / 1e9;
    if (rate > *wall) *wall = rate;
    if (on_cpu > *cpu) *cpu = on_cpu;
  }
}

static void report(const char *name, int wide, const char *separator) {
  double wall1, cpu1, wall2, cpu2;
  measure(wide, 1, &wall1, &cpu1);
  measure(wide, 2, &wall2, &cpu2);
  printf("%s\"%s_1t\": %.1f, \"%s_1t_cpu\": %.1f, \"%s_2t\": %.1f, \"%s_2t_cpu\": %.1f", separator, name, wall1,
         name, cpu1, name, wall2, name, cpu2);
}

int main(void) {
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const int avx512 = __builtin_cpu_supports("avx512f");
  printf("{");
  if (avx2) report("avx2", 0, "");
  if (avx512) report("avx512", 1, avx2 ? ", " : "");
  printf("}\n");
  return 0;
}
