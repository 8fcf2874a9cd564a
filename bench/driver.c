/* driver.c: the benchmark's netc worker. It loads a network that netc compiled with '--prefix net', then times
   its forward pass on commands from standard input, so that bench.py can interleave it with the other engines.
   Built as: clang -O3 -march=native -DNET_THREADS -pthread driver.c net.c -lm -o driver; the forward passes
   run on the generated file's threads (net_run_threads), and the layer times come from its net_profile.

     driver WEIGHTS INPUT OUTPUT THREADS   loads WEIGHTS (safetensors), reads INPUT (raw float32), starts the
                                   threads, runs once, writes the output (raw float32) to OUTPUT, then prints
                                   "ready <facts>"
     run W K                       W untimed runs, then K timed: "times <s> ... cpu <s>" (cpu: process CPU
                                   time over the K runs, which shows how many cores were really busy)
     profile K                     K runs with per-layer timing: "total <median s>" of the whole runs, then
                                   "layer <name> <median s>" per layer in program order, then "end"
     memory                        "memory <facts>"; both fact lines are key=value pairs: threads (running the
                                   forward pass), then in KiB: rss and peak (VmRSS, VmHWM) now, base (RSS before
                                   the weights were read), load_peak (peak RSS up to the end of loading), model
                                   and arena (the API's byte counts)
     quit                          exits

   After loading, the peak RSS is reset (/proc/self/clear_refs), so "peak" in later memory lines is the peak
   while running: the weights file buffer that loading reads and frees no longer counts. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

static double seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A field of /proc/self/status in KiB ("VmRSS"), or -1. */
static long status_kib(const char *field) {
  char line[256];
  long value = -1;
  const size_t length = strlen(field);
  FILE *file = fopen("/proc/self/status", "r");
  if (!file) return -1;
  while (fgets(line, sizeof line, file))
    if (strncmp(line, field, length) == 0 && line[length] == ':') value = strtol(line + length + 1, NULL, 10);
  fclose(file);
  return value;
}

static void reset_peak_rss(void) {
  FILE *file = fopen("/proc/self/clear_refs", "w");
  if (!file) return;
  fputs("5", file);
  fclose(file);
}

static long base_kib, load_peak_kib;

static net_threads *team; /* the threads of every forward pass, started once */

static net_status forward(const net_model *model, const float *input, float *output, void *arena) {
  return net_run_threads(model, input, output, arena, team);
}

static int threads_used = 1;

static void print_memory(const char *tag) {
  printf("%s threads=%d rss=%ld peak=%ld base=%ld load_peak=%ld model=%zu arena=%zu\n", tag, threads_used,
         status_kib("VmRSS"), status_kib("VmHWM"), base_kib, load_peak_kib, net_model_bytes() / 1024,
         net_arena_bytes() / 1024);
}

enum { MAX_LAYERS = NET_LAYER_COUNT > 0 ? NET_LAYER_COUNT : 1 };

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void profile(const net_model *model, const float *input, float *output, void *arena, int runs) {
  double *column = malloc(sizeof(double) * (size_t)runs), *totals = malloc(sizeof(double) * (size_t)runs);
  double *times = calloc((size_t)runs * MAX_LAYERS, sizeof(double)); /* layer i of run r at r * MAX_LAYERS + i */
  if (!column || !totals || !times) {
    printf("error out of memory\n");
    runs = 0;
  }
  for (int r = 0; r < runs; r++) {
    const double start = seconds(CLOCK_MONOTONIC);
    net_profile(model, input, output, arena, team, times + (size_t)r * MAX_LAYERS);
    totals[r] = seconds(CLOCK_MONOTONIC) - start;
  }
  if (runs > 0) {
    qsort(totals, (size_t)runs, sizeof(double), compare_doubles);
    printf("total %.9f\n", totals[runs / 2]);
    for (int i = 0; i < NET_LAYER_COUNT; i++) {
      for (int r = 0; r < runs; r++) column[r] = times[(size_t)r * MAX_LAYERS + i];
      qsort(column, (size_t)runs, sizeof(double), compare_doubles);
      printf("layer %s %.9f\n", net_layer_name((size_t)i), column[runs / 2]);
    }
    printf("end\n");
  }
  free(column);
  free(totals);
  free(times);
}

static int read_floats(const char *path, float *values, size_t count) {
  FILE *file = fopen(path, "rb");
  if (!file) return 0;
  const int ok = fread(values, sizeof(float), count, file) == count && fgetc(file) == EOF;
  fclose(file);
  return ok;
}

static int write_floats(const char *path, const float *values, size_t count) {
  FILE *file = fopen(path, "wb");
  if (!file) return 0;
  const int ok = fwrite(values, sizeof(float), count, file) == count;
  return fclose(file) == 0 && ok;
}

int main(int argc, char **argv) {
  char detail[NET_DETAIL_SIZE], command[64];
  net_model *model;
  if (argc != 5) {
    fprintf(stderr, "usage: %s weights.safetensors input.bin output.bin threads\n", argv[0]);
    return 2;
  }
  base_kib = status_kib("VmRSS");
  float *input = malloc(sizeof(float) * NET_INPUT_SIZE), *output = malloc(sizeof(float) * NET_OUTPUT_SIZE);
  void *arena = aligned_alloc(64, net_arena_bytes() + 64);
  if (!input || !output || !arena) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  const net_status status = net_load_file(argv[1], &model, detail, sizeof detail);
  if (status != NET_OK) {
    fprintf(stderr, "%s: %s: %s\n", argv[1], net_strerror(status), detail);
    return 1;
  }
  if (!read_floats(argv[2], input, NET_INPUT_SIZE)) {
    fprintf(stderr, "%s: expected %d float32 values\n", argv[2], NET_INPUT_SIZE);
    return 1;
  }
  threads_used = atoi(argv[4]);
  if (net_threads_start(threads_used, &team) != NET_OK) {
    fprintf(stderr, "cannot start %s threads\n", argv[4]);
    return 1;
  }
  load_peak_kib = status_kib("VmHWM");
  reset_peak_rss();
  forward(model, input, output, arena);
  if (!write_floats(argv[3], output, NET_OUTPUT_SIZE)) {
    fprintf(stderr, "%s: cannot write the output\n", argv[3]);
    return 1;
  }
  print_memory("ready");
  fflush(stdout);
  while (scanf("%63s", command) == 1) {
    int warm = 0, runs = 0;
    if (strcmp(command, "run") == 0 && scanf("%d %d", &warm, &runs) == 2 && warm >= 0 && runs > 0) {
      for (int i = 0; i < warm; i++) forward(model, input, output, arena);
      const double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID);
      printf("times");
      for (int i = 0; i < runs; i++) {
        const double start = seconds(CLOCK_MONOTONIC);
        forward(model, input, output, arena);
        printf(" %.9f", seconds(CLOCK_MONOTONIC) - start);
      }
      printf(" cpu %.9f\n", seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu);
    } else if (strcmp(command, "profile") == 0 && scanf("%d", &runs) == 1 && runs > 0) {
      profile(model, input, output, arena, runs);
    } else if (strcmp(command, "memory") == 0) {
      print_memory("memory");
    } else if (strcmp(command, "quit") == 0) {
      break;
    } else {
      printf("error unknown command '%s'\n", command);
    }
    fflush(stdout);
  }
  net_threads_stop(team);
  net_free(model);
  free(arena);
  free(input);
  free(output);
  return 0;
}
