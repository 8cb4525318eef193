/* Regression tests for the non-moving spaces (the large object space, the immortal
 * space) and the GC trigger, on the test VM, for one plan chosen at compile time
 * (TVM_PLAN_ID 1 = SemiSpace, 2 = MarkSweep; side metadata, 4 GC workers):
 *
 *   los/first-alloc-race     threads race the instance's first large allocation; every
 *                            object is swept and the pages all come back
 *   los/offset-reference     a default request above 16 KiB whose reference is not its
 *                            start (ref_to_object_start, offset lower bound 8), finished
 *                            with mmtk_post_alloc_fast(): the object survives GCs, and its
 *                            pages come back once it dies
 *   los/offset-reference-threads  the same on four threads at once (their records
 *                            interleave in the space's list), GCs from each
 *   immortal/buffer-kept     a few immortal objects between each of 600 GCs in an 8 MiB
 *                            heap (IMMORTAL, CODE, READ_ONLY, NON_MOVING): no GC may lose
 *                            the rest of a bump buffer
 *   trigger/poll-race        mmtk_gc_poll() on one thread while another's lazy sweep gives
 *                            blocks back: no collection is asked for (MarkSweep; a race, so
 *                            it fails often, not always, without the fix)
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

/* ---- los/offset-reference ----------------------------------------------------------- */

/* A VM whose references point 8 bytes into their objects (a word before the header, as
 * some VMs keep a hash or a lock word there).  Only this test's own objects use it. */
#define PREFIX 8

static void *prefix_start(void *ctx, mmtk_object_t object) {
  (void)ctx;
  return (char *)object - PREFIX;
}

static void prefix_binding(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  b->ref_to_object_start = prefix_start;
  b->object_ref_offset_lower_bound = PREFIX;
}

/* A BYTES object of `data` bytes behind an 8-byte prefix, allocated and finished with
 * the inline functions, as a JIT would. */
static tvm_obj_t alloc_prefixed(tvm_thread_t *th, size_t data, uint64_t id) {
  tvm_safepoint(th);
  size_t size = tvm_object_size(0, data);
  mmtk_mutator_t *m = tvm_mutator(th);
  char *p = mmtk_alloc_fast(m, PREFIX + size, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(p);
  uint64_t *w = (uint64_t *)(p + PREFIX);
  w[0] = (uint64_t)TVM_BYTES << TVM_TYPE_SHIFT;
  w[1] = size;
  w[2] = id;
  tvm_fill_pattern(w);
  mmtk_post_alloc_fast(m, w, PREFIX + size, MMTK_ALLOC_DEFAULT);
  return w;
}

static void test_los_offset_reference(void) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:64M", .customize = prefix_binding, .extra = EAGER};
  start_opts(&f, &o, 60);
  /* The inline paths stop at 16 KiB on every plan (mmtk_alloc_fast(3)), at 4 KiB on
   * the plans with an Immix space (Immix, GenImmix, StickyImmix) with
   * --enable-immix-smaller-block (half its 8 KiB block); MarkCompact has none (each
   * object needs its forwarding word). */
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)tvm_mutator(f.th);
  bool immix_space = TVM_PLAN_ID == 3 || TVM_PLAN_ID == 5 || TVM_PLAN_ID == 6;
  g_assert_cmpuint(h->max_inline_size, ==,
                   TVM_PLAN_ID == 7 ? 0
                   : immix_space && MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 4 * KiB : 16 * KiB);
  static const size_t sizes[] = {20 * KiB, 100 * KiB, MiB};
  size_t first = tvm_depth(f.th);
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++)
    tvm_push(f.th, alloc_prefixed(f.th, sizes[i], 100 + i));
  size_t used = mmtk_used_bytes(f.mmtk);
  for (int gc = 0; gc < 3; gc++) {
    g_assert_true(tvm_gc(f.th));
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
      tvm_obj_t x = tvm_root(f.th, first + i);
      g_assert_null(tvm_header_problem(x));
      g_assert_cmpuint(tvm_data(x), ==, 100 + i);
      g_assert_true(tvm_pattern_ok(x));
      g_assert_true(mmtk_is_live_object(f.mmtk, x));
    }
    /* Its pages are still the object's: more allocation must not reuse them. */
    g_assert_cmpuint(mmtk_used_bytes(f.mmtk), ==, used);
    tvm_obj_t y = alloc_prefixed(f.th, 200 * KiB, 1);
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
      tvm_obj_t x = tvm_root(f.th, first + i);
      g_assert_true((char *)y + 200 * KiB < (char *)x - PREFIX ||
                    (char *)x + tvm_size(x) < (char *)y - PREFIX);
    }
  }
  /* Dead, they give their pages back. */
  tvm_pop_to(f.th, first);
  g_assert_true(tvm_gc(f.th));
  g_assert_cmpuint(mmtk_used_bytes(f.mmtk) + MiB, <=, used);
  finish(&f);
}

/* ---- los/offset-reference-threads --------------------------------------------------- */

#define OFFSET_THREADS 4
#define OFFSET_OBJECTS 40

struct offset_run {
  tvm_t *vm;
  pthread_barrier_t go;
  _Atomic int next_id;
};

/* Allocate prefixed large objects while the other threads do the same, so that the
 * space's records of different mutators interleave; GCs from every thread; each object
 * must stay intact and live, and its pages its own. */
static void *offset_thread(void *arg) {
  struct offset_run *r = arg;
  int me = atomic_fetch_add(&r->next_id, 1);
  tvm_thread_t *th = tvm_attach(r->vm);
  tvm_enter_native(th);
  pthread_barrier_wait(&r->go);
  tvm_leave_native(th);
  size_t first = tvm_depth(th);
  for (int i = 0; i < OFFSET_OBJECTS; i++) {
    size_t data = (size_t)(20 + 7 * ((i + me) % 16)) * KiB;
    tvm_push(th, alloc_prefixed(th, data, (uint64_t)me * 1000 + (uint64_t)i));
    g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 24 * KiB, 1)); /* garbage between */
    if (i % 10 == 9) g_assert_true(tvm_gc(th));
  }
  for (int gc = 0; gc < 2; gc++) {
    g_assert_true(tvm_gc(th));
    for (int i = 0; i < OFFSET_OBJECTS; i++) {
      tvm_obj_t x = tvm_root(th, first + (size_t)i);
      g_assert_null(tvm_header_problem(x));
      g_assert_cmpuint(tvm_data(x), ==, (uint64_t)me * 1000 + (uint64_t)i);
      g_assert_true(tvm_pattern_ok(x));
      g_assert_true(mmtk_is_live_object(tvm_mmtk(r->vm), x));
    }
  }
  tvm_detach(th);
  return NULL;
}

static void test_los_offset_threads(void) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:128M", .customize = prefix_binding, .extra = EAGER};
  start_opts(&f, &o, 120);
  size_t base = mmtk_used_bytes(f.mmtk);
  struct offset_run r = {.vm = f.vm};
  pthread_barrier_init(&r.go, NULL, OFFSET_THREADS);
  pthread_t t[OFFSET_THREADS];
  tvm_enter_native(f.th);
  for (int i = 0; i < OFFSET_THREADS; i++)
    g_assert_cmpint(pthread_create(&t[i], NULL, offset_thread, &r), ==, 0);
  for (int i = 0; i < OFFSET_THREADS; i++) pthread_join(t[i], NULL);
  tvm_leave_native(f.th);
  pthread_barrier_destroy(&r.go);
  /* Every object died with its thread's roots: the pages come back (about 12 MiB were
   * kept at the end; a little may stay in the other spaces). */
  g_assert_true(tvm_gc(f.th));
  size_t after = mmtk_used_bytes(f.mmtk);
  note("%zu bytes used before the threads, %zu after", base, after);
  g_assert_cmpuint(after, <=, base + 2 * MiB);
  finish(&f);
}

/* ---- immortal/buffer-kept ----------------------------------------------------------- */

/* 600 GCs with a few small objects of each non-reclaimed kind between them: 32 KiB lost
 * per buffer and GC would exhaust the 8 MiB heap after about 250. */
static void test_immortal_buffer_kept(void) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:8M"};
  start_opts(&f, &o, 120);
  static const mmtk_alloc_semantics_t sems[] = {MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_CODE,
                                                MMTK_ALLOC_READ_ONLY, MMTK_ALLOC_NON_MOVING};
  size_t list = tvm_push(f.th, NULL);
  size_t live = 0;
  for (int gc = 0; gc < 600; gc++) {
    for (size_t s = 0; s < G_N_ELEMENTS(sems); s++) {
      tvm_obj_t x = tvm_alloc_sem(f.th, TVM_NODE, 1, 0, (uint64_t)gc, sems[s]);
      if (!x) note("out of memory after %d GCs with %zu bytes of objects", gc, live);
      g_assert_nonnull(x);
      /* One of the four is kept, the others are garbage. */
      if (s == 0) {
        tvm_set_ref(f.th, x, 0, tvm_root(f.th, list));
        tvm_set_root(f.th, list, x);
        live += tvm_object_size(1, 0);
      }
    }
    g_assert_true(tvm_gc(f.th));
  }
  tvm_snapshot_t snap;
  tvm_snapshot(f.vm, &snap);
  g_assert_cmpuint(snap.objects, ==, 600);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  note("%zu bytes used after 600 GCs, %zu of them in kept objects", mmtk_used_bytes(f.mmtk), live);
  g_assert_cmpuint(mmtk_used_bytes(f.mmtk), <=, 2 * MiB);
  finish(&f);
}

/* ---- trigger/poll-race ------------------------------------------------------------ */

struct poller {
  tvm_t *vm;
  _Atomic bool stop;
  _Atomic unsigned long polls;
};

static void *poll_main(void *arg) {
  struct poller *p = arg;
  tvm_thread_t *th = tvm_attach(p->vm);
  while (!atomic_load(&p->stop)) {
    mmtk_gc_poll(tvm_mutator(th));
    atomic_fetch_add(&p->polls, 1);
    tvm_safepoint(th);
  }
  tvm_detach(th);
  return NULL;
}

/* MarkSweep sweeps lazily: after a GC that left 24 MiB of garbage in a 64 MiB heap, this
 * thread's allocation sweeps the blocks and gives the empty ones back while another
 * thread polls.  The heap never comes near its limit, so a poll never asks for a GC. */
static void test_poll_race(void) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:64M"};
  start_opts(&f, &o, 120);
  unsigned long polls = 0;
  uint64_t spurious = 0;
  for (int round = 0; round < 20 && !spurious; round++) {
    for (int i = 0; i < 24 * 1024; i++) g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 1000, i));
    g_assert_true(tvm_gc(f.th));
    uint64_t n = gcs(&f);
    struct poller p = {.vm = f.vm};
    pthread_t t;
    g_assert_cmpint(pthread_create(&t, NULL, poll_main, &p), ==, 0);
    while (atomic_load(&p.polls) == 0) tvm_safepoint(f.th);
    /* Sweeps the garbage blocks of the class lazily, one by one. */
    for (int i = 0; i < 24 * 1024; i++) g_assert_nonnull(tvm_alloc(f.th, TVM_BYTES, 0, 1000, i));
    atomic_store(&p.stop, true);
    tvm_enter_native(f.th);
    pthread_join(t, NULL);
    tvm_leave_native(f.th);
    polls += atomic_load(&p.polls);
    spurious += gcs(&f) - n;
  }
  note("%lu polls, %llu collections asked for", polls, (unsigned long long)spurious);
  g_assert_cmpuint(spurious, ==, 0);
  finish(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_add("los/first-alloc-race", test_los_first_alloc_race, 120);
  suite_add("los/offset-reference", test_los_offset_reference, 60);
  suite_add("los/offset-reference-threads", test_los_offset_threads, 120);
  suite_add("immortal/buffer-kept", test_immortal_buffer_kept, 120);
  if (!MOVES) suite_add("trigger/poll-race", test_poll_race, 120);
  return g_test_run();
}
