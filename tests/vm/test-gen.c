/* The generational plans on the test VM (TVM_PLAN_ID 4 = GenCopy; TVM_HEADER, TVM_WORKERS
 * as in test-gc.c): nursery GCs, the object barrier and the remembered set.  Here
 * tvm_gc() asks for a nursery GC (full_heap_system_gc=false) unless a test says otherwise.
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
 *   nursery/old-garbage-kept  a nursery GC keeps a dead mature object (its weak reference
 *                             still holds it, intact); a full-heap GC clears it
 *   nursery/young-freed       young garbage is freed by every nursery GC: a long run in a
 *                             small heap never fails, and the GCs are nursery GCs
 *   nursery/size              nursery=Fixed:1M: a GC about every MiB allocated
 *   nursery/promotion-chain   a list grown by appending young nodes to its mature tail,
 *                             with nursery GCs between: every node survives, in order
 */
#define _GNU_SOURCE
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
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
 * the GC failed to update points at garbage, not at a stale but intact copy. */
static void nursery_gc(fx_t *f) {
  mmtk_stats_t a = stats(f);
  g_assert_true(tvm_gc(f->th));
  mmtk_stats_t b = stats(f);
  g_assert_cmpuint(b.gc_count, ==, a.gc_count + 1);
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
  /* The binding's header bit (unless --enable-side-metadata puts every bit on the side). */
  if (TVM_HEADER && !MMTK_HAVE_SIDE_METADATA) g_assert_cmpuint(h->log_bit_base, ==, 0);
  else g_assert_cmpuint(h->log_bit_base, !=, 0);
  enum { N = 32 };
  size_t old = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, N, 0, 1));
  nursery_gc(&f);
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
                               slot, src, target, large ? "los" : "nursery");
  g_test_trap_assert_stderr(want);
  g_test_trap_assert_stderr_unmatched("*after the GC*");
  g_free(want);
  g_free(addrs);
  g_free(file);
}
#endif

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

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("barrier/old-to-young", test_old_to_young, 60);
  suite_add("barrier/fresh-mature", test_fresh_mature, 60);
  suite_add("barrier/inline-fast", test_inline_fast, 60);
  suite_add("barrier/region-copy", test_region_copy, 60);
  suite_add("barrier/logged-once", test_logged_once, 60);
#if MMTK_HAVE_SANITY
  /* They run their child themselves: it must abort. */
  g_test_add_data_func("/" PLAN "/barrier/missing-caught/promoted", GINT_TO_POINTER(0),
                       test_missing_barrier);
  g_test_add_data_func("/" PLAN "/barrier/missing-caught/large", GINT_TO_POINTER(1),
                       test_missing_barrier);
#endif
  suite_add_exact("nursery/old-garbage-kept", test_old_garbage_kept, 60,
                  "stress GCs are nursery GCs that the test does not count");
  suite_add_exact("nursery/young-freed", test_young_freed, 120,
                  "counts GCs");
  suite_add_exact("nursery/size", test_nursery_size, 60, "counts GCs");
  suite_add("nursery/promotion-chain", test_promotion_chain, 120);
  return g_test_run();
}
