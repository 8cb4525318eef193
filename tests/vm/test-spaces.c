/* Regression tests for the non-moving spaces (the large object space, the immortal
 * space) and the GC trigger, on the test VM, for one plan chosen at compile time
 * (TVM_PLAN_ID 1 = SemiSpace, 2 = MarkSweep; side metadata, 4 GC workers):
 *
 *   los/first-alloc-race     threads race the instance's first large allocation; every
 *                            object is swept and the pages all come back
 */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "suite.h"
#include "tvm.h"

static void start_opts(fx_t *f, tvm_options_t *o, unsigned timeout) {
  suite_watchdog_arm(timeout);
  o->plan = PLAN;
  o->header_metadata = false;
  o->workers = 4;
  o->sanity = true;
  f->vm = tvm_new(o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

/* ---- los/first-alloc-race ----------------------------------------------------------- */

#define RACERS 8

struct race {
  tvm_t *vm;
  pthread_barrier_t go;
};

static void *racer(void *arg) {
  struct race *r = arg;
  tvm_thread_t *th = tvm_attach(r->vm);
  tvm_enter_native(th);
  pthread_barrier_wait(&r->go);
  tvm_leave_native(th);
  g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 20 * KiB, 7)); /* garbage at once */
  tvm_detach(th);
  return NULL;
}

/* The large object space has no state until its first object: RACERS threads make that
 * object at the same moment, in a fresh instance each round.  Every object dies; after a
 * GC the heap holds what it held before. */
static void test_los_first_alloc_race(void) {
  for (int round = 0; round < 400; round++) {
    fx_t f;
    tvm_options_t o = {.heap = "FixedHeapSize:64M", .extra = EAGER};
    start_opts(&f, &o, 60);
    /* No GC yet: a GC would give the space its state before the race. */
    size_t before = mmtk_used_bytes(f.mmtk);
    struct race r = {.vm = f.vm};
    pthread_barrier_init(&r.go, NULL, RACERS);
    pthread_t t[RACERS];
    tvm_enter_native(f.th);
    for (int i = 0; i < RACERS; i++)
      g_assert_cmpint(pthread_create(&t[i], NULL, racer, &r), ==, 0);
    for (int i = 0; i < RACERS; i++) pthread_join(t[i], NULL);
    tvm_leave_native(f.th);
    pthread_barrier_destroy(&r.go);
    g_assert_true(mmtk_used_bytes(f.mmtk) >= before + RACERS * 20 * KiB);
    g_assert_true(tvm_gc(f.th));
    size_t after = mmtk_used_bytes(f.mmtk);
    if (after != before)
      note("round %d: %zu bytes used before the race, %zu after it and a GC", round, before,
           after);
    g_assert_cmpuint(after, ==, before);
    finish(&f);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("los/first-alloc-race", test_los_first_alloc_race, 120);
  return g_test_run();
}
