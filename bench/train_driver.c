/* train_driver.c: the benchmark's netc training worker. Times the training step of a network that netc
   compiled with 'netc compile --train --batch B --prefix net', from seeded weights on one fixed batch, and
   measures the memory that training adds. Built as:
   clang -O3 -march=native -DNET_THREADS -pthread train_driver.c net.c -lm -o driver

     train_driver WEIGHTS INPUT LABELS WARM STEPS BUDGET THREADS [profile]
       INPUT: B x C x H x W raw float32; LABELS: B raw int32. Times up to STEPS steps after WARM untimed ones,
       but stops after 3 once the timed steps took BUDGET seconds. Prints one line of key=value pairs: rss_before
       (KiB, with the state loaded and the batch read, before the first step), peak (KiB, the high-water mark
       from there on: the arena and whatever a step touches), first_loss, last_loss, cpu (process CPU seconds
       over the timed steps: how many cores were busy), and times= the timed steps' seconds, comma-separated.
       THREADS: the step's threads (net_train_threads_start), started before rss_before is read.
       profile: the steps run through net_train_profile, and after that line come "layer <name> <median s>"
       for every layer of the training graph (net_train_layer_name), in program order, then "end".
       SGD: lr 0.1, momentum 0.9, weight decay 1e-4. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net.h"

static double now(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* "layer <name> <median s>" for each layer over the timed steps (layer i of step r at r * count + i). */
static void print_layers(double *layers, int steps) {
  double *column = malloc(sizeof(double) * (size_t)steps);
  if (!column) {
    fprintf(stderr, "out of memory\n");
    exit(1);
  }
  for (int i = 0; i < NET_TRAIN_LAYER_COUNT; i++) {
    for (int r = 0; r < steps; r++) column[r] = layers[(size_t)r * NET_TRAIN_LAYER_COUNT + i];
    qsort(column, (size_t)steps, sizeof(double), compare_doubles);
    printf("layer %s %.9f\n", net_train_layer_name((size_t)i), column[steps / 2]);
  }
  printf("end\n");
  free(column);
}

static void *read_file(const char *path, size_t bytes) {
  FILE *file = fopen(path, "rb");
  void *data = malloc(bytes);
  const int ok = file && data && fread(data, 1, bytes, file) == bytes && fgetc(file) == EOF;
  if (file) fclose(file);
  if (!ok) {
    fprintf(stderr, "%s: expected %zu bytes\n", path, bytes);
    exit(1);
  }
  return data;
}

int main(int argc, char **argv) {
  char detail[NET_DETAIL_SIZE];
  const int profile = argc == 9 && strcmp(argv[8], "profile") == 0;
  if (argc != 8 && !profile) {
    fprintf(stderr, "usage: %s weights.safetensors input.bin labels.bin warm steps budget threads [profile]\n",
            argv[0]);
    return 2;
  }
  const int warm = atoi(argv[4]), steps = atoi(argv[5]);
  const double budget = atof(argv[6]);
  FILE *weights = fopen(argv[1], "rb");
  if (!weights || fseek(weights, 0, SEEK_END) != 0) {
    fprintf(stderr, "%s: cannot read the file\n", argv[1]);
    return 1;
  }
  const size_t weight_bytes = (size_t)ftell(weights);
  fclose(weights);
  void *file = read_file(argv[1], weight_bytes);
  net_train_state *state;
  const net_status status = net_train_load(file, weight_bytes, 1, &state, detail, sizeof detail);
  free(file);
  if (status != NET_OK) {
    fprintf(stderr, "%s: %s: %s\n", argv[1], net_strerror(status), detail);
    return 1;
  }
  const float *input = read_file(argv[2], sizeof(float) * NET_INPUT_SIZE);
  const int32_t *labels = read_file(argv[3], sizeof(int32_t) * NET_TRAIN_BATCH);
  void *arena = aligned_alloc(64, (net_train_arena_bytes() + 63) / 64 * 64);
  double *times = malloc(sizeof(double) * (size_t)(steps > 0 ? steps : 1));
  double *layers = calloc((size_t)(steps > 0 ? steps : 1) * NET_TRAIN_LAYER_COUNT, sizeof(double));
  if (!arena || !times || !layers) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  const net_sgd sgd = {.learning_rate = 0.1, .momentum = 0.9, .weight_decay = 1e-4};
  net_train_threads *threads = NULL;
  if (net_train_threads_start(atoi(argv[7]), &threads) != NET_OK) {
    fprintf(stderr, "cannot start %s threads\n", argv[7]);
    return 1;
  }
  const long before = status_kib("VmRSS");
  FILE *clear = fopen("/proc/self/clear_refs", "w"); /* the high-water mark restarts at the RSS of now */
  if (clear) {
    fputs("5", clear);
    fclose(clear);
  }
  float first = 0, loss = 0;
  double cpu = 0, spent = 0;
  int timed = 0;
  for (int i = 0; i < warm + steps && !(timed >= 3 && spent > budget); i++) {
    if (i == warm) cpu = now(CLOCK_PROCESS_CPUTIME_ID);
    const double start = now(CLOCK_MONOTONIC);
    double *seconds = profile && i >= warm ? layers + (size_t)(i - warm) * NET_TRAIN_LAYER_COUNT : NULL;
    if (net_train_profile(state, input, labels, &sgd, arena, &loss, NULL, threads, seconds) != NET_OK) {
      fprintf(stderr, "training step %d failed\n", i);
      return 1;
    }
    if (i >= warm) {
      times[timed] = now(CLOCK_MONOTONIC) - start;
      spent += times[timed++];
    }
    if (i == 0) first = loss;
  }
  cpu = now(CLOCK_PROCESS_CPUTIME_ID) - cpu;
  printf("rss_before=%ld peak=%ld first_loss=%.9g last_loss=%.9g cpu=%.6f times=", before, status_kib("VmHWM"),
         first, loss, cpu);
  for (int i = 0; i < timed; i++) printf(i ? ",%.9f" : "%.9f", times[i]);
  printf("\n");
  if (profile && timed > 0) print_layers(layers, timed);
  net_train_threads_stop(threads);
  net_train_free(state);
  return 0;
}
