/* The GC suites on the test VM, for one configuration chosen at compile time:
 *
 *   TVM_PLAN_ID   1 = SemiSpace, 2 = MarkSweep
 *   TVM_HEADER    1 = the binding asks for in-header metadata (TVM_HDR_*), 0 = on the side
 *   TVM_WORKERS   GC worker threads (option threads)
 *   TVM_PRIMARY   1 = also run the 10-million-element list
 *
 * Test paths start with the plan: /SemiSpace/..., /MarkSweep/...  With --enable-sanity
 * every instance runs with sanity=true (the heap verifier after every GC).  Every test
 * runs in a child process with its own instance, on an attached main thread, and ends by
 * checking the VM's error counters (tvm_assert_clean()).  A watchdog fails a test that
 * hangs.
 *
 *   basic/shapes             every object type in every space; moves as the plan says;
 *                            libmmtk's header byte used exactly in the header layout
 *   gc/forced                one GC per request, roots scanned once per GC, statistics,
 *                            garbage reclaimed, honest live bytes
 *   gc/vo-bits               VO bit set on live objects, clear on reclaimed ones (without
 *                            --enable-vo-bit: the queries answer NULL, as documented)
 *   graph/random-churn       random graph checked against a model (R3), weak refs inside
 *   graph/cycles             rings, self loops, cross-linked rings; collected when dropped
 *   graph/wide-arrays        100,000-reference array (LOS) and a 1,900-reference one (not on
 *                            PageProtect: too big at a page per object)
 *   graph/large-objects      > 16 KiB objects in the LOS: never move, pages come back
 *   stress/factor-64k        stress_factor=64K with the model checked all along
 *   stress/gc-count          the stress trigger counts exactly (R12)
 *   stress/every-alloc       stress_factor of one word: a GC per allocation
 *   stress/deep-list         10 million elements (gc-PLAN only; list-1m elsewhere, list-40k
 *                            on PageProtect)
 *   threads/four-mutators    four mutators with their own graphs, GCs from any of them
 *   threads/churn            threads attach and detach while others collect
 *   threads/detach-at-gc-start  a mutator destroyed as a GC starts stopping the world
 *   oom/heap-exhaustion      out_of_memory exactly once per failing request (R19, R20)
 *   weak/cleared             weak references cleared exactly when the referent died
 *   finalizer/once           finalizers run once, with their referents kept; resurrection
 *   packets/stages           binding packets in seven stages: once per GC, in order
 *   packets/right-after-gc   a packet added as the world restarts waits for the next GC
 *   liveness/died            mmtk_is_live_object: false for what a GC reclaimed (lazy
 *                            and eager sweep), true for immortal objects
 *   liveness/survivor        true for what survived, at its new address; false at the
 *                            released from-space address
 *   liveness/new-since-gc    true for what was allocated since the last GC
 *   liveness/reused-block    dead objects once allocation resumed (MarkSweep without
 *                            the VO bit: the held block's cells read true)
 *   liveness/during-gc       from a binding packet during a GC: the current trace
 *   workers/work-shared      two GC workers, a 524,287-node tree: each worker scans
 *                            objects in at least half of the six GCs of either copy
 *                            direction; counts, no times
 *                            (the programs with more than one worker)
 */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "suite.h"
#include "tvm.h"

/* ---- Fixture ---------------------------------------------------------------------- */

static void start_with(fx_t *f, const char *heap, const char *stress, const char *extra,
                       unsigned timeout) {
  suite_watchdog_arm(timeout);
  tvm_options_t o = {
      .plan = PLAN,
      .header_metadata = TVM_HEADER,
      .workers = TVM_WORKERS,
      .heap = heap,
      .stress_factor = stress,
      .sanity = true,
      .extra = extra,
  };
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
  g_assert_true(tvm_collects(f->vm));
  g_assert_cmpint(tvm_moves(f->vm), ==, MOVES);
}

static void start(fx_t *f, const char *heap) { start_with(f, heap, NULL, NULL, 120); }

/* A forced GC, with the whole graph checked before and after. */
static void checked_gc(fx_t *f) {
  tvm_snapshot_t before, after;
  tvm_snapshot(f->vm, &before);
  uint64_t n = gcs(f);
  g_assert_true(tvm_gc(f->th));
  g_assert_cmpuint(gcs(f), >, n);
  tvm_snapshot(f->vm, &after);
  tvm_assert_preserved(&before, &after);
}

/* The same, checking only this thread's roots (other threads are running). */
static void checked_gc_thread(tvm_thread_t *th) {
  tvm_snapshot_t before, after;
  tvm_snapshot_thread(th, &before);
  uint64_t n = tvm_gc_count(tvm_vm(th));
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint(tvm_gc_count(tvm_vm(th)), >, n);
  tvm_snapshot_thread(th, &after);
  tvm_assert_preserved(&before, &after);
}

/* ---- basic ------------------------------------------------------------------------ */

/* Every type in every space, linked together; survives GCs; moves exactly as the plan
 * says. */
static void test_shapes(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  size_t node = tvm_push(th, tvm_alloc(th, TVM_NODE, 3, 40, 1));
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 100, 0, 2));
  size_t bytes = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 1000, 3));
  size_t weak = tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 2, 8, 4));
  tvm_set_ref(th, tvm_root(th, weak), 0, tvm_root(th, node));
  tvm_set_ref(th, tvm_root(th, weak), 1, tvm_root(th, bytes));
  size_t fin = tvm_push(th, tvm_alloc(th, TVM_FINALIZABLE, 1, 16, 5));
  tvm_set_ref(th, tvm_root(th, fin), 0, tvm_root(th, node));
  size_t imm = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 2, 24, 6, MMTK_ALLOC_IMMORTAL));
  size_t nonmov = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 2, 24, 7, MMTK_ALLOC_NON_MOVING));
  /* 40 KiB: the large object space (bigger than a thread's 32 KiB buffer, too: see
   * graph/large-objects for the objects between 16 and 32 KiB). */
  size_t large = tvm_push(th, tvm_alloc(th, TVM_NODE, 5000, 100, 8));
  size_t tiny = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 0, 9));
  for (size_t i = 0; i < 100; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, i, 100 + i);
    tvm_set_ref(th, tvm_root(th, arr), i, o);
    tvm_set_ref(th, o, 0, tvm_root(th, (i % 9) + node));
    tvm_set_ref(th, tvm_root(th, large), i, o);
  }
  tvm_set_ref(th, tvm_root(th, imm), 0, tvm_root(th, arr));
  tvm_set_ref(th, tvm_root(th, imm), 1, tvm_root(th, nonmov));
  tvm_set_ref(th, tvm_root(th, nonmov), 0, tvm_root(th, imm));
  tvm_set_ref(th, tvm_root(th, node), 2, tvm_root(th, large));
  tvm_snapshot_t s0, s;
  tvm_snapshot(f.vm, &s0);
  g_assert_cmpuint(s0.objects, ==, 109);
  tvm_obj_t was[10];
  for (size_t i = node; i <= tiny; i++) was[i - node] = tvm_root(th, i);
  unsigned prev_mark = 2;
  for (int k = 0; k < 3; k++) {
    g_assert_true(tvm_gc(th));
    tvm_snapshot(f.vm, &s);
    tvm_assert_same(&s0, &s);
    /* libmmtk's header byte: used exactly when the header layout is in force. */
    unsigned hi_imm = (unsigned)(tvm_words(tvm_root(th, imm))[0] >> 56);
    unsigned hi_large = (unsigned)(tvm_words(tvm_root(th, large))[0] >> 56);
    unsigned hi_node = (unsigned)(tvm_words(tvm_root(th, node))[0] >> 56);
    g_assert_cmpuint(hi_node & 3, ==, 0); /* forwarding bits: not forwarded */
    if (TVM_HEADER && !MMTK_HAVE_SIDE_METADATA) {
      unsigned mark = (hi_imm >> (TVM_HDR_MARK_BIT - 56)) & 1;
      /* The mark state flips once per trace. */
      if (prev_mark != 2) g_assert_cmpuint(mark, !=, prev_mark);
      prev_mark = mark;
      /* PageProtect keeps its objects' states on the side: a freed object's pages must
       * never be read. */
      g_assert_cmpuint((hi_large >> (TVM_HDR_LOS_BITS - 56)) & 3, ==, PAGEPROTECT ? 0 : 1); /* marked */
    } else {
      g_assert_cmpuint(hi_imm, ==, 0);
      g_assert_cmpuint(hi_large, ==, 0);
      g_assert_cmpuint(hi_node, ==, 0);
    }
  }
  /* Immortal, non-moving and large objects never move; the plan decides for the rest. */
  g_assert_true(tvm_root(th, imm) == was[imm - node]);
  g_assert_true(tvm_root(th, nonmov) == was[nonmov - node]);
  g_assert_true(tvm_root(th, large) == was[large - node]);
  for (size_t i = node; i <= tiny; i++) {
    if (i == imm || i == nonmov || i == large) continue;
    if (MOVES) g_assert_true(tvm_root(th, i) != was[i - node]);
    else if (!MAY_MOVE) g_assert_true(tvm_root(th, i) == was[i - node]);
  }
  finish(&f);
}

/* Forced GCs: exactly one GC per request, every root scanned once per GC, statistics that
 * agree, garbage reclaimed. */
static void test_forced(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, EAGER, 120);
  suite_make_list(f.th, 1000, 16, 0);
  tvm_counters_t c0, c;
  tvm_counters(f.vm, &c0);
  for (unsigned i = 1; i <= 10; i++) {
    checked_gc(&f);
    tvm_counters(f.vm, &c);
    g_assert_cmpuint(c.gcs, ==, c0.gcs + i);
    g_assert_cmpuint(c.stops, ==, c0.stops + i);
    g_assert_cmpuint(c.mutator_root_scans, ==, c0.mutator_root_scans + i); /* one thread */
    g_assert_cmpuint(c.vm_root_scans, ==, c0.vm_root_scans + i);
    g_assert_cmpuint(c.thread_scan_complete, ==, c0.thread_scan_complete + i);
#if MMTK_HAVE_SANITY
    /* sanity=true; the second root scan of MarkCompact and of the Compressor too */
    g_assert_cmpuint(c.root_rescans, ==, c0.root_rescans + i * (1 + FORWARDS_AFTER_LIVENESS));
#endif
  }
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(f.mmtk, &st));
  g_assert_cmpuint(st.gc_count, ==, gcs(&f));
  g_assert_cmpuint(st.max_pause_ns, >, 0);
  g_assert_cmpuint(st.gc_time_ns, >=, st.max_pause_ns);
  /* Only a generational plan has nursery GCs, and their time is part of the total. */
  if (!GENERATIONAL) g_assert_cmpuint(st.nursery_gc_time_ns, ==, 0);
  g_assert_cmpuint(st.nursery_gc_time_ns, <=, st.gc_time_ns);

  /* 24 MiB of garbage, then a GC: the heap is back to the list. */
  for (size_t i = 0; i < 24 * 1024; i++) g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 1000, i));
  size_t used_before = mmtk_used_bytes(f.mmtk);
  checked_gc(&f);
  size_t used_after = mmtk_used_bytes(f.mmtk);
  tvm_snapshot_t s;
  tvm_snapshot(f.vm, &s);
  size_t live = mmtk_live_bytes_in_last_gc(f.mmtk);
  note("used bytes: %zu before the GC, %zu after; live %zu (objects: %zu)", used_before,
                 used_after, live, s.bytes);
  /* Under stress GCs (MMTK_STRESS_FACTOR) one ran at most 64 KiB ago: the Compressor,
   * which counts whole regions in use, may then find no region to give back. */
  if (getenv("MMTK_STRESS_FACTOR"))
    g_assert_cmpuint(used_after, <=, used_before);
  else
    g_assert_cmpuint(used_after, <, used_before);
  g_assert_cmpuint(used_after, <, 4 * MiB);
  /* Every reachable byte counted (rounded up to cells or pages), no more than is in use. */
  g_assert_cmpuint(live, >=, s.bytes);
  g_assert_cmpuint(live, <=, used_after);
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  finish(&f);
}

/* The valid-object bit (--enable-vo-bit): set for every live object (the checker asserts
 * it), clear for the dead ones once a GC has reclaimed them. */
#if MMTK_HAVE_VO_BIT
static void test_vo_bits(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  size_t keep = tvm_push(th, NULL);
  enum { N = 2000 };
  uintptr_t *dead = g_new(uintptr_t, N);
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, i % 100, i);
    g_assert_true(mmtk_is_mmtk_object(f.mmtk, o) == o);
    if (i % 10 == 0) {
      tvm_set_ref(th, o, 0, tvm_root(th, keep));
      tvm_set_root(th, keep, o);
    }
    dead[i] = (uintptr_t)o; /* the 1,800 others die */
  }
  tvm_obj_t big = tvm_alloc(th, TVM_BYTES, 0, 100 * KiB, 1);
  uintptr_t big_was = (uintptr_t)big;
  checked_gc(&f);
  size_t set = 0;
  for (size_t i = 0; i < N; i++)
    if (i % 10 != 0 && mmtk_is_mmtk_object(f.mmtk, (void *)dead[i])) set++;
#if TVM_PLAN_ID == 7 || TVM_PLAN_ID == 8
  /* The compacting plans slid the survivors over the dead: their new addresses carry
   * the bit. */
  for (tvm_obj_t o = tvm_root(th, keep); o; o = tvm_ref(o, 0))
    for (size_t i = 0; i < N; i++)
      if (i % 10 != 0 && dead[i] == (uintptr_t)o) set--;
#endif
  note("%zu of %d dead objects still carry the VO bit after a GC", set, N - N / 10);
  g_assert_cmpuint(set, ==, 0);
  g_assert_null(mmtk_is_mmtk_object(f.mmtk, (void *)big_was));
  /* The survivors do (wherever they are now). */
  size_t n = 0;
  for (tvm_obj_t o = tvm_root(th, keep); o; o = tvm_ref(o, 0), n++)
    g_assert_true(mmtk_is_mmtk_object(f.mmtk, o) == o);
  g_assert_cmpuint(n, ==, N / 10);
  g_free(dead);
  finish(&f);
}
#else
/* Without the VO bit the queries answer NULL, for live objects too, before and after a
 * GC (mmtk_is_mmtk_object(3)), and say why in the last error. */
static void test_vo_bits(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  size_t keep = tvm_push(th, NULL);
  tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 16, 7);
  tvm_set_root(th, keep, o);
  for (int round = 0; round < 2; round++) {
    o = tvm_root(th, keep);
    g_assert_true(mmtk_is_in_mmtk_spaces(f.mmtk, o));
    g_assert_null(mmtk_is_mmtk_object(f.mmtk, o));
    g_assert_nonnull(strstr(mmtk_last_error(), "--enable-vo-bit"));
    g_assert_null(mmtk_find_object_from_internal_pointer(f.mmtk, (char *)o + 8, 64));
    if (round == 0) checked_gc(&f);
  }
  finish(&f);
}
#endif

/* ---- graph ------------------------------------------------------------------------ */

/* Random graphs with churn, checked against the model; forced and heap-full GCs. */
static void test_random_churn(void) {
  fx_t f;
  start(&f, "FixedHeapSize:24M");
  model_config_t cfg = {.roots = 64, .weak_percent = 10, .large_permille = 4};
  model_t *m = model_new(f.th, &cfg, g_test_rand_int());
  unsigned forced = 0;
  for (int i = 1; i <= 6000; i++) {
    g_assert_true(model_step(m));
    if (i % 50 == 0) model_verify(m, false);
    if (i % 500 == 0) {
      checked_gc(&f);
      model_verify(m, true);
      forced++;
    }
  }
  note("%llu GCs, %zu live objects, %zu weak referents cleared, %zu bytes allocated",
                 (unsigned long long)gcs(&f), model_live(m), model_cleared(m),
                 model_allocated_bytes(m));
  g_assert_cmpuint(gcs(&f), >=, forced);
  g_assert_cmpuint(model_cleared(m), >, 0);
  model_free(m);
  finish(&f);
}

/* Cycles: rings, self loops, cross-linked rings; collected once unreachable. */
static void test_cycles(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, EAGER, 120);
  tvm_thread_t *th = f.th;
  const size_t n = 10000;
  /* A doubly linked ring. */
  size_t ring = tvm_push(th, tvm_alloc(th, TVM_NODE, 2, 64, 0));
  size_t last = tvm_push(th, tvm_root(th, ring));
  for (size_t i = 1; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 2, 64, i);
    tvm_set_ref(th, o, 1, tvm_root(th, last));
    tvm_set_ref(th, tvm_root(th, last), 0, o);
    tvm_set_root(th, last, o);
  }
  tvm_set_ref(th, tvm_root(th, last), 0, tvm_root(th, ring));
  tvm_set_ref(th, tvm_root(th, ring), 1, tvm_root(th, last));
  tvm_set_root(th, last, NULL);
  /* A self loop and a second ring linked both ways to the first. */
  tvm_obj_t self = tvm_alloc(th, TVM_NODE, 2, 0, 100000);
  tvm_set_ref(th, self, 0, self);
  tvm_set_ref(th, self, 1, self);
  tvm_push(th, self);
  size_t ring2 = tvm_push(th, NULL);
  for (size_t i = 0; i < 100; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 2, 8, 200000 + i);
    tvm_set_ref(th, o, 0, tvm_root(th, ring2));
    tvm_set_ref(th, o, 1, tvm_root(th, ring)); /* into the first ring */
    tvm_set_root(th, ring2, o);
  }
  tvm_obj_t end2 = tvm_root(th, ring2);
  while (tvm_ref(end2, 0)) end2 = tvm_ref(end2, 0);
  tvm_set_ref(th, end2, 0, tvm_root(th, ring2));
  tvm_set_ref(th, tvm_ref(tvm_root(th, ring), 0), 0, tvm_root(th, ring2)); /* and back */
  /* A weak reference into the first ring. */
  tvm_obj_t w = tvm_alloc(th, TVM_WEAKREF, 1, 0, 300000);
  tvm_set_ref(th, w, 0, tvm_ref(tvm_root(th, ring), 1));
  size_t weak = tvm_push(th, w);
  for (int k = 0; k < 3; k++) checked_gc(&f);
  g_assert_nonnull(tvm_ref(tvm_root(th, weak), 0));

  /* Everything but the self loop and the weak reference becomes unreachable. */
  tvm_set_root(th, ring, NULL);
  tvm_set_root(th, ring2, NULL);
  tvm_snapshot_t before, after;
  tvm_snapshot(f.vm, &before);
  g_assert_cmpuint(before.objects, ==, 2);
  g_assert_cmpuint(before.weak_dangling, ==, 1);
  size_t used_before = mmtk_used_bytes(f.mmtk);
  g_assert_true(tvm_gc(th));
  tvm_snapshot(f.vm, &after);
  tvm_assert_preserved(&before, &after);
  g_assert_null(tvm_ref(tvm_root(th, weak), 0)); /* the ring died */
  size_t used_after = mmtk_used_bytes(f.mmtk);
  note("used bytes: %zu before, %zu after", used_before, used_after);
  g_assert_cmpuint(used_after + n * tvm_object_size(2, 64) / 2, <, used_before);
  finish(&f);
}

/* Wide arrays: one of 100,000 references (a large object), one just under 16 KiB. */
static void test_wide_arrays(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  const size_t wide = 100000, narrow = 1900;
  size_t a = tvm_push(th, tvm_alloc(th, TVM_ARRAY, wide, 0, 1));
  size_t b = tvm_push(th, tvm_alloc(th, TVM_ARRAY, narrow, 0, 2));
  g_assert_cmpuint(tvm_size(tvm_root(th, b)), <=, 16 * KiB);
  for (size_t i = 0; i < wide; i++) {
    tvm_obj_t o;
    if (i % 7 == 6) o = tvm_ref(tvm_root(th, a), i / 2); /* shared */
    else o = tvm_alloc(th, TVM_NODE, 1, 16, 1000 + i);
    tvm_set_ref(th, tvm_root(th, a), i, o);
  }
  tvm_set_ref(th, tvm_root(th, a), 0, tvm_root(th, a)); /* contains itself */
  for (size_t i = 0; i < narrow; i++)
    tvm_set_ref(th, tvm_root(th, b), i, tvm_ref(tvm_root(th, a), (i * 53) % wide));
  tvm_set_ref(th, tvm_root(th, b), 0, tvm_root(th, b));
  tvm_set_ref(th, tvm_root(th, b), 1, tvm_root(th, a));
  tvm_obj_t a_was = tvm_root(th, a);
  checked_gc(&f);
  GRand *r = g_rand_new_with_seed(g_test_rand_int());
  for (int round = 0; round < 3; round++) {
    for (int k = 0; k < 20000; k++) {
      size_t i = (size_t)g_rand_int_range(r, 1, (gint32)wide);
      tvm_obj_t o;
      switch (g_rand_int_range(r, 0, 4)) {
      case 0:
        o = tvm_alloc(th, TVM_NODE, 1, 8, k);
        tvm_set_ref(th, o, 0, tvm_ref(tvm_root(th, a), (size_t)g_rand_int_range(r, 0, (gint32)wide)));
        tvm_set_ref(th, tvm_root(th, a), i, o);
        break;
      case 1:
        tvm_set_ref(th, tvm_root(th, a), i, tvm_ref(tvm_root(th, a), (size_t)g_rand_int_range(r, 0, (gint32)wide)));
        break;
      case 2:
        tvm_set_ref(th, tvm_root(th, a), i, NULL);
        break;
      default:
        tvm_set_ref(th, tvm_root(th, b), (size_t)g_rand_int_range(r, 2, (gint32)narrow), tvm_ref(tvm_root(th, a), i));
      }
    }
    checked_gc(&f);
  }
  g_rand_free(r);
  g_assert_true(tvm_root(th, a) == a_was); /* a large object does not move */
  finish(&f);
}

/* Large objects (> 16 KiB) live in the large object space: they never move, they may
 * reference small objects, and their pages come back when they die. */
static void test_large_objects(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  static const size_t sizes[] = {16 * KiB + 8, 20 * KiB, 31 * KiB, 100 * KiB, MiB, 4 * MiB};
  const size_t nsizes = G_N_ELEMENTS(sizes);
  size_t small = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 0, 1)); /* a bump buffer is in use */
  size_t first = tvm_depth(th);
  size_t total = 0;
  for (size_t i = 0; i < nsizes; i++) {
    g_assert_nonnull(tvm_alloc(th, TVM_NODE, 0, 0, 2)); /* ... every time */
    tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, sizes[i] - TVM_HEADER_BYTES, 10 + i));
    total += sizes[i];
  }
  /* A large node whose fields hold small objects. */
  size_t big = tvm_push(th, tvm_alloc(th, TVM_NODE, 3000, 1000, 99));
  for (size_t i = 0; i < 3000; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 8, 1000 + i);
    tvm_set_ref(th, o, 0, tvm_root(th, small));
    tvm_set_ref(th, tvm_root(th, big), i, o);
  }
  tvm_obj_t was[8];
  for (size_t i = 0; i <= nsizes; i++) was[i] = tvm_root(th, first + i);
  tvm_obj_t child_was = tvm_ref(tvm_root(th, big), 0);
  checked_gc(&f);
  /* One GC copies the child into the other semispace; after two it may be back at its
   * old address (under stress GCs the heap is compact already, so copies repeat). */
  if (MOVES) g_assert_true(tvm_ref(tvm_root(th, big), 0) != child_was);
  checked_gc(&f);
  for (size_t i = 0; i <= nsizes; i++) {
    if (tvm_root(th, first + i) != was[i])
      note("the %zu-byte object moved from %p to %p", tvm_size(tvm_root(th, first + i)),
                     was[i], tvm_root(th, first + i));
    g_assert_true(tvm_root(th, first + i) == was[i]);
  }

  /* Their pages come back. */
  size_t used_before = mmtk_used_bytes(f.mmtk);
  for (size_t i = 0; i < nsizes; i++) tvm_set_root(th, first + i, NULL);
  checked_gc(&f);
  size_t used_after = mmtk_used_bytes(f.mmtk);
  note("used bytes: %zu before, %zu after dropping %zu bytes of large objects",
                 used_before, used_after, total);
  g_assert_cmpuint(used_after + total - total / 10, <=, used_before);
  /* 300 MiB of 1 MiB garbage objects in a 64 MiB heap. */
  for (int i = 0; i < 300; i++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, MiB, i));
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  checked_gc(&f);
  finish(&f);
}

/* ---- stress ------------------------------------------------------------------------ */

/* A list of `n` nodes; the collector's closure (and the verifier's) must not recurse. */
static void deep_list(size_t n, const char *heap, unsigned timeout) {
  fx_t f;
  start_with(&f, heap, NULL, NULL, timeout);
  gint64 t0 = g_get_monotonic_time();
  size_t head = suite_make_list(f.th, n, 0, 0);
  gint64 t1 = g_get_monotonic_time();
  tvm_snapshot_t before, after;
  tvm_snapshot(f.vm, &before);
  g_assert_cmpuint(before.objects, ==, n);
  tvm_obj_t was = tvm_root(f.th, head);
  gint64 t2 = g_get_monotonic_time();
  g_assert_true(tvm_gc(f.th));
  gint64 t3 = g_get_monotonic_time();
  tvm_snapshot(f.vm, &after);
  note("%zu nodes: built in %.2f s, checked in %.2f s, one GC in %.2f s", n, (t1 - t0) / 1e6,
       (t2 - t1) / 1e6, (t3 - t2) / 1e6);
  tvm_assert_preserved(&before, &after);
  if (MOVES) g_assert_true(tvm_root(f.th, head) != was);
  /* In order: the data words count down from the head. */
  size_t i = n;
  for (tvm_obj_t o = tvm_root(f.th, head); o; o = tvm_ref(o, 0)) g_assert_cmpuint(tvm_data(o), ==, --i);
  g_assert_cmpuint(i, ==, 0);
  finish(&f);
}

static void test_deep_list(void) { deep_list(10000000, "FixedHeapSize:1G", 600); }
/* PageProtect: 40,000 elements (160 MiB of pages). */
static void test_list_1m(void) {
  if (PAGEPROTECT) deep_list(40000, "FixedHeapSize:192M", 120);
  else deep_list(1000000, "FixedHeapSize:256M", 120);
}

/* stress_factor=64K: a GC every 64 KiB allocated, the model checked all along. */
static void test_stress_64k(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", "64K", NULL, 180);
  model_config_t cfg = {.roots = 32, .max_data = 256, .weak_percent = 10, .large_permille = 2};
  model_t *m = model_new(f.th, &cfg, g_test_rand_int());
  GRand *r = g_rand_new_with_seed(g_test_rand_int());
  uint64_t g0 = gcs(&f);
  size_t garbage = 0;
  for (int i = 1; i <= 8000; i++) {
    g_assert_true(model_step(m));
    size_t n = (size_t)g_rand_int_range(r, 0, 3000);
    g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, n, i));
    garbage += (tvm_object_size(0, n) + 7) & ~(size_t)7;
    if (i % 40 == 0) model_verify(m, false);
  }
  model_verify(m, false);
  g_rand_free(r);
  /* The model's sizes are not rounded: at most 7 bytes more per object. */
  size_t bytes = model_allocated_bytes(m) + garbage, slack = 7 * model_allocations(m);
  uint64_t n = gcs(&f) - g0;
  note("%llu GCs for %zu bytes allocated", (unsigned long long)n, bytes);
  /* A GC once 64 KiB are counted (the biggest object is under 96 KiB), and never sooner. */
  g_assert_cmpuint(n, >=, bytes / (160 * KiB));
  g_assert_cmpuint(n, <=, (bytes + slack) / (64 * KiB));
  g_assert_cmpuint(n, >=, 50);
  model_free(m);
  finish(&f);
}

/* R12: the stress machinery counts exactly: 64-byte objects, a GC every 1,024. */
static void test_stress_count(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", "64K", NULL, 120);
  g_assert_cmpuint(tvm_object_size(0, 40), ==, 64);
  uint64_t g0 = gcs(&f);
  for (size_t i = 0; i < SCALE(64 * 1024); i++) g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 40, i));
  g_assert_cmpuint(gcs(&f) - g0, ==, SCALE(64));
  finish(&f);
}

/* stress_factor of one word: a GC at every allocation. */
static void test_stress_every_alloc(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", "8", NULL, 120);
  model_config_t cfg = {.roots = 16, .weak_percent = 15};
  model_t *m = model_new(f.th, &cfg, g_test_rand_int());
  uint64_t g0 = gcs(&f);
  for (int i = 0; i < 300; i++) {
    g_assert_true(model_step(m));
    model_verify(m, false);
  }
  g_assert_cmpuint(gcs(&f) - g0, ==, model_allocations(m));
  model_free(m);
  finish(&f);
}

/* ---- threads ----------------------------------------------------------------------- */

struct mutator_job {
  tvm_t *vm;
  guint32 seed;
  int steps;
  pthread_t thread;
  unsigned forced;
  uint64_t same, preserved;
};

static void *mutator_main(void *arg) {
  struct mutator_job *j = arg;
  tvm_thread_t *th = tvm_attach(j->vm);
  model_config_t cfg = {.roots = 32, .weak_percent = 10, .large_permille = 2};
  model_t *m = model_new(th, &cfg, j->seed);
  GRand *r = g_rand_new_with_seed(j->seed + 1);
  tvm_snapshot_t a, b;
  for (int i = 1; i <= j->steps; i++) {
    g_assert_true(model_step(m));
    g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, (size_t)g_rand_int_range(r, 0, 4000), i));
    if (i % 100 == 0) {
      model_verify(m, false);
      /* The other threads collect at will: this graph must not notice. */
      uint64_t g0 = tvm_gc_count(j->vm), f0 = suite_full_gcs(j->vm);
      tvm_snapshot_thread(th, &a);
      for (int k = 0; k < 200; k++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 200, k));
      tvm_snapshot_thread(th, &b);
      if (tvm_gc_count(j->vm) == g0) {
        tvm_assert_same(&a, &b);
        j->same++;
      } else {
        /* Only nursery GCs in between (a generational plan): dead mature referents may
         * stay until a full-heap GC. */
        if (suite_full_gcs(j->vm) == f0) tvm_assert_preserved_partial(&a, &b);
        else tvm_assert_preserved(&a, &b);
        j->preserved++;
      }
    }
    if (i % 1000 == 0) {
      checked_gc_thread(th);
      model_verify(m, true);
      j->forced++;
    }
  }
  model_free(m);
  g_rand_free(r);
  tvm_detach(th);
  return NULL;
}

/* Four mutator threads allocate and mutate at once, each with its own graph. */
static void test_four_mutators(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:32M", NULL, NULL, 300);
  struct mutator_job jobs[4];
  memset(jobs, 0, sizeof jobs);
  tvm_enter_native(f.th); /* this thread waits: it must not hold up a GC */
  for (int i = 0; i < 4; i++) {
    jobs[i].vm = f.vm;
    jobs[i].seed = g_test_rand_int();
    jobs[i].steps = SCALE(20000);
    g_assert_cmpint(pthread_create(&jobs[i].thread, NULL, mutator_main, &jobs[i]), ==, 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(jobs[i].thread, NULL);
  tvm_leave_native(f.th);
  uint64_t preserved = 0;
  for (int i = 0; i < 4; i++) {
    g_assert_cmpuint(jobs[i].forced, ==, SCALE(20000) / 1000);
    preserved += jobs[i].preserved;
  }
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(f.mmtk, &st));
  note("%llu GCs; %llu checks saw another thread's GC",
                 (unsigned long long)c.gcs, (unsigned long long)preserved);
  g_assert_cmpuint(c.gcs, >=, SCALE(20)); /* 80 requests; concurrent ones may share a GC */
  g_assert_cmpuint(st.gc_count, ==, c.gcs);
  g_assert_cmpuint(c.stops, ==, c.gcs);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  finish(&f);
}

struct churn {
  tvm_t *vm;
  _Atomic bool done;
  unsigned threads;
};

static void *short_lived(void *arg) {
  struct churn *c = arg;
  tvm_thread_t *th = tvm_attach(c->vm);
  size_t head = tvm_push(th, NULL);
  for (int i = 0; i < 300; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 32, i);
    tvm_set_ref(th, o, 0, tvm_root(th, head));
    tvm_set_root(th, head, o);
  }
  checked_gc_thread(th);
  tvm_detach(th);
  return NULL;
}

static void *churner(void *arg) {
  struct churn *c = arg;
  for (int i = 0; i < 60; i++) {
    pthread_t t[2];
    for (int k = 0; k < 2; k++) g_assert_cmpint(pthread_create(&t[k], NULL, short_lived, c), ==, 0);
    for (int k = 0; k < 2; k++) pthread_join(t[k], NULL);
    c->threads += 2;
  }
  atomic_store(&c->done, true);
  return NULL;
}

/* Threads attach and detach while others collect. */
static void test_thread_churn(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, NULL, 180);
  size_t head = suite_make_list(f.th, 2000, 8, 0);
  (void)head;
  struct churn c = {.vm = f.vm};
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, churner, &c), ==, 0);
  unsigned forced = 0;
  while (!atomic_load(&c.done)) {
    checked_gc_thread(f.th);
    forced++;
  }
  tvm_enter_native(f.th);
  pthread_join(t, NULL);
  tvm_leave_native(f.th);
  tvm_counters_t cn;
  tvm_counters(f.vm, &cn);
  note("%u threads, %u forced GCs here, %llu GCs", c.threads, forced,
                 (unsigned long long)cn.gcs);
  g_assert_cmpuint(c.threads, ==, 120);
  g_assert_cmpuint(cn.stops, ==, cn.gcs);
  g_assert_cmpuint(cn.vm_root_scans, ==, cn.gcs);
  /* Once per GC, when every mutator's roots are in. */
  g_assert_cmpuint(cn.scan_complete_early, ==, 0);
  g_assert_cmpuint(cn.scan_complete_missed, ==, 0);
  g_assert_cmpuint(cn.thread_scan_complete, ==, cn.gcs);
  finish(&f);
}

struct detacher {
  tvm_t *vm;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int state; /* -1 starting, 0 attached and waiting, 1 asked to detach, 2 detached */
  bool fired;
};

static void *detacher_main(void *arg) {
  struct detacher *d = arg;
  tvm_thread_t *th = tvm_attach(d->vm);
  tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 8, 1));
  tvm_enter_native(th);
  pthread_mutex_lock(&d->lock);
  d->state = 0;
  pthread_cond_broadcast(&d->cond);
  while (d->state == 0) pthread_cond_wait(&d->cond, &d->lock);
  pthread_mutex_unlock(&d->lock);
  tvm_leave_native(th);
  tvm_detach(th);
  pthread_mutex_lock(&d->lock);
  d->state = 2;
  pthread_cond_broadcast(&d->cond);
  pthread_mutex_unlock(&d->lock);
  return NULL;
}

/* On the GC worker, as the first GC starts stopping the world: the thread exits now. */
static void detach_now(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm;
  (void)worker_tls;
  struct detacher *d = arg;
  if (d->fired) return;
  d->fired = true;
  pthread_mutex_lock(&d->lock);
  d->state = 1;
  pthread_cond_broadcast(&d->cond);
  while (d->state != 2) pthread_cond_wait(&d->cond, &d->lock);
  pthread_mutex_unlock(&d->lock);
}

/* A thread exits (destroys its mutator) just as a GC starts, before the VM stops the
 * world: that GC must still work and tell the VM when every thread's roots are in. */
static void test_detach_at_gc_start(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, NULL, 30);
  suite_make_list(f.th, 100, 8, 0);
  struct detacher d = {.vm = f.vm, .state = -1};
  pthread_mutex_init(&d.lock, NULL);
  pthread_cond_init(&d.cond, NULL);
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, detacher_main, &d), ==, 0);
  pthread_mutex_lock(&d.lock); /* until it is attached and waits in native state */
  while (d.state < 0) pthread_cond_wait(&d.cond, &d.lock);
  pthread_mutex_unlock(&d.lock);
  tvm_set_stop_hook(f.vm, detach_now, &d);
  checked_gc_thread(f.th);
  tvm_set_stop_hook(f.vm, NULL, NULL);
  tvm_enter_native(f.th);
  pthread_join(t, NULL);
  tvm_leave_native(f.th);
  g_assert_true(d.fired);
  checked_gc(&f);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.scan_complete_early, ==, 0);
  g_assert_cmpuint(c.scan_complete_missed, ==, 0);
  g_assert_cmpuint(c.thread_scan_complete, ==, c.gcs);
  finish(&f);
}

/* ---- oom ---------------------------------------------------------------------------- */

static size_t fill_list(fx_t *f, size_t head) {
  size_t n = 0;
  for (;;) {
    tvm_obj_t o = tvm_alloc(f->th, TVM_NODE, 1, 4000, n);
    if (!o) return n;
    tvm_set_ref(f->th, o, 0, tvm_root(f->th, head));
    tvm_set_root(f->th, head, o);
    g_assert_cmpuint(++n, <, 1000000);
  }
}

/* Heap exhaustion: out_of_memory exactly once per failing request, NULL returned, the VM
 * keeps its graph and goes on once memory is free again. */
static void test_heap_exhaustion(void) {
  fx_t f;
  start(&f, "FixedHeapSize:16M");
  tvm_thread_t *th = f.th;
  tvm_counters_t c;
  size_t head = tvm_push(th, NULL);
  size_t n = fill_list(&f, head);
  tvm_counters(f.vm, &c);
  note("%zu objects of %zu bytes fit", n, tvm_object_size(1, 4000));
  g_assert_cmpuint(n, >, 100);
  g_assert_cmpuint(c.oom_calls, ==, 1);
  g_assert_cmpuint(c.oom_heap, ==, 1);
  g_assert_cmpint(c.oom_last_kind, ==, MMTK_OOM_HEAP);
  g_assert_true(c.oom_last_tls == th);
  tvm_snapshot_t s1, s2;
  tvm_snapshot(f.vm, &s1);
  g_assert_cmpuint(s1.objects, ==, n);

  /* Each further failing request: exactly one more call. */
  g_assert_null(tvm_alloc(th, TVM_NODE, 1, 4000, 0));
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 2);
  g_assert_null(tvm_alloc(th, TVM_BYTES, 0, MiB, 0)); /* a large object */
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 3);
  g_assert_null(mmtk_alloc_with_options(tvm_mutator(th), 4096, 8, 0, MMTK_ALLOC_DEFAULT,
                                        MMTK_ALLOC_OPT_NO_OOM_CALL));
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 3);
  tvm_snapshot(f.vm, &s2);
  tvm_assert_preserved(&s1, &s2);

  /* Free it all: allocation works again, and fails again exactly once when full. */
  tvm_set_root(th, head, NULL);
  g_assert_nonnull(tvm_alloc(th, TVM_NODE, 1, 4000, 0));
  size_t n2 = fill_list(&f, head);
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(n2, >=, n - n / 10);
  g_assert_cmpuint(c.oom_calls, ==, 4);
  tvm_set_root(th, head, NULL);
  checked_gc(&f);

  /* A request bigger than the heap. */
  g_assert_null(tvm_alloc(th, TVM_BYTES, 0, 64 * MiB, 0));
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 5);
  g_assert_cmpuint(c.oom_heap, ==, 5);
  suite_make_list(f.th, 100, 100, 0);
  checked_gc(&f);
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 5);
  finish(&f);
}

/* ---- weak --------------------------------------------------------------------------- */

/* Weak references are cleared exactly when their referent died. */
static void test_weak_cleared(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  enum { A, C, E, HOLD, NR };
  size_t r[NR];
  r[A] = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 16, 1));                 /* kept */
  r[C] = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 16, 2));                 /* holds Cn */
  tvm_set_ref(th, tvm_root(th, r[C]), 0, tvm_alloc(th, TVM_NODE, 0, 8, 3));
  r[E] = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 40 * KiB, 4));          /* large, kept */
  r[HOLD] = tvm_push(th, tvm_alloc(th, TVM_ARRAY, 8, 0, 5));              /* dead ones */
  /* Referents that die: B (small), D (large), F (a 3-cycle), G. */
  tvm_set_ref(th, tvm_root(th, r[HOLD]), 0, tvm_alloc(th, TVM_NODE, 0, 8, 6));       /* B */
  tvm_set_ref(th, tvm_root(th, r[HOLD]), 1, tvm_alloc(th, TVM_BYTES, 0, 64 * KiB, 7)); /* D */
  for (int i = 0; i < 3; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 8, 8 + i);
    tvm_set_ref(th, o, 0, tvm_ref(tvm_root(th, r[HOLD]), 2));
    tvm_set_ref(th, tvm_root(th, r[HOLD]), 2, o);
  }
  tvm_obj_t f_end = tvm_ref(tvm_root(th, r[HOLD]), 2);
  while (tvm_ref(f_end, 0)) f_end = tvm_ref(f_end, 0);
  tvm_set_ref(th, f_end, 0, tvm_ref(tvm_root(th, r[HOLD]), 2));                    /* F */
  tvm_set_ref(th, tvm_root(th, r[HOLD]), 3, tvm_alloc(th, TVM_NODE, 0, 8, 11));    /* G */
  tvm_set_ref(th, tvm_root(th, r[HOLD]), 4, tvm_alloc(th, TVM_NODE, 0, 8, 12));    /* H */

  /* The weak references, the referent stored right after the allocation (which may move
   * objects: the target expression is evaluated afterwards). */
  enum { WA, WB, WC, WD, WE, WF, WN, W2, WS, NW };
  size_t w[NW];
  tvm_obj_t o;
#define WEAK(slot, target, id)                                                                 \
  do {                                                                                         \
    o = tvm_alloc(th, TVM_WEAKREF, 1, 0, id);                                                  \
    tvm_set_ref(th, o, 0, (target));                                                           \
    w[slot] = tvm_push(th, o);                                                                 \
  } while (0)
  WEAK(WA, tvm_root(th, r[A]), 20);
  WEAK(WB, tvm_ref(tvm_root(th, r[HOLD]), 0), 21);
  WEAK(WC, tvm_ref(tvm_root(th, r[C]), 0), 22);
  WEAK(WD, tvm_ref(tvm_root(th, r[HOLD]), 1), 23);
  WEAK(WE, tvm_root(th, r[E]), 24);
  WEAK(WF, tvm_ref(tvm_root(th, r[HOLD]), 2), 25);
  WEAK(WN, NULL, 26);
  /* W2 -> W1 -> A, W1 itself unreachable: W1 dies, so W2 is cleared. */
  o = tvm_alloc(th, TVM_WEAKREF, 1, 0, 27);
  tvm_set_ref(th, o, 0, tvm_root(th, r[A]));
  size_t w1 = tvm_push(th, o);
  WEAK(W2, tvm_root(th, w1), 28);
  /* WS: a dead referent (G) in the weak field, a strong field holding H. */
  o = tvm_alloc(th, TVM_WEAKREF, 2, 0, 29);
  tvm_set_ref(th, o, 0, tvm_ref(tvm_root(th, r[HOLD]), 3));
  tvm_set_ref(th, o, 1, tvm_ref(tvm_root(th, r[HOLD]), 4));
  w[WS] = tvm_push(th, o);
  /* An unreachable weak reference to A: dropped, never enqueued. */
  o = tvm_alloc(th, TVM_WEAKREF, 1, 0, 30);
  tvm_set_ref(th, o, 0, tvm_root(th, r[A]));
#undef WEAK
  tvm_set_root(th, w1, NULL);
  tvm_set_root(th, r[HOLD], NULL);

  tvm_snapshot_t s1, s2;
  tvm_snapshot(f.vm, &s1);
  g_assert_cmpuint(s1.weakrefs, ==, 9);
  g_assert_cmpuint(s1.weak_live, ==, 3);     /* A, Cn, E */
  g_assert_cmpuint(s1.weak_null, ==, 1);     /* WN */
  g_assert_cmpuint(s1.weak_dangling, ==, 5); /* B, D, F, W1, G */
  tvm_counters_t c0, c;
  tvm_counters(f.vm, &c0);
  g_assert_true(tvm_gc(th));
  tvm_snapshot(f.vm, &s2);
  tvm_assert_preserved(&s1, &s2);
  g_assert_true(tvm_ref(tvm_root(th, w[WA]), 0) == tvm_root(th, r[A]));
  g_assert_null(tvm_ref(tvm_root(th, w[WB]), 0));
  g_assert_true(tvm_ref(tvm_root(th, w[WC]), 0) == tvm_ref(tvm_root(th, r[C]), 0));
  g_assert_null(tvm_ref(tvm_root(th, w[WD]), 0));
  g_assert_true(tvm_ref(tvm_root(th, w[WE]), 0) == tvm_root(th, r[E]));
  g_assert_null(tvm_ref(tvm_root(th, w[WF]), 0));
  g_assert_null(tvm_ref(tvm_root(th, w[WN]), 0));
  g_assert_null(tvm_ref(tvm_root(th, w[W2]), 0));
  g_assert_null(tvm_ref(tvm_root(th, w[WS]), 0));
  tvm_obj_t h = tvm_ref(tvm_root(th, w[WS]), 1); /* the strong field kept H */
  g_assert_nonnull(h);
  g_assert_cmpuint(tvm_data(h), ==, 12);
  g_assert_true(tvm_pattern_ok(h));
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 5); /* WB WD WF W2 WS */

  /* Nothing more to clear. */
  checked_gc(&f);
  tvm_counters(f.vm, &c0);
  g_assert_cmpuint(c0.enqueued_refs, ==, c.enqueued_refs);
  g_assert_true(tvm_ref(tvm_root(th, w[WA]), 0) == tvm_root(th, r[A]));

  /* A dies: WA is cleared; E dies: WE is cleared. */
  tvm_set_root(th, r[A], NULL);
  tvm_set_root(th, r[E], NULL);
  checked_gc(&f);
  g_assert_null(tvm_ref(tvm_root(th, w[WA]), 0));
  g_assert_null(tvm_ref(tvm_root(th, w[WE]), 0));
  g_assert_true(tvm_ref(tvm_root(th, w[WC]), 0) == tvm_ref(tvm_root(th, r[C]), 0));
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.enqueued_refs - c0.enqueued_refs, ==, 2);
  finish(&f);
}

/* ---- finalizer ---------------------------------------------------------------------- */

#define NFIN 200

/* schedule_finalization comes from the GC worker after resume_mutators: wait for it. */
static void wait_schedule_finalization(fx_t *f, uint64_t expected) {
  tvm_counters_t c;
  for (int i = 0; i < 2000; i++) {
    tvm_counters(f->vm, &c);
    if (c.schedule_finalization >= expected) break;
    g_usleep(1000);
  }
  g_usleep(10000); /* and no more than that */
  tvm_counters(f->vm, &c);
  g_assert_cmpuint(c.schedule_finalization, ==, expected);
}

static void resurrect(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)arg;
  if (tvm_data(o) == 1001) tvm_set_global(tvm_vm(th), 0, o);
}

/* Finalizers run exactly once, on intact objects whose referents were kept alive. */
static void test_finalizers(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, NFIN, 0, 0));
  size_t tmp = tvm_push(th, NULL);
  for (size_t i = 0; i < NFIN; i++) {
    tvm_set_root(th, tmp, tvm_alloc(th, TVM_NODE, 0, 100, 500000 + i));
    tvm_obj_t o = tvm_alloc(th, TVM_FINALIZABLE, 1, 48, 1000 + i);
    tvm_set_ref(th, o, 0, tvm_root(th, tmp));
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, arr), i, o); /* even ones stay reachable */
  }
  tvm_set_root(th, tmp, NULL);
  g_assert_null(mmtk_get_finalized_object(f.mmtk));
  tvm_counters_t c0, c;
  tvm_counters(f.vm, &c0);
  checked_gc(&f);
  wait_schedule_finalization(&f, c0.schedule_finalization + 1);
  /* Another GC before the finalizers run: the objects waiting are kept (and moved). */
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, resurrect, NULL), ==, NFIN / 2);
  for (size_t i = 0; i < NFIN; i++) g_assert_cmpuint(tvm_finalized(f.vm, 1000 + i), ==, i % 2);
  g_assert_null(mmtk_get_finalized_object(f.mmtk));

  /* 1001 was resurrected by its finalizer: alive and intact, and never finalized again. */
  checked_gc(&f);
  checked_gc(&f);
  tvm_obj_t r = tvm_global(f.vm, 0);
  g_assert_nonnull(r);
  g_assert_cmpuint(tvm_data(r), ==, 1001);
  g_assert_cmpuint(tvm_data(tvm_ref(r, 0)), ==, 500001);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  tvm_set_global(f.vm, 0, NULL);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  g_assert_cmpuint(tvm_finalized(f.vm, 1001), ==, 1);

  /* The even ones die. */
  tvm_set_root(th, arr, NULL);
  checked_gc(&f);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, NFIN / 2);
  for (size_t i = 0; i < NFIN; i++) g_assert_cmpuint(tvm_finalized(f.vm, 1000 + i), ==, 1);
  for (int k = 0; k < 3; k++) {
    checked_gc(&f);
    g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 0);
  }
  /* After each GC that left objects waiting: GC 1, GC 2 (not drained yet), the evens. */
  wait_schedule_finalization(&f, c0.schedule_finalization + 3);
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.finalized, ==, NFIN);
  finish(&f);
}

/* ---- packets ------------------------------------------------------------------------ */

static const int stages[] = {MMTK_STAGE_PREPARE, MMTK_STAGE_CLOSURE,
                             MMTK_STAGE_WEAK_REF_CLOSURE, MMTK_STAGE_FINAL_REF_CLOSURE,
                             MMTK_STAGE_VM_REF_CLOSURE, MMTK_STAGE_RELEASE, MMTK_STAGE_FINAL};
#define NSTAGES ((int)G_N_ELEMENTS(stages))
#define PER_STAGE 4

struct packet_rec {
  struct packets *ctx;
  int stage;
  _Atomic unsigned runs;
  uint64_t start, end, gc;
  bool stopped;
};

struct packets {
  tvm_t *vm;
  _Atomic uint64_t seq;
  _Atomic unsigned hook_calls, add_failures;
  struct packet_rec recs[NSTAGES][PER_STAGE];
  struct packet_rec outside;
};

static void packet_fn(mmtk_t *mmtk, void *worker_tls, void *data) {
  (void)mmtk;
  (void)worker_tls;
  struct packet_rec *r = data;
  r->start = atomic_fetch_add(&r->ctx->seq, 1);
  r->gc = tvm_gc_count(r->ctx->vm);
  r->stopped = tvm_world_stopped(r->ctx->vm);
  g_usleep(300);
  r->end = atomic_fetch_add(&r->ctx->seq, 1);
  atomic_fetch_add(&r->runs, 1);
}

static void packets_hook(tvm_t *vm, void *worker_tls, void *arg) {
  (void)worker_tls;
  struct packets *p = arg;
  atomic_fetch_add(&p->hook_calls, 1);
  for (int s = 0; s < NSTAGES; s++) {
    void *data[PER_STAGE];
    for (int k = 0; k < PER_STAGE; k++) {
      struct packet_rec *r = &p->recs[s][k];
      r->ctx = p;
      r->stage = stages[s];
      atomic_store(&r->runs, 0);
      r->start = r->end = r->gc = 0;
      r->stopped = false;
      data[k] = r;
    }
    /* One alone, the rest in one call. */
    if (!mmtk_add_work_packet(tvm_mmtk(vm), stages[s], packet_fn, data[0]) ||
        !mmtk_add_work_packets(tvm_mmtk(vm), stages[s], packet_fn, data + 1, PER_STAGE - 1))
      atomic_fetch_add(&p->add_failures, 1);
  }
}

/* Binding work packets added from scan_vm_specific_roots in several stages: each runs
 * exactly once per GC, with the world stopped, in stage order. */
static void test_packets(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  suite_make_list(f.th, 500, 8, 0);
  struct packets *p = g_new0(struct packets, 1);
  p->vm = f.vm;
  tvm_set_roots_hook(f.vm, packets_hook, p);
  for (unsigned g = 1; g <= 8; g++) {
    uint64_t before = gcs(&f);
    checked_gc(&f);
    g_assert_cmpuint(gcs(&f), ==, before + 1);
    g_assert_cmpuint(atomic_load(&p->hook_calls), ==, g); /* not again in the verifier */
    g_assert_cmpuint(atomic_load(&p->add_failures), ==, 0);
    for (int s = 0; s < NSTAGES; s++)
      for (int k = 0; k < PER_STAGE; k++) {
        struct packet_rec *r = &p->recs[s][k];
        g_assert_cmpuint(atomic_load(&r->runs), ==, 1);
        g_assert_cmpuint(r->gc, ==, before); /* during this GC */
        g_assert_true(r->stopped);
      }
    /* Every packet of a stage ends before any packet of a later stage starts. */
    for (int s = 0; s + 1 < NSTAGES; s++) {
      uint64_t last_end = 0, first_start = UINT64_MAX;
      for (int k = 0; k < PER_STAGE; k++) {
        last_end = MAX(last_end, p->recs[s][k].end);
        for (int t = s + 1; t < NSTAGES; t++) first_start = MIN(first_start, p->recs[t][k].start);
      }
      if (last_end > first_start)
        note("stage %d finished at %llu, after a later stage started at %llu",
                       stages[s], (unsigned long long)last_end,
                       (unsigned long long)first_start);
      g_assert_cmpuint(last_end, <, first_start);
    }
  }
  tvm_set_roots_hook(f.vm, NULL, NULL);

  /* A packet added by a mutator outside a GC waits for the next GC, then runs once.
   * (Well after the last GC: see /PLAN/packets/right-after-gc for the moment just after.) */
  g_usleep(20000);
  p->outside.ctx = p;
  p->outside.stage = MMTK_STAGE_RELEASE;
  g_assert_true(mmtk_add_work_packet(f.mmtk, MMTK_STAGE_RELEASE, packet_fn, &p->outside));
  g_usleep(20000);
  g_assert_cmpuint(atomic_load(&p->outside.runs), ==, 0);
  uint64_t before = gcs(&f);
  checked_gc(&f);
  g_assert_cmpuint(atomic_load(&p->outside.runs), ==, 1);
  g_assert_cmpuint(p->outside.gc, ==, before);
  g_assert_true(p->outside.stopped);
  checked_gc(&f);
  g_assert_cmpuint(atomic_load(&p->outside.runs), ==, 1);
  /* Bad stages are refused. */
  g_assert_false(mmtk_add_work_packet(f.mmtk, MMTK_STAGE_COUNT, packet_fn, &p->outside));
  g_assert_false(mmtk_add_work_packet(f.mmtk, -1, packet_fn, &p->outside));
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 2); /* the two refusals were reported */
  /* (tvm_assert_clean would count them as errors) */
  tvm_detach(f.th);
  tvm_destroy(f.vm);
  alarm(0);
  g_free(p);
}

static void slow_finalization(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm;
  (void)worker_tls;
  (void)arg;
  g_usleep(50000); /* the mutators run already; the GC worker has not finished */
}

/* A mutator adds a packet as soon as it resumes, while the GC worker is still finishing
 * that GC (made certain here by a slow schedule_finalization callback): the packet must
 * wait for the next GC, and the next GC must happen. */
static void test_packets_right_after_gc(void) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, NULL, 10);
  tvm_thread_t *th = f.th;
  struct packets *p = g_new0(struct packets, 1);
  p->vm = f.vm;
  p->outside.ctx = p;
  tvm_set_finalization_hook(f.vm, slow_finalization, NULL);
  /* An unreachable finalizable object: the GC ends with schedule_finalization. */
  g_assert_nonnull(tvm_alloc(th, TVM_FINALIZABLE, 0, 8, 1));
  uint64_t before = gcs(&f);
  g_assert_true(tvm_gc(th));
  g_assert_true(mmtk_add_work_packet(f.mmtk, MMTK_STAGE_RELEASE, packet_fn, &p->outside));
  g_usleep(100000);
  g_assert_cmpuint(atomic_load(&p->outside.runs), ==, 0);
  g_assert_cmpuint(tvm_run_finalizers(th, NULL, NULL), ==, 1);
  tvm_set_finalization_hook(f.vm, NULL, NULL);
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint(gcs(&f), ==, before + 2);
  g_assert_cmpuint(atomic_load(&p->outside.runs), ==, 1);
  g_assert_cmpuint(p->outside.gc, ==, before + 1);
  g_assert_true(p->outside.stopped);
  finish(&f);
  g_free(p);
}

/* ---- liveness ----------------------------------------------------------------------- */

/* mmtk_is_live_object(3): true for an object the last (or current) GC kept, or one
 * allocated since; false for one that died, until its memory is reused. */
static bool live(fx_t *f, const void *o) {
  return mmtk_is_live_object(f->mmtk, (mmtk_object_t)o);
}

/* The objects that died, counted by what the man page promises for them (no reuse has
 * happened: nothing was allocated since the GC). */
static size_t count_live(fx_t *f, const uintptr_t *objs, size_t n, size_t stride) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (i % stride != 0 && live(f, (void *)objs[i])) k++;
  return k;
}

/* Every tenth small node is kept, the others, a large object and an immortal one are
 * dropped: after a GC the dropped ones read false (the immortal one true), the kept
 * ones true wherever they are now.  `eager`: MarkSweep sweeps every block at the end of
 * the GC instead of lazily. */
static void live_died(bool eager) {
  fx_t f;
  start_with(&f, "FixedHeapSize:64M", NULL, eager ? EAGER : NULL, 120);
  tvm_thread_t *th = f.th;
  size_t keep = tvm_push(th, NULL);
  enum { N = 3000 };
  uintptr_t *objs = g_new(uintptr_t, N);
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, i % 200, i);
    g_assert_true(live(&f, o)); /* new */
    if (i % 10 == 0) {
      tvm_set_ref(th, o, 0, tvm_root(th, keep));
      tvm_set_root(th, keep, o);
    }
    objs[i] = (uintptr_t)o;
  }
  tvm_obj_t big = tvm_alloc(th, TVM_BYTES, 0, 100 * KiB, 1);
  tvm_obj_t imm = tvm_alloc_sem(th, TVM_NODE, 0, 16, 2, MMTK_ALLOC_IMMORTAL);
  g_assert_true(live(&f, big));
  g_assert_true(live(&f, imm));
  uintptr_t big_was = (uintptr_t)big, imm_was = (uintptr_t)imm;
  /* On SemiSpace the second GC copies the survivors over the memory of the objects that
   * died in the first: reused, so their answer is no longer promised (so may Immix's,
   * when every GC defragments: TVM_DEFRAG). */
  for (int gc = 0; gc < (MOVES || TVM_DEFRAG ? 1 : 2); gc++) {
    checked_gc(&f);
    size_t k = count_live(&f, objs, N, 10);
#if TVM_PLAN_ID == 7 || TVM_PLAN_ID == 8
    /* The compacting plans slid the survivors over the dead: an address that now holds
     * one of them reads true, rightly. */
    for (tvm_obj_t o = tvm_root(th, keep); o; o = tvm_ref(o, 0))
      for (size_t i = 0; i < N; i++)
        if (i % 10 != 0 && objs[i] == (uintptr_t)o) k--;
#endif
    note("after GC %d: %zu of %d dead objects read live", gc + 1, k, N - N / 10);
    g_assert_cmpuint(k, ==, 0);
    g_assert_false(live(&f, (void *)big_was));
    g_assert_true(live(&f, (void *)imm_was));
    size_t n = 0;
    for (tvm_obj_t o = tvm_root(th, keep); o; o = tvm_ref(o, 0), n++)
      g_assert_true(live(&f, o));
    g_assert_cmpuint(n, ==, N / 10);
  }
  g_free(objs);
  finish(&f);
}

static void test_live_died(void) { live_died(false); }
static void test_live_died_eager(void) { live_died(true); }

/* Reachable objects of every space read true after each of three GCs, at their new
 * address; on SemiSpace their old address lies in the from-space the GC released and
 * reads false. */
static void test_live_survivor(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  size_t list = suite_make_list(f.th, 500, 40, 0);
  size_t big = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 64 * KiB, 1));
  size_t imm = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 0, 16, 2, MMTK_ALLOC_IMMORTAL));
  size_t nm = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 0, 16, 3, MMTK_ALLOC_NON_MOVING));
  uintptr_t *was = g_new(uintptr_t, 500);
  for (int gc = 0; gc < 3; gc++) {
    size_t n = 0;
    for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0)) was[n++] = (uintptr_t)o;
    checked_gc(&f);
    n = 0;
    size_t moved = 0;
    for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), n++) {
      g_assert_true(live(&f, o));
      if ((uintptr_t)o != was[n]) {
        moved++;
        g_assert_false(live(&f, (void *)was[n])); /* the released from-space */
      }
    }
    g_assert_cmpuint(n, ==, 500);
    if (MOVES || !MAY_MOVE) g_assert_cmpuint(moved, ==, MOVES ? 500 : 0);
    g_assert_true(live(&f, tvm_root(th, big)));
    g_assert_true(live(&f, tvm_root(th, imm)));
    g_assert_true(live(&f, tvm_root(th, nm)));
  }
  g_free(was);
  finish(&f);
}

/* Objects allocated after a GC read true, reachable or not, in every space; on
 * MarkSweep they take the cells of the objects that died in it (reuse), and fill whole
 * blocks (which go back to the space full). */
static void test_live_new_since_gc(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  enum { N = 4000 };
  for (size_t i = 0; i < N; i++) /* garbage */
    g_assert_nonnull(tvm_alloc(th, TVM_NODE, 1, 24, i));
  checked_gc(&f);
  uintptr_t *objs = g_new(uintptr_t, N);
  uint64_t n0 = gcs(&f);
  for (size_t i = 0; i < N; i++) {
    objs[i] = (uintptr_t)tvm_alloc(th, TVM_NODE, 1, 24, i);
    g_assert_true(live(&f, (void *)objs[i]));
  }
  tvm_obj_t big = tvm_alloc(th, TVM_BYTES, 0, 100 * KiB, 1);
  tvm_obj_t imm = tvm_alloc_sem(th, TVM_NODE, 0, 16, 2, MMTK_ALLOC_IMMORTAL);
  g_assert_cmpuint(gcs(&f), ==, n0); /* no GC in between: all are new */
  for (size_t i = 0; i < N; i++) g_assert_true(live(&f, (void *)objs[i]));
  g_assert_true(live(&f, big));
  g_assert_true(live(&f, imm));
  /* The next GC keeps none of them but the immortal one. */
  uintptr_t big_was = (uintptr_t)big, imm_was = (uintptr_t)imm;
  checked_gc(&f);
  g_assert_cmpuint(count_live(&f, objs, N, N + 1), ==, 0);
  g_assert_false(live(&f, (void *)big_was));
  g_assert_true(live(&f, (void *)imm_was));
  g_free(objs);
  finish(&f);
}

/* What a dead object reads once allocation has resumed: false until its cell is reused,
 * except, on MarkSweep without the VO bit, in the block a mutator holds for that size
 * class, where every cell reads true (mmtk_is_live_object(3)). */
static void test_live_reused_block(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  enum { N = 3000 };
  uintptr_t *objs = g_new(uintptr_t, N);
  for (size_t i = 0; i < N; i++) objs[i] = (uintptr_t)tvm_alloc(th, TVM_NODE, 1, 24, i);
  checked_gc(&f);
  tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 24, N); /* the same size class */
  g_assert_true(live(&f, o));
  /* Immix takes free blocks whole (zeroed): a dead object in the block the new object
   * went to counts as reused. */
  bool exempt = TVM_PLAN_ID == 3 || (TVM_PLAN_ID == 2 && !MMTK_HAVE_VO_BIT);
  const unsigned log_block = TVM_PLAN_ID != 3 ? 16 : MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 13 : 15;
  size_t in_block = 0, elsewhere = 0;
  for (size_t i = 0; i < N; i++) {
    if (objs[i] == (uintptr_t)o) continue; /* reused */
    /* MarkSweep's blocks are 64 KiB, Immix's 32 (or 8) KiB, aligned. */
    bool same_block = (objs[i] >> log_block) == ((uintptr_t)o >> log_block);
    if (same_block) in_block++;
    else elsewhere++;
    /* A generational plan's nursery is reused from its start at once: the new object's
     * bump buffer (32 KiB from it) covers dead objects, and that memory counts as
     * reused.  So is the Compressor's region, emptied by the GC and handed out again. */
    if (GENERATIONAL || TVM_PLAN_ID == 8) {
      if (objs[i] - (uintptr_t)o >= 32 * KiB) g_assert_false(live(&f, (void *)objs[i]));
    } else if (exempt && same_block) {
      if (TVM_PLAN_ID != 3) g_assert_true(live(&f, (void *)objs[i]));
    }
    else g_assert_false(live(&f, (void *)objs[i]));
  }
  note("%zu dead objects share the new object's block, %zu do not", in_block, elsewhere);
  g_assert_cmpuint(elsewhere, >, 0);
  /* Once the mutator gives its blocks back, the free cells read false again. */
  tvm_gc(th);
  for (size_t i = 0; i < N; i++)
    if (objs[i] != (uintptr_t)o) g_assert_false(live(&f, (void *)objs[i]));
  g_free(objs);
  finish(&f);
}

/* During a GC (a binding packet after the reference closures, as a binding's weak
 * processing): true exactly for what the GC reached, at the old and the new address;
 * false for an object allocated since the last GC that this one did not reach. */
struct live_probe {
  tvm_t *vm;
  uintptr_t kept, kept_big, dropped, dropped_big, imm;
  _Atomic int runs;
  bool kept_live, kept_big_live, dropped_live, dropped_big_live, imm_live, reachable;
};

static void live_probe_fn(mmtk_t *mmtk, void *worker_tls, void *data) {
  (void)worker_tls;
  struct live_probe *p = data;
  p->kept_live = mmtk_is_live_object(mmtk, (void *)p->kept);
  p->kept_big_live = mmtk_is_live_object(mmtk, (void *)p->kept_big);
  p->dropped_live = mmtk_is_live_object(mmtk, (void *)p->dropped);
  p->dropped_big_live = mmtk_is_live_object(mmtk, (void *)p->dropped_big);
  p->imm_live = mmtk_is_live_object(mmtk, (void *)p->imm);
  atomic_fetch_add(&p->runs, 1);
}

static void live_probe_hook(tvm_t *vm, void *worker_tls, void *arg) {
  (void)worker_tls;
  if (!mmtk_add_work_packet(tvm_mmtk(vm), MMTK_STAGE_VM_REF_CLOSURE, live_probe_fn, arg))
    g_error("mmtk_add_work_packet failed");
}

static void test_live_during_gc(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M");
  tvm_thread_t *th = f.th;
  struct live_probe *p = g_new0(struct live_probe, 1);
  checked_gc(&f); /* a last GC, so that the objects below are new since it */
  size_t kept = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 24, 1));
  size_t kept_big = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 64 * KiB, 2));
  p->kept = (uintptr_t)tvm_root(th, kept);
  p->kept_big = (uintptr_t)tvm_root(th, kept_big);
  p->dropped = (uintptr_t)tvm_alloc(th, TVM_NODE, 1, 24, 3);
  p->dropped_big = (uintptr_t)tvm_alloc(th, TVM_BYTES, 0, 64 * KiB, 4);
  p->imm = (uintptr_t)tvm_alloc_sem(th, TVM_NODE, 0, 16, 5, MMTK_ALLOC_IMMORTAL);
  g_assert_true(live(&f, (void *)p->dropped)); /* new, for now */
  tvm_set_roots_hook(f.vm, live_probe_hook, p);
  g_assert_true(tvm_gc(th));
  tvm_set_roots_hook(f.vm, NULL, NULL);
  g_assert_cmpint(atomic_load(&p->runs), ==, 1);
  g_assert_true(p->kept_live);
  g_assert_true(p->kept_big_live);
  g_assert_false(p->dropped_live);
  g_assert_false(p->dropped_big_live);
  g_assert_true(p->imm_live);
  g_assert_true(live(&f, tvm_root(th, kept)));
  g_free(p);
  finish(&f);
}

/* ---- workers ----------------------------------------------------------------------- */

/* scan_object calls per GC worker, told apart by the worker_tls libmmtk passes (one per
 * worker: what mmtk_start_worker() was given).  Each counter has a cache line of its
 * own, so that counting does not make the workers contend. */
#define SHARE_WORKERS 2
#define SHARE_SLOTS 8
static struct {
  _Alignas(64) void *_Atomic tls;
  _Atomic uint64_t scans;
} share_count[SHARE_SLOTS];
static _Atomic unsigned share_unknown; /* calls from more threads than SHARE_SLOTS */
static void (*share_scan_next)(void *, void *, mmtk_object_t, mmtk_slot_visitor_t *);

static void share_counting_scan(void *ctx, void *tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  for (int i = 0; i < SHARE_SLOTS; i++) {
    void *t = atomic_load_explicit(&share_count[i].tls, memory_order_acquire);
    if (t == NULL) {
      void *none = NULL;
      if (!atomic_compare_exchange_strong(&share_count[i].tls, &none, tls) && none != tls)
        continue; /* another worker took this slot first */
      t = tls;
    }
    if (t == tls) {
      atomic_fetch_add_explicit(&share_count[i].scans, 1, memory_order_relaxed);
      share_scan_next(ctx, tls, o, v);
      return;
    }
  }
  atomic_fetch_add(&share_unknown, 1);
  share_scan_next(ctx, tls, o, v);
}

static void share_count_scans(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm, (void)arg;
  share_scan_next = b->scan_object;
  b->scan_object = share_counting_scan;
}

/* A complete binary tree of 2^(depth+1) - 1 nodes; returns its root (valid until the
 * next allocation). */
static tvm_obj_t share_tree(tvm_thread_t *th, unsigned depth, uint64_t *id) {
  if (depth == 0) return tvm_alloc(th, TVM_NODE, 0, 0, (*id)++);
  size_t slot = tvm_push(th, tvm_alloc(th, TVM_NODE, 2, 0, (*id)++));
  for (size_t i = 0; i < 2; i++) {
    tvm_obj_t child = share_tree(th, depth - 1, id);
    tvm_set_ref(th, tvm_root(th, slot), i, child);
  }
  tvm_obj_t o = tvm_root(th, slot);
  tvm_pop_to(th, slot);
  return o;
}

/* Two GC workers and a graph with plenty of work for both: in the GCs of either parity
 * (with SemiSpace, the copies into one semispace and those into the other), each worker
 * scans some of the objects.  A worker that gets nothing (no sharing, or sharing in one
 * direction of the copy only) fails it.  Counts scans, not time.
 *
 * Why not "in every GC": on a loaded machine (the tests run beside others) a parked
 * worker can go unscheduled for a whole trace of milliseconds, and the busy one then
 * takes back what it offered: at a load of 8 per CPU, in 1 to 3 GCs in 100, and in
 * bursts (one run in 20 had three such GCs of one parity).  So each worker must have
 * scanned in at least half of the SHARE_GCS / 2 GCs of each parity; a sharing bug fails
 * every GC of its direction, so this still catches it.  The tree is big enough that a
 * trace outlasts most of those scheduling gaps. */
#define SHARE_DEPTH 18 /* 524,287 nodes */
#define SHARE_GCS 12
static void test_work_shared(void) {
  suite_watchdog_arm(120);
  tvm_options_t o = {
      .plan = PLAN,
      .header_metadata = TVM_HEADER,
      .workers = SHARE_WORKERS,
      .heap = "FixedHeapSize:128M",
      /* The verifier's trace would count too; generational plans trace the whole heap
       * only in full-heap GCs. */
      .sanity = false,
      .extra = GENERATIONAL ? "full_heap_system_gc=true" : NULL,
      .customize = share_count_scans,
  };
  fx_t f;
  f.vm = tvm_new(&o);
  f.mmtk = tvm_mmtk(f.vm);
  f.th = tvm_attach(f.vm);
  uint64_t id = 0;
  size_t root = tvm_push(f.th, NULL);
  tvm_set_root(f.th, root, share_tree(f.th, SHARE_DEPTH, &id));
  g_assert_cmpuint(id, ==, ((uint64_t)1 << (SHARE_DEPTH + 1)) - 1);
  tvm_snapshot_t before, after;
  tvm_snapshot(f.vm, &before);
  unsigned scanned_in[2][SHARE_WORKERS] = {{0}}; /* GCs of each parity a worker scanned in */
  for (int g = 0; g < SHARE_GCS; g++) {
    for (int i = 0; i < SHARE_SLOTS; i++) atomic_store(&share_count[i].scans, 0);
    g_assert_true(tvm_gc(f.th));
    uint64_t n[SHARE_SLOTS], total = 0;
    unsigned workers = 0;
    for (int i = 0; i < SHARE_SLOTS; i++) {
      n[i] = atomic_load(&share_count[i].scans);
      total += n[i];
      if (atomic_load(&share_count[i].tls)) workers++;
    }
    note("GC %d: scans per worker %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
         " of %" G_GUINT64_FORMAT, g, n[0], n[1], total);
    g_assert_cmpuint(atomic_load(&share_unknown), ==, 0);
    g_assert_cmpuint(workers, <=, SHARE_WORKERS);
    g_assert_cmpuint(total, >=, id); /* every node scanned (and perhaps the roots' objects) */
    for (int i = 0; i < SHARE_WORKERS; i++) {
      if (n[i] == 0) note("GC %d: worker %d scanned nothing", g, i);
      else scanned_in[g % 2][i]++;
    }
  }
  for (int p = 0; p < 2; p++)
    for (int i = 0; i < SHARE_WORKERS; i++) g_assert_cmpuint(scanned_in[p][i], >=, SHARE_GCS / 4);
  tvm_snapshot(f.vm, &after);
  tvm_assert_preserved(&before, &after);
  finish(&f);
}

/* ---- Registration ------------------------------------------------------------------- */

#define add suite_add

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_env();
  g_test_message("config: plan=%s metadata=%s workers=%d sanity=%s; %s", PLAN,
                 TVM_HEADER ? "header" : "side", TVM_WORKERS, MMTK_HAVE_SANITY ? "on" : "off",
                 mmtk_build_info());
  add("basic/shapes", test_shapes, 120);
  add("gc/forced", test_forced, 120);
  add("gc/vo-bits", test_vo_bits, 120);
  add("graph/random-churn", test_random_churn, 120);
  add("graph/cycles", test_cycles, 120);
  suite_add_fits("graph/wide-arrays", test_wide_arrays, 120,
                 "85,000 live nodes take 340 MiB at a page each, beyond the 64 MiB heap");
  add("graph/large-objects", test_large_objects, 120);
  add("stress/factor-64k", test_stress_64k, 180);
  add("stress/gc-count", test_stress_count, 120);
  add("stress/every-alloc", test_stress_every_alloc, 120);
  /* Under stress GCs, building a long list means a sanity-checked GC every few KiB over
   * the whole list: many minutes, for nothing stress/ does not cover. */
  if (TVM_PRIMARY)
    suite_add_exact("stress/deep-list", test_deep_list, 600, "a 10-million-element list takes too long");
  else
    suite_add_exact(PAGEPROTECT ? "stress/list-40k" : "stress/list-1m", test_list_1m, 120,
                    "a 1-million-element list takes too long");
  add("threads/four-mutators", test_four_mutators, 300);
  add("threads/churn", test_thread_churn, 180);
  add("threads/detach-at-gc-start", test_detach_at_gc_start, 30);
  add("oom/heap-exhaustion", test_heap_exhaustion, 120);
  add("weak/cleared", test_weak_cleared, 120);
  add("finalizer/once", test_finalizers, 120);
  add("packets/stages", test_packets, 120);
  add("packets/right-after-gc", test_packets_right_after_gc, 10);
  suite_add_exact("liveness/died", test_live_died, 120,
                  "a stress GC would let new objects reuse the dead ones' memory");
  suite_add_exact("liveness/died-eager-sweep", test_live_died_eager, 120,
                  "a stress GC would let new objects reuse the dead ones' memory");
  add("liveness/survivor", test_live_survivor, 120);
  suite_add_exact("liveness/new-since-gc", test_live_new_since_gc, 120,
                  "objects are new only if no GC came between");
  suite_add_exact("liveness/reused-block", test_live_reused_block, 120,
                  "the cells a GC freed are counted exactly");
  suite_add_exact("liveness/during-gc", test_live_during_gc, 120,
                  "the probed objects must be new since the last GC");
  if (TVM_WORKERS > 1 && !MMTK_HAVE_SINGLE_WORKER && PAGEPROTECT)
    suite_add_fits("workers/work-shared", test_work_shared, 120,
                   "524,287 objects at a page each would need 2 GiB");
  else if (TVM_WORKERS > 1 && !MMTK_HAVE_SINGLE_WORKER)
    suite_add_exact("workers/work-shared", test_work_shared, 120,
                    "stress GCs while the graph is built take too long");
  return g_test_run();
}
