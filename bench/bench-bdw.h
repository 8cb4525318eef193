/* bench-bdw.h: the GC threads of a benchmark run, and Boehm GC set up as a fair baseline.
 *
 * A comparison with Boehm GC is fair only if both collectors mark with as many threads.
 * libmmtk starts MMTK_THREADS workers (default: the online CPUs).  Debian's libgc 8.2 is
 * built with parallel marking, but starts its marker threads only at the first
 * pthread_create(): a single-threaded program such as gcbench would mark on one thread.
 * bench_bdw_start() therefore asks for as many markers as libmmtk has workers (unless
 * GC_MARKERS says otherwise) and starts them at once.
 *
 * Boehm GC keeps no GC time of its own: its collection-event callback does, from
 * GC_EVENT_START to GC_EVENT_END of each collection (the part the allocating threads
 * wait for: marking with the world stopped, then the eager part of the sweep).
 *
 * Included by bench-util.h (-DBENCH_BDW) and alloc-micro.c (-DALLOC_MICRO_BDW); the
 * thread counts also by the other variants, which print them beside their own.
 */
#ifndef BENCH_BDW_H
#define BENCH_BDW_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* A whole number from 1 to 1024 in environment variable `name`, else 0. */
static inline unsigned bench_env_count(const char *name) {
  const char *s = getenv(name);
  if (!s || *s < '0' || *s > '9') return 0;
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  return *end || v == 0 || v > 1024 ? 0 : (unsigned)v;
}

/* The number of GC workers libmmtk starts: its `threads` option, whose default is the
 * number of online CPUs (lib/util/options.c). */
static inline unsigned bench_mmtk_workers(void) {
  unsigned n = bench_env_count("MMTK_THREADS");
  if (n) return n;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus > 1024 ? 1024 : (unsigned)cpus;
}

/* The number of marker threads bench_bdw_start() asks Boehm GC for: GC_MARKERS when the
 * user set it, else libmmtk's worker count. */
static inline unsigned bench_bdw_markers_wanted(void) {
  unsigned n = bench_env_count("GC_MARKERS");
  return n ? n : bench_mmtk_workers();
}

#if defined(BENCH_BDW) || defined(ALLOC_MICRO_BDW)
#ifndef GC_THREADS
#define GC_THREADS /* before gc.h: thread support, thread-local allocation, parallel mark */
#endif
#include <gc.h>
#include <stdatomic.h>

/* Written by the callback, which Boehm GC calls with its lock held; read by the main
 * thread at the end (atomics: the reader does not take that lock). */
static atomic_uint_fast64_t bench_bdw_gcs, bench_bdw_gc_ns;
static uint64_t bench_bdw_t0;   /* start of the collection under way */
static int bench_bdw_phase;     /* 0: none; 1: in START..END; 2: a stop outside one */

static inline uint64_t bench_bdw_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void bench_bdw_count(void) {
  atomic_fetch_add_explicit(&bench_bdw_gc_ns, bench_bdw_ns() - bench_bdw_t0,
                            memory_order_relaxed);
  atomic_fetch_add_explicit(&bench_bdw_gcs, 1, memory_order_relaxed);
  bench_bdw_phase = 0;
}

/* A full collection runs from GC_EVENT_START to GC_EVENT_END.  The stop-the-world pair
 * counts only outside such a collection: libgc's incremental steps stop the world
 * without a START (not used here, but then they would not go unmeasured). */
static void GC_CALLBACK bench_bdw_on_event(GC_EventType e) {
  switch (e) {
  case GC_EVENT_START:
    bench_bdw_phase = 1;
    bench_bdw_t0 = bench_bdw_ns();
    break;
  case GC_EVENT_END:
    if (bench_bdw_phase == 1) bench_bdw_count();
    break;
  case GC_EVENT_PRE_STOP_WORLD:
    if (bench_bdw_phase == 0) {
      bench_bdw_phase = 2;
      bench_bdw_t0 = bench_bdw_ns();
    }
    break;
  case GC_EVENT_POST_START_WORLD:
    if (bench_bdw_phase == 2) bench_bdw_count();
    break;
  default:
    break;
  }
}

/* Start Boehm GC with its markers running (call it once, instead of GC_INIT()). */
static inline void bench_bdw_start(void) {
  /* Before GC_INIT(): it has no effect afterwards.  A GC_MARKERS of the user's is left
   * to libgc, which reads it itself. */
  if (!bench_env_count("GC_MARKERS")) GC_set_markers_count(bench_bdw_markers_wanted());
  GC_INIT();
  /* After GC_INIT() (the setter takes the GC lock): the empty collection libgc may run
   * while it initialises goes uncounted, as it would in libmmtk, which has none. */
  GC_set_on_collection_event(bench_bdw_on_event);
  /* What the first pthread_create() would do; no-op when there is one marker. */
  GC_start_mark_threads();
}

/* Marker threads, the initiating one included: GC_get_parallel() counts the others. */
static inline unsigned bench_bdw_markers(void) { return (unsigned)GC_get_parallel() + 1; }

/* Collections so far, and the milliseconds they took. */
static inline void bench_bdw_counters(uint64_t *gcs, double *gc_ms) {
  *gcs = atomic_load_explicit(&bench_bdw_gcs, memory_order_relaxed);
  *gc_ms = (double)atomic_load_explicit(&bench_bdw_gc_ns, memory_order_relaxed) / 1e6;
}
#endif /* BENCH_BDW || ALLOC_MICRO_BDW */

#endif /* BENCH_BDW_H */
