/* alloc-micro: steady-state allocation of short-lived objects, one source built five ways.
 *
 *   bench/alloc-micro-mmtk      libmmtk through examples/minivm (the inline fast path of
 *                               <mmtk/inline.h>); the plan from MMTK_PLAN
 *   bench/alloc-micro-bdw       the Boehm-Demers-Weiser collector, GC_MALLOC with its
 *                               thread-local free lists and parallel markers
 *   bench/alloc-micro-malloc    malloc+free pairs of the C library
 *   bench/alloc-micro-jemalloc  malloc+free pairs of jemalloc (linked in, it replaces them)
 *   bench/alloc-micro-mimalloc  mi_malloc+mi_free pairs of mimalloc
 *
 *   alloc-micro-VARIANT [-b BYTES] [-w WINDOW] [-H HEAP] [SIZE...]
 *
 * For each object size (default: 32, 64 and 256 bytes) it allocates BYTES worth of
 * objects (default 256M) and writes a value into each.  Every object dies young: a ring
 * of WINDOW slots (default 256) holds the live ones, and each new object takes the slot
 * of the oldest, whose value is added up first (and which malloc variants free there).
 * So the live set stays tiny and the memory is reused: the collectors must reclaim it,
 * and malloc must recycle it, as a program that churns through temporaries would.
 *
 * libmmtk runs in a fixed heap of HEAP bytes (default 32M: many collections), unless
 * MMTK_GC_TRIGGER says otherwise.  Under NoGC nothing is reclaimed: the heap defaults to
 * the whole volume, and the figure is the raw speed of bump allocation, which bench/run
 * labels as such.
 *
 * Only the steady state is timed: an untimed warm-up first allocates a quarter of the
 * volume (with libmmtk's collecting plans at least 1.25 heaps, so that every page of the
 * heap has been touched), and the GCs it caused are not counted.  Each size runs in a
 * child process of its own, so that every variant starts from fresh memory.  The sum of the values of all objects (evicted or
 * left in the ring) is checked against its closed form.
 *
 * Output: a line for people and, for bench/run, a line
 *   @bench alloc-micro VARIANT SIZEB ns/object=NS GB/s=G gcs=N gc_ms=MS rss_mb=MB
 * whose first metric is the one to compare (lower is better).  Exit status 1 when an
 * answer is wrong or setting up fails, 2 on a usage error, 3 when libmmtk's heap is
 * exhausted.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* strcasecmp */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(ALLOC_MICRO_MMTK)
#include "minivm.h"
#define VARIANT "mmtk"
#elif defined(ALLOC_MICRO_BDW)
#define VARIANT "bdw"
#elif defined(ALLOC_MICRO_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define VARIANT "jemalloc"
#elif defined(ALLOC_MICRO_MIMALLOC)
#include <mimalloc.h>
#define VARIANT "mimalloc"
#elif defined(ALLOC_MICRO_MALLOC)
#define VARIANT "malloc"
#else
#error "define one of ALLOC_MICRO_MMTK, _BDW, _MALLOC, _JEMALLOC, _MIMALLOC"
#endif
#include "bench-bdw.h" /* the GC thread counts; Boehm GC's set-up for -DALLOC_MICRO_BDW */

#define MIB ((uint64_t)1 << 20)
#define MIN_SIZE 16 /* a header or link word, and the value */
#define MAX_SIZE 4096

/* The run's parameters, shared by the child processes. */
static uint64_t volume = 256 * MIB, heap_bytes = 32 * MIB;
static size_t window = 256;

/* ---- The variants: begin, allocate-and-retire, end, and what to tell people ----------- *
 *
 * variant_step(slot, size, value) allocates an object of `size` bytes holding `value`,
 * puts it in ring slot `slot` and returns the value of the object it replaces (0 when the
 * slot was empty). */

#if defined(ALLOC_MICRO_MMTK)

enum { TYPE_CELL = 1, TYPE_RING = 2 };
static minivm_obj_t ring;

static bool plan_is_nogc(void) {
  const char *p = getenv("MMTK_PLAN");
  return p && !strcasecmp(p, "NoGC");
}

static bool variant_begin(size_t size) {
  (void)size;
  /* NoGC never reclaims: its heap must hold the whole volume, the warm-up and the ring. */
  uint64_t heap = plan_is_nogc() ? volume + volume / 2 + 64 * MIB : heap_bytes;
  char defaults[96];
  snprintf(defaults, sizeof defaults, "gc_trigger=FixedHeapSize:%" PRIu64 "M",
           (heap + MIB - 1) / MIB);
  if (!minivm_init(defaults) || !minivm_attach_thread()) return false;
  ring = minivm_alloc(TYPE_RING, window, 0);
  minivm_push_root(&ring);
  return true;
}

static inline MMTK_ALWAYS_INLINE uint64_t variant_step(size_t slot, size_t size,
                                                       uint64_t value) {
  /* A safepoint: `ring` is a root, so it is valid (perhaps moved) afterwards. */
  minivm_obj_t o = minivm_alloc(TYPE_CELL, 0, size - 8);
  *(uint64_t *)minivm_data(o) = value;
  minivm_obj_t old = minivm_get_ref(ring, slot);
  minivm_set_ref(ring, slot, o);
  return old ? *(const uint64_t *)minivm_data(old) : 0;
}

static uint64_t variant_drain(void) {
  uint64_t sum = 0;
  for (size_t i = 0; i < window; i++) {
    minivm_obj_t o = minivm_get_ref(ring, i);
    if (o) sum += *(const uint64_t *)minivm_data(o);
  }
  return sum;
}

static void variant_end(void) {
  minivm_pop_roots(1);
  ring = NULL;
  minivm_detach_thread();
  minivm_shutdown();
}

/* Bytes to allocate untimed first: enough to have touched the whole heap. */
static uint64_t variant_warm_up(void) {
  return plan_is_nogc() ? 0 : heap_bytes + heap_bytes / 4;
}

static void variant_counters(uint64_t *gcs, double *gc_ms) {
  minivm_stats_t s;
  minivm_gc_stats(&s);
  *gcs = s.gcs;
  *gc_ms = s.gc_ms;
}

static void variant_describe(char *what, size_t len, uint64_t gcs, double gc_ms) {
  snprintf(what, len, "%s: %" PRIu64 " GCs taking %.1f ms, libmmtk workers %zu, Boehm markers %u",
           plan_is_nogc() ? "NoGC (bump only, nothing reclaimed)" : "heap reclaimed", gcs, gc_ms,
           mmtk_num_of_workers(minivm_mmtk()), bench_bdw_markers_wanted());
}

#elif defined(ALLOC_MICRO_BDW)

/* The ring, reachable from a static root as well as from the stack. */
static void **volatile ring;

static bool variant_begin(size_t size) {
  (void)size;
  bench_bdw_start(); /* in the child: Boehm GC starts fresh for each size */
  ring = GC_MALLOC(window * sizeof *ring);
  return ring != NULL;
}

static inline uint64_t variant_step(size_t slot, size_t size, uint64_t value) {
  uint64_t *o = GC_MALLOC(size); /* cleared memory, as libmmtk's */
  if (!o) {
    fprintf(stderr, "alloc-micro-bdw: out of memory\n");
    exit(3);
  }
  o[0] = value;
  uint64_t *old = ring[slot];
  ring[slot] = o;
  return old ? old[0] : 0;
}

static uint64_t variant_drain(void) {
  uint64_t sum = 0;
  for (size_t i = 0; i < window; i++)
    if (ring[i]) sum += *(const uint64_t *)ring[i];
  return sum;
}

static void variant_end(void) { ring = NULL; }

static uint64_t variant_warm_up(void) { return 0; }

static void variant_counters(uint64_t *gcs, double *gc_ms) { bench_bdw_counters(gcs, gc_ms); }

static void variant_describe(char *what, size_t len, uint64_t gcs, double gc_ms) {
  snprintf(what, len, "%" PRIu64 " Boehm GCs taking %.1f ms, libmmtk workers %u, Boehm markers %u",
           gcs, gc_ms, bench_mmtk_workers(), bench_bdw_markers());
}

#else /* the malloc family: every object is freed when it leaves the ring */

#if defined(ALLOC_MICRO_MIMALLOC)
#define ALLOC(n) mi_malloc(n)
#define FREE(p) mi_free(p)
#else /* glibc, or jemalloc's malloc and free, which the link put in front of glibc's */
#define ALLOC(n) malloc(n)
#define FREE(p) free(p)
#endif

static uint64_t **ring;

static bool variant_begin(size_t size) {
  (void)size;
  ring = calloc(window, sizeof *ring);
  return ring != NULL;
}

static inline uint64_t variant_step(size_t slot, size_t size, uint64_t value) {
  uint64_t *o = ALLOC(size);
  if (!o) {
    fprintf(stderr, "alloc-micro-%s: out of memory\n", VARIANT);
    exit(3);
  }
  o[0] = value;
  uint64_t *old = ring[slot], v = 0;
  ring[slot] = o;
  if (old) {
    v = old[0];
    FREE(old);
  }
  return v;
}

static uint64_t variant_drain(void) {
  uint64_t sum = 0;
  for (size_t i = 0; i < window; i++)
    if (ring[i]) sum += ring[i][0];
  return sum;
}

static void variant_end(void) {
  for (size_t i = 0; i < window; i++) FREE(ring[i]);
  free(ring);
  ring = NULL;
}

static uint64_t variant_warm_up(void) { return 0; }

static void variant_counters(uint64_t *gcs, double *gc_ms) {
  *gcs = 0;
  *gc_ms = 0;
}

static void variant_describe(char *what, size_t len, uint64_t gcs, double gc_ms) {
  (void)gcs, (void)gc_ms;
#if defined(ALLOC_MICRO_JEMALLOC)
  /* Evidence that jemalloc served the loop: its version and this thread's bytes. */
  const char *version = "?";
  uint64_t allocated = 0;
  size_t sz = sizeof version;
  mallctl("version", &version, &sz, NULL, 0);
  sz = sizeof allocated;
  mallctl("thread.allocated", &allocated, &sz, NULL, 0);
  snprintf(what, len, "jemalloc %s, %.0f MiB allocated by it", version,
           (double)allocated / (double)MIB);
#elif defined(ALLOC_MICRO_MIMALLOC)
  snprintf(what, len, "mimalloc %d", mi_version());
#else
  snprintf(what, len, "no GC");
#endif
}

#endif

/* ---- The benchmark -------------------------------------------------------------------- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Objects [from, to) of the run: the sum of the values they evicted.  Inline, so that
 * the timed loop is as tight as a program's own. */
static inline uint64_t churn(uint64_t from, uint64_t to, size_t size, size_t *slot) {
  uint64_t sum = 0;
  size_t s = *slot;
  for (uint64_t i = from; i < to; i++) {
    sum += variant_step(s, size, i * 3 + 1);
    if (++s == window) s = 0;
  }
  *slot = s;
  return sum;
}

/* One size: false if setting up failed or the answer is wrong. */
static bool run(size_t size) {
  uint64_t n = volume / size, sum = 0;
  uint64_t warm = volume / 4, more = variant_warm_up();
  warm = (warm > more ? warm : more) / size;
  if (!variant_begin(size)) {
    fprintf(stderr, "alloc-micro-%s: setting up for %zu-byte objects failed\n", VARIANT, size);
    return false;
  }
  size_t slot = 0;
  sum += churn(0, warm, size, &slot);
  uint64_t gcs0, gcs1;
  double gc_ms0, gc_ms1;
  variant_counters(&gcs0, &gc_ms0);
  double t0 = now();
  sum += churn(warm, warm + n, size, &slot);
  double seconds = now() - t0;
  variant_counters(&gcs1, &gc_ms1);
  sum += variant_drain();

  uint64_t gcs = gcs1 - gcs0;
  double gc_ms = gc_ms1 - gc_ms0;
  char what[192];
  variant_describe(what, sizeof what, gcs, gc_ms);
  variant_end();
  struct rusage ru;
  double rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss / 1024.0 : 0;

  /* The answer: the values 3i + 1 for i < warm + n, each counted once. */
  uint64_t all = warm + n, want = 3 * (all * (all - 1) / 2) + all;
  if (sum != want) {
    fprintf(stderr, "alloc-micro-%s: WRONG ANSWER for %zu-byte objects: sum %" PRIu64
                    " (expected %" PRIu64 ")\n",
            VARIANT, size, sum, want);
    return false;
  }
  if (seconds <= 0) seconds = 1e-9;
  double ns = seconds * 1e9 / (double)n, gbs = (double)n * (double)size / seconds / 1e9;
  printf("alloc-micro-%s: %" PRIu64 " objects of %zu bytes, %zu live at a time, in %.3f s: "
         "%.2f ns/object, %.2f GB/s; %s; peak RSS %.1f MiB; answer checked\n",
         VARIANT, n, size, window, seconds, ns, gbs, what, rss);
  printf("@bench alloc-micro %s %zuB ns/object=%.3f GB/s=%.3f gcs=%" PRIu64
         " gc_ms=%.2f rss_mb=%.1f\n",
         VARIANT, size, ns, gbs, gcs, gc_ms, rss);
  fflush(stdout);
  return true;
}

static bool parse_size(const char *s, uint64_t *out) {
  char *end;
  if (*s < '0' || *s > '9') return false;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10, end++;
  else if (*end == 'M' || *end == 'm') shift = 20, end++;
  else if (*end == 'G' || *end == 'g') shift = 30, end++;
  if (*end || v == 0 || v > (UINT64_MAX >> (shift + 2))) return false;
  *out = (uint64_t)v << shift;
  return true;
}

static int usage(void) {
  fprintf(stderr, "usage: alloc-micro-%s [-b BYTES] [-w WINDOW] [-H HEAP] [SIZE...]\n"
                  "  -b BYTES   bytes to allocate per object size (default 256M)\n"
                  "  -w WINDOW  objects alive at a time, 1..1048576 (default 256)\n"
                  "  -H HEAP    libmmtk's fixed heap, unless NoGC or MMTK_GC_TRIGGER (default 32M)\n"
                  "  SIZE       object sizes, multiples of 8 from %d to %d (default: 32 64 256)\n",
          VARIANT, MIN_SIZE, MAX_SIZE);
  return 2;
}

int main(int argc, char **argv) {
  size_t sizes[64];
  size_t nsizes = 0;
  for (int i = 1; i < argc; i++) {
    uint64_t v;
    if (!strcmp(argv[i], "-b") && i + 1 < argc) {
      if (!parse_size(argv[++i], &volume)) return usage();
    } else if (!strcmp(argv[i], "-H") && i + 1 < argc) {
      if (!parse_size(argv[++i], &heap_bytes)) return usage();
    } else if (!strcmp(argv[i], "-w") && i + 1 < argc) {
      if (!parse_size(argv[++i], &v) || v > ((uint64_t)1 << 20)) return usage();
      window = (size_t)v;
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (parse_size(argv[i], &v) && v >= MIN_SIZE && v <= MAX_SIZE && v % 8 == 0 &&
               nsizes < sizeof sizes / sizeof sizes[0]) {
      sizes[nsizes++] = (size_t)v;
    } else {
      return usage();
    }
  }
  if (nsizes == 0) {
    sizes[0] = 32;
    sizes[1] = 64;
    sizes[2] = 256;
    nsizes = 3;
  }
  /* Each size in a process of its own, so that every variant starts from the same state:
   * fresh memory from the kernel, nothing left over for the allocator to reuse. */
  int status = 0;
  for (size_t i = 0; i < nsizes; i++) {
    if (volume / sizes[i] == 0) return usage();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      perror("alloc-micro: fork");
      return 1;
    }
    if (pid == 0) {
      bool ok = run(sizes[i]);
      fflush(stdout);
      _exit(ok ? 0 : 1);
    }
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0) {
      if (errno != EINTR) {
        perror("alloc-micro: waitpid");
        return 1;
      }
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      if (WIFSIGNALED(wstatus))
        fprintf(stderr, "alloc-micro-%s: %zu-byte objects: killed by signal %d\n", VARIANT,
                sizes[i], WTERMSIG(wstatus));
      status = status ? status : WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 1;
    }
  }
  return status;
}
