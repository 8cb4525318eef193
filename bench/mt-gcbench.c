/* mt-gcbench: GCBench on several mutator threads at once, one source built three ways.
 *
 *   bench/mt-gcbench-mmtk    libmmtk through examples/minivm: every thread attaches, and the
 *                            collector stops all of them at safepoints
 *   bench/mt-gcbench-bdw     the Boehm-Demers-Weiser collector (threads registered through
 *                            GC_THREADS' pthread_create; thread-local allocation)
 *   bench/mt-gcbench-malloc  malloc (its per-thread arenas), explicit frees
 *
 *   mt-gcbench-VARIANT [-t THREADS] [-q] [-v] [-s STRETCH] [-l LONG_LIVED] [-d MAX_DEPTH]
 *
 * Each of THREADS threads (default 2) runs the whole of gcbench (see gcbench.c) with its own
 * roots: its own stretch tree, long-lived tree and array, and short-lived trees.  So the
 * live data and the allocation volume are THREADS times gcbench's.  The time is the wall
 * time from the start of the first thread to the end of the last.  The main thread stays
 * attached and waits in native state (minivm_join_thread).  Exit status as gcbench's.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>

#define GCBENCH_NO_MAIN
#include "gcbench.c"

#define MAX_THREADS 256

struct worker {
  pthread_t thread;
  const struct gcbench_params *params;
  long wrong; /* wrong answers; -1: the thread could not attach */
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
#if defined(BENCH_MMTK)
  if (!minivm_attach_thread()) {
    w->wrong = -1;
    return NULL;
  }
#endif
  w->wrong = gcbench_run(w->params);
#if defined(BENCH_MMTK)
  minivm_detach_thread();
#endif
  return NULL;
}

int main(int argc, char **argv) {
  struct gcbench_params p = gcbench_standard;
  int nthreads = 2;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-t") && i + 1 < argc) {
      nthreads = (int)bench_arg("mt-gcbench", argv[++i], 1, MAX_THREADS);
    } else if (!gcbench_option("mt-gcbench", argc, argv, &i, &p)) {
      bool help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      gcbench_usage("mt-gcbench", " [-t THREADS]");
      fprintf(stderr, "  -t  mutator threads, each running gcbench (default 2)\n");
      return help ? 0 : 2;
    }
  }
  if (p.max_depth > p.stretch_depth) p.max_depth = p.stretch_depth;

  /* The default heap grows with the number of threads (each has gcbench's live data). */
  char defaults[96];
  snprintf(defaults, sizeof defaults, "plan=MarkSweep gc_trigger=FixedHeapSize:%dM",
           64 * nthreads);
  bench_start("mt-gcbench", defaults);

  struct worker workers[MAX_THREADS];
  double t0 = bench_now();
  for (int i = 0; i < nthreads; i++) {
    workers[i].params = &p;
    workers[i].wrong = 0;
    int err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    if (err) {
      fprintf(stderr, "mt-gcbench-%s: pthread_create: %s\n", BENCH_VARIANT, strerror(err));
      return 1;
    }
  }
  long wrong = 0;
  bool attach_failed = false;
  for (int i = 0; i < nthreads; i++) {
#if defined(BENCH_MMTK)
    /* An attached thread must not block in plain pthread_join(): a GC would wait for it. */
    minivm_join_thread(workers[i].thread, NULL);
#else
    pthread_join(workers[i].thread, NULL);
#endif
    if (workers[i].wrong < 0) attach_failed = true;
    else wrong += workers[i].wrong;
  }
  double seconds = bench_now() - t0;
  if (attach_failed) {
    fprintf(stderr, "mt-gcbench-%s: a thread could not attach\n", BENCH_VARIANT);
    return 1;
  }

  char kase[32], what[128];
  snprintf(kase, sizeof kase, "t%d-d%d", nthreads, p.max_depth);
  snprintf(what, sizeof what, "%d threads, each stretch %d, long-lived %d, trees %d..%d",
           nthreads, p.stretch_depth, p.long_lived_depth, p.min_depth, p.max_depth);
  bench_report("mt-gcbench", kase, seconds, what, wrong == 0);
  bench_stop();
  if (wrong) {
    fprintf(stderr, "mt-gcbench-%s: WRONG ANSWER: %ld trees or structures had the wrong shape\n",
            BENCH_VARIANT, wrong);
    return 1;
  }
  return 0;
}
