/* barrier-micro: what a reference store costs with the object barrier of the generational
 * plans (design.barrier), against a plain store.  libmmtk through examples/minivm.
 *
 *   bench/barrier-micro-mmtk [-n OBJECTS] [-p PASSES]
 *
 * OBJECTS objects (default 131072) of one reference field and a data word are made
 * mature (a GC promotes them) and listed in an array.  A pass stores, object after
 * object in that order, a reference to the next object (a mature one) into its field.
 * The cases differ only in how the store is made and into which objects:
 *
 *   plain          a plain store, no barrier (what a plan without a barrier costs)
 *   no-log-logged  mmtk_object_reference_write_fast() into mature objects that an untimed
 *                  pass has logged already: the inline bit test and the store
 *   no-log-young   mmtk_object_reference_write_fast() into OBJECTS nursery objects
 *                  (allocated afresh before each pass): the same bit test, never set
 *   log            mmtk_object_reference_write_fast() into mature objects that are all
 *                  unlogged (a nursery GC before each pass unlogs them again): every
 *                  store is the first one into its object and is logged out of line
 *   no-log-logged-hdr, no-log-young-hdr
 *                  the no-log cases with the binding's own inline test of the unlog bit,
 *                  as a VM's JIT would emit it: minivm keeps the bit in the object header
 *                  (bit 62, no ref_to_header), which mmtk_object_reference_write_fast()
 *                  finds through the mutator head (log_bit_offset, log_bit_shift,
 *                  mmtk_mutator_t(3)); the binding tests its own constant bit instead and
 *                  calls out only when it is set.  The two should cost about the same.
 *
 * Each pass is timed on its own; between passes (untimed) comes a nursery GC, and for
 * no-log-logged the logging pass, for no-log-young the new objects.  No GC may run in a
 * timed pass (checked: the pass is not counted otherwise, and the run fails if none
 * counted).  The figure is the median over the PASSES passes (default 41) of the
 * nanoseconds per store, and the ratio of each case to `plain`.  At the end, after one
 * more GC, every object must hold its data word and the reference to the next one.
 *
 * The plan is GenCopy unless MMTK_PLAN names another (a generational one: the barrier
 * must be there, checked), in a fixed heap of 256 MiB with a 32 MiB nursery unless
 * MMTK_GC_TRIGGER or MMTK_NURSERY say otherwise.
 *
 * Output: a line for people per case and, for bench/run, a line
 *   @bench barrier-micro VARIANT CASE ns/store=NS vs_plain=R
 * whose first metric is the one compared (lower is better).  Exit status 1 when setting
 * up fails, a check fails or no pass could be timed, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "minivm.h"

enum { TYPE_ARRAY = 1, TYPE_CELL = 2 };
enum { PLAIN, LOGGED, YOUNG, LOG, LOGGED_HDR, YOUNG_HDR, NCASES };
static const char *const case_name[NCASES] = {"plain", "no-log-logged", "no-log-young", "log",
                                              "no-log-logged-hdr", "no-log-young-hdr"};
#define LOG_BIT 62 /* minivm's global_log_bit: 1 while a mature object is unlogged */

static size_t nobjects = 131072;
static unsigned passes = 41;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static mmtk_stats_t stats(void) {
  mmtk_stats_t s = {.size = sizeof s};
  mmtk_get_stats(minivm_mmtk(), &s);
  return s;
}

/* The timed loops, one per way of storing: object i gets a reference to object i + 1.
 * Out of line, so that each is compiled as a loop of its own. */
static __attribute__((noinline)) void store_plain(minivm_obj_t arr) {
  minivm_obj_t *objs = minivm_refs(arr);
  for (size_t i = 0; i + 1 < nobjects; i++) minivm_refs(objs[i])[0] = objs[i + 1];
}

static __attribute__((noinline)) void store_barrier(minivm_obj_t arr) {
  mmtk_mutator_t *m = minivm__self->mutator;
  minivm_obj_t *objs = minivm_refs(arr);
  for (size_t i = 0; i + 1 < nobjects; i++)
    mmtk_object_reference_write_fast(m, objs[i], &minivm_refs(objs[i])[0], objs[i + 1]);
}

static __attribute__((noinline)) void store_header_test(minivm_obj_t arr) {
  mmtk_mutator_t *m = minivm__self->mutator;
  minivm_obj_t *objs = minivm_refs(arr);
  for (size_t i = 0; i + 1 < nobjects; i++) {
    minivm_obj_t o = objs[i];
    minivm_obj_t *slot = &minivm_refs(o)[0];
    if (MMTK_LIKELY(!((minivm_header(o) >> LOG_BIT) & 1))) *slot = objs[i + 1];
    else mmtk_object_reference_write(m, o, slot, objs[i + 1]);
  }
}

/* Fill `arr` with new (young) objects; NULL fields. */
static void fill(minivm_obj_t *arr) {
  for (size_t i = 0; i < nobjects; i++) {
    minivm_obj_t o = minivm_alloc(TYPE_CELL, 1, 8);
    *(uint64_t *)minivm_data(o) = i;
    minivm_set_ref(*arr, i, o);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Every object of `arr` holds its data word and a reference to the next one. */
static bool check(minivm_obj_t arr) {
  for (size_t i = 0; i + 1 < nobjects; i++) {
    minivm_obj_t o = minivm_get_ref(arr, i);
    if (!o || *(const uint64_t *)minivm_data(o) != i || minivm_get_ref(o, 0) != minivm_get_ref(arr, i + 1))
      return false;
  }
  return true;
}

/* One case: the median ns per store over the passes that ran without a GC, or a
 * negative number when none did. */
static double run_case(int kase, minivm_obj_t *arr, minivm_obj_t *young) {
  double *ns = calloc(passes, sizeof *ns);
  if (!ns) return -1;
  unsigned timed = 0;
  for (unsigned p = 0; p < passes; p++) {
    minivm_collect(); /* a nursery GC: the mature objects are unlogged again */
    minivm_obj_t *target = arr;
    if (kase == YOUNG || kase == YOUNG_HDR) {
      fill(young);
      target = young;
    }
    if (kase == LOGGED || kase == LOGGED_HDR) store_barrier(*arr);
    uint64_t gcs = stats().gc_count;
    double t0 = now();
    if (kase == PLAIN) store_plain(*target);
    else if (kase == LOGGED_HDR || kase == YOUNG_HDR) store_header_test(*target);
    else store_barrier(*target);
    double t = now() - t0;
    if (stats().gc_count != gcs) continue; /* cannot happen without a safepoint; checked */
    ns[timed++] = t * 1e9 / (double)(nobjects - 1);
  }
  double median = -1;
  if (timed) {
    qsort(ns, timed, sizeof *ns, cmp_double);
    median = timed % 2 ? ns[timed / 2] : (ns[timed / 2 - 1] + ns[timed / 2]) / 2;
  }
  free(ns);
  return median;
}

/* The plan: MMTK_PLAN as given, or the default below. */
static const char *plan_name(void) {
  const char *p = getenv("MMTK_PLAN");
  return p && *p ? p : "GenCopy";
}

static long arg(const char *s, long min, long max) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < min || v > max) {
    fprintf(stderr, "barrier-micro-mmtk: '%s' is not a number from %ld to %ld\n", s, min, max);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) nobjects = (size_t)arg(argv[++i], 2, 1 << 20);
    else if (!strcmp(argv[i], "-p") && i + 1 < argc) passes = (unsigned)arg(argv[++i], 1, 100000);
    else if (!strcmp(argv[i], "-q")) passes = 5; /* bench/run's quick mode */
    else {
      fprintf(stderr, "usage: barrier-micro-mmtk [-n OBJECTS] [-p PASSES] [-q]\n"
                      "  -n OBJECTS  objects stored into per pass, 2..1048576 (default 131072)\n"
                      "  -p PASSES   timed passes per case (default 41; -q: 5)\n");
      return !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? 0 : 2;
    }
  }
  if (!minivm_init("plan=GenCopy gc_trigger=FixedHeapSize:256M nursery=Fixed:32M "
                   "full_heap_system_gc=false") ||
      !minivm_attach_thread()) {
    fprintf(stderr, "barrier-micro-mmtk: cannot start libmmtk\n");
    return 1;
  }
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)minivm__self->mutator;
  if (!(h->flags & MMTK_MUTATOR_WRITE_BARRIER)) {
    fprintf(stderr, "barrier-micro-mmtk: plan %s has no write barrier: nothing to measure\n",
            plan_name());
    return 1;
  }
  minivm_obj_t arr = minivm_alloc(TYPE_ARRAY, nobjects, 0), young = NULL;
  minivm_push_root(&arr);
  minivm_push_root(&young);
  fill(&arr);
  young = minivm_alloc(TYPE_ARRAY, nobjects, 0);
  minivm_collect(); /* every object mature */

  double ns[NCASES];
  bool ok = true;
  for (int k = 0; k < NCASES && ok; k++) {
    ns[k] = run_case(k, &arr, &young);
    if (ns[k] < 0) {
      fprintf(stderr, "barrier-micro-mmtk: %s: a GC ran in every pass\n", case_name[k]);
      ok = false;
    }
  }
  /* Every store was made right: check after a GC (nursery, then full-heap). */
  minivm_collect();
  if (ok && !check(arr)) {
    fprintf(stderr, "barrier-micro-mmtk: WRONG: an object lost its reference\n");
    ok = false;
  }
  const char *plan = plan_name();
  mmtk_stats_t s = stats();
  if (ok)
    for (int k = 0; k < NCASES; k++) {
      printf("barrier-micro-mmtk: %s on %s: %.3f ns/store (median of %u passes of %zu stores), "
             "%.2fx a plain store; %" PRIu64 " GCs (%" PRIu64 " nursery); answers checked\n",
             case_name[k], plan, ns[k], passes, nobjects - 1, ns[k] / ns[PLAIN], s.gc_count,
             s.nursery_gc_count);
      printf("@bench barrier-micro %s %s ns/store=%.3f vs_plain=%.3f\n", plan, case_name[k], ns[k],
             ns[k] / ns[PLAIN]);
    }
  fflush(stdout);
  minivm_pop_roots(2);
  minivm_detach_thread();
  minivm_shutdown();
  return ok ? 0 : 1;
}
