/* The Compressor plan on the test VM (TVM_PLAN_ID 8, two GC workers): what is particular
 * to it, beside the suites every plan runs (test-gc.c, test-refs.c, test-binding.c).
 *
 *   slide/order            survivors slide down over the dead objects between them, keep
 *                          their order and end up packed; their data and fields intact
 *   slide/nothing-dead     objects with nothing dead below them in their region stay
 *   regions/two-workers    a heap of many regions: each GC compacts them in packets, and
 *                          both workers compact some (counted in the plan's verbose log)
 *   refs/weak              a weak reference to a survivor that moved is updated; one to a
 *                          dead object is cleared and enqueued at its own new address
 *   refs/finalizer         a dead finalizable object is revived, moved and handed over
 *                          intact; a live one's registration follows its moves
 *   pin/root               a pinning root stays put while garbage below it is collected
 *                          elsewhere; once no longer pinned, it slides like the others
 *   init/unified           a binding without MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS is
 *                          refused
 */
#define _GNU_SOURCE
#include <glib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "suite.h"
#include "tvm.h"

#define REGION ((uintptr_t)256 << 10)

static void start_opts(fx_t *f, tvm_options_t o) {
  suite_watchdog_arm(120);
  o.plan = PLAN;
  o.header_metadata = TVM_HEADER;
  o.workers = TVM_WORKERS;
  o.sanity = true;
  if (!o.heap) o.heap = "FixedHeapSize:64M";
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

static void start(fx_t *f) { start_opts(f, (tvm_options_t){0}); }

static void checked_gc(fx_t *f) { suite_checked_gc(f, tvm_assert_preserved); }

/* ---- slide ------------------------------------------------------------------------- */

static void test_slide_order(void) {
  fx_t f;
  start(&f);
  tvm_thread_t *th = f.th;
  enum { N = 2000 };
  /* A fresh region: a GC first, so that the buffer starts where nothing lies below. */
  tvm_gc(th);
  size_t base = tvm_depth(th);
  tvm_obj_t was[N / 2];
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 40, i);
    if (i % 2) {
      if (i > 1) tvm_set_ref(th, o, 0, tvm_root(th, tvm_depth(th) - 1)); /* the previous one */
      was[i / 2] = o;
      tvm_push(th, o);
    }
  }
  checked_gc(&f);
  const size_t size = tvm_object_size(1, 40);
  size_t moved = 0, packed = 0;
  for (size_t k = 0; k < N / 2; k++) {
    tvm_obj_t o = tvm_root(th, base + k);
    g_assert_cmpuint(tvm_data(o), ==, 2 * k + 1);
    g_assert_true(tvm_pattern_ok(o));
    g_assert_true((uintptr_t)o <= (uintptr_t)was[k]); /* only ever down */
    /* ... and within its region. */
    g_assert_cmpuint((uintptr_t)o / REGION, ==, (uintptr_t)was[k] / REGION);
    if (o != was[k]) moved++;
    if (k) {
      tvm_obj_t prev = tvm_root(th, base + k - 1);
      g_assert_true(tvm_ref(o, 0) == prev); /* the field follows the move */
      g_assert_true((uintptr_t)prev < (uintptr_t)o); /* the order is kept */
      if ((uintptr_t)prev / REGION == (uintptr_t)o / REGION) {
        g_assert_true((uintptr_t)prev + size == (uintptr_t)o); /* nothing left between */
        packed++;
      }
    }
  }
  g_test_message("%zu of %d survivors moved, %zu packed against the one before", moved, N / 2,
                 packed);
  /* Every survivor has a dead object just below it, but the first of each region. */
  g_assert_cmpuint(moved, >=, N / 2 - 4);
  g_assert_cmpuint(packed, >=, N / 2 - 4);
  tvm_pop_to(th, base);
  finish(&f);
}

static void test_slide_nothing_dead(void) {
  fx_t f;
  start(&f);
  tvm_thread_t *th = f.th;
  enum { N = 500 };
  tvm_gc(th);
  size_t base = tvm_depth(th);
  for (size_t i = 0; i < N; i++) tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 100, i));
  tvm_obj_t was[N];
  for (size_t i = 0; i < N; i++) was[i] = tvm_root(th, base + i);
  checked_gc(&f);
  for (size_t i = 0; i < N; i++) g_assert_true(tvm_root(th, base + i) == was[i]);
  tvm_pop_to(th, base);
  finish(&f);
}

/* ---- regions ----------------------------------------------------------------------- */

/* The plan's verbose log line: "compressor: R regions compacted, by worker: A B". */
static _Atomic uint64_t by_worker[2], regions_logged;
static void (*tvm_log)(void *ctx, int level, const char *message);

static void counting_log(void *ctx, int level, const char *message) {
  unsigned long long r, a, b;
  if (sscanf(message, "compressor: %llu regions compacted, by worker: %llu %llu", &r, &a, &b) ==
      3) {
    atomic_fetch_add(&regions_logged, r);
    atomic_fetch_add(&by_worker[0], a);
    atomic_fetch_add(&by_worker[1], b);
    return;
  }
  if (level <= MMTK_LOG_WARN) tvm_log(ctx, level, message);
}

static void log_binding(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  tvm_log = b->log;
  b->log = counting_log;
}

static void test_regions_two_workers(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.extra = "verbose=2", .customize = log_binding});
  tvm_thread_t *th = f.th;
  size_t base = tvm_depth(th);
  /* About 12 MiB: some 48 regions, one object in eight kept. */
  size_t list = tvm_push(th, NULL);
  for (size_t i = 0; i < 12 * 1024; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 1000, i);
    if (i % 8 == 0) {
      tvm_set_ref(th, o, 0, tvm_root(th, list));
      tvm_set_root(th, list, o);
    }
  }
  int gcs_run = 0;
  /* Only the GCs below count: under stress (MMTK_STRESS_FACTOR) the allocations above
   * collected too, in a smaller heap. */
  atomic_store(&regions_logged, 0);
  atomic_store(&by_worker[0], 0);
  atomic_store(&by_worker[1], 0);
  /* Each GC gives each region to whichever worker is free: over a few GCs both take some
   * (a count of packets, not a timing). */
  do {
    checked_gc(&f);
    gcs_run++;
  } while (gcs_run < 20 && (atomic_load(&by_worker[0]) == 0 || atomic_load(&by_worker[1]) == 0));
  g_test_message("%d GCs: %llu regions compacted, %llu by worker 0, %llu by worker 1", gcs_run,
                 (unsigned long long)atomic_load(&regions_logged),
                 (unsigned long long)atomic_load(&by_worker[0]),
                 (unsigned long long)atomic_load(&by_worker[1]));
  /* Some 48 regions per GC; under stress GCs (every 64 KiB of allocation) the garbage
   * never piles up, and only the regions of the survivors remain (about 6). */
  g_assert_cmpuint(atomic_load(&regions_logged) / (uint64_t)gcs_run, >=,
                   getenv("MMTK_STRESS_FACTOR") ? 4 : 40);
  g_assert_cmpuint(atomic_load(&by_worker[0]), >, 0);
  g_assert_cmpuint(atomic_load(&by_worker[1]), >, 0);
  g_assert_cmpuint(atomic_load(&by_worker[0]) + atomic_load(&by_worker[1]), ==,
                   atomic_load(&regions_logged));
  /* The list is intact, in order. */
  size_t n = 0;
  for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), n++) {
    g_assert_cmpuint(tvm_data(o), ==, (12 * 1024 - 8) - 8 * n);
    g_assert_true(tvm_pattern_ok(o));
  }
  g_assert_cmpuint(n, ==, 12 * 1024 / 8);
  tvm_pop_to(th, base);
  finish(&f);
}

/* ---- refs -------------------------------------------------------------------------- */

static void test_refs_weak(void) {
  fx_t f;
  start(&f);
  tvm_thread_t *th = f.th;
  tvm_gc(th);
  size_t base = tvm_depth(th);
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0); /* dead: everything below slides */
  size_t target = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 64, 1));
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0);
  size_t live_ref = tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 1, 0, 2));
  tvm_set_ref(th, tvm_root(th, live_ref), 0, tvm_root(th, target));
  size_t dead_ref = tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 1, 0, 3));
  tvm_set_ref(th, tvm_root(th, dead_ref), 0, tvm_alloc(th, TVM_BYTES, 0, 64, 4));
  tvm_obj_t target_was = tvm_root(th, target), live_was = tvm_root(th, live_ref);
  tvm_obj_t dead_was = tvm_root(th, dead_ref);
  tvm_counters_t c0;
  tvm_counters(f.vm, &c0);
  checked_gc(&f);
  g_assert_true(tvm_root(th, target) != target_was); /* moved ... */
  g_assert_true(tvm_root(th, live_ref) != live_was);
  g_assert_true(tvm_root(th, dead_ref) != dead_was);
  /* ... and the referent with it. */
  g_assert_true(tvm_ref(tvm_root(th, live_ref), 0) == tvm_root(th, target));
  g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(th, live_ref), 0)), ==, 1);
  g_assert_null(tvm_ref(tvm_root(th, dead_ref), 0));
  tvm_counters_t c1;
  tvm_counters(f.vm, &c1);
  /* The enqueued reference was checked by tvm (a cleared WEAKREF: its new address). */
  g_assert_cmpuint(c1.enqueued_refs - c0.enqueued_refs, ==, 1);
  g_assert_cmpuint(c1.enqueue_errors, ==, 0);
  /* Again: the registration followed the move. */
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0);
  tvm_set_root(th, target, NULL);
  checked_gc(&f);
  g_assert_null(tvm_ref(tvm_root(th, live_ref), 0));
  tvm_pop_to(th, base);
  finish(&f);
}

static void test_refs_finalizer(void) {
  fx_t f;
  start(&f);
  tvm_thread_t *th = f.th;
  tvm_gc(th);
  size_t base = tvm_depth(th);
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0);
  tvm_alloc(th, TVM_FINALIZABLE, 0, 32, 10); /* dead: finalized */
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0);
  size_t kept = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 32, 11));
  tvm_obj_t kept_was = tvm_root(th, kept);
  checked_gc(&f);
  g_assert_true(tvm_root(th, kept) != kept_was);
  /* tvm checks the object it is handed (type, pattern) and counts it by its data. */
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 10), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 11), ==, 0);
  /* The live one's registration was forwarded: it is finalized once it dies. */
  tvm_alloc(th, TVM_BYTES, 0, 4000, 0);
  checked_gc(&f);
  tvm_set_root(th, kept, NULL);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 11), ==, 1);
  tvm_pop_to(th, base);
  finish(&f);
}

/* ---- pin --------------------------------------------------------------------------- */

static _Atomic(tvm_obj_t) pinned_root;
static void (*tvm_scan_vm_roots)(void *ctx, void *worker_tls, mmtk_roots_factory_t *factory);

static void pinning_scan_vm_roots(void *ctx, void *worker_tls, mmtk_roots_factory_t *factory) {
  tvm_scan_vm_roots(ctx, worker_tls, factory);
  mmtk_object_t o = atomic_load(&pinned_root);
  if (o) mmtk_roots_add_pinning(factory, &o, 1);
}

static void pin_binding(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  tvm_scan_vm_roots = b->scan_vm_specific_roots;
  b->scan_vm_specific_roots = pinning_scan_vm_roots;
}

static void test_pin_root(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.customize = pin_binding});
  tvm_thread_t *th = f.th;
  tvm_gc(th);
  size_t base = tvm_depth(th);
  /* The filler is garbage for the GCs below, but held by `filler` until then: a stress
   * GC (MMTK_STRESS_FACTOR) while it is allocated must not compact it away, or the two
   * objects would no longer be a region apart. */
  size_t filler = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 71, 0, 0));
  tvm_set_ref(th, tvm_root(th, filler), 0, tvm_alloc(th, TVM_BYTES, 0, 4000, 0)); /* below both */
  size_t pinned = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 64, 1));
  /* A region of its own, with garbage below it too. */
  for (int i = 1; i <= 70; i++)
    tvm_set_ref(th, tvm_root(th, filler), (size_t)i, tvm_alloc(th, TVM_BYTES, 0, 4000, 0));
  size_t other = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 64, 2));
  tvm_set_ref(th, tvm_root(th, pinned), 0, tvm_root(th, other));
  for (size_t i = 0; i <= 70; i++) tvm_set_ref(th, tvm_root(th, filler), i, NULL);
  g_assert_cmpuint((uintptr_t)tvm_root(th, pinned) / REGION, !=,
                   (uintptr_t)tvm_root(th, other) / REGION);
  tvm_obj_t pinned_was = tvm_root(th, pinned), other_was = tvm_root(th, other);
  atomic_store(&pinned_root, pinned_was);
  for (int gc = 0; gc < 2; gc++) {
    checked_gc(&f);
    g_assert_true(tvm_root(th, pinned) == pinned_was); /* stays */
    g_assert_true(tvm_ref(pinned_was, 0) == tvm_root(th, other)); /* its field updated */
    g_assert_cmpuint(tvm_data(pinned_was), ==, 1);
    g_assert_true(tvm_pattern_ok(pinned_was));
  }
  g_assert_true(tvm_root(th, other) != other_was); /* its region was compacted */
  /* No longer pinned: it slides over the garbage below it. */
  atomic_store(&pinned_root, NULL);
  checked_gc(&f);
  g_assert_true(tvm_root(th, pinned) != pinned_was);
  g_assert_true((uintptr_t)tvm_root(th, pinned) < (uintptr_t)pinned_was);
  g_assert_true(tvm_ref(tvm_root(th, pinned), 0) == tvm_root(th, other));
  tvm_pop_to(th, base);
  finish(&f);
}

/* ---- init -------------------------------------------------------------------------- */

static void no_unified(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  b->flags &= ~MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS;
}

static void test_init_unified(void) {
  tvm_options_t o = {.plan = PLAN, .workers = TVM_WORKERS, .customize = no_unified};
  g_assert_null(tvm_try_new(&o));
  g_assert_nonnull(strstr(mmtk_last_error(), "plan Compressor needs the binding flag "
                                             "MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS"));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_env();
  g_test_add_func("/" PLAN "/slide/order", test_slide_order);
  g_test_add_func("/" PLAN "/slide/nothing-dead", test_slide_nothing_dead);
  /* Two workers to share the regions: not in a --enable-single-worker build. */
  if (!MMTK_HAVE_SINGLE_WORKER)
    g_test_add_func("/" PLAN "/regions/two-workers", test_regions_two_workers);
  g_test_add_func("/" PLAN "/refs/weak", test_refs_weak);
  g_test_add_func("/" PLAN "/refs/finalizer", test_refs_finalizer);
  g_test_add_func("/" PLAN "/pin/root", test_pin_root);
  g_test_add_func("/" PLAN "/init/unified", test_init_unified);
  return g_test_run();
}
