/* MarkCompact's own tests on the test VM (TVM_PLAN_ID 7; side metadata, 4 GC workers,
 * the verifier on where the build has it):
 *
 *   slide/order           every other node of a run is garbage: a GC slides the others
 *                         down, in their order, each right after the one before (its
 *                         size plus the forwarding word), contents intact
 *   pin/root              an object reported only through mmtk_roots_add_pinning() keeps
 *                         its address over GCs while the survivors before it slide down
 *                         and those after it stop just past it
 *   refs/moved            a weak reference to a surviving referent is updated to where it
 *                         slid; one to a dead referent is cleared; a dead finalizable
 *                         object (and its child) slides and is finalized intact; a
 *                         registered finalizable that survives is found at its new place
 *   heap/smaller-than-semispace  7 MiB kept alive in a 12 MiB heap through 96 MiB of
 *                         garbage: SemiSpace runs out of memory, MarkCompact does not
 */
#include "suite.h"

static void start_plan(fx_t *f, const char *plan, const char *heap,
                       void (*customize)(tvm_t *, mmtk_vm_binding_t *, void *)) {
  suite_watchdog_arm(120);
  tvm_options_t o = {.plan = plan, .heap = heap, .workers = 4, .sanity = true,
                     .customize = customize};
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

static void checked_gc(fx_t *f) { suite_checked_gc(f, tvm_assert_preserved); }

/* `bytes` of garbage in BYTES objects of `size` data bytes; false if the heap ran out. */
static bool garbage(tvm_thread_t *th, size_t bytes, size_t size) {
  for (size_t done = 0; done < bytes; done += size)
    if (!tvm_alloc(th, TVM_BYTES, 0, size, done)) return false;
  return true;
}

/* ---- slide/order ---------------------------------------------------------------------- */

#define RUN 2000

static void test_slide_order(void) {
  fx_t f;
  start_plan(&f, PLAN, "FixedHeapSize:64M", NULL);
  tvm_thread_t *th = f.th;
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, RUN / 2, 0, 1));
  for (size_t i = 0; i < RUN; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 24, 100 + i);
    if (i % 2) tvm_set_ref(th, tvm_root(th, arr), i / 2, o);
  }
  const size_t step = tvm_object_size(1, 24) + sizeof(uintptr_t); /* + the forwarding word */
  for (int gc = 0; gc < 3; gc++) {
    uintptr_t was[RUN / 2];
    for (size_t k = 0; k < RUN / 2; k++) was[k] = (uintptr_t)tvm_ref(tvm_root(th, arr), k);
    checked_gc(&f);
    size_t moved = 0;
    for (size_t k = 0; k < RUN / 2; k++) {
      tvm_obj_t o = tvm_ref(tvm_root(th, arr), k);
      g_assert_cmpuint(tvm_data(o), ==, 100 + 2 * k + 1);
      g_assert_true(tvm_pattern_ok(o));
      g_assert_null(tvm_header_problem(o));
      g_assert_true(mmtk_is_live_object(f.mmtk, o));
      g_assert_cmpuint((uintptr_t)o, <=, was[k]); /* only ever down */
      if ((uintptr_t)o != was[k]) moved++;
      if (k) g_assert_cmpuint((uintptr_t)o - (uintptr_t)tvm_ref(tvm_root(th, arr), k - 1), ==, step);
    }
    note("GC %d: %zu of %d survivors moved", gc + 1, moved, RUN / 2);
    /* The first GC frees the garbage between them: all move; later ones find them packed.
     * Under stress GCs (MMTK_STRESS_FACTOR), some ran while the list was built and slid
     * part of it already: only the later GCs' count is exact then. */
    if (gc > 0 || !getenv("MMTK_STRESS_FACTOR")) g_assert_cmpuint(moved, ==, gc == 0 ? RUN / 2 : 0);
  }
  finish(&f);
}

/* ---- pin/root --------------------------------------------------------------------------- */

static tvm_obj_t pinned; /* reported as a pinning root only */
static void (*orig_vm_roots)(void *, void *, mmtk_roots_factory_t *);

static void pin_vm_roots(void *ctx, void *tls, mmtk_roots_factory_t *factory) {
  orig_vm_roots(ctx, tls, factory);
  if (pinned) mmtk_roots_add_pinning(factory, (mmtk_object_t *)&pinned, 1);
}

static void pin_binding(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm, (void)arg;
  orig_vm_roots = b->scan_vm_specific_roots;
  b->scan_vm_specific_roots = pin_vm_roots;
}

static void test_pin_root(void) {
  fx_t f;
  start_plan(&f, PLAN, "FixedHeapSize:64M", pin_binding);
  tvm_thread_t *th = f.th;
  size_t before = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 100, 0, 1));
  size_t after = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 100, 0, 2));
  for (size_t i = 0; i < 400; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 0, 40, 1000 + i);
    if (i % 4 == 0) tvm_set_ref(th, tvm_root(th, before), i / 4, o);
  }
  pinned = tvm_alloc(th, TVM_NODE, 0, 64, 7);
  uintptr_t pin_was = (uintptr_t)pinned;
  for (size_t i = 0; i < 400; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 0, 40, 2000 + i);
    if (i % 4 == 0) tvm_set_ref(th, tvm_root(th, after), i / 4, o);
  }
  uintptr_t first_was = (uintptr_t)tvm_ref(tvm_root(th, before), 1);
  uintptr_t next_was = (uintptr_t)tvm_ref(tvm_root(th, after), 1);
  for (int gc = 0; gc < 3; gc++) {
    g_assert_true(tvm_gc(th));
    g_assert_true((uintptr_t)pinned == pin_was);
    g_assert_cmpuint(tvm_data(pinned), ==, 7);
    g_assert_true(tvm_pattern_ok(pinned));
    g_assert_true(mmtk_is_live_object(f.mmtk, pinned));
    for (size_t k = 0; k < 100; k++) {
      tvm_obj_t b = tvm_ref(tvm_root(th, before), k), a = tvm_ref(tvm_root(th, after), k);
      g_assert_cmpuint(tvm_data(b), ==, 1000 + 4 * k);
      g_assert_cmpuint(tvm_data(a), ==, 2000 + 4 * k);
      g_assert_true(tvm_pattern_ok(b) && tvm_pattern_ok(a));
      g_assert_cmpuint((uintptr_t)b, <, pin_was); /* the slide keeps the order */
      g_assert_cmpuint((uintptr_t)a, >, pin_was);
    }
  }
  /* Those before it slid down; those after it slid down to just past it. */
  g_assert_cmpuint((uintptr_t)tvm_ref(tvm_root(th, before), 1), <, first_was);
  g_assert_cmpuint((uintptr_t)tvm_ref(tvm_root(th, after), 1), <, next_was);
  g_assert_cmpuint((uintptr_t)tvm_ref(tvm_root(th, after), 0), ==,
                   pin_was + tvm_object_size(0, 64) + sizeof(uintptr_t));
  /* Unpinned, it moves down like the others at the next GC. */
  size_t keep = tvm_push(th, pinned);
  pinned = NULL;
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint((uintptr_t)tvm_root(th, keep), <, pin_was);
  g_assert_cmpuint(tvm_data(tvm_root(th, keep)), ==, 7);
  finish(&f);
}

/* ---- refs/moved ----------------------------------------------------------------------- */

static void test_refs_moved(void) {
  fx_t f;
  start_plan(&f, PLAN, "FixedHeapSize:64M", NULL);
  tvm_thread_t *th = f.th;
  for (size_t i = 0; i < 1000; i++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 64, i));
  size_t target = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 32, 11));
  size_t weak = tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 1, 0, 12));
  tvm_set_ref(th, tvm_root(th, weak), 0, tvm_root(th, target));
  size_t weak_dead = tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 1, 0, 13));
  tvm_set_ref(th, tvm_root(th, weak_dead), 0, tvm_alloc(th, TVM_NODE, 0, 32, 14));
  size_t fin_live = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 1, 16, 15));
  tvm_obj_t fin = tvm_alloc(th, TVM_FINALIZABLE, 1, 16, 16); /* dies: finalized */
  tvm_set_ref(th, fin, 0, tvm_alloc(th, TVM_NODE, 0, 8, 17));
  uintptr_t target_was = (uintptr_t)tvm_root(th, target), fin_live_was = (uintptr_t)tvm_root(th, fin_live);
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint((uintptr_t)tvm_root(th, target), <, target_was);
  g_assert_true(tvm_ref(tvm_root(th, weak), 0) == tvm_root(th, target));
  g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(th, weak), 0)), ==, 11);
  g_assert_null(tvm_ref(tvm_root(th, weak_dead), 0));
  /* The dead one was revived and slid down with its child; the VM checks both. */
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 16), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 15), ==, 0);
  /* The live one is still registered, at its new address. */
  g_assert_cmpuint((uintptr_t)tvm_root(th, fin_live), <, fin_live_was);
  mmtk_object_t out[4];
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, fin_live), out, 4), ==, 1);
  g_assert_true(out[0] == tvm_root(th, fin_live));
  mmtk_add_finalizer(f.mmtk, out[0]);
  for (int gc = 0; gc < 2; gc++) {
    g_assert_true(garbage(th, MiB, 100));
    g_assert_true(tvm_gc(th));
    g_assert_true(tvm_ref(tvm_root(th, weak), 0) == tvm_root(th, target));
  }
  finish(&f);
}

/* ---- heap/smaller-than-semispace -------------------------------------------------------- */

#define LIVE_NODES 7000 /* of 1 KiB: 7 MiB kept alive */

/* Keep 7 MiB alive in a 12 MiB heap and allocate 96 MiB of garbage; true if every
 * allocation succeeded. */
static bool churn(const char *plan) {
  fx_t f;
  start_plan(&f, plan, "FixedHeapSize:12M", NULL);
  tvm_thread_t *th = f.th;
  size_t list = tvm_push(th, NULL);
  bool ok = true;
  for (size_t i = 0; ok && i < LIVE_NODES; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 1000, i);
    if (!o) ok = false;
    else {
      tvm_set_ref(th, o, 0, tvm_root(th, list));
      tvm_set_root(th, list, o);
    }
  }
  for (size_t i = 0; ok && i < 96 * 1024; i++) ok = tvm_alloc(th, TVM_BYTES, 0, 1000, i) != NULL;
  if (ok) {
    size_t n = 0;
    for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), n++) {
      g_assert_cmpuint(tvm_data(o), ==, LIVE_NODES - 1 - n);
      g_assert_true(tvm_pattern_ok(o));
    }
    g_assert_cmpuint(n, ==, LIVE_NODES);
    note("%s: %llu GCs", plan, (unsigned long long)gcs(&f));
    finish(&f);
  } else {
    tvm_detach(th);
    tvm_destroy(f.vm);
    alarm(0);
  }
  return ok;
}

static void test_smaller_than_semispace(void) {
  g_assert_false(churn("SemiSpace"));
  g_assert_true(churn(PLAN));
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("slide/order", test_slide_order, 60);
  suite_add("pin/root", test_pin_root, 60);
  suite_add("refs/moved", test_refs_moved, 60);
  suite_add("heap/smaller-than-semispace", test_smaller_than_semispace, 120);
  return g_test_run();
}
