/* Reference processing, finalization and the GC trigger under real collections, on the
 * test VM, for one configuration chosen at compile time (as tests/vm/test-gc.c):
 *
 *   TVM_PLAN_ID   1 = SemiSpace, 2 = MarkSweep
 *   TVM_HEADER    1 = in-header metadata (TVM_HDR_*), 0 = on the side
 *   TVM_WORKERS   GC worker threads (option threads)
 *
 * Every test runs in a child process with its own instance (sanity=true in
 * --enable-sanity builds) and ends with tvm_assert_clean().  Paths start with the plan:
 *
 *   refs/soft-kept             soft referents survive ordinary GCs (heap-full ones too);
 *                              a strongly reachable one is updated (moved by SemiSpace)
 *   refs/soft-emergency        softly reachable garbage fills a small heap; live
 *                              allocation goes on until only an emergency GC can satisfy
 *                              it: the allocation succeeds, every soft referent is
 *                              cleared and enqueued, nothing else is lost
 *   refs/phantom               phantom references cleared exactly when the referent
 *                              dies, and only after a finalizer on it has run and it died
 *                              again (a weak one to the same object is cleared first)
 *   refs/weak-dropped          exact get/set/clear_referent calls: a dead reference object
 *                              is only cleared, a cleared one is not looked at again
 *   refs/revived-by-finalizer  reference objects that die with a finalizable object and
 *                              are revived with it: referents cleared, none stale
 *   refs/register-from-callback
 *                              the binding's get/set_referent register candidates: no
 *                              deadlock, none lost
 *   refs/foreign-registration  registrations from a thread that GCs do not stop, while
 *                              collecting: none lost, none corrupted
 *   refs/no-reference-types    candidates ignored: no referent callback, nothing
 *                              enqueued, referents kept by the VM's own (strong) scan
 *   finalizer/no-finalizer     mmtk_add_finalizer ignored: nothing ever finalized, dead
 *                              finalizable objects reclaimed at the first GC
 *   finalizer/get-all          mmtk_get_all_finalizers: every registration (reachable or
 *                              not, at its current address), then no finalization
 *   finalizer/get-for          mmtk_get_finalizers_for: one object's registrations only
 *   finalizer/query-during-gc  the queries from a thread GCs do not stop, during a GC:
 *                              they wait for its end, and answer with new addresses
 *   finalizer/query-from-worker
 *                              the same from a GC worker during the GC: refused with an
 *                              error; from schedule_finalization: answered
 *   trigger/dynamic-heap       DynamicHeapSize: the limit grows with the live set, stays in
 *                              [MIN, MAX] and page aligned, shrinks once the live set is
 *                              dropped; no allocation fails
 *   trigger/dynamic-big-object an object larger than the current limit (but well under
 *                              MAX) is allocated
 *   trigger/dynamic-unaligned  MIN and MAX that are not page multiples
 *   trigger/dynamic-reserve    a fixed live set, GCs far apart: the limit settles at no
 *                              less than twice the live set for a copying plan (its copy
 *                              reserve), below it for the others (Immix keeps only its
 *                              defrag headroom)
 *   trigger/gc-poll            mmtk_gc_poll collects exactly when over the limit
 *   trigger/vm-live-bytes      off-heap bytes reported by the VM make GCs come earlier
 *   trigger/ignore-system-gc   user requests ignored; heap-full GCs and polls still happen
 *   pipeline/refs-split        with two workers, soft, weak and phantom lists and the
 *                              finalizable list of 3000 entries are processed in several
 *                              packets per stage (counted from the verbose=2 log), and
 *                              every reference and object ends as with 500 entries (one
 *                              packet per stage): the same callbacks, referents,
 *                              finalizations, and references enqueued in list order
 *   pipeline/release-split     a non-moving space of some 800 blocks is released, and
 *                              swept at the next Prepare, in packets of 512; survivors
 *                              intact, freed blocks reused
 *   stress/gc-count-imprecise  precise_stress=false: GCs counted at page acquisition (R12)
 */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "tvm.h"

#define PAGE ((size_t)4096)

/* ---- Fixture ---------------------------------------------------------------------- */

static void start_opts(fx_t *f, tvm_options_t o) {
  suite_watchdog_arm(120);
  o.plan = PLAN;
  o.header_metadata = TVM_HEADER;
  if (!o.workers) o.workers = TVM_WORKERS;
  o.sanity = true;
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
  g_assert_true(tvm_collects(f->vm));
  g_assert_cmpint(tvm_moves(f->vm), ==, MOVES);
}

static void start(fx_t *f, const char *heap, const char *extra) {
  start_opts(f, (tvm_options_t){.heap = heap, .extra = extra});
}

static tvm_counters_t counters(fx_t *f) {
  tvm_counters_t c;
  tvm_counters(f->vm, &c);
  return c;
}

/* The strongly reachable graph is the same in `after` (taken after a GC) as in `before`.
 * The checker reads every WEAKREF as a weak reference; here many are soft or phantom ones,
 * which a GC may keep with a referent that is not strongly reachable: the tests check the
 * referents themselves, this only that references to live objects stay. */
static void assert_graph_kept(const tvm_snapshot_t *before, const tvm_snapshot_t *after) {
  g_assert_cmpuint(after->objects, ==, before->objects);
  g_assert_cmpuint(after->bytes, ==, before->bytes);
  g_assert_cmpuint(after->edges, ==, before->edges);
  g_assert_cmpuint(after->weakrefs, ==, before->weakrefs);
  for (int t = 0; t <= TVM_TYPE_MAX; t++) g_assert_cmpuint(after->by_type[t], ==, before->by_type[t]);
  g_assert_cmpuint(after->weak_live, ==, before->weak_live);
  g_assert_cmpuint(after->weak_null + after->weak_dangling, ==,
                   before->weak_null + before->weak_dangling);
  g_assert_cmphex(after->checksum, ==, before->checksum);
}

/* A forced GC, the graph checked before and after. */
static void checked_gc(fx_t *f) { suite_checked_gc(f, assert_graph_kept); }

/* A reference object in the tvm format (a WEAKREF: field 0 is the referent, not scanned)
 * that tvm_alloc() has not registered: the test registers it as soft or phantom.  The
 * referent is stored by the caller right away, before the next safepoint. */
static tvm_obj_t alloc_ref(tvm_thread_t *th, size_t nrefs, size_t data_bytes, uint64_t data) {
  tvm_safepoint(th);
  size_t size = tvm_object_size(nrefs, data_bytes);
  uint64_t *w = mmtk_alloc_fast(tvm_mutator(th), size, 8, 0, MMTK_ALLOC_DEFAULT);
  if (!w) return NULL;
  w[0] = (uint64_t)TVM_WEAKREF << TVM_TYPE_SHIFT | (uint64_t)TVM_FLAG_WEAK << TVM_FLAGS_SHIFT |
         (uint64_t)nrefs << TVM_NREFS_SHIFT;
  w[1] = size;
  w[2] = data;
  memset(w + TVM_HEADER_WORDS, 0, 8 * nrefs);
  tvm_fill_pattern(w);
  mmtk_post_alloc_fast(tvm_mutator(th), w, size, MMTK_ALLOC_DEFAULT);
  return w;
}

enum ref_kind { SOFT, PHANTOM };

/* A new soft or phantom reference to `target` (read after the allocation: pass a root
 * slot, or SIZE_MAX with `target_obj` for an object allocated right before). */
static tvm_obj_t new_ref(fx_t *f, enum ref_kind kind, size_t target_slot, uint64_t data) {
  tvm_obj_t r = alloc_ref(f->th, 1, 8, data);
  g_assert_nonnull(r);
  tvm_set_ref(f->th, r, 0, tvm_root(f->th, target_slot));
  if (kind == SOFT) mmtk_add_soft_candidate(f->mmtk, r);
  else mmtk_add_phantom_candidate(f->mmtk, r);
  return r;
}

static tvm_obj_t referent(tvm_obj_t r) { return tvm_ref(r, 0); }

/* schedule_finalization comes from the GC worker after resume_mutators: wait for it. */
static void wait_schedule_finalization(fx_t *f, uint64_t expected) {
  for (int i = 0; i < 2000 && counters(f).schedule_finalization < expected; i++) g_usleep(1000);
  g_usleep(10000); /* and no more than that */
  g_assert_cmpuint(counters(f).schedule_finalization, ==, expected);
}

/* Allocate `bytes` of garbage in objects of `size` bytes. */
static void garbage(fx_t *f, size_t bytes, size_t size) {
  for (size_t done = 0; done < bytes; done += size)
    g_assert_nonnull(tvm_alloc(f->th, TVM_BYTES, 0, size - TVM_HEADER_BYTES, done));
}

/* ---- refs: soft ------------------------------------------------------------------- */

#define NSOFT 200

/* Soft referents are kept alive by ordinary GCs, forced or heap-full; a strongly
 * reachable one is updated to the referent's new address. */
static void test_soft_kept(void) {
  fx_t f;
  start(&f, "FixedHeapSize:16M", NULL);
  tvm_thread_t *th = f.th;
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, NSOFT, 0, 1));
  size_t tmp = tvm_push(th, NULL);
  for (size_t i = 0; i < NSOFT; i++) {
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_BYTES, 0, 1000, 1000 + i));
    tvm_set_ref(th, tvm_root(th, arr), i, new_ref(&f, SOFT, tmp, 5000 + i));
  }
  /* A soft reference to an object held strongly, and one that dies itself. */
  size_t strong = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 7));
  size_t sref = tvm_push(th, new_ref(&f, SOFT, strong, 8));
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 64, 9));
  new_ref(&f, SOFT, tmp, 10);
  tvm_set_root(th, tmp, NULL);

  tvm_counters_t c0 = counters(&f);
  uint64_t g0 = gcs(&f);
  for (int round = 0; round < 4; round++) {
    tvm_obj_t was = tvm_root(th, strong);
    if (round % 2 == 0) checked_gc(&f);
    else garbage(&f, 40 * MiB, 4 * KiB); /* heap-full GCs */
    tvm_obj_t now = tvm_root(th, strong);
    g_assert_true(referent(tvm_root(th, sref)) == now);
    /* (After an even number of SemiSpace GCs it may be back where it was.) */
    if (round % 2 == 0) g_assert_true(MOVES ? now != was : MAY_MOVE || now == was);
    else if (!MAY_MOVE) g_assert_true(now == was);
    for (size_t i = 0; i < NSOFT; i++) {
      tvm_obj_t r = tvm_ref(tvm_root(th, arr), i);
      g_assert_cmpuint(tvm_data(r), ==, 5000 + i);
      tvm_obj_t o = referent(r);
      g_assert_nonnull(o);
      g_assert_null(tvm_header_problem(o));
      g_assert_cmpuint(tvm_data(o), ==, 1000 + i);
      g_assert_true(tvm_pattern_ok(o));
    }
  }
  tvm_counters_t c = counters(&f);
  note("%llu GCs", (unsigned long long)(gcs(&f) - g0));
  g_assert_cmpuint(gcs(&f) - g0, >=, 2 + 2); /* 40 MiB through a 16 MiB heap, twice */
  g_assert_cmpuint(c.enqueued_refs, ==, c0.enqueued_refs);
  /* Only the reference object that died, as it is dropped (not enqueued). */
  g_assert_cmpuint(c.referent_clears, ==, c0.referent_clears + 1);
  g_assert_cmpuint(c.oom_calls, ==, 0);

  /* Once the reference objects die, the referents go too (nothing else holds them). */
  tvm_set_root(th, arr, NULL);
  checked_gc(&f);
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs, ==, c0.enqueued_refs);
  g_assert_true(referent(tvm_root(th, sref)) == tvm_root(th, strong));
  finish(&f);
}

/* Softly reachable garbage fills most of a small heap.  Live objects are then allocated
 * until a heap-full GC cannot satisfy a request: the emergency GC that follows clears the
 * soft references (and enqueues them), and the allocation succeeds. */
static void test_soft_emergency(void) {
  fx_t f;
  start(&f, "FixedHeapSize:8M", EAGER);
  tvm_thread_t *th = f.th;
  /* What the live objects may occupy: SemiSpace keeps a copy reserve as large as the
   * space in use. */
  const size_t usable = MOVES ? 4 * MiB : 8 * MiB;
  const size_t obj = 4000, nsoft = usable * 6 / 10 / obj;
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, nsoft, 0, 1));
  size_t tmp = tvm_push(th, NULL);
  for (size_t i = 0; i < nsoft; i++) {
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_BYTES, 0, obj - TVM_HEADER_BYTES, 100000 + i));
    tvm_set_ref(th, tvm_root(th, arr), i, new_ref(&f, SOFT, tmp, i));
  }
  tvm_set_root(th, tmp, NULL);
  checked_gc(&f);
  for (size_t i = 0; i < nsoft; i++)
    g_assert_nonnull(referent(tvm_ref(tvm_root(th, arr), i)));

  tvm_counters_t c0 = counters(&f);
  uint64_t g0 = gcs(&f);
  size_t list = tvm_push(th, NULL), n = 0;
  size_t node = tvm_object_size(1, obj - tvm_object_size(1, 0));
  for (; counters(&f).enqueued_refs == c0.enqueued_refs; n++) {
    g_assert_cmpuint(n * node, <, usable); /* the emergency GC has come by then */
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, node - tvm_object_size(1, 0), n);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
  }
  tvm_counters_t c = counters(&f);
  note("%zu live objects (%zu KiB) with %zu KiB softly reachable; %llu GCs", n, n * node / KiB,
       nsoft * obj / KiB, (unsigned long long)(gcs(&f) - g0));
  /* Not before the heap was really full (the two together do not fit). */
  g_assert_cmpuint(n * node + nsoft * obj, >, usable * 3 / 4);
  g_assert_cmpuint(gcs(&f) - g0, >=, 2); /* a heap-full GC, then the emergency one */
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, nsoft);
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==, nsoft);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  for (size_t i = 0; i < nsoft; i++) g_assert_null(referent(tvm_ref(tvm_root(th, arr), i)));
  /* Every live object is there, intact (the checker walks them). */
  tvm_snapshot_t s;
  tvm_snapshot(f.vm, &s);
  g_assert_cmpuint(s.by_type[TVM_NODE], ==, n);
  g_assert_cmpuint(s.weak_null, ==, nsoft);
  /* The room is there: more live objects fit. */
  for (size_t k = 0; k < 100; k++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, node - tvm_object_size(1, 0), n + k);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
  }
  checked_gc(&f);
  g_assert_cmpuint(counters(&f).enqueued_refs - c0.enqueued_refs, ==, nsoft);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* ---- refs: phantom ---------------------------------------------------------------- */

static void record_finalized(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)th;
  tvm_obj_t *seen = arg;
  if (tvm_data(o) == 30) seen[0] = o;
  if (tvm_data(o) == 40) {
    seen[1] = o;
    tvm_set_global(tvm_vm(th), 0, o); /* resurrected */
  }
}

/* Phantom references are cleared exactly when their referent dies: not while a
 * finalizer may still resurrect it (MMTk's order: final references before phantom ones),
 * but once it has run and the object died again. */
static void test_phantom(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  size_t tmp = tvm_push(th, NULL);
  /* PA: to A, held strongly.  PB: to B, nothing else.  PF and WF: phantom and weak
   * references to F (finalizable, unreachable).  PG: to G, finalizable, resurrected by its
   * finalizer.  A dead phantom reference to a dead object. */
  size_t a = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 32, 10));
  size_t pa = tvm_push(th, new_ref(&f, PHANTOM, a, 11));
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 32, 20));
  size_t pb = tvm_push(th, new_ref(&f, PHANTOM, tmp, 21));
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 500, 31)); /* F's child */
  tvm_obj_t o = tvm_alloc(th, TVM_FINALIZABLE, 1, 32, 30);
  tvm_set_ref(th, o, 0, tvm_root(th, tmp));
  tvm_set_root(th, tmp, o);
  size_t pf = tvm_push(th, new_ref(&f, PHANTOM, tmp, 32));
  o = tvm_alloc(th, TVM_WEAKREF, 1, 0, 33);
  tvm_set_ref(th, o, 0, tvm_root(th, tmp));
  size_t wf = tvm_push(th, o);
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_FINALIZABLE, 0, 32, 40));
  size_t pg = tvm_push(th, new_ref(&f, PHANTOM, tmp, 41));
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 32, 50));
  new_ref(&f, PHANTOM, tmp, 51);
  tvm_set_root(th, tmp, NULL);

  tvm_counters_t c0 = counters(&f);
  /* GC 1: B is gone; F and G are revived for their finalizers, so WF is cleared but PF
   * and PG are kept (and updated). */
  checked_gc(&f);
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 2); /* PB, WF */
  g_assert_true(referent(tvm_root(th, pa)) == tvm_root(th, a));
  g_assert_null(referent(tvm_root(th, pb)));
  g_assert_null(referent(tvm_root(th, wf)));
  g_assert_nonnull(referent(tvm_root(th, pf)));
  g_assert_nonnull(referent(tvm_root(th, pg)));
  g_assert_cmpuint(tvm_data(referent(tvm_root(th, pf))), ==, 30);
  g_assert_cmpuint(tvm_data(referent(tvm_root(th, pg))), ==, 40);
  wait_schedule_finalization(&f, c0.schedule_finalization + 1);
  /* GC 2 before the finalizers run: the objects waiting are still reachable. */
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 2);
  tvm_obj_t seen[2] = {NULL, NULL};
  g_assert_cmpuint(tvm_run_finalizers(th, record_finalized, seen), ==, 2);
  /* The phantom referents are the very objects being finalized, with their children. */
  g_assert_true(seen[0] == referent(tvm_root(th, pf)));
  g_assert_true(seen[1] == referent(tvm_root(th, pg)));
  g_assert_cmpuint(tvm_data(tvm_ref(seen[0], 0)), ==, 31);
  g_assert_true(tvm_pattern_ok(tvm_ref(seen[0], 0)));

  /* GC 3: F died again (its finalizer has run): PF cleared.  G lives in a global. */
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 3);
  g_assert_null(referent(tvm_root(th, pf)));
  g_assert_true(referent(tvm_root(th, pg)) == tvm_global(f.vm, 0));
  g_assert_true(referent(tvm_root(th, pa)) == tvm_root(th, a));
  /* GC 4: G dropped: PG cleared, and G is not finalized again. */
  tvm_set_global(f.vm, 0, NULL);
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 4);
  g_assert_null(referent(tvm_root(th, pg)));
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 30), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 40), ==, 1);
  /* GC 5: A dies: PA cleared. */
  tvm_set_root(th, a, NULL);
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 5);
  g_assert_null(referent(tvm_root(th, pa)));
  checked_gc(&f);
  g_assert_cmpuint(counters(&f).enqueued_refs - c0.enqueued_refs, ==, 5);
  finish(&f);
}

/* ---- refs: weak, the parts /PLAN/weak/cleared does not count ---------------------- */

/* libmmtk calls the referent callbacks only on live reference objects, once each per GC,
 * and forgets a reference once it is cleared: exact counts. */
static void test_weak_dropped(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  enum { LIVE_KEPT = 30, LIVE_CLEARED = 20, DEAD_KEPT = 25, DEAD_CLEARED = 15 };
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_ARRAY, LIVE_KEPT + LIVE_CLEARED, 0, 1));
  size_t targets = tvm_push(th, tvm_alloc(th, TVM_ARRAY, LIVE_KEPT + DEAD_KEPT, 0, 2));
  size_t tmp = tvm_push(th, NULL);
  size_t k = 0, t = 0;
  for (int kind = 0; kind < 4; kind++) {
    int n = kind == 0 ? LIVE_KEPT : kind == 1 ? LIVE_CLEARED : kind == 2 ? DEAD_KEPT : DEAD_CLEARED;
    bool live_ref = kind < 2, live_referent = kind == 0 || kind == 2;
    for (int i = 0; i < n; i++) {
      tvm_obj_t o = tvm_alloc(th, TVM_NODE, 0, 16, (uint64_t)(100 * kind + i));
      if (live_referent) tvm_set_ref(th, tvm_root(th, targets), t++, o);
      tvm_set_root(th, tmp, o);
      tvm_obj_t w = tvm_alloc(th, TVM_WEAKREF, 1, 0, (uint64_t)(1000 + 100 * kind + i));
      tvm_set_ref(th, w, 0, tvm_root(th, tmp));
      if (live_ref) tvm_set_ref(th, tvm_root(th, keep), k++, w);
    }
  }
  tvm_set_root(th, tmp, NULL);
  tvm_counters_t c0 = counters(&f), c;
  checked_gc(&f);
  c = counters(&f);
  /* Only the live reference objects are looked at; the dead ones are only cleared. */
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, LIVE_KEPT + LIVE_CLEARED);
  g_assert_cmpuint(c.referent_sets - c0.referent_sets, ==, LIVE_KEPT);
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==,
                   LIVE_CLEARED + DEAD_KEPT + DEAD_CLEARED);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, LIVE_CLEARED);
  for (size_t i = 0; i < LIVE_KEPT + LIVE_CLEARED; i++) {
    tvm_obj_t w = tvm_ref(tvm_root(th, keep), i);
    if (i < LIVE_KEPT) g_assert_true(referent(w) == tvm_ref(tvm_root(th, targets), i));
    else g_assert_null(referent(w));
  }
  /* GC 2: the cleared ones are no longer candidates. */
  c0 = c;
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, LIVE_KEPT);
  g_assert_cmpuint(c.referent_sets - c0.referent_sets, ==, LIVE_KEPT);
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==, 0);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 0);
  /* GC 3: the live references die (their referents stay): each is cleared as it is
   * dropped (in case something revives it later: /PLAN/refs/revived-by-finalizer), not
   * looked at, updated or enqueued. */
  tvm_set_root(th, keep, NULL);
  c0 = c;
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, 0);
  g_assert_cmpuint(c.referent_sets - c0.referent_sets, ==, 0);
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==, LIVE_KEPT);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 0);
  c0 = c;
  checked_gc(&f);
  c = counters(&f);
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, 0);
  finish(&f);
}

/* ---- refs: reference objects revived by a finalizer ------------------------------ */

struct revived {
  tvm_obj_t fin;
  tvm_obj_t refs[4], referents[4];
};

static void record_revived(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)th;
  struct revived *r = arg;
  if (tvm_data(o) != 10) return;
  r->fin = o;
  for (size_t i = 0; i < 4; i++) {
    r->refs[i] = tvm_ref(o, i);
    r->referents[i] = referent(r->refs[i]);
  }
}

/* F, finalizable, holds weak references W1 (to X, nothing else holds it) and W2 (to Y,
 * held by a root), a soft one S (to Z, nothing else) and a phantom one P (to V, nothing
 * else).  F dies with all four: the weak stage finds W1, W2 and S dead and drops them,
 * then the finalization stage revives them with F.  Their referents must have been
 * cleared when they were dropped (MMTk's order: a reference object found dead is
 * cleared, whatever revives it later), not left at X's, Y's or Z's old copy (SemiSpace)
 * or at a freed cell (MarkSweep); they are not enqueued.  P is reached again before the
 * phantom stage: processed as usual (V died: cleared and enqueued). */
static void test_revived_by_finalizer(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  size_t y = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 32, 1));
  size_t fin = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 4, 32, 10));
  size_t tmp = tvm_push(th, NULL);
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 32, 20)); /* X */
  tvm_obj_t w = tvm_alloc(th, TVM_WEAKREF, 1, 0, 21);
  tvm_set_ref(th, w, 0, tvm_root(th, tmp));
  tvm_set_ref(th, tvm_root(th, fin), 0, w);
  w = tvm_alloc(th, TVM_WEAKREF, 1, 0, 31);
  tvm_set_ref(th, w, 0, tvm_root(th, y));
  tvm_set_ref(th, tvm_root(th, fin), 1, w);
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 32, 40)); /* Z */
  tvm_set_ref(th, tvm_root(th, fin), 2, new_ref(&f, SOFT, tmp, 41));
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 32, 50)); /* V */
  tvm_set_ref(th, tvm_root(th, fin), 3, new_ref(&f, PHANTOM, tmp, 51));
  tvm_set_root(th, tmp, NULL);
  tvm_set_root(th, fin, NULL);

  tvm_counters_t c0 = counters(&f);
  tvm_obj_t y_was = tvm_root(th, y);
  checked_gc(&f);
  g_assert_true(MOVES ? tvm_root(th, y) != y_was : MAY_MOVE || tvm_root(th, y) == y_was);
  struct revived r = {NULL};
  g_assert_cmpuint(tvm_run_finalizers(th, record_revived, &r), ==, 1);
  g_assert_nonnull(r.fin);
  const uint64_t data[4] = {21, 31, 41, 51};
  for (size_t i = 0; i < 4; i++) {
    g_assert_nonnull(r.refs[i]);
    g_assert_null(tvm_header_problem(r.refs[i]));
    g_assert_cmpuint(tvm_data(r.refs[i]), ==, data[i]);
    if (r.referents[i])
      note("reference %zu (data %llu) revived with referent %p (Y is at %p)", i,
           (unsigned long long)data[i], r.referents[i], tvm_root(th, y));
    g_assert_null(r.referents[i]);
  }
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 1); /* P */
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==, 4);
  /* F and its references are gone after the next GCs; Y stays. */
  checked_gc(&f);
  checked_gc(&f);
  g_assert_cmpuint(tvm_data(tvm_root(th, y)), ==, 1);
  g_assert_cmpuint(counters(&f).enqueued_refs - c0.enqueued_refs, ==, 1);
  finish(&f);
}

/* ---- refs: registrations from the binding's referent callbacks -------------------- */

/* tvm's own callbacks, and what the wrappers below do while armed. */
static mmtk_object_t (*tvm_get_referent)(void *, mmtk_object_t);
static void (*tvm_set_referent)(void *, mmtk_object_t, mmtk_object_t);
static _Atomic bool reregister;
static _Atomic size_t reregistered;

/* While armed, every get_referent and set_referent call registers its reference object
 * again (a binding that discovers references as it reads them).  The reference is the
 * live one, at its new address: the next GC may process it. */
static void register_again(void *ctx, mmtk_object_t r) {
  if (!atomic_load(&reregister)) return;
  mmtk_add_weak_candidate(tvm_mmtk(ctx), r);
  atomic_fetch_add(&reregistered, 1);
}

static mmtk_object_t get_referent_registering(void *ctx, mmtk_object_t r) {
  tvm_counters_t before, after;
  tvm_counters(ctx, &before);
  mmtk_object_t o = tvm_get_referent(ctx, r);
  tvm_counters(ctx, &after);
  /* Not the verifier's calls (sanity builds), which tvm does not count. */
  if (after.referent_gets != before.referent_gets) register_again(ctx, r);
  return o;
}

static void set_referent_registering(void *ctx, mmtk_object_t r, mmtk_object_t referent) {
  tvm_set_referent(ctx, r, referent);
  register_again(ctx, r);
}

static void customize_registering(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  tvm_get_referent = b->get_referent;
  tvm_set_referent = b->set_referent;
  b->get_referent = get_referent_registering;
  b->set_referent = set_referent_registering;
}

/* The referent callbacks register candidates (in every reference stage: soft retention,
 * weak, phantom).  That used to deadlock: the stages held the candidate lists' lock
 * around the callbacks.  No registration may be lost. */
static void test_register_from_callback(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:32M", .customize = customize_registering});
  suite_watchdog_arm(30); /* a deadlock shows quickly */
  tvm_thread_t *th = f.th;
  enum { N = 40 };
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 3 * N, 0, 1));
  size_t targets = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 3 * N, 0, 2));
  size_t tmp = tvm_push(th, NULL);
  for (size_t i = 0; i < 3 * N; i++) {
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 16, 100 + i));
    tvm_set_ref(th, tvm_root(th, targets), i, tvm_root(th, tmp));
    tvm_obj_t r;
    if (i < N) {
      r = tvm_alloc(th, TVM_WEAKREF, 1, 0, 1000 + i); /* registered as weak */
      tvm_set_ref(th, r, 0, tvm_root(th, tmp));
    } else {
      r = new_ref(&f, i < 2 * N ? SOFT : PHANTOM, tmp, 1000 + i);
    }
    tvm_set_ref(th, tvm_root(th, keep), i, r);
  }
  tvm_set_root(th, tmp, NULL);
  tvm_counters_t cb = counters(&f);
  checked_gc(&f); /* unarmed: the base counts */
  tvm_counters_t c0 = counters(&f);
  uint64_t gets = c0.referent_gets - cb.referent_gets, sets = c0.referent_sets - cb.referent_sets;
  atomic_store(&reregister, true);
  checked_gc(&f);
  atomic_store(&reregister, false);
  tvm_counters_t c1 = counters(&f);
  size_t n = atomic_load(&reregistered);
  note("GC 1: %llu gets and %llu sets (%llu and %llu unarmed), %zu registrations from them",
       (unsigned long long)(c1.referent_gets - c0.referent_gets),
       (unsigned long long)(c1.referent_sets - c0.referent_sets), (unsigned long long)gets,
       (unsigned long long)sets, n);
  g_assert_cmpuint(n, ==, c1.referent_gets - c0.referent_gets + c1.referent_sets - c0.referent_sets);
  g_assert_cmpuint(n, >=, gets + sets);
  /* Each registration of GC 1 is in the weak list now (those made before the weak stage
   * were processed by GC 1 already, and kept): one more get and set each in GC 2. */
  checked_gc(&f);
  tvm_counters_t c2 = counters(&f);
  g_assert_cmpuint(c2.referent_gets - c1.referent_gets, ==, gets + n);
  g_assert_cmpuint(c2.referent_sets - c1.referent_sets, ==, sets + n);
  g_assert_cmpuint(c2.enqueued_refs, ==, c0.enqueued_refs);
  for (size_t i = 0; i < 3 * N; i++)
    g_assert_true(referent(tvm_ref(tvm_root(th, keep), i)) == tvm_ref(tvm_root(th, targets), i));
  finish(&f);
}

/* ---- refs: registrations from a thread the VM does not stop ----------------------- */

struct registrar {
  mmtk_t *mmtk;
  tvm_t *vm;
  mmtk_object_t ref;
  _Atomic bool stop;
  _Atomic size_t done;
};

/* At most this many registrations of each kind per GC: every one stays registered and
 * is processed by every later GC, and the stages no longer hold the lock that used to
 * slow the registrar down while they ran, so without a bound the lists grow as fast as
 * the stages are slow (a ThreadSanitizer build ran into the watchdog). */
#define REGISTRATIONS_PER_GC 1000

static void *registrar_main(void *arg) {
  struct registrar *r = arg;
  uint64_t gc = tvm_gc_count(r->vm);
  size_t in_gc = 0;
  while (!atomic_load(&r->stop)) {
    if (tvm_gc_count(r->vm) != gc) {
      gc = tvm_gc_count(r->vm);
      in_gc = 0;
    }
    if (in_gc >= REGISTRATIONS_PER_GC) {
      g_usleep(50);
      continue;
    }
    in_gc += 50;
    for (int i = 0; i < 50; i++) {
      mmtk_add_weak_candidate(r->mmtk, r->ref);
      mmtk_add_phantom_candidate(r->mmtk, r->ref);
    }
    atomic_fetch_add(&r->done, 50);
    g_usleep(50);
  }
  return NULL;
}

/* The registration functions may be called from any thread: here one that is not a
 * mutator (so it is not stopped by GCs) registers an immortal reference over and over
 * while the main thread collects.  No registration is lost or corrupted: in the next GC
 * each one gets exactly one get_referent call. */
static void test_foreign_registration(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  tvm_thread_t *th = f.th;
  size_t target = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 0, 16, 1, MMTK_ALLOC_IMMORTAL));
  tvm_obj_t ref = tvm_alloc_sem(th, TVM_WEAKREF, 1, 0, 2, MMTK_ALLOC_IMMORTAL); /* weak */
  tvm_set_ref(th, ref, 0, tvm_root(th, target));
  tvm_push(th, ref);
  struct registrar r = {.mmtk = f.mmtk, .vm = f.vm, .ref = ref};
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, registrar_main, &r), ==, 0);
  while (atomic_load(&r.done) < 200) g_usleep(100);
  for (int i = 0; i < 40; i++) {
    g_assert_true(tvm_gc(th));
    garbage(&f, 256 * KiB, 1 * KiB);
  }
  atomic_store(&r.stop, true);
  pthread_join(t, NULL);
  size_t n = atomic_load(&r.done);
  tvm_counters_t c0 = counters(&f);
  checked_gc(&f);
  tvm_counters_t c = counters(&f);
  note("%zu registrations of each kind during 40 GCs", n);
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, 1 + 2 * n);
  g_assert_cmpuint(c.referent_sets - c0.referent_sets, ==, 1 + 2 * n);
  g_assert_cmpuint(c.enqueued_refs, ==, 0);
  g_assert_true(referent(tvm_root(th, 1)) == tvm_root(th, target));
  finish(&f);
}

/* ---- refs: no_reference_types ----------------------------------------------------- */

/* With no_reference_types the registrations are ignored and the VM treats referents as
 * strong references (tvm's strong_referents): no referent callback, nothing cleared or
 * enqueued, the referents kept and updated by the ordinary trace, even by an emergency
 * GC. */
static void test_no_reference_types(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:8M",
                                  .extra = "no_reference_types=true",
                                  .strong_referents = true});
  tvm_thread_t *th = f.th;
  enum { N = 60 };
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 3 * N, 0, 1));
  size_t tmp = tvm_push(th, NULL);
  tvm_obj_t was[3 * N];
  for (size_t i = 0; i < 3 * N; i++) {
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_BYTES, 0, 1000, 100 + i));
    tvm_obj_t r;
    if (i < N) {
      r = tvm_alloc(th, TVM_WEAKREF, 1, 0, i); /* mmtk_add_weak_candidate */
      tvm_set_ref(th, r, 0, tvm_root(th, tmp));
    } else {
      r = new_ref(&f, i < 2 * N ? SOFT : PHANTOM, tmp, i);
    }
    tvm_set_ref(th, tvm_root(th, arr), i, r);
  }
  tvm_set_root(th, tmp, NULL);
  /* Were these registered, the GC would call the referent callbacks on a NODE. */
  tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 1, 8, 9));
  mmtk_add_weak_candidate(f.mmtk, tvm_root(th, tmp));
  mmtk_add_soft_candidate(f.mmtk, tvm_root(th, tmp));
  mmtk_add_phantom_candidate(f.mmtk, tvm_root(th, tmp));
  for (size_t i = 0; i < 3 * N; i++) was[i] = referent(tvm_ref(tvm_root(th, arr), i));

  tvm_counters_t c0 = counters(&f);
  for (int round = 0; round < 3; round++) {
    if (round == 1) garbage(&f, 24 * MiB, 4 * KiB);
    else g_assert_true(tvm_gc(th));
    for (size_t i = 0; i < 3 * N; i++) {
      tvm_obj_t o = referent(tvm_ref(tvm_root(th, arr), i));
      g_assert_nonnull(o);
      g_assert_cmpuint(tvm_data(o), ==, 100 + i);
      g_assert_true(tvm_pattern_ok(o));
      if (round != 1) g_assert_true(MOVES ? o != was[i] : MAY_MOVE || o == was[i]);
      else if (!MAY_MOVE) g_assert_true(o == was[i]);
      was[i] = o;
    }
  }
  /* Emergency GCs: live objects until a request fails for good (a heap-full GC, then an
   * emergency one, then out_of_memory). */
  size_t list = tvm_push(th, NULL);
  uint64_t oom0 = counters(&f).oom_calls;
  for (size_t n = 0; counters(&f).oom_calls == oom0; n++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 4000, n);
    if (!o) break;
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
  }
  tvm_set_root(th, list, NULL);
  g_assert_true(tvm_gc(th));
  for (size_t i = 0; i < 3 * N; i++) {
    tvm_obj_t o = referent(tvm_ref(tvm_root(th, arr), i));
    g_assert_nonnull(o);
    g_assert_cmpuint(tvm_data(o), ==, 100 + i);
  }
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.referent_gets, ==, c0.referent_gets);
  g_assert_cmpuint(c.referent_sets, ==, c0.referent_sets);
  g_assert_cmpuint(c.referent_clears, ==, c0.referent_clears);
  g_assert_cmpuint(c.enqueued_refs, ==, c0.enqueued_refs);
  g_assert_cmpuint(c.weak_glue_errors, ==, 0);
  g_assert_cmpuint(c.oom_calls, ==, oom0 + 1);
  finish(&f);
}

/* ---- finalizer -------------------------------------------------------------------- */

/* no_finalizer: mmtk_add_finalizer is ignored.  Nothing is finalized, ever; dead
 * finalizable objects are reclaimed by the first GC that finds them dead. */
static void test_no_finalizer(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", "no_finalizer=true");
  tvm_thread_t *th = f.th;
  enum { N = 1000 };
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 1));
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_FINALIZABLE, 0, 4000, 10 + i); /* mmtk_add_finalizer */
    if (i % 10 == 0) tvm_set_ref(th, tvm_root(th, keep), i, o);
  }
  tvm_obj_t n = tvm_alloc(th, TVM_NODE, 0, 8, 2);
  mmtk_add_finalizer(f.mmtk, n);
  mmtk_object_t out[8];
  g_assert_cmpuint(mmtk_get_all_finalizers(f.mmtk, out, 8), ==, 0);
  tvm_counters_t c0 = counters(&f);
  checked_gc(&f);
  size_t live = mmtk_live_bytes_in_last_gc(f.mmtk);
  note("live after the first GC: %zu bytes", live);
  /* 100 kept objects of 4 KiB, not the 1,000 a finalizing GC would keep. */
  g_assert_cmpuint(live, <, 2 * MiB);
  g_assert_null(mmtk_get_finalized_object(f.mmtk));
  tvm_set_root(th, keep, NULL);
  checked_gc(&f);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  g_usleep(20000);
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.schedule_finalization, ==, c0.schedule_finalization);
  g_assert_cmpuint(c.finalized, ==, 0);
  g_assert_cmpuint(mmtk_get_all_finalizers(f.mmtk, out, 8), ==, 0);
  finish(&f);
}

static bool contains(mmtk_object_t *v, size_t n, mmtk_object_t o) {
  for (size_t i = 0; i < n; i++)
    if (v[i] == o) return true;
  return false;
}

/* mmtk_get_all_finalizers returns every registered object, reachable or not, at its
 * current address, and takes it off the list: no finalization afterwards. */
static void test_get_all_finalizers(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  enum { N = 100 };
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 1));
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 10 + i);
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, keep), i, o);
  }
  /* A GC first: the odd ones are finalized (ready), the even ones move. */
  tvm_counters_t c0 = counters(&f);
  checked_gc(&f);
  wait_schedule_finalization(&f, c0.schedule_finalization + 1);
  /* More registrations, unreachable at once and not yet seen by a GC. */
  size_t late = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 2));
  for (size_t i = 0; i < N; i++)
    tvm_set_ref(th, tvm_root(th, late), i, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 1000 + i));
  mmtk_object_t expect[N + N / 2];
  size_t ne = 0;
  for (size_t i = 0; i < N; i += 2) expect[ne++] = tvm_ref(tvm_root(th, keep), i);
  for (size_t i = 0; i < N; i++) expect[ne++] = tvm_ref(tvm_root(th, late), i);
  tvm_set_root(th, late, NULL); /* the late ones are garbage now, still registered */

  /* In batches of 7 until none are left: each registration exactly once. */
  mmtk_object_t got[N + N / 2 + 7];
  size_t ng = 0, k;
  while ((k = mmtk_get_all_finalizers(f.mmtk, got + ng, 7)) > 0) {
    g_assert_cmpuint(k, <=, 7);
    ng += k;
    g_assert_cmpuint(ng, <=, ne);
  }
  g_assert_cmpuint(ng, ==, ne);
  for (size_t i = 0; i < ne; i++) {
    g_assert_true(contains(got, ng, expect[i]));
    g_assert_cmpuint(tvm_type(got[i]), ==, TVM_FINALIZABLE);
  }
  g_assert_cmpuint(mmtk_get_all_finalizers(f.mmtk, got, 7), ==, 0);
  /* The ready ones are not among them, and are still there. */
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, N / 2);
  for (size_t i = 0; i < N; i++) g_assert_cmpuint(tvm_finalized(f.vm, 10 + i), ==, i % 2);

  /* Everything dies: nothing more is finalized. */
  tvm_set_root(th, keep, NULL);
  checked_gc(&f);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  g_usleep(20000);
  g_assert_cmpuint(counters(&f).schedule_finalization, ==, c0.schedule_finalization + 1);
  g_assert_cmpuint(counters(&f).finalized, ==, N / 2);
  finish(&f);
}

/* mmtk_get_finalizers_for takes one object's registrations (several when it was
 * registered several times), up to the capacity; the others are finalized as usual. */
static void test_get_finalizers_for(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  size_t x = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 1)); /* registered once */
  mmtk_add_finalizer(f.mmtk, tvm_root(th, x));                       /* twice */
  mmtk_add_finalizer(f.mmtk, tvm_root(th, x));                       /* three times */
  size_t y = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 2));
  size_t z = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 3));
  checked_gc(&f); /* they move (SemiSpace); the registrations follow */
  mmtk_object_t out[4] = {NULL, NULL, NULL, NULL};
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, x), out, 2), ==, 2);
  g_assert_true(out[0] == tvm_root(th, x));
  g_assert_true(out[1] == tvm_root(th, x));
  g_assert_null(out[2]);
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, x), out, 4), ==, 1);
  g_assert_true(out[0] == tvm_root(th, x));
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, x), out, 4), ==, 0);
  /* Not registered at all: nothing. */
  size_t node = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 8, 4));
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, node), out, 4), ==, 0);
  /* Y's registration taken too; Z keeps its own. */
  g_assert_cmpuint(mmtk_get_finalizers_for(f.mmtk, tvm_root(th, y), out, 4), ==, 1);
  g_assert_true(out[0] == tvm_root(th, y));
  tvm_set_root(th, x, NULL);
  tvm_set_root(th, y, NULL);
  tvm_set_root(th, z, NULL);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 1);
  g_assert_cmpuint(tvm_finalized(f.vm, 1), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 2), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 3), ==, 1);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  mmtk_object_t all[4];
  g_assert_cmpuint(mmtk_get_all_finalizers(f.mmtk, all, 4), ==, 0);
  finish(&f);
}

/* ---- finalizer: the queries during a GC ------------------------------------------- */

/* A thread the VM does not stop, running the queries when told to. */
struct querier {
  mmtk_t *mmtk;
  _Atomic int state; /* 0 wait, 1 go (a GC is scanning its roots), 2 done */
  _Atomic bool returned_in_gc;
  mmtk_object_t ready, registered[4];
  size_t nregistered;
};

static void *querier_main(void *arg) {
  struct querier *q = arg;
  while (atomic_load(&q->state) != 1) g_usleep(200);
  q->ready = mmtk_get_finalized_object(q->mmtk);
  q->nregistered = mmtk_get_all_finalizers(q->mmtk, q->registered, 4);
  atomic_store(&q->state, 2);
  return NULL;
}

/* In the GC's root scanning (a GC worker): start the querier, and give it time. */
static void roots_start_querier(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm;
  (void)worker_tls;
  struct querier *q = arg;
  if (atomic_load(&q->state) != 0) return;
  atomic_store(&q->state, 1);
  for (int i = 0; i < 300 && atomic_load(&q->state) != 2; i++) g_usleep(1000);
  atomic_store(&q->returned_in_gc, atomic_load(&q->state) == 2);
}

/* mmtk_get_finalized_object and mmtk_get_all_finalizers called by a thread that is not
 * stopped, while a GC runs: they wait for its end and answer with the objects' new
 * addresses (SemiSpace moves them).  They used to answer at once, with the addresses
 * the GC was about to change. */
static void test_query_during_gc(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  tvm_thread_t *th = f.th;
  size_t g = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 1)); /* registered, live */
  size_t tmp = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 2)); /* F: to be ready */
  size_t pf = tvm_push(th, new_ref(&f, PHANTOM, tmp, 3)); /* follows F */
  tvm_set_root(th, tmp, NULL);
  checked_gc(&f); /* F is ready */
  g_assert_nonnull(referent(tvm_root(th, pf)));
  struct querier q = {.mmtk = f.mmtk};
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, querier_main, &q), ==, 0);
  tvm_set_roots_hook(f.vm, roots_start_querier, &q);
  tvm_obj_t g_was = tvm_root(th, g), f_was = referent(tvm_root(th, pf));
  checked_gc(&f);
  tvm_set_roots_hook(f.vm, NULL, NULL);
  pthread_join(t, NULL);
  g_assert_false(atomic_load(&q.returned_in_gc));
  g_assert_true(q.ready == referent(tvm_root(th, pf)));
  g_assert_cmpuint(q.nregistered, ==, 1);
  g_assert_true(q.registered[0] == tvm_root(th, g));
  g_assert_true(MOVES ? q.ready != f_was && q.registered[0] != g_was
                      : MAY_MOVE || (q.ready == f_was && q.registered[0] == g_was));
  g_assert_cmpuint(tvm_data(q.ready), ==, 2);
  finish(&f);
}

struct worker_query {
  mmtk_t *mmtk;
  _Atomic int calls;
  mmtk_object_t got;
  size_t n;
  char error[256];
  void *_Atomic after; /* what schedule_finalization got (after the world resumed) */
};

static void roots_query(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm;
  (void)worker_tls;
  struct worker_query *q = arg;
  if (atomic_fetch_add(&q->calls, 1)) return;
  mmtk_object_t out[4];
  q->got = mmtk_get_finalized_object(q->mmtk);
  /* (Any non-NULL object for the last one: the call is refused before it looks.) */
  q->n = mmtk_get_all_finalizers(q->mmtk, out, 4) + mmtk_get_finalizers_for(q->mmtk, q->mmtk, out, 4);
  g_strlcpy(q->error, mmtk_last_error(), sizeof q->error);
}

static void finalization_query(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm;
  (void)worker_tls;
  struct worker_query *q = arg;
  if (!atomic_load(&q->after)) atomic_store(&q->after, mmtk_get_finalized_object(q->mmtk));
}

/* The same queries from a GC worker during the GC (a binding callback) would wait for
 * themselves: they return NULL or 0 at once, with an error.  From schedule_finalization,
 * after the GC, mmtk_get_finalized_object works. */
static void test_query_from_worker(void) {
  fx_t f;
  start(&f, "FixedHeapSize:32M", NULL);
  suite_watchdog_arm(30);
  tvm_thread_t *th = f.th;
  size_t g = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 1));
  size_t tmp = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 0, 24, 2));
  tvm_set_root(th, tmp, NULL);
  checked_gc(&f); /* F is ready */
  wait_schedule_finalization(&f, 1); /* (it comes after the mutators resume) */
  struct worker_query q = {.mmtk = f.mmtk};
  tvm_set_roots_hook(f.vm, roots_query, &q);
  tvm_set_finalization_hook(f.vm, finalization_query, &q);
  checked_gc(&f);
  tvm_set_roots_hook(f.vm, NULL, NULL);
  g_assert_cmpint(atomic_load(&q.calls), ==, 1);
  g_assert_null(q.got);
  g_assert_cmpuint(q.n, ==, 0);
  note("the refusal: %s", q.error);
  g_assert_nonnull(strstr(q.error, "called by GC worker"));
  wait_schedule_finalization(&f, 2);
  tvm_set_finalization_hook(f.vm, NULL, NULL);
  g_assert_nonnull(atomic_load(&q.after));
  g_assert_cmpuint(tvm_data(atomic_load(&q.after)), ==, 2);
  /* Nothing was taken by the refused calls. */
  mmtk_object_t out[4];
  g_assert_cmpuint(mmtk_get_all_finalizers(f.mmtk, out, 4), ==, 1);
  g_assert_true(out[0] == tvm_root(th, g));
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.log_errors, ==, 3); /* the three refusals, reported */
  /* (tvm_assert_clean would count them as errors) */
  tvm_detach(f.th);
  tvm_destroy(f.vm);
  alarm(0);
}

/* ---- trigger: DynamicHeapSize ----------------------------------------------------- */

struct limits {
  size_t min, max, lo, hi, checks;
};

static void check_limit(fx_t *f, struct limits *l) {
  size_t t = mmtk_total_bytes(f->mmtk);
  if (t < l->min || t > l->max || t % PAGE)
    note("limit %zu bytes: not within [%zu, %zu] or not page aligned", t, l->min, l->max);
  g_assert_cmpuint(t, >=, l->min);
  g_assert_cmpuint(t, <=, l->max);
  g_assert_cmpuint(t % PAGE, ==, 0);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(f->mmtk, &st));
  g_assert_cmpuint(st.heap_bytes, ==, t);
  if (t < l->lo) l->lo = t;
  if (t > l->hi) l->hi = t;
  l->checks++;
}

/* A live set grown in steps up to MAX / 4, with garbage between: the limit follows it up,
 * never past MAX; once the live set is dropped, later GCs bring the limit back down. */
static void test_dynamic_heap(void) {
  fx_t f;
  const size_t min = 4 * MiB, max = 64 * MiB;
  start(&f, "DynamicHeapSize:4M,64M", EAGER);
  tvm_thread_t *th = f.th;
  struct limits l = {.min = min, .max = max, .lo = SIZE_MAX};
  check_limit(&f, &l);
  g_assert_cmpuint(mmtk_total_bytes(f.mmtk), ==, min); /* a collecting plan starts at MIN */
  const size_t obj = 2000, step = MiB, steps = max / 4 / step;
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, steps, 0, 1));
  size_t tmp = tvm_push(th, NULL);
  size_t limit_at[64];
  uint64_t g0 = gcs(&f);
  for (size_t s = 0; s < steps; s++) {
    for (size_t done = 0; done < step; done += obj) {
      tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, obj - tvm_object_size(1, 0), done);
      g_assert_nonnull(o);
      tvm_set_ref(th, o, 0, tvm_root(th, tmp));
      tvm_set_root(th, tmp, o);
      g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, obj - TVM_HEADER_BYTES, done)); /* garbage */
      if (done % (64 * obj) == 0) check_limit(&f, &l);
    }
    tvm_set_ref(th, tvm_root(th, arr), s, tvm_root(th, tmp));
    tvm_set_root(th, tmp, NULL);
    limit_at[s] = mmtk_total_bytes(f.mmtk);
  }
  checked_gc(&f);
  check_limit(&f, &l);
  size_t peak = mmtk_total_bytes(f.mmtk);
  note("%llu GCs; limit %zu KiB at 1 MiB live, %zu KiB at %zu MiB live, %zu KiB after a GC; "
       "lowest %zu KiB, highest %zu KiB",
       (unsigned long long)(gcs(&f) - g0), limit_at[0] / KiB, limit_at[steps - 1] / KiB, steps,
       peak / KiB, l.lo / KiB, l.hi / KiB);
  /* GCs happened as the live set grew.  How many depends on the rates MemBalancer
   * measures (a loaded machine traces slowly and earns a bigger heap early). */
  g_assert_cmpuint(gcs(&f) - g0, >=, 2);
  /* Room to allocate after each GC, not a GC per buffer (that would be about 1,000). */
  g_assert_cmpuint(gcs(&f) - g0, <=, 200);
  /* It grew with the live set: above MIN, above what is live, and more at the end. */
  g_assert_cmpuint(peak, >, min);
  g_assert_cmpuint(peak, >=, steps * step);
  g_assert_cmpuint(limit_at[steps - 1], >, limit_at[0]);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);

  /* The live set dropped: garbage only, GCs as the heap fills; the limit comes down. */
  tvm_set_root(th, arr, NULL);
  g0 = gcs(&f);
  for (int round = 0; round < 20; round++) {
    garbage(&f, 2 * MiB, obj);
    check_limit(&f, &l);
  }
  checked_gc(&f);
  garbage(&f, 8 * MiB, obj);
  check_limit(&f, &l);
  size_t end = mmtk_total_bytes(f.mmtk);
  note("after dropping the live set: %llu GCs, limit %zu KiB", (unsigned long long)(gcs(&f) - g0),
       end / KiB);
  g_assert_cmpuint(gcs(&f) - g0, >=, 2);
  g_assert_cmpuint(end, <, peak);
  g_assert_cmpuint(end - min, <=, (peak - min) / 4); /* most of the way back to MIN */
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* A request larger than the current limit, at a small live size: the heap may grow to
 * MAX, so it must be satisfied (MMTk counts the pending allocation when it sizes the heap
 * after the GC). */
static void test_dynamic_big_object(void) {
  fx_t f;
  start(&f, "DynamicHeapSize:4M,64M", NULL);
  tvm_thread_t *th = f.th;
  struct limits l = {.min = 4 * MiB, .max = 64 * MiB, .lo = SIZE_MAX};
  size_t small = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 1));
  size_t big = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 6 * MiB, 2));
  check_limit(&f, &l);
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  g_assert_nonnull(tvm_root(th, big));
  g_assert_cmpuint(mmtk_total_bytes(f.mmtk), >, 6 * MiB);
  /* And a second one, and a live array bigger than MIN. */
  size_t big2 = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 6 * MiB, 3));
  g_assert_nonnull(tvm_root(th, big2));
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, MiB, 0, 4)); /* 8 MiB of fields */
  g_assert_nonnull(tvm_root(th, arr));
  check_limit(&f, &l);
  checked_gc(&f);
  check_limit(&f, &l);
  g_assert_cmpuint(tvm_data(tvm_root(th, small)), ==, 1);
  g_assert_true(tvm_pattern_ok(tvm_root(th, big)));
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* The copy reserve in the limit is what the plan reserves (plan_ops.reserved_pages), not
 * a doubling for every plan that may move objects: SemiSpace and GenCopy keep room to
 * copy everything they hold, Immix only its defrag headroom.  A live set of 16 MiB, then
 * GCs with little allocation and long pauses between them, so that MemBalancer's
 * headroom shrinks to its floor (an eighth of the live set) whatever the machine. */
static void test_dynamic_reserve(void) {
  fx_t f;
  start(&f, "DynamicHeapSize:4M,256M", EAGER);
  tvm_thread_t *th = f.th;
  const size_t node = tvm_object_size(1, 2000), n = 16 * MiB / node;
  size_t list = tvm_push(th, NULL);
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 2000, i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
  }
  for (int round = 0; round < 8; round++) {
    garbage(&f, 64 * KiB, 2000);
    g_usleep(100000);
    checked_gc(&f);
  }
  size_t limit = mmtk_total_bytes(f.mmtk), kept = mmtk_live_bytes_in_last_gc(f.mmtk);
  note("%s: limit %zu KiB with %zu KiB live (%.2f times)", PLAN, limit / KiB, kept / KiB,
       (double)limit / (double)kept);
  g_assert_cmpuint(kept, >=, n * node);
  if (MOVES) g_assert_cmpuint(limit, >=, 2 * kept);
  else g_assert_cmpuint(limit, <, 2 * kept);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* MIN and MAX that are not multiples of a page: the limit is still page aligned and
 * within them (rounded inwards). */
static void test_dynamic_unaligned(void) {
  fx_t f;
  const size_t min = 4000001, max = 20000001;
  start(&f, "DynamicHeapSize:4000001,20000001", EAGER);
  tvm_thread_t *th = f.th;
  struct limits l = {.min = min, .max = max, .lo = SIZE_MAX};
  check_limit(&f, &l);
  /* A live set close to what MAX holds (SemiSpace: with its copy reserve): the limit must
   * come close to MAX, and not pass it. */
  const size_t live = MOVES ? 9 * MiB : 15 * MiB, node = tvm_object_size(1, 4000);
  size_t list = tvm_push(th, NULL);
  for (size_t i = 0; i < live / node; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 4000, i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
    if (i % 100 == 0) check_limit(&f, &l);
  }
  checked_gc(&f);
  check_limit(&f, &l);
  note("limits seen: %zu .. %zu", l.lo, l.hi);
  g_assert_cmpuint(l.hi, >=, (MOVES ? 2 : 1) * live);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  tvm_set_root(th, list, NULL);
  for (int i = 0; i < 4; i++) {
    checked_gc(&f);
    check_limit(&f, &l);
  }
  g_assert_cmpuint(l.lo, <, min + PAGE);
  finish(&f);
}

/* ---- trigger: poll, VM bytes, user requests --------------------------------------- */

/* mmtk_gc_poll collects when (and only when) the heap is over its limit: here because
 * the VM reports off-heap bytes. */
static void test_gc_poll(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:16M", .vm_live_bytes = true});
  tvm_thread_t *th = f.th;
  size_t list = tvm_push(th, NULL);
  for (size_t i = 0; i < 500; i++) { /* 2 MiB live */
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 4000, i);
    tvm_set_ref(th, o, 0, tvm_root(th, list));
    tvm_set_root(th, list, o);
  }
  mmtk_mutator_t *m = tvm_mutator(th);
  uint64_t g0 = gcs(&f);
  for (int i = 0; i < 20; i++) mmtk_gc_poll(m);
  g_assert_cmpuint(gcs(&f), ==, g0);
  tvm_set_vm_live_bytes(f.vm, 8 * MiB); /* more used, still under the limit */
  for (int i = 0; i < 20; i++) mmtk_gc_poll(m);
  g_assert_cmpuint(gcs(&f), ==, g0);
  tvm_set_vm_live_bytes(f.vm, 17 * MiB); /* over it: every poll is a GC */
  for (uint64_t i = 1; i <= 5; i++) {
    tvm_snapshot_t before, after;
    tvm_snapshot(f.vm, &before);
    mmtk_gc_poll(m);
    g_assert_cmpuint(gcs(&f), ==, g0 + i);
    tvm_snapshot(f.vm, &after);
    assert_graph_kept(&before, &after);
  }
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(f.mmtk, &st));
  g_assert_cmpuint(st.gc_count, ==, gcs(&f));
  tvm_set_vm_live_bytes(f.vm, 0);
  for (int i = 0; i < 20; i++) mmtk_gc_poll(m);
  g_assert_cmpuint(gcs(&f), ==, g0 + 5);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* Allocate `bytes` of 4 KiB garbage objects; the number of GCs it took. */
static uint64_t gcs_for_garbage(size_t vm_bytes, size_t bytes) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:32M", .extra = EAGER, .vm_live_bytes = true});
  tvm_set_vm_live_bytes(f.vm, vm_bytes);
  uint64_t g0 = gcs(&f);
  garbage(&f, bytes, 4 * KiB);
  uint64_t n = gcs(&f) - g0;
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  size_t used = mmtk_used_bytes(f.mmtk);
  g_assert_cmpuint(used, >=, vm_bytes);
  g_assert_cmpuint(used, <=, 32 * MiB);
  finish(&f);
  return n;
}

/* Off-heap bytes reported through vm_live_bytes count towards the trigger: with half the
 * heap taken by them, GCs come about twice as often. */
static void test_vm_live_bytes(void) {
  uint64_t plain = gcs_for_garbage(0, 256 * MiB), half = gcs_for_garbage(16 * MiB, 256 * MiB);
  note("GCs for 256 MiB of garbage in a 32 MiB heap: %llu; with 16 MiB reported by the VM: %llu",
       (unsigned long long)plain, (unsigned long long)half);
  g_assert_cmpuint(plain, >=, 4);
  g_assert_cmpuint(2 * half, >=, 3 * plain); /* at least 1.5 times as many */
  g_assert_cmpuint(half, <=, 3 * plain);
}

/* ignore_system_gc: user requests do nothing on a collecting plan; the heap still gets
 * collected when it fills, and polls still collect. */
static void test_ignore_system_gc(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:16M", .extra = "ignore_system_gc=true",
                                  .vm_live_bytes = true});
  tvm_thread_t *th = f.th;
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 100, 1));
  tvm_obj_t was = tvm_root(th, keep);
  garbage(&f, 4 * MiB, 4 * KiB);
  size_t used = mmtk_used_bytes(f.mmtk);
  for (int i = 0; i < 5; i++) g_assert_false(tvm_gc(th));
  g_assert_cmpuint(gcs(&f), ==, 0);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(f.mmtk, &st));
  g_assert_cmpuint(st.gc_count, ==, 0);
  g_assert_cmpuint(mmtk_used_bytes(f.mmtk), >=, used); /* nothing reclaimed */
  g_assert_true(tvm_root(th, keep) == was);           /* nothing moved */
  garbage(&f, 64 * MiB, 4 * KiB);
  uint64_t natural = gcs(&f);
  note("%llu heap-full GCs", (unsigned long long)natural);
  g_assert_cmpuint(natural, >=, 4);
  g_assert_cmpuint(tvm_data(tvm_root(th, keep)), ==, 1);
  g_assert_true(tvm_pattern_ok(tvm_root(th, keep)));
  g_assert_false(tvm_gc(th));
  g_assert_cmpuint(gcs(&f), ==, natural);
  tvm_set_vm_live_bytes(f.vm, 32 * MiB);
  mmtk_gc_poll(tvm_mutator(th));
  g_assert_cmpuint(gcs(&f), ==, natural + 1);
  tvm_set_vm_live_bytes(f.vm, 0);
  g_assert_cmpuint(counters(&f).oom_calls, ==, 0);
  finish(&f);
}

/* ---- stress ----------------------------------------------------------------------- */

/* R12 with precise_stress=false: bytes are counted as allocators take pages from the
 * spaces, and a GC comes when an acquisition starts with stress_factor bytes already
 * taken since the last one.  Large objects of exactly 16 pages and a factor of 64 pages:
 * the first GC at the 5th object, then one every 4 objects. */
static void test_stress_count_imprecise(void) {
  fx_t f;
  start_opts(&f, (tvm_options_t){.heap = "FixedHeapSize:64M", .stress_factor = "256K",
                                  .extra = "precise_stress=false"});
  const size_t size = 64 * KiB, n = 401;
  g_assert_cmpuint(tvm_object_size(0, size - TVM_HEADER_BYTES), ==, size);
  uint64_t g0 = gcs(&f);
  for (size_t i = 0; i < n; i++) {
    g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, size - TVM_HEADER_BYTES, i));
    g_assert_cmpuint(gcs(&f) - g0, ==, i / 4);
  }
  g_assert_cmpuint(gcs(&f) - g0, ==, (n - 1) / 4);
  /* Small objects allocated inline are not counted one by one: 8 KiB of them, far less
   * than the factor, bring no GC whatever the buffer state. */
  uint64_t g1 = gcs(&f);
  for (size_t i = 0; i < 128; i++) g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 40, i));
  g_assert_cmpuint(gcs(&f) - g1, <=, 1);
  finish(&f);
}

/* ---- Registration ----------------------------------------------------------------- */

/* Every test here gets two minutes. */
#define add(path, fn) suite_add(path, fn, 120)
/* The two tests that fill a small heap to its limit: where a copy reserve is set aside at
 * every GC (Immix defragmenting every block, GenImmix, StickyImmix), the GCs of the
 * stress build (every 64 KiB) keep taking the room they count on, so they are skipped
 * there (and run in every other build). */
#if PAGEPROTECT
#define add_full(path, fn) suite_add_fits(path, fn, 120, "its objects and references take a page each: they do not fit the heap it fills")
#elif TVM_DEFRAG || TVM_PLAN_ID == 5 || TVM_PLAN_ID == 6
#define add_full(path, fn) suite_add_exact(path, fn, 120, "stress GCs take the room it fills")
#else
#define add_full(path, fn) add(path, fn)
#endif

/* ---- pipeline: long lists and big heaps split into packets ------------------------ */

/* What the binding saw: libmmtk's log messages (verbose=2 names the packets a stage was
 * split into) and the data words of the enqueued references, in the order given. */
static GMutex split_lock;
static GPtrArray *split_logs;
static GArray *split_enqueued;
static void (*split_tvm_log)(void *ctx, int level, const char *message);
static void (*split_tvm_enqueue)(void *ctx, const mmtk_object_t *refs, size_t count, void *tls);

static void split_log(void *ctx, int level, const char *message) {
  g_mutex_lock(&split_lock);
  g_ptr_array_add(split_logs, g_strdup(message));
  g_mutex_unlock(&split_lock);
  split_tvm_log(ctx, level, message);
}

static void split_enqueue(void *ctx, const mmtk_object_t *refs, size_t count, void *tls) {
  g_mutex_lock(&split_lock);
  for (size_t i = 0; i < count; i++) {
    uint64_t d = tvm_data(refs[i]);
    g_array_append_val(split_enqueued, d);
  }
  g_mutex_unlock(&split_lock);
  split_tvm_enqueue(ctx, refs, count, tls);
}

static void split_customize(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  split_tvm_log = b->log;
  split_tvm_enqueue = b->enqueue_references;
  b->log = split_log;
  b->enqueue_references = split_enqueue;
}

/* Two GC workers, verbose=2, the binding's log and enqueue_references watched. */
static void split_start(fx_t *f, const char *heap) {
  if (split_logs) g_ptr_array_free(split_logs, true);
  if (split_enqueued) g_array_free(split_enqueued, true);
  split_logs = g_ptr_array_new_with_free_func(g_free);
  split_enqueued = g_array_new(false, false, sizeof(uint64_t));
  start_opts(f, (tvm_options_t){.heap = heap, .extra = "verbose=2", .workers = 2,
                                .customize = split_customize});
  g_assert_cmpuint(mmtk_num_of_workers(f->mmtk), ==, MMTK_HAVE_SINGLE_WORKER ? 1 : 2);
}

/* Forget the messages logged so far. */
static void split_forget_logs(void) {
  g_mutex_lock(&split_lock);
  g_ptr_array_set_size(split_logs, 0);
  g_mutex_unlock(&split_lock);
}

/* The packets `what` ("WeakRefClosure", "nonmoving release", ...) was split into, as the
 * last such message says (and its entries or blocks in *n); 0 if never split. */
static size_t split_packets(const char *what, size_t *n) {
  size_t packets = 0, len = strlen(what);
  g_mutex_lock(&split_lock);
  for (guint i = 0; i < split_logs->len; i++) {
    const char *m = g_ptr_array_index(split_logs, i);
    size_t a, b;
    if (strncmp(m, what, len) || m[len] != ':') continue;
    if (sscanf(m + len + 1, " %zu %*s in %zu packets", &a, &b) == 2) {
      packets = b;
      if (n) *n = a;
    }
  }
  g_mutex_unlock(&split_lock);
  return packets;
}

#define SPLIT_SHORT 500  /* WeakRefClosure too, its two lists, under 1024: one packet */
#define SPLIT_LONG 3000  /* three packets per list */

/* One GC over `n` soft, weak and phantom references and finalizable objects, with two
 * workers; every reference and object is checked against what a single walk of each
 * list decides (design.refs.stages), and the enqueued references must come in list
 * order, soft and weak ones (WeakRefClosure) before phantom ones. */
static void split_refs_round(size_t n, bool dead_soft) {
  fx_t f;
  /* Every object takes pages of its own in PageProtect. */
  split_start(&f, PAGEPROTECT ? "FixedHeapSize:512M" : "FixedHeapSize:256M");
  tvm_thread_t *th = f.th;
  const uint64_t D_WEAK = 1000000, D_WTARGET = 2000000, D_SOFT = 3000000, D_STARGET = 4000000,
                 D_PHANTOM = 5000000, D_PTARGET = 6000000, D_FIN = 7000000;
  size_t weak = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 1));
  size_t wtarget = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 2));
  size_t soft = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 3));
  size_t phantom = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 4));
  size_t ptarget = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 5));
  size_t fin = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, 6));
  size_t tmp = tvm_push(th, NULL);
  uint64_t gc0 = gcs(&f);
  for (size_t i = 0; i < n; i++) {
    /* Weak, by i % 4: live with a live referent; live with a dead one; live with none;
     * dead itself (its referent dead too). */
    unsigned kind = (unsigned)(i % 4);
    tvm_obj_t o = kind == 2 ? NULL : tvm_alloc(th, TVM_NODE, 0, 16, D_WTARGET + i);
    if (kind == 0) tvm_set_ref(th, tvm_root(th, wtarget), i, o);
    tvm_set_root(th, tmp, o);
    tvm_obj_t w = tvm_alloc(th, TVM_WEAKREF, 1, 0, D_WEAK + i);
    tvm_set_ref(th, w, 0, tvm_root(th, tmp));
    if (kind != 3) tvm_set_ref(th, tvm_root(th, weak), i, w);
    /* Soft: live (with `dead_soft`, but every 8th), its referent reachable through it
     * alone. */
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 16, D_STARGET + i));
    tvm_obj_t sr = new_ref(&f, SOFT, tmp, D_SOFT + i);
    if (!dead_soft || i % 8 != 7) tvm_set_ref(th, tvm_root(th, soft), i, sr);
    /* Phantom: every one live, the referent of an even one live. */
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 16, D_PTARGET + i));
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, ptarget), i, tvm_root(th, tmp));
    tvm_set_ref(th, tvm_root(th, phantom), i, new_ref(&f, PHANTOM, tmp, D_PHANTOM + i));
    /* Finalizable: the even ones live. */
    tvm_obj_t x = tvm_alloc(th, TVM_FINALIZABLE, 0, 16, D_FIN + i);
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, fin), i, x);
  }
  tvm_set_root(th, tmp, NULL);
  g_assert_cmpuint(gcs(&f), ==, gc0); /* the lists are whole at the GC below */
  size_t k[4] = {0};
  for (size_t i = 0; i < n; i++) k[i % 4]++;
  size_t odd = n / 2, sdead = dead_soft ? n / 8 : 0, slive = n - sdead;

  tvm_counters_t c0 = counters(&f);
  g_assert_true(tvm_gc(th));
  tvm_counters_t c = counters(&f);
  g_assert_cmpuint(gcs(&f), ==, gc0 + 1);
  /* Soft: looked at by SoftRefClosure and WeakRefClosure, kept and updated.  Weak: the
   * live ones looked at, those with a live referent updated, a dead referent or a dead
   * reference cleared.  Phantom: all looked at, the even ones updated, the odd cleared. */
  g_assert_cmpuint(c.referent_gets - c0.referent_gets, ==, 2 * slive + k[0] + k[1] + k[2] + n);
  g_assert_cmpuint(c.referent_sets - c0.referent_sets, ==, slive + k[0] + (n - odd));
  g_assert_cmpuint(c.referent_clears - c0.referent_clears, ==, sdead + k[1] + k[3] + odd);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, k[1] + odd);
  for (size_t i = 0; i < n; i++) {
    if (i % 4 != 3) {
      tvm_obj_t w = tvm_ref(tvm_root(th, weak), i);
      g_assert_cmpuint(tvm_data(w), ==, D_WEAK + i);
      if (i % 4 == 0) g_assert_true(referent(w) == tvm_ref(tvm_root(th, wtarget), i));
      else g_assert_null(referent(w));
    }
    if (!dead_soft || i % 8 != 7) {
      tvm_obj_t s = referent(tvm_ref(tvm_root(th, soft), i));
      g_assert_nonnull(s);
      g_assert_cmpuint(tvm_data(s), ==, D_STARGET + i);
      g_assert_true(tvm_pattern_ok(s));
    }
    tvm_obj_t p = tvm_ref(tvm_root(th, phantom), i);
    if (i % 2 == 0) g_assert_true(referent(p) == tvm_ref(tvm_root(th, ptarget), i));
    else g_assert_null(referent(p));
  }
  /* In list order: WeakRefClosure's (soft ones, none here, then weak), then phantom. */
  g_mutex_lock(&split_lock);
  g_assert_cmpuint(split_enqueued->len, ==, k[1] + odd);
  size_t e = 0;
  for (size_t i = 1; i < n; i += 4)
    g_assert_cmpuint(g_array_index(split_enqueued, uint64_t, e++), ==, D_WEAK + i);
  for (size_t i = 1; i < n; i += 2)
    g_assert_cmpuint(g_array_index(split_enqueued, uint64_t, e++), ==, D_PHANTOM + i);
  g_mutex_unlock(&split_lock);
  /* The odd finalizable objects, once each; the even ones not. */
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, odd);
  for (size_t i = 0; i < n; i++) g_assert_cmpuint(tvm_finalized(f.vm, D_FIN + i), ==, i % 2);

  /* The packets: one per 1024 entries (WeakRefClosure: of the soft and weak lists). */
  static const char *const stages[] = {"SoftRefClosure", "WeakRefClosure", "FinalRefClosure",
                                       "PhantomRefClosure"};
  for (size_t i = 0; i < 4; i++) {
    size_t entries = 0, packets = split_packets(stages[i], &entries);
    size_t lists = i == 1 ? 2 : 1, expected = (lists * n + 1023) / 1024;
    note("%s: %zu packets", stages[i], packets);
    if (expected == 1) {
      g_assert_cmpuint(packets, ==, 0); /* one packet: nothing logged */
      continue;
    }
    g_assert_cmpuint(entries, ==, lists * n);
    g_assert_cmpuint(packets, ==, expected);
  }
  finish(&f);
}

/* A long list of each kind split into packets on two workers decides every reference
 * and object as a short one (a single packet per stage) does. */
static void test_split_refs(void) {
  split_refs_round(SPLIT_SHORT, false);
  split_refs_round(SPLIT_LONG, false);
  /* Dead soft references: SoftRefClosure traces in list order (design.refs.split.soft). */
  split_refs_round(SPLIT_SHORT, true);
  split_refs_round(SPLIT_LONG, true);
}

/* A non-moving space of more than 512 blocks is released in packets (design.policy.
 * marksweep.release), and its blocks left unswept are swept by packets at the next
 * Prepare (design.policy.marksweep.prepare); what survives is intact, what died is
 * reused. */
static void check_kept(fx_t *f, size_t keep, size_t nobj, size_t every) {
  for (size_t i = 0; i < nobj; i += every) {
    tvm_obj_t o = tvm_ref(tvm_root(f->th, keep), i / every);
    g_assert_cmpuint(tvm_data(o), ==, i);
    g_assert_true(tvm_pattern_ok(o));
    g_assert_true(mmtk_is_live_object(f->mmtk, o));
  }
}

static void test_split_release(void) {
  fx_t f;
  split_start(&f, "FixedHeapSize:256M");
  tvm_thread_t *th = f.th;
  enum { OBJ = 4096, KEEP_EVERY = 64 };
  const size_t bytes = 48 * MiB, nobj = bytes / OBJ;
  size_t keep = tvm_push(th, tvm_alloc(th, TVM_ARRAY, nobj / KEEP_EVERY + 1, 0, 1));
  size_t blocks = 0, packets;
  for (int round = 0; round < 2; round++) {
    uint64_t gc0 = gcs(&f);
    for (size_t i = 0; i < nobj; i++) {
      tvm_obj_t o = tvm_alloc_sem(th, TVM_BYTES, 0, OBJ - TVM_HEADER_BYTES, i, MMTK_ALLOC_NON_MOVING);
      g_assert_nonnull(o);
      if (i % KEEP_EVERY == 0) tvm_set_ref(th, tvm_root(th, keep), i / KEEP_EVERY, o);
    }
    g_assert_cmpuint(gcs(&f), ==, gc0); /* the heap holds both rounds' blocks */
    split_forget_logs();
    checked_gc(&f);
    packets = split_packets("nonmoving release", &blocks);
    note("round %d: nonmoving release: %zu blocks in %zu packets", round, blocks, packets);
    g_assert_cmpuint(blocks, >=, bytes / (64 * KiB));
    g_assert_cmpuint(packets, ==, (blocks + 511) / 512);
    g_assert_cmpuint(packets, >=, 2);
    check_kept(&f, keep, nobj, KEEP_EVERY);
  }
  /* No allocation since: every block of the last GC is unswept at this one's Prepare. */
  size_t released = blocks;
  split_forget_logs();
  checked_gc(&f);
  packets = split_packets("nonmoving prepare sweep", &blocks);
  note("nonmoving prepare sweep: %zu blocks in %zu packets", blocks, packets);
  if (MMTK_HAVE_SINGLE_WORKER) { /* one worker sweeps them in the Prepare packet */
    g_assert_cmpuint(packets, ==, 0);
  } else {
    g_assert_cmpuint(blocks, ==, released);
    g_assert_cmpuint(packets, ==, (blocks + 511) / 512);
  }
  /* The empty blocks went at that sweep: this Release has the survivors' only. */
  g_assert_cmpuint(split_packets("nonmoving release", NULL), ==, 0);
  check_kept(&f, keep, nobj, KEEP_EVERY);
  finish(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_env();
  g_test_message("config: plan=%s metadata=%s workers=%d sanity=%s; %s", PLAN,
                 TVM_HEADER ? "header" : "side", TVM_WORKERS, MMTK_HAVE_SANITY ? "on" : "off",
                 mmtk_build_info());
  add("refs/soft-kept", test_soft_kept);
  add_full("refs/soft-emergency", test_soft_emergency);
  add("refs/phantom", test_phantom);
  add("refs/weak-dropped", test_weak_dropped);
  add("refs/revived-by-finalizer", test_revived_by_finalizer);
  add("refs/register-from-callback", test_register_from_callback);
  add("refs/foreign-registration", test_foreign_registration);
  add("refs/no-reference-types", test_no_reference_types);
  add("finalizer/no-finalizer", test_no_finalizer);
  add("finalizer/get-all", test_get_all_finalizers);
  add("finalizer/get-for", test_get_finalizers_for);
  add("finalizer/query-during-gc", test_query_during_gc);
  add("finalizer/query-from-worker", test_query_from_worker);
  suite_add_exact("trigger/dynamic-heap", test_dynamic_heap, 120, "it bounds the GCs the trigger starts");
  add("trigger/dynamic-big-object", test_dynamic_big_object);
  add_full("trigger/dynamic-unaligned", test_dynamic_unaligned);
  suite_add_exact("trigger/dynamic-reserve", test_dynamic_reserve, 120, "it measures the limit MemBalancer settles at");
  add("trigger/gc-poll", test_gc_poll);
  suite_add_exact("trigger/vm-live-bytes", test_vm_live_bytes, 120, "it compares the GCs two heap sizes trigger");
  suite_add_exact("trigger/ignore-system-gc", test_ignore_system_gc, 120, "it expects no GC but those it asks for");
  /* One worker walks each list whole (design.refs.split.size). */
  if (!MMTK_HAVE_SINGLE_WORKER)
    suite_add_exact("pipeline/refs-split", test_split_refs, 120,
                    "it counts the referent calls of exactly one GC");
  /* PageProtect's non-moving objects go to its own large object space. */
  if (!PAGEPROTECT)
    suite_add_exact("pipeline/release-split", test_split_release, 120,
                    "it expects no GC but those it asks for");
  suite_add_fits("stress/gc-count-imprecise", test_stress_count_imprecise, 120,
                 "every object takes a page from the space, which the stress count sees");
  return g_test_run();
}
