/* bench-util.h: what the GC benchmark programs share (gcbench, binarytrees, mt-gcbench).
 *
 * Each program is one source built three ways, chosen by a -D flag:
 *
 *   -DBENCH_MMTK    libmmtk through the reference binding examples/minivm (precise roots on
 *                   shadow stacks, the inline allocation fast path, the write barrier)
 *   -DBENCH_BDW     the Boehm-Demers-Weiser collector: GC_MALLOC with GC_THREADS, so its
 *                   thread-local free lists, and conservative scanning of the C stacks
 *   -DBENCH_MALLOC  the C library's malloc, with an explicit free of every dead structure
 *
 * The helpers below: a clock, the peak RSS, the GC counters and the report line
 *   @bench PROGRAM VARIANT CASE seconds=S gc_ms=MS gcs=N rss_mb=MB
 * that bench/run tabulates (the first metric is the one compared; lower is better).
 * Boehm GC runs with as many marker threads as libmmtk has GC workers, and its GC count
 * and time come from its collection-event callback (bench-bdw.h); the line for people
 * shows both thread counts.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#if defined(BENCH_MMTK)
#include "minivm.h"
#define BENCH_VARIANT "mmtk"
#elif defined(BENCH_BDW)
#define BENCH_VARIANT "bdw"
#elif defined(BENCH_MALLOC)
#define BENCH_VARIANT "malloc"
#else
#error "define one of BENCH_MMTK, BENCH_BDW, BENCH_MALLOC"
#endif
#include "bench-bdw.h" /* after the variant: gc.h for -DBENCH_BDW */

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set size of the process so far, in MiB (Linux reports KiB). */
static inline double bench_peak_rss_mb(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return (double)ru.ru_maxrss / 1024.0;
}

/* Start the collector and attach the calling thread (mmtk: `defaults` are the libmmtk
 * options used where no MMTK_* environment variable says otherwise). */
static inline void bench_start(const char *program, const char *defaults) {
#if defined(BENCH_MMTK)
  if (!minivm_init(defaults) || !minivm_attach_thread()) {
    fprintf(stderr, "%s-mmtk: cannot start libmmtk\n", program);
    exit(1);
  }
#elif defined(BENCH_BDW)
  (void)program, (void)defaults;
  bench_bdw_start();
#else
  (void)program, (void)defaults;
#endif
}

/* GC counters so far: collections and their milliseconds (libmmtk: the mutators were
 * stopped; Boehm GC: from the start to the end of each collection; malloc: 0). */
static inline void bench_gc_counters(uint64_t *gcs, double *gc_ms) {
#if defined(BENCH_MMTK)
  minivm_stats_t s;
  minivm_gc_stats(&s);
  *gcs = s.gcs;
  *gc_ms = s.gc_ms;
#elif defined(BENCH_BDW)
  bench_bdw_counters(gcs, gc_ms);
#else
  *gcs = 0;
  *gc_ms = 0;
#endif
}

/* Detach and shut the collector down. */
static inline void bench_stop(void) {
#if defined(BENCH_MMTK)
  minivm_detach_thread();
  minivm_shutdown();
#endif
}

/* The two result lines: one for people, one for bench/run. */
static inline void bench_report(const char *program, const char *kase, double seconds,
                                const char *what, bool ok) {
  uint64_t gcs;
  double gc_ms;
  bench_gc_counters(&gcs, &gc_ms);
  double rss = bench_peak_rss_mb();
  char gc[160];
  /* Both thread counts, so that a reader sees the baseline marked in parallel too: the
   * actual one of this run's collector, the configured one of the other. */
#if defined(BENCH_MMTK)
  snprintf(gc, sizeof gc, "%" PRIu64 " GCs taking %.1f ms, libmmtk workers %zu, Boehm markers %u",
           gcs, gc_ms, mmtk_num_of_workers(minivm_mmtk()), bench_bdw_markers_wanted());
#elif defined(BENCH_BDW)
  snprintf(gc, sizeof gc, "%" PRIu64 " Boehm GCs taking %.1f ms, libmmtk workers %u, Boehm markers %u",
           gcs, gc_ms, bench_mmtk_workers(), bench_bdw_markers());
#else
  snprintf(gc, sizeof gc, "no GC");
#endif
  printf("%s-%s: %s: %s in %.3f s, %s, peak RSS %.1f MiB; %s\n", program, BENCH_VARIANT,
         kase, what, seconds, gc, rss, ok ? "answers checked" : "WRONG ANSWER");
  if (ok)
    printf("@bench %s %s %s seconds=%.4f gc_ms=%.2f gcs=%" PRIu64 " rss_mb=%.1f\n", program,
           BENCH_VARIANT, kase, seconds, gc_ms, gcs, rss);
  fflush(stdout);
}

/* A whole number >= min from a command-line argument, or exit with a usage error. */
static inline long bench_arg(const char *program, const char *s, long min, long max) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < min || v > max) {
    fprintf(stderr, "%s-%s: '%s' is not a number from %ld to %ld\n", program, BENCH_VARIANT, s,
            min, max);
    exit(2);
  }
  return v;
}

#endif /* BENCH_UTIL_H */
