/* The generational plans on the test VM (TVM_PLAN_ID 4 = GenCopy, 5 = GenImmix;
 * TVM_HEADER, TVM_WORKERS as in test-gc.c): nursery GCs, the object barrier and the
 * remembered set.  Here tvm_gc() asks for a nursery GC (full_heap_system_gc=false)
 * unless a test says otherwise.
 *
 *   barrier/old-to-young      a young object reachable only from a promoted (mature) one,
 *                             through a store made with the barrier, survives nursery GCs
 *   barrier/fresh-mature      stores into new non-moving, immortal and large objects made
 *                             without the barrier (allowed before a safepoint) are seen
 *                             by the next nursery GC
 *   barrier/inline-fast       the same through mmtk_object_reference_write_fast(), whose
 *                             unlog-bit test is inline when the bit is on the side (the
 *                             head's log_bit_base), with stores into young objects too
 *   barrier/region-copy       young references copied into a mature array with
 *                             mmtk_memory_region_copy() survive a nursery GC
 *   barrier/logged-once       many stores into one mature object between GCs, and across
 *                             GCs: every young target survives (the object is remembered
 *                             again after each nursery GC)
 *   barrier/missing-caught/promoted
 *   barrier/missing-caught/large
 *                             (sanity builds) a young reference stored into a mature
 *                             object without the barrier (tvm_set_ref_raw): the verifier
 *                             stops the next nursery GC before its trace with one report
 *                             naming the mature object, the slot and the young object;
 *                             the source is promoted and the target a nursery object, or
 *                             the source non-moving and the target a young large object
 *   refs/mature-to-young/{weak,soft,phantom}
 *                             a mature (non-moving) reference object whose referent is a
 *                             nursery object: at a nursery GC a dead referent is cleared
 *                             (a soft one kept), a live one kept and updated to its copy
 *   refs/young-to-mature/{weak,soft,phantom}
 *                             a nursery reference object whose referent is a dead mature
 *                             object: a nursery GC keeps the referent, unchanged (mature
 *                             objects are live there); a full-heap GC clears it (soft: not)
 *   refs/mature-to-young/remembered
 *                             the same with the young referent held only by a promoted
 *                             object, through the barrier: kept and updated
 *   refs/phantom-finalizable  mature phantom and weak references to a finalizable nursery
 *                             object that dies: the weak one is cleared, the phantom one
 *                             kept and updated until the finalized object dies again
 *   finalizer/young-dies      a finalizable nursery object dies in a nursery GC: finalized
 *                             once, with its fields and what they reach intact
 *   finalizer/promoted-dies   a finalizable object promoted by a nursery GC, then dead: not
 *                             finalized by nursery GCs, once by the next full-heap GC
 *   stats/nursery-full        mmtk_get_stats and the harness table count and time the
 *                             nursery GCs and the full-heap GCs apart
 *   nursery/old-garbage-kept  a nursery GC keeps a dead mature object (its weak reference
 *                             still holds it, intact); a full-heap GC clears it
 *   nursery/young-freed       young garbage is freed by every nursery GC: a long run in a
 *                             small heap never fails, and the GCs are nursery GCs
 *   nursery/size              nursery=Fixed:1M: a GC about every MiB allocated
 *   nursery/promotion-chain   a list grown by appending young nodes to its mature tail,
 *                             with nursery GCs between: every node survives, in order
 *   sticky/mature-untouched   StickyImmix (TVM_PLAN_ID 6): objects that survived a nursery
 *                             GC are neither scanned nor moved by the next nursery GCs
 *                             (one is scanned once, from the remembered set, after a store
 *                             into it); the young object stored into it survives, copied
 *                             out of its block, or where it was with
 *                             --enable-sticky-immix-non-moving-nursery
 *   sticky/young-dead         young objects allocated into the holes a nursery GC left
 *                             (around pinned survivors) and dropped read as dead
 *                             (mmtk_is_live_object) after the next nursery GC, and the
 *                             survivors as live
 *
 * GenImmix only (TVM_PLAN_ID 5):
 *   genimmix/promoted-kept    a list promoted into the Immix space stays where it is and
 *                             intact through nursery GCs and the full-heap (Immix) GCs
 *                             that a growing live set brings; a mature object logged just
 *                             before a full-heap GC is unlogged by it (the GC drops the
 *                             remembered set), so a later store is remembered again
 *   genimmix/defrag-compacts  immix_always_defrag: after a full-heap GC leaves every
 *                             mature block with holes, the next one evacuates them: the
 *                             survivors move, intact, into fewer blocks (nothing moves
 *                             with --enable-immix-non-moving)
 */
#define _GNU_SOURCE
#include <glib.h>
#include <stdatomic.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "tvm.h"

#if !GENERATIONAL
#error "test-gen.c is for the generational plans"
#endif

static void start_with(fx_t *f, const char *heap, const char *extra) {
  tvm_options_t o = {
      .plan = PLAN,
      .header_metadata = TVM_HEADER,
      .workers = TVM_WORKERS,
      .heap = heap ? heap : "FixedHeapSize:64M",
      .sanity = true,
      .extra = extra ? extra : "full_heap_system_gc=false",
  };
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

static void start(fx_t *f) { start_with(f, NULL, NULL); }

static mmtk_stats_t stats(fx_t *f) {
  mmtk_stats_t s = {.size = sizeof s};
  g_assert_true(mmtk_get_stats(f->mmtk, &s));
  return s;
}

/* One explicit GC, which must be a nursery GC.  Afterwards new objects overwrite the
 * nursery's old contents (the nursery is reused from its start), so that a reference
 * the GC failed to update points at garbage, not at a stale but intact copy.
 * Under MMTK_STRESS_FACTOR it may be a full-heap GC: every stress GC copies its
 * survivors into fresh blocks of the mature space (each GC's copy allocators start
 * empty), so in a small heap the mature space fills with partly used blocks and the
 * plan rightly makes the next GC full-heap. */
static void nursery_gc(fx_t *f) {
  mmtk_stats_t a = stats(f);
  g_assert_true(tvm_gc(f->th));
  mmtk_stats_t b = stats(f);
  g_assert_cmpuint(b.gc_count, ==, a.gc_count + 1);
  if (!getenv("MMTK_STRESS_FACTOR") || b.nursery_gc_count != a.nursery_gc_count)
    g_assert_cmpuint(b.nursery_gc_count, ==, a.nursery_gc_count + 1);
  for (int i = 0; i < 64; i++) tvm_alloc(f->th, TVM_BYTES, 0, 4096, 0xdeadbeef);
}

/* ---- barrier ------------------------------------------------------------------------ */

static void test_old_to_young(void) {
  fx_t f;
  start(&f);
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 2, 16, 1));
  nursery_gc(&f); /* promoted: mature from here on */
  for (int round = 0; round < 20; round++) {
    size_t y = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 0, 32, 1000 + round));
    tvm_set_ref(f.th, tvm_root(f.th, old), round % 2, tvm_root(f.th, y));
    tvm_pop_to(f.th, y); /* the mature object is its only referrer */
    nursery_gc(&f);
    tvm_obj_t got = tvm_ref(tvm_root(f.th, old), round % 2);
    g_assert_nonnull(got);
    g_assert_null(tvm_header_problem(got));
    g_assert_cmpuint(tvm_data(got), ==, 1000 + round);
  }
  finish(&f);
}

static void test_inline_fast(void) {
  fx_t f;
  start(&f);
  mmtk_mutator_t *m = tvm_mutator(f.th);
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
  g_assert_true(h->flags & MMTK_MUTATOR_WRITE_BARRIER);
  /* The binding's header bit (unless --enable-side-metadata puts every bit on the side):
   * the head says where it is, and the inline path reads it there. */
  bool in_header = TVM_HEADER && !MMTK_HAVE_SIDE_METADATA;
  if (in_header) {
    g_assert_cmpuint(h->log_bit_base, ==, 0);
    g_assert_true(h->flags & MMTK_MUTATOR_LOG_BIT_IN_HEADER);
    g_assert_cmpint(h->log_bit_offset, ==, TVM_HDR_LOG_BIT / 8);
    g_assert_cmpuint(h->log_bit_shift, ==, TVM_HDR_LOG_BIT % 8);
  } else {
    g_assert_cmpuint(h->log_bit_base, !=, 0);
    g_assert_false(h->flags & MMTK_MUTATOR_LOG_BIT_IN_HEADER);
  }
  enum { N = 32 };
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 1));
  nursery_gc(&f);
  if (in_header) {
    /* Promoted, hence unlogged: the bit the head points at is 1 until the first store
     * logs the object. */
    const uint8_t *bit = (const uint8_t *)tvm_root(f.th, old) + h->log_bit_offset;
    g_assert_cmpuint((*bit >> h->log_bit_shift) & 1, ==, 1);
    tvm_obj_t o = tvm_root(f.th, old);
    mmtk_object_reference_write_fast(m, o, &tvm_refs(o)[0], NULL);
    g_assert_cmpuint((*bit >> h->log_bit_shift) & 1, ==, 0);
  }
  for (int round = 0; round < 10; round++) {
    size_t young = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 2));
    for (size_t i = 0; i < N; i++) {
      tvm_obj_t y = tvm_alloc(f.th, TVM_NODE, 0, 8, round * 100 + i);
      tvm_obj_t o = tvm_root(f.th, old), yg = tvm_root(f.th, young);
      mmtk_object_reference_write_fast(m, o, &tvm_refs(o)[i], y);   /* mature */
      mmtk_object_reference_write_fast(m, yg, &tvm_refs(yg)[i], y); /* young */
    }
    tvm_pop_to(f.th, young);
    nursery_gc(&f);
    for (size_t i = 0; i < N; i++)
      g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, old), i)), ==, round * 100 + i);
  }
  /* The VM's own store between the inline pre and post parts: the post part logs the
   * (unlogged again) mature object, so the young object survives. */
  g_assert_false(h->flags & MMTK_MUTATOR_PRE_BARRIER);
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t y = tvm_alloc(f.th, TVM_NODE, 0, 8, 7000 + i);
    tvm_obj_t o = tvm_root(f.th, old);
    mmtk_object_reference_write_pre_fast(m, o, &tvm_refs(o)[i], y);
    __atomic_store_n(&tvm_refs(o)[i], y, __ATOMIC_RELEASE);
    mmtk_object_reference_write_post_fast(m, o, &tvm_refs(o)[i], y);
    if (in_header) {
      const uint8_t *bit = (const uint8_t *)o + h->log_bit_offset;
      g_assert_cmpuint((*bit >> h->log_bit_shift) & 1, ==, 0);
    }
  }
  nursery_gc(&f);
  for (size_t i = 0; i < N; i++)
    g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, old), i)), ==, 7000 + i);
  finish(&f);
}

/* A header reached through ref_to_header is the binding's to find: the head does not
 * describe the bit, and every store into a mature object goes out of line (and is still
 * remembered). */
static void *header_at_object(void *ctx, mmtk_object_t o) {
  (void)ctx;
  return o;
}

static void with_ref_to_header(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm, (void)arg;
  b->ref_to_header = header_at_object;
}

static void test_inline_ref_to_header(void) {
  fx_t f;
  tvm_options_t o = {
      .plan = PLAN, .header_metadata = TVM_HEADER, .workers = TVM_WORKERS,
      .heap = "FixedHeapSize:64M", .sanity = true, .extra = "full_heap_system_gc=false",
      .customize = with_ref_to_header,
  };
  f.vm = tvm_new(&o);
  f.mmtk = tvm_mmtk(f.vm);
  f.th = tvm_attach(f.vm);
  mmtk_mutator_t *m = tvm_mutator(f.th);
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
  g_assert_true(h->flags & MMTK_MUTATOR_WRITE_BARRIER);
  g_assert_false(h->flags & MMTK_MUTATOR_LOG_BIT_IN_HEADER);
  g_assert_cmpint(h->log_bit_offset, ==, 0);
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, 4, 0, 1));
  nursery_gc(&f);
  for (int round = 0; round < 4; round++) {
    tvm_obj_t y = tvm_alloc(f.th, TVM_NODE, 0, 8, 500 + round);
    tvm_obj_t holder = tvm_root(f.th, old);
    mmtk_object_reference_write_fast(m, holder, &tvm_refs(holder)[round], y);
    nursery_gc(&f);
    for (int i = 0; i <= round; i++)
      g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, old), i)), ==, 500 + i);
  }
  finish(&f);
}

/* New objects outside the nursery (non-moving, immortal, large) are initialised with
 * plain stores, as a VM does before the next safepoint. */
static void test_fresh_mature(void) {
  fx_t f;
  start(&f);
  static const mmtk_alloc_semantics_t sems[] = {MMTK_ALLOC_NON_MOVING, MMTK_ALLOC_IMMORTAL,
                                                MMTK_ALLOC_LOS};
  size_t holders[3];
  for (size_t k = 0; k < 3; k++) {
    holders[k] = tvm_push(f.th, tvm_alloc_sem(f.th, TVM_ARRAY, 4, 0, k, sems[k]));
    size_t y = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 0, 8, 42 + k));
    tvm_refs(tvm_root(f.th, holders[k]))[3] = tvm_root(f.th, y); /* no barrier */
    tvm_pop_to(f.th, y);
  }
  nursery_gc(&f);
  for (size_t k = 0; k < 3; k++) {
    tvm_obj_t got = tvm_ref(tvm_root(f.th, holders[k]), 3);
    g_assert_nonnull(got);
    g_assert_null(tvm_header_problem(got));
    g_assert_cmpuint(tvm_data(got), ==, 42 + k);
  }
  finish(&f);
}

static void test_region_copy(void) {
  fx_t f;
  start(&f);
  enum { N = 16 };
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 1));
  nursery_gc(&f);
  size_t young = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 2));
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t y = tvm_alloc(f.th, TVM_NODE, 0, 8, 500 + i);
    tvm_set_ref(f.th, tvm_root(f.th, young), i, y);
  }
  mmtk_memory_region_copy(tvm_mutator(f.th), tvm_refs(tvm_root(f.th, young)),
                          tvm_refs(tvm_root(f.th, old)), N * sizeof(tvm_obj_t));
  tvm_pop_to(f.th, young);
  nursery_gc(&f);
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t got = tvm_ref(tvm_root(f.th, old), i);
    g_assert_nonnull(got);
    g_assert_cmpuint(tvm_data(got), ==, 500 + i);
  }
  finish(&f);
}

static void test_logged_once(void) {
  fx_t f;
  start(&f);
  enum { N = 64 };
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 1));
  nursery_gc(&f);
  for (int gc = 0; gc < 10; gc++) {
    for (size_t i = 0; i < N; i++) /* N stores between two GCs: logged by the first */
      tvm_set_ref(f.th, tvm_root(f.th, old), i, tvm_alloc(f.th, TVM_NODE, 0, 8, gc * 1000 + i));
    nursery_gc(&f);
    for (size_t i = 0; i < N; i++)
      g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, old), i)), ==, gc * 1000 + i);
  }
  finish(&f);
}

#if MMTK_HAVE_SANITY
/* The child makes the bad store and writes the three addresses to a file named after the
 * parent (it runs in the trap's subprocess): the parent matches them in the report. */
static char *missing_file(pid_t parent) {
  return g_strdup_printf("%s/mmtk-gen-missing-%ld", g_get_tmp_dir(), (long)parent);
}

static void test_missing_barrier(gconstpointer data) {
  const bool large = GPOINTER_TO_INT(data);
  if (g_test_subprocess()) {
    fx_t f;
    start(&f);
    size_t src = tvm_push(f.th, large ? tvm_alloc_sem(f.th, TVM_NODE, 2, 16, 1, MMTK_ALLOC_NON_MOVING)
                                      : tvm_alloc(f.th, TVM_NODE, 2, 16, 1));
    nursery_gc(&f); /* mature (promoted, or no longer new) from here on */
    tvm_obj_t young = large ? tvm_alloc_sem(f.th, TVM_BYTES, 0, 64 * KiB, 7, MMTK_ALLOC_LOS)
                            : tvm_alloc(f.th, TVM_NODE, 0, 8, 7);
    tvm_obj_t o = tvm_root(f.th, src);
    tvm_set_ref_raw(o, 1, young); /* the barrier forgotten */
    char *file = missing_file(getppid());
    char *addrs = g_strdup_printf("%p %p %p", o, (void *)&tvm_refs(o)[1], young);
    g_assert_true(g_file_set_contents(file, addrs, -1, NULL));
    tvm_gc(f.th); /* a nursery GC: the verifier aborts it */
    return;       /* not reached */
  }
  char *file = missing_file(getpid());
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  char *addrs = NULL;
  g_assert_true(g_file_get_contents(file, &addrs, NULL, NULL));
  g_unlink(file);
  char src[32], slot[32], target[32];
  g_assert_cmpint(sscanf(addrs, "%31s %31s %31s", src, slot, target), ==, 3);
  /* One report, before the trace (no "after the GC", no object left behind). */
  char *want = g_strdup_printf("*sanity: slot %s of mature object %s (space *) holds young "
                               "object %s (space %s), but the object was not remembered*",
                               slot, src, target,
                               large ? "los" : STICKY ? "immix" : "nursery");
  g_test_trap_assert_stderr(want);
  g_test_trap_assert_stderr_unmatched("*after the GC*");
  g_free(want);
  g_free(addrs);
  g_free(file);
}
#endif

/* ---- refs and finalizers across generations ------------------------------------------
 *
 * These instances run with full_heap_system_gc=true and a 1 MiB nursery: tvm_gc() is a
 * full-heap GC, and a nursery GC comes when allocation fills the nursery.  Stress GCs
 * would promote the young objects before the GC a test is about: skipped under stress. */
#define NATURAL "full_heap_system_gc=true nursery=Fixed:1M"
#define NATURAL_WHY "stress GCs would promote the young objects early"

/* Garbage until exactly one GC has run, which must be a nursery GC; then the nursery's
 * old contents are overwritten (a reference left stale points at garbage). */
static void natural_nursery_gc(fx_t *f) {
  mmtk_stats_t a = stats(f);
  while (stats(f).gc_count == a.gc_count) tvm_alloc(f->th, TVM_BYTES, 0, 1000, 0xdead);
  mmtk_stats_t b = stats(f);
  g_assert_cmpuint(b.gc_count, ==, a.gc_count + 1);
  g_assert_cmpuint(b.nursery_gc_count, ==, a.nursery_gc_count + 1);
  for (int i = 0; i < 64; i++) tvm_alloc(f->th, TVM_BYTES, 0, 4096, 0xdeadbeef);
}

static void full_gc(fx_t *f) {
  mmtk_stats_t a = stats(f);
  g_assert_true(tvm_gc(f->th));
  mmtk_stats_t b = stats(f);
  g_assert_cmpuint(b.gc_count, ==, a.gc_count + 1);
  g_assert_cmpuint(b.nursery_gc_count, ==, a.nursery_gc_count);
}

enum ref_kind { WEAK, SOFT, PHANTOM };

/* A reference object (a WEAKREF, field 0 the referent) of `kind` with `semantics`,
 * whose referent is the object in root slot `target`, stored right after allocation. */
static tvm_obj_t new_ref(fx_t *f, enum ref_kind kind, mmtk_alloc_semantics_t semantics,
                         size_t target, uint64_t data) {
  tvm_thread_t *th = f->th;
  if (kind == WEAK) { /* tvm registers it */
    tvm_obj_t r = tvm_alloc_sem(th, TVM_WEAKREF, 1, 8, data, semantics);
    tvm_set_ref(th, r, 0, tvm_root(th, target));
    return r;
  }
  tvm_safepoint(th);
  mmtk_mutator_t *m = tvm_mutator(th);
  size_t size = tvm_object_size(1, 8);
  uint64_t *w = mmtk_alloc(m, size, 8, 0, semantics);
  g_assert_nonnull(w);
  w[0] = (uint64_t)TVM_WEAKREF << TVM_TYPE_SHIFT | (uint64_t)TVM_FLAG_WEAK << TVM_FLAGS_SHIFT |
         (uint64_t)1 << TVM_NREFS_SHIFT;
  w[1] = size;
  w[2] = data;
  w[3] = 0;
  tvm_fill_pattern(w);
  mmtk_post_alloc(m, w, size, semantics);
  tvm_set_ref(th, w, 0, tvm_root(th, target));
  if (kind == SOFT) mmtk_add_soft_candidate(f->mmtk, w);
  else mmtk_add_phantom_candidate(f->mmtk, w);
  return w;
}

static void assert_object(tvm_obj_t o, uint64_t data) {
  g_assert_nonnull(o);
  g_assert_null(tvm_header_problem(o));
  g_assert_cmpuint(tvm_data(o), ==, data);
  g_assert_true(tvm_pattern_ok(o));
}

static uint64_t enqueued(fx_t *f) {
  tvm_counters_t c;
  tvm_counters(f->vm, &c);
  return c.enqueued_refs;
}

static void mature_to_young(enum ref_kind kind) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  tvm_thread_t *th = f.th;
  /* Young referents, one held strongly and one not; mature reference objects. */
  size_t live = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 100));
  size_t rlive = tvm_push(th, new_ref(&f, kind, MMTK_ALLOC_NON_MOVING, live, 101));
  size_t tmp = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 200));
  size_t rdead = tvm_push(th, new_ref(&f, kind, MMTK_ALLOC_NON_MOVING, tmp, 201));
  tvm_set_root(th, tmp, NULL);
  tvm_obj_t was = tvm_root(th, live), r = tvm_root(th, rlive);
  uint64_t e0 = enqueued(&f);
  natural_nursery_gc(&f);
  g_assert_true(tvm_root(th, rlive) == r); /* non-moving */
  if (MOVES) g_assert_true(tvm_root(th, live) != was); /* promoted: copied */
  g_assert_true(tvm_ref(tvm_root(th, rlive), 0) == tvm_root(th, live));
  assert_object(tvm_root(th, live), 100);
  if (kind == SOFT) {
    assert_object(tvm_ref(tvm_root(th, rdead), 0), 200); /* kept alive, promoted */
    g_assert_cmpuint(enqueued(&f), ==, e0);
  } else {
    g_assert_null(tvm_ref(tvm_root(th, rdead), 0));
    g_assert_cmpuint(enqueued(&f), ==, e0 + 1);
  }
  /* Later GCs, nursery and full-heap, keep what this one decided. */
  natural_nursery_gc(&f);
  full_gc(&f);
  g_assert_true(tvm_ref(tvm_root(th, rlive), 0) == tvm_root(th, live));
  assert_object(tvm_root(th, live), 100);
  if (kind == SOFT) assert_object(tvm_ref(tvm_root(th, rdead), 0), 200);
  else g_assert_null(tvm_ref(tvm_root(th, rdead), 0));
  finish(&f);
}

static void young_to_mature(enum ref_kind kind) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  tvm_thread_t *th = f.th;
  size_t m = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 300));
  natural_nursery_gc(&f); /* promoted */
  tvm_obj_t mature = tvm_root(th, m);
  size_t r = tvm_push(th, new_ref(&f, kind, MMTK_ALLOC_DEFAULT, m, 301)); /* young */
  tvm_set_root(th, m, NULL); /* the referent is dead, but mature */
  uint64_t e0 = enqueued(&f);
  natural_nursery_gc(&f);
  g_assert_true(tvm_ref(tvm_root(th, r), 0) == mature); /* kept, not moved */
  assert_object(mature, 300);
  natural_nursery_gc(&f);
  g_assert_true(tvm_ref(tvm_root(th, r), 0) == mature);
  g_assert_cmpuint(enqueued(&f), ==, e0);
  full_gc(&f); /* now it is traced: a dead weak or phantom referent goes */
  if (kind == SOFT) {
    assert_object(tvm_ref(tvm_root(th, r), 0), 300);
  } else {
    g_assert_null(tvm_ref(tvm_root(th, r), 0));
    g_assert_cmpuint(enqueued(&f), ==, e0 + 1);
  }
  finish(&f);
}

static void test_mature_to_young_remembered(void) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  tvm_thread_t *th = f.th;
  size_t holder = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 16, 1));
  natural_nursery_gc(&f); /* promoted */
  size_t y = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 64, 700));
  tvm_set_ref(th, tvm_root(th, holder), 0, tvm_root(th, y));
  size_t r = tvm_push(th, new_ref(&f, WEAK, MMTK_ALLOC_NON_MOVING, y, 701));
  tvm_set_root(th, y, NULL); /* only the mature holder keeps it */
  natural_nursery_gc(&f);
  tvm_obj_t now = tvm_ref(tvm_root(th, holder), 0);
  assert_object(now, 700);
  g_assert_true(tvm_ref(tvm_root(th, r), 0) == now);
  finish(&f);
}

static void record_finalized(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)th;
  *(tvm_obj_t *)arg = o;
}

static void test_phantom_finalizable(void) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  tvm_thread_t *th = f.th;
  size_t fin = tvm_push(th, NULL);
  tvm_set_root(th, fin, tvm_alloc(th, TVM_NODE, 0, 500, 801)); /* the child */
  tvm_obj_t o = tvm_alloc(th, TVM_FINALIZABLE, 1, 32, 800);
  tvm_set_ref(th, o, 0, tvm_root(th, fin));
  tvm_set_root(th, fin, o);
  size_t pr = tvm_push(th, new_ref(&f, PHANTOM, MMTK_ALLOC_NON_MOVING, fin, 802));
  size_t wr = tvm_push(th, new_ref(&f, WEAK, MMTK_ALLOC_NON_MOVING, fin, 803));
  tvm_obj_t was = tvm_root(th, fin);
  tvm_set_root(th, fin, NULL);
  uint64_t e0 = enqueued(&f);
  natural_nursery_gc(&f); /* dies young, revived for its finalizer */
  g_assert_null(tvm_ref(tvm_root(th, wr), 0));
  tvm_obj_t kept = tvm_ref(tvm_root(th, pr), 0);
  if (MOVES) g_assert_true(kept != was); /* promoted: copied */
  assert_object(kept, 800);
  assert_object(tvm_ref(kept, 0), 801);
  g_assert_cmpuint(enqueued(&f), ==, e0 + 1);
  tvm_obj_t finalized = NULL;
  g_assert_cmpuint(tvm_run_finalizers(th, record_finalized, &finalized), ==, 1);
  g_assert_true(finalized == kept);
  full_gc(&f); /* dead again, for good */
  g_assert_null(tvm_ref(tvm_root(th, pr), 0));
  g_assert_cmpuint(enqueued(&f), ==, e0 + 2);
  g_assert_cmpuint(tvm_finalized(f.vm, 800), ==, 1);
  finish(&f);
}

static void test_mature_to_young_weak(void) { mature_to_young(WEAK); }
static void test_mature_to_young_soft(void) { mature_to_young(SOFT); }
static void test_mature_to_young_phantom(void) { mature_to_young(PHANTOM); }
static void test_young_to_mature_weak(void) { young_to_mature(WEAK); }
static void test_young_to_mature_soft(void) { young_to_mature(SOFT); }
static void test_young_to_mature_phantom(void) { young_to_mature(PHANTOM); }

/* The finalizer reads the object's field and what it reaches (tvm_run_finalizers checks
 * them too). */
static void read_finalized(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)th;
  uint64_t *seen = arg;
  assert_object(o, seen[0]);
  assert_object(tvm_ref(o, 0), seen[0] + 1);
  seen[1]++;
}

/* A finalizable object with a child, reachable from root slot `slot` (or not, when the
 * caller clears it). */
static size_t new_finalizable(fx_t *f, uint64_t data) {
  size_t child = tvm_push(f->th, tvm_alloc(f->th, TVM_NODE, 0, 500, data + 1));
  tvm_obj_t o = tvm_alloc(f->th, TVM_FINALIZABLE, 1, 32, data);
  tvm_set_ref(f->th, o, 0, tvm_root(f->th, child));
  tvm_set_root(f->th, child, o);
  return child;
}

static void test_finalizer_young_dies(void) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  size_t slot = new_finalizable(&f, 400);
  tvm_set_root(f.th, slot, NULL); /* dies young */
  uint64_t seen[2] = {400, 0};
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 0);
  natural_nursery_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 1);
  g_assert_cmpuint(seen[1], ==, 1);
  natural_nursery_gc(&f);
  full_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 400), ==, 1);
  finish(&f);
}

static void test_finalizer_promoted_dies(void) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  size_t slot = new_finalizable(&f, 500);
  uint64_t seen[2] = {500, 0};
  natural_nursery_gc(&f); /* promoted */
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 0);
  tvm_set_root(f.th, slot, NULL); /* dies mature */
  natural_nursery_gc(&f);
  natural_nursery_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 0);
  full_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 1);
  full_gc(&f);
  natural_nursery_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(f.th, read_finalized, seen), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 500), ==, 1);
  g_assert_cmpuint(seen[1], ==, 1);
  finish(&f);
}

/* ---- stats ------------------------------------------------------------------------ */

/* mmtk_harness_end() with standard output going to a file: its output, to g_free. */
static char *harness_end_output(mmtk_t *mmtk) {
  char path[] = "/tmp/test-gen-XXXXXX";
  int fd = mkstemp(path);
  g_assert_cmpint(fd, >=, 0);
  unlink(path);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  g_assert_cmpint(saved, >=, 0);
  g_assert_cmpint(dup2(fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  mmtk_harness_end(mmtk);
  fflush(stdout);
  g_assert_cmpint(dup2(saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close(saved);
  off_t len = lseek(fd, 0, SEEK_END);
  g_assert_cmpint(len, >, 0);
  char *buf = g_malloc((size_t)len + 1);
  g_assert_cmpint(pread(fd, buf, (size_t)len, 0), ==, len);
  buf[len] = '\0';
  close(fd);
  return buf;
}

static void test_stats_nursery_full(void) {
  fx_t f;
  start_with(&f, NULL, NATURAL);
  natural_nursery_gc(&f); /* before the harness: not in its table */
  mmtk_harness_begin(tvm_mutator(f.th)); /* a GC first, not in the table either */
  mmtk_stats_t a = stats(&f);
  g_assert_cmpuint(a.size, ==, sizeof a);
  for (int i = 0; i < 3; i++) natural_nursery_gc(&f);
  full_gc(&f);
  full_gc(&f);
  mmtk_stats_t b = stats(&f);
  uint64_t nursery_ns = b.nursery_gc_time_ns - a.nursery_gc_time_ns;
  uint64_t full_ns = (b.gc_time_ns - b.nursery_gc_time_ns) - (a.gc_time_ns - a.nursery_gc_time_ns);
  g_assert_cmpuint(b.nursery_gc_count - a.nursery_gc_count, ==, 3);
  g_assert_cmpuint(b.gc_count - a.gc_count, ==, 5);
  g_assert_cmpuint(nursery_ns, >, 0);
  g_assert_cmpuint(full_ns, >, 0);
  g_assert_cmpuint(b.nursery_gc_time_ns, <=, b.gc_time_ns);
  char *out = harness_end_output(f.mmtk);
  char **lines = g_strsplit(out, "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), >=, 3);
  g_assert_true(g_str_has_prefix(lines[1], "GC\ttime.mu\ttime.gc\ttime.total\tbytes.alloc\t"
                                           "bytes.used\tplan\tGC.nursery\tGC.full\t"
                                           "time.gc.nursery\ttime.gc.full\t"));
  char **v = g_strsplit(lines[2], "\t", -1);
  g_assert_cmpuint(g_strv_length(v), >=, 11);
  g_assert_cmpstr(v[0], ==, "5");
  g_assert_cmpstr(v[6], ==, PLAN);
  g_assert_cmpstr(v[7], ==, "3");
  g_assert_cmpstr(v[8], ==, "2");
  double gc_ms = g_ascii_strtod(v[2], NULL), nursery_ms = g_ascii_strtod(v[9], NULL),
         full_ms = g_ascii_strtod(v[10], NULL);
  /* The table rounds to 0.01 ms: two full GCs of a near-empty heap may print 0.00, so the
   * columns are held to the exact figures (asserted > 0 above) within that rounding. */
  g_assert_cmpfloat(nursery_ms, >=, 0);
  g_assert_cmpfloat(full_ms, >=, 0);
  g_assert_cmpfloat(fabs(nursery_ms + full_ms - gc_ms), <=, 0.011);
  g_assert_cmpfloat(fabs(nursery_ms - (double)nursery_ns / 1e6), <=, 0.006);
  g_assert_cmpfloat(fabs(full_ms - (double)full_ns / 1e6), <=, 0.006);
  g_strfreev(v);
  g_strfreev(lines);
  g_free(out);
  finish(&f);
}

/* ---- nursery ------------------------------------------------------------------------ */

static void test_old_garbage_kept(void) {
  for (int full = 0; full <= 1; full++) {
    fx_t f;
    start_with(&f, NULL, full ? "full_heap_system_gc=true" : NULL);
    size_t o = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 0, 64, 99));
    size_t w = tvm_push(f.th, tvm_alloc(f.th, TVM_WEAKREF, 1, 0, 0));
    tvm_set_ref(f.th, tvm_root(f.th, w), 0, tvm_root(f.th, o));
    g_assert_true(tvm_gc(f.th)); /* both promoted (or kept) */
    tvm_set_root(f.th, o, NULL); /* the object dies, mature */
    mmtk_stats_t a = stats(&f);
    g_assert_true(tvm_gc(f.th));
    mmtk_stats_t b = stats(&f);
    tvm_obj_t r = tvm_ref(tvm_root(f.th, w), 0);
    if (full) {
      g_assert_cmpuint(b.nursery_gc_count, ==, a.nursery_gc_count);
      g_assert_null(r);
    } else {
      g_assert_cmpuint(b.nursery_gc_count, ==, a.nursery_gc_count + 1);
      g_assert_nonnull(r); /* not traced, not freed: still the object, intact */
      g_assert_null(tvm_header_problem(r));
      g_assert_cmpuint(tvm_data(r), ==, 99);
    }
    finish(&f);
  }
}

static void test_young_freed(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:8M", NULL);
  size_t keep = tvm_push(f.th, NULL);
  /* 256 MiB of young garbage with a small live list whose head is young. */
  for (size_t i = 0; i < (256 * MiB) / 256; i++) {
    tvm_obj_t x = tvm_alloc(f.th, TVM_NODE, 1, 256 - TVM_HEADER_BYTES - 8, i);
    g_assert_nonnull(x);
    if (i % 4096 == 0) {
      tvm_set_ref(f.th, x, 0, tvm_root(f.th, keep));
      tvm_set_root(f.th, keep, x);
    }
  }
  mmtk_stats_t s = stats(&f);
  note("%llu GCs, %llu of them nursery GCs", (unsigned long long)s.gc_count,
       (unsigned long long)s.nursery_gc_count);
  g_assert_cmpuint(s.gc_count, >=, 32);
  g_assert_cmpuint(s.nursery_gc_count, >=, s.gc_count * 3 / 4);
  size_t n = 0;
  for (tvm_obj_t x = tvm_root(f.th, keep); x; x = tvm_ref(x, 0), n++)
    g_assert_cmpuint(tvm_data(x) % 4096, ==, 0);
  g_assert_cmpuint(n, ==, (256 * MiB) / 256 / 4096);
  finish(&f);
}

static void test_nursery_size(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", "full_heap_system_gc=false nursery=Fixed:1M");
  mmtk_stats_t a = stats(&f);
  for (size_t i = 0; i < (32 * MiB) / 1024; i++)
    g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 1024 - TVM_HEADER_BYTES, i));
  mmtk_stats_t b = stats(&f);
  uint64_t n = b.gc_count - a.gc_count;
  note("%llu GCs for 32 MiB with a 1 MiB nursery", (unsigned long long)n);
  g_assert_cmpuint(n, >=, 28);
  g_assert_cmpuint(n, <=, 40);
  g_assert_cmpuint(b.nursery_gc_count - a.nursery_gc_count, ==, n);
  finish(&f);
}

static void test_promotion_chain(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:16M", NULL);
  size_t head = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 1, 0, 0));
  size_t tail = tvm_push(f.th, tvm_root(f.th, head));
  enum { NODES = 20000 };
  for (uint64_t i = 1; i < NODES; i++) {
    tvm_obj_t x = tvm_alloc(f.th, TVM_NODE, 1, 0, i);
    tvm_set_ref(f.th, tvm_root(f.th, tail), 0, x); /* the tail is often mature */
    tvm_set_root(f.th, tail, x);
    for (int g = 0; g < 4; g++) tvm_alloc(f.th, TVM_BYTES, 0, 200, 0); /* garbage */
    if (i % 2500 == 0) nursery_gc(&f);
  }
  uint64_t i = 0;
  for (tvm_obj_t x = tvm_root(f.th, head); x; x = tvm_ref(x, 0), i++)
    g_assert_cmpuint(tvm_data(x), ==, i);
  g_assert_cmpuint(i, ==, NODES);
  g_assert_cmpuint(stats(&f).nursery_gc_count, >=, 7);
  finish(&f);
}

/* ---- sticky ------------------------------------------------------------------------- */

#if STICKY
/* scan_object, counting the scans of the watched objects (sanity off: the verifier scans
 * every reachable object too). */
enum { WATCHED = 4 };
static _Atomic(uintptr_t) watched[WATCHED];
static _Atomic unsigned scans[WATCHED];
static void (*tvm_scan_object)(void *, void *, mmtk_object_t, mmtk_slot_visitor_t *);

static void counting_scan(void *ctx, void *tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  for (int i = 0; i < WATCHED; i++)
    if (atomic_load(&watched[i]) == (uintptr_t)o) atomic_fetch_add(&scans[i], 1);
  tvm_scan_object(ctx, tls, o, v);
}

static void count_scans(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm, (void)arg;
  tvm_scan_object = b->scan_object;
  b->scan_object = counting_scan;
}

static void watch(int i, tvm_obj_t o) {
  atomic_store(&watched[i], (uintptr_t)o);
  atomic_store(&scans[i], 0);
}

static void test_mature_untouched(void) {
  fx_t f;
  tvm_options_t o = {
      .plan = PLAN, .header_metadata = TVM_HEADER, .workers = TVM_WORKERS,
      .heap = "FixedHeapSize:64M", .extra = "full_heap_system_gc=false",
      .customize = count_scans,
  };
  f.vm = tvm_new(&o);
  f.mmtk = tvm_mmtk(f.vm);
  f.th = tvm_attach(f.vm);
  size_t a = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 2, 16, 1));
  size_t b = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 1, 16, 2));
  tvm_set_ref(f.th, tvm_root(f.th, b), 0, tvm_alloc(f.th, TVM_NODE, 0, 16, 3));
  nursery_gc(&f); /* a, b and b's child survive: mature from here on */
  tvm_obj_t a0 = tvm_root(f.th, a), b0 = tvm_root(f.th, b), c0 = tvm_ref(b0, 0);
  watch(0, a0);
  watch(1, b0);
  watch(2, c0);
  tvm_obj_t y0 = tvm_alloc(f.th, TVM_NODE, 0, 24, 4);
  tvm_set_ref(f.th, a0, 1, y0); /* the barrier remembers a: y's only referrer */
  watch(3, y0);
  nursery_gc(&f);
  g_assert_true(tvm_root(f.th, a) == a0);
  g_assert_true(tvm_root(f.th, b) == b0);
  g_assert_true(tvm_ref(b0, 0) == c0);
  g_assert_cmpuint(atomic_load(&scans[0]), ==, 1); /* from the remembered set only */
  g_assert_cmpuint(atomic_load(&scans[1]), ==, 0);
  g_assert_cmpuint(atomic_load(&scans[2]), ==, 0);
  tvm_obj_t y1 = tvm_ref(a0, 1);
  g_assert_nonnull(y1);
  g_assert_null(tvm_header_problem(y1));
  g_assert_cmpuint(tvm_data(y1), ==, 4);
  g_assert_true(tvm_pattern_ok(y1));
  if (MMTK_HAVE_STICKY_IMMIX_NON_MOVING_NURSERY || MMTK_HAVE_IMMIX_NON_MOVING) {
    g_assert_true(y1 == y0); /* marked where it was */
    g_assert_cmpuint(atomic_load(&scans[3]), ==, 1);
  } else {
    g_assert_true(y1 != y0); /* copied out of the nursery's block */
  }
  /* y is mature now: the next nursery GC leaves all four alone. */
  watch(0, a0);
  watch(1, b0);
  watch(2, c0);
  watch(3, y1);
  nursery_gc(&f);
  g_assert_true(tvm_root(f.th, a) == a0 && tvm_ref(a0, 1) == y1);
  for (int i = 0; i < WATCHED; i++) g_assert_cmpuint(atomic_load(&scans[i]), ==, 0);
  g_assert_cmpuint(tvm_data(y1), ==, 4);
  finish(&f);
}

static void test_young_dead(void) {
  fx_t f;
  start(&f);
  enum { N = 4096, KEEP = 8 };
  /* Every KEEP-th object is pinned and kept: the nursery GC marks it in place, and the
   * lines between become holes. */
  size_t keep = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N / KEEP, 0, 0));
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t x = tvm_alloc(f.th, TVM_NODE, 0, 40, i);
    if (i % KEEP) continue;
    g_assert_true(mmtk_pin_object(f.mmtk, x));
    tvm_set_ref(f.th, tvm_root(f.th, keep), i / KEEP, x);
  }
  g_assert_true(tvm_gc(f.th));
  /* New objects fill those holes; they die at once. */
  static tvm_obj_t young[N];
  for (size_t i = 0; i < N; i++) young[i] = tvm_alloc(f.th, TVM_NODE, 0, 40, i);
  for (size_t i = 0; i < N; i++) g_assert_true(mmtk_is_live_object(f.mmtk, young[i]));
  mmtk_stats_t a = stats(&f);
  g_assert_true(tvm_gc(f.th));
  g_assert_cmpuint(stats(&f).nursery_gc_count, ==, a.nursery_gc_count + 1);
  size_t alive = 0;
  for (size_t i = 0; i < N; i++) alive += mmtk_is_live_object(f.mmtk, young[i]);
  note("%zu of %d dead young objects read live", alive, N);
  g_assert_cmpuint(alive, ==, 0);
  for (size_t i = 0; i < N / KEEP; i++) {
    tvm_obj_t k = tvm_ref(tvm_root(f.th, keep), i);
    g_assert_true(mmtk_is_live_object(f.mmtk, k));
    g_assert_cmpuint(tvm_data(k), ==, i * KEEP);
  }
  finish(&f);
}
#endif

/* ---- GenImmix ----------------------------------------------------------------------- */

#if TVM_PLAN_ID == 5
static uint64_t full_gcs(fx_t *f) {
  mmtk_stats_t s = stats(f);
  return s.gc_count - s.nursery_gc_count;
}

static void check_list(fx_t *f, size_t head, size_t n, const uintptr_t *where) {
  size_t i = 0;
  for (tvm_obj_t x = tvm_root(f->th, head); x; x = tvm_ref(x, 0), i++) {
    g_assert_null(tvm_header_problem(x));
    g_assert_cmpuint(tvm_data(x), ==, i);
    g_assert_true(tvm_pattern_ok(x));
    if (where) g_assert_cmpuint((uintptr_t)x, ==, where[i]);
  }
  g_assert_cmpuint(i, ==, n);
}

static void test_promoted_kept(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:16M", NULL);
  enum { N = 2000 };
  /* A list of young nodes, each with a little data. */
  size_t head = tvm_push(f.th, NULL);
  for (size_t i = N; i-- > 0;) {
    tvm_obj_t x = tvm_alloc(f.th, TVM_NODE, 1, 40, i);
    tvm_set_ref(f.th, x, 0, tvm_root(f.th, head));
    tvm_set_root(f.th, head, x);
  }
  size_t holder = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 2, 0, 7));
  uintptr_t young = (uintptr_t)tvm_root(f.th, head);
  nursery_gc(&f); /* promoted into the Immix space */
  g_assert_cmpuint((uintptr_t)tvm_root(f.th, head), !=, young);
  uintptr_t *where = g_new(uintptr_t, N);
  size_t i = 0;
  for (tvm_obj_t x = tvm_root(f.th, head); x; x = tvm_ref(x, 0)) where[i++] = (uintptr_t)x;
  /* Mature objects stay put in nursery GCs. */
  for (int gc = 0; gc < 3; gc++) {
    nursery_gc(&f);
    check_list(&f, head, N, where);
  }
  /* Grow a live set until full-heap GCs come (while it lives, every GC is one). */
  uint64_t full0 = full_gcs(&f);
  size_t ballast = tvm_push(f.th, NULL);
  for (size_t n = 0; n < (64 * MiB) / 4096 && full_gcs(&f) == full0; n++) {
    tvm_obj_t x = tvm_alloc(f.th, TVM_NODE, 1, 4096 - TVM_HEADER_BYTES - 8, n);
    tvm_set_ref(f.th, x, 0, tvm_root(f.th, ballast));
    tvm_set_root(f.th, ballast, x);
  }
  g_assert_cmpuint(full_gcs(&f), >, full0);
  check_list(&f, head, N, NULL);
  /* Log the holder (a store of a young object) right before a full-heap GC, which drops
   * the remembered set with the holder in it. */
  size_t y = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 0, 8, 100));
  tvm_set_ref(f.th, tvm_root(f.th, holder), 0, tvm_root(f.th, y));
  tvm_pop_to(f.th, y);
  uint64_t full1 = full_gcs(&f);
  g_assert_true(tvm_gc(f.th));
  g_assert_cmpuint(full_gcs(&f), ==, full1 + 1);
  check_list(&f, head, N, NULL);
  g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, holder), 0)), ==, 100);
  /* Drop the live set; a full-heap GC frees it, and the GCs after it are nursery GCs. */
  tvm_set_root(f.th, ballast, NULL);
  g_assert_true(tvm_gc(f.th));
  y = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 0, 8, 200));
  tvm_set_ref(f.th, tvm_root(f.th, holder), 1, tvm_root(f.th, y));
  tvm_pop_to(f.th, y); /* the mature holder is its only referrer */
  nursery_gc(&f);
  tvm_obj_t got = tvm_ref(tvm_root(f.th, holder), 1);
  g_assert_nonnull(got);
  g_assert_null(tvm_header_problem(got));
  g_assert_cmpuint(tvm_data(got), ==, 200);
  check_list(&f, head, N, NULL);
  g_free(where);
  finish(&f);
}

static uint64_t defrag_gcs(fx_t *f) { return stats(f).defrag_gc_count; }

static void test_defrag_compacts(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", "full_heap_system_gc=true immix_always_defrag=true");
  /* 256-byte objects, a line each once promoted: keeping one in four leaves a hole of
   * two lines after each survivor (the line after a small live object counts as used). */
  enum { N = 8192, KEEP = 4 };
  size_t arr = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 1));
  for (size_t i = 0; i < N; i++)
    tvm_set_ref(f.th, tvm_root(f.th, arr), i,
                tvm_alloc(f.th, TVM_BYTES, 0, 256 - TVM_HEADER_BYTES, i));
  uint64_t d0 = defrag_gcs(&f);
  g_assert_true(tvm_gc(f.th)); /* full: promoted, blocks filled up */
  for (size_t i = 0; i < N; i++)
    if (i % KEEP) tvm_set_ref(f.th, tvm_root(f.th, arr), i, NULL);
  g_assert_true(tvm_gc(f.th)); /* full: the blocks' holes are found */
  size_t used = mmtk_used_bytes(f.mmtk);
  uintptr_t *was = g_new(uintptr_t, N);
  for (size_t i = 0; i < N; i += KEEP) was[i] = (uintptr_t)tvm_ref(tvm_root(f.th, arr), i);
  g_assert_true(tvm_gc(f.th)); /* full: the fragmented blocks are evacuated */
  size_t after = mmtk_used_bytes(f.mmtk);
  size_t moved = 0;
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t x = tvm_ref(tvm_root(f.th, arr), i);
    if (i % KEEP) {
      g_assert_null(x);
      continue;
    }
    g_assert_nonnull(x);
    g_assert_null(tvm_header_problem(x));
    g_assert_cmpuint(tvm_data(x), ==, i);
    g_assert_true(tvm_pattern_ok(x));
    moved += (uintptr_t)x != was[i];
  }
  note("%zu of %d survivors moved; %zu KiB used before the defrag GC, %zu after", moved,
       N / KEEP, used / 1024, after / 1024);
  if (MMTK_HAVE_IMMIX_NON_MOVING) {
    g_assert_cmpuint(moved, ==, 0);
    g_assert_cmpuint(defrag_gcs(&f), ==, d0);
  } else {
    g_assert_cmpuint(defrag_gcs(&f), ==, d0 + 3);
    g_assert_cmpuint(moved, >=, N / KEEP / 2);
    /* 2 MiB of blocks held a quarter of it: at least half of them are free again. */
    g_assert_cmpuint(after + MiB, <=, used);
  }
  /* The moved objects are mature: they survive nursery-free GCs as well. */
  g_assert_true(tvm_gc(f.th));
  for (size_t i = 0; i < N; i += KEEP)
    g_assert_cmpuint(tvm_data(tvm_ref(tvm_root(f.th, arr), i)), ==, i);
  g_free(was);
  finish(&f);
}
#endif

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("barrier/old-to-young", test_old_to_young, 60);
  suite_add("barrier/fresh-mature", test_fresh_mature, 60);
  suite_add("barrier/inline-fast", test_inline_fast, 60);
  suite_add("barrier/inline-ref-to-header", test_inline_ref_to_header, 60);
  suite_add("barrier/region-copy", test_region_copy, 60);
  suite_add("barrier/logged-once", test_logged_once, 60);
#if MMTK_HAVE_SANITY
  /* They run their child themselves: it must abort. */
  g_test_add_data_func("/" PLAN "/barrier/missing-caught/promoted", GINT_TO_POINTER(0),
                       test_missing_barrier);
  g_test_add_data_func("/" PLAN "/barrier/missing-caught/large", GINT_TO_POINTER(1),
                       test_missing_barrier);
#endif
  suite_add_exact("refs/mature-to-young/weak", test_mature_to_young_weak, 60, NATURAL_WHY);
  suite_add_exact("refs/mature-to-young/soft", test_mature_to_young_soft, 60, NATURAL_WHY);
  suite_add_exact("refs/mature-to-young/phantom", test_mature_to_young_phantom, 60, NATURAL_WHY);
  suite_add_exact("refs/mature-to-young/remembered", test_mature_to_young_remembered, 60,
                  NATURAL_WHY);
  suite_add_exact("refs/phantom-finalizable", test_phantom_finalizable, 60, NATURAL_WHY);
  suite_add_exact("refs/young-to-mature/weak", test_young_to_mature_weak, 60, NATURAL_WHY);
  suite_add_exact("refs/young-to-mature/soft", test_young_to_mature_soft, 60, NATURAL_WHY);
  suite_add_exact("refs/young-to-mature/phantom", test_young_to_mature_phantom, 60, NATURAL_WHY);
  suite_add_exact("finalizer/young-dies", test_finalizer_young_dies, 60, NATURAL_WHY);
  suite_add_exact("finalizer/promoted-dies", test_finalizer_promoted_dies, 60, NATURAL_WHY);
  suite_add_exact("stats/nursery-full", test_stats_nursery_full, 60, "it counts GCs");
  suite_add_exact("nursery/old-garbage-kept", test_old_garbage_kept, 60,
                  "stress GCs are nursery GCs that the test does not count");
  suite_add_exact("nursery/young-freed", test_young_freed, 120,
                  "counts GCs");
  suite_add_exact("nursery/size", test_nursery_size, 60, "counts GCs");
  suite_add("nursery/promotion-chain", test_promotion_chain, 120);
#if STICKY
  suite_add_exact("sticky/mature-untouched", test_mature_untouched, 60,
                  "counts the scans of a nursery GC");
  suite_add_exact("sticky/young-dead", test_young_dead, 60,
                  "a stress GC would free the young objects before they are looked at");
#endif
#if TVM_PLAN_ID == 5
  suite_add_exact("genimmix/promoted-kept", test_promoted_kept, 120,
                  "stress GCs change which GCs are full-heap ones");
  suite_add_exact("genimmix/defrag-compacts", test_defrag_compacts, 60,
                  "stress GCs change which GCs find the holes");
#endif
  return g_test_run();
}
