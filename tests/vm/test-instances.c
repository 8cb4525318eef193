/* Several libmmtk instances alive at once in one process (issue #14), on the test VM.
 *
 * Each tvm_t is an instance with its own binding context, threads, roots and counters;
 * this program runs two or more of them side by side, each on its own plan and its own
 * threads, and checks that they share nothing but the reserved range:
 *
 *   concurrent/PLAN-PLAN   two instances, each driven by two mutator threads of its own
 *                          (random graphs against the model, rewired through the write
 *                          barrier, garbage, forced GCs), in 16 MiB heaps so that both
 *                          collect many times, at the same time (their first GCs meet
 *                          in the roots hook), with the sanity verifier on
 *                          (--enable-sanity builds); every graph is checked around
 *                          GCs, both instances must have collected, and each finalizes
 *                          exactly its own finalizable objects.
 *                          SemiSpace with MarkSweep; Immix with GenCopy; MarkCompact
 *                          with Immix; GenImmix with StickyImmix (the second instance's
 *                          room is not at the start of the range: its inline barrier)
 *   independent-stops      instance A's GC holds its world stopped (a roots hook that
 *                          waits) until instance B's mutator has allocated and
 *                          collected several times and a third instance has started,
 *                          collected and shut down: none of that waits for A's GC
 *   lifecycle              A and B run; A shuts down while B's thread keeps
 *                          allocating; C (another plan) starts in the room A gave
 *                          back, works, and goes; three rounds
 *   churn                  four threads each make and shut down twelve instances (six
 *                          plans, heaps of 4 to 16 MiB) while a fifth instance's thread
 *                          runs: the rooms of the instances alive never overlap, each
 *                          object lies in its instance's room, every list survives its
 *                          GC
 *   churn-alone            the same without the fifth: the range is unmapped whenever
 *                          the last instance goes, while other threads make new ones
 *   queries                heap queries answer for the instance asked only:
 *                          is_in_mmtk_spaces, is_mapped_address, is_mmtk_object
 *                          (VO-bit builds), is_live_object, used, free and total bytes,
 *                          enumerate_objects (VO-bit builds);
 *                          the rooms (starting and last heap address) are apart and
 *                          sized as mmtk_init(3) says; an object of A given to B's
 *                          pin_object, unpin_object, is_pinned and post_alloc (the
 *                          functions mmtk(3) says check their object) is refused with
 *                          the documented error
 *   no-room                a dynamic heap's room is its largest size's; instances with
 *                          a heap as large as the range, then with rooms
 *                          of half the largest, fill it; the next mmtk_init() fails
 *                          naming the room asked for and the largest room left (a small
 *                          one too when that room cannot hold it), and succeeds in the
 *                          room of one that shut down
 *   fork                   fork() with two instances prepared: both work again in the
 *                          parent and in the child, which can make a third
 *   logs                   with verbose=1 and no log callback, libmmtk's own log lines
 *                          on standard error: "[mmtk]" while one instance lives,
 *                          "[mmtk 1]" and "[mmtk 2]" while two do; a new instance
 *                          takes the smallest number free
 *
 * Test paths: /instances/...  Every test runs in a child process of its own, under the
 * watchdog of suite.h (the program is built with TVM_PLAN_ID=1 for that header; the
 * plans are chosen per test).  Under ThreadSanitizer the workloads are half their size
 * (ISCALE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "suite.h"
#include "tvm.h"

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif
/* ThreadSanitizer runs this program about ten times slower: half the work. */
#define ISCALE(n) (UNDER_TSAN ? (n) / 2 : (n))

/* How long a test waits for another thread before it fails (never a hang). */
#define WAIT_SECONDS 30

/* ---- Helpers --------------------------------------------------------------------------- */

static tvm_t *inst_new(const char *plan, const char *heap) {
  tvm_options_t o = {.plan = plan, .workers = 2, .heap = heap, .sanity = true};
  return tvm_new(&o);
}

/* A forced GC with this thread's graph checked before and after (the other threads of
 * the instance may run). */
static void checked_gc_thread(tvm_thread_t *th) {
  tvm_snapshot_t before, after;
  tvm_snapshot_thread(th, &before);
  uint64_t n = tvm_gc_count(tvm_vm(th)), f = suite_full_gcs(tvm_vm(th));
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint(tvm_gc_count(tvm_vm(th)), >, n);
  tvm_snapshot_thread(th, &after);
  /* tvm asks the generational plans for full-heap user GCs; a nursery GC another
   * thread triggered may still be the one that ran. */
  if (suite_full_gcs(tvm_vm(th)) == f) tvm_assert_preserved_partial(&before, &after);
  else tvm_assert_preserved(&before, &after);
}
/* A ring of `n` nodes (each with two fields: next, and a chord) in a new root slot, then
 * rewired: every chord points half way round, stored through the inline barrier of
 * <mmtk/inline.h> (which reads the instance's room and unlog bits from the mutator's
 * head).  Returns the slot. */
static size_t make_ring(tvm_thread_t *th, size_t n, uint64_t first) {
  size_t ring = tvm_push(th, NULL);
  size_t tmp = tvm_push(th, NULL);
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 2, 8 * (i % 5), first + i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, ring));
    tvm_set_root(th, ring, o);
    if (i == 0) tvm_set_root(th, tmp, o); /* the last node of the ring */
  }
  tvm_set_ref(th, tvm_root(th, tmp), 0, tvm_root(th, ring)); /* close it */
  tvm_obj_t o = tvm_root(th, ring);
  for (size_t i = 0; i < n; i++, o = tvm_ref(o, 0)) {
    tvm_obj_t far = o;
    for (size_t k = 0; k < n / 2; k++) far = tvm_ref(far, 0);
    mmtk_object_reference_write_fast(tvm_mutator(th), o, &tvm_refs(o)[1], far);
  }
  tvm_pop_to(th, tmp);
  return ring;
}

/* The room mmtk_init(3) gives an instance whose largest heap is `heap` bytes: 64 times
 * that, rounded up to a power of two, at least 256 MiB, at most the largest power of two
 * the range holds. */
static size_t room_size(size_t heap) {
  size_t range = (size_t)(MMTK_HEAP_END - MMTK_HEAP_START), most = 1, room = 256 << 20;
  while (most <= range / 2) most *= 2;
  while (room < most && room / 64 < heap) room *= 2;
  return room;
}

/* The gc_trigger option of a fixed heap of `bytes`. */
static char *heap_option(size_t bytes) {
  return g_strdup_printf("FixedHeapSize:%zuK", bytes >> 10);
}

static void deadline_in(struct timespec *ts, int seconds) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += seconds;
}

/* Does [a0, a1) overlap [b0, b1)? */
static bool overlaps(const void *a0, const void *a1, const void *b0, const void *b1) {
  return (uintptr_t)a0 < (uintptr_t)b1 && (uintptr_t)b0 < (uintptr_t)a1;
}

/* ---- concurrent ------------------------------------------------------------------------ */

/* What one instance's threads share in a concurrent run. */
struct inst_run {
  tvm_t *vm, *other;
  uint64_t tag; /* in the top 16 bits of the data word of its finalizable objects */
  _Atomic uint64_t finalizable, foreign;
  /* The rendezvous of the two instances' first GCs (in the roots hook). */
  struct meet *meet;
  bool met;
  _Atomic uint64_t overlaps; /* GCs that found the other's world stopped too */
};

struct meet {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned arrived;
  bool timed_out;
};

struct job {
  tvm_t *vm;
  struct inst_run *run;
  guint32 seed;
  int steps;
  pthread_t thread;
  unsigned forced;
  uint64_t same, preserved, rings, nursery_checked;
};

#define TAG_SHIFT 48

/* A finalized object must be one of this instance's. */
static void finalized_here(tvm_thread_t *th, tvm_obj_t o, void *arg) {
  (void)th;
  struct inst_run *run = arg;
  if (tvm_data(o) >> TAG_SHIFT != run->tag) {
    atomic_fetch_add(&run->foreign, 1);
    fprintf(stderr, "an object with data %016llx finalized by the instance of tag %llu\n",
            (unsigned long long)tvm_data(o), (unsigned long long)run->tag);
  }
}

/* A ring above the model's roots, checked across a (full) GC, after which, on a
 * generational plan, it is old; then a young leaf hung from every node through the
 * inline barrier, and 4 MiB of garbage (nursery GCs, which must find the leaves through
 * the remembered set): the thread's graph is checked across them; then dropped. */
static void ring_step(struct job *j, tvm_thread_t *th, uint64_t id) {
  size_t depth = tvm_depth(th);
  size_t ring = make_ring(th, 64, id);
  checked_gc_thread(th);
  for (size_t k = 0; k < 64; k++) {
    tvm_obj_t leaf = tvm_alloc(th, TVM_NODE, 0, 8, id + 64 + k);
    g_assert_nonnull(leaf);
    tvm_obj_t o = tvm_root(th, ring); /* no safepoint from here to the store */
    for (size_t x = 0; x < k; x++) o = tvm_ref(o, 0);
    mmtk_object_reference_write_fast(tvm_mutator(th), o, &tvm_refs(o)[1], leaf);
  }
  tvm_snapshot_t a, b;
  tvm_snapshot_thread(th, &a);
  uint64_t g0 = tvm_gc_count(j->vm), f0 = suite_full_gcs(j->vm);
  for (int k = 0; k < 1024; k++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 4000, id + (uint64_t)k));
  tvm_snapshot_thread(th, &b);
  if (tvm_gc_count(j->vm) == g0) tvm_assert_same(&a, &b);
  else if (suite_full_gcs(j->vm) == f0) tvm_assert_preserved_partial(&a, &b);
  else tvm_assert_preserved(&a, &b);
  if (suite_full_gcs(j->vm) == f0 && tvm_gc_count(j->vm) > g0) j->nursery_checked++;
  tvm_pop_to(th, depth);
}

/* One mutator of one instance: a random graph against the model, rewired by the model's
 * stores and by rings, garbage of every size, forced GCs; every graph checked. */
static void *churn_main(void *arg) {
  struct job *j = arg;
  tvm_thread_t *th = tvm_attach(j->vm);
  model_config_t cfg = {.roots = 24, .weak_percent = 10, .large_permille = 2};
  model_t *m = model_new(th, &cfg, j->seed);
  GRand *r = g_rand_new_with_seed(j->seed + 1);
  j->seed &= 0xffff; /* in the data words of finalizable objects */
  tvm_snapshot_t a, b;
  for (int i = 1; i <= j->steps; i++) {
    g_assert_true(model_step(m));
    for (int k = 0; k < 2; k++)
      g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, (size_t)g_rand_int_range(r, 0, 6000), i));
    if (i % 100 == 0) {
      model_verify(m, false);
      /* The instance's other thread collects at will: this graph must not notice. */
      uint64_t g0 = tvm_gc_count(j->vm), f0 = suite_full_gcs(j->vm);
      tvm_snapshot_thread(th, &a);
      for (int k = 0; k < 100; k++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 400, k));
      tvm_snapshot_thread(th, &b);
      if (tvm_gc_count(j->vm) == g0) {
        tvm_assert_same(&a, &b);
        j->same++;
      } else {
        if (suite_full_gcs(j->vm) == f0) tvm_assert_preserved_partial(&a, &b);
        else tvm_assert_preserved(&a, &b);
        j->preserved++;
      }
    }
    if (i % 2000 == 1000) {
      ring_step(j, th, (uint64_t)i << 8);
      j->rings++;
    }
    if (i % 2000 == 1500) {
      /* Finalizable garbage, tagged with its instance. */
      for (uint64_t k = 0; k < 16; k++) {
        uint64_t data = j->run->tag << TAG_SHIFT | (uint64_t)j->seed << 16 | ((uint64_t)i + k);
        g_assert_nonnull(tvm_alloc(th, TVM_FINALIZABLE, 1, 16, data));
      }
      atomic_fetch_add(&j->run->finalizable, 16);
    }
    if (i % 2000 == 0) {
      checked_gc_thread(th);
      model_verify(m, true);
      tvm_run_finalizers(th, finalized_here, j->run);
      j->forced++;
    }
  }
  model_free(m);
  g_rand_free(r);
  tvm_detach(th);
  return NULL;
}

/* The roots hook of a concurrent run: the first GC of each instance waits there, with
 * its world stopped, for the other's first GC (so that two GCs, and their sanity checks,
 * certainly run at once); every GC counts whether the other's world is stopped too. */
static void run_hook(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm, (void)worker_tls;
  struct inst_run *run = arg;
  if (!run->met) {
    run->met = true; /* one GC at a time per instance: no race on it */
    struct meet *m = run->meet;
    pthread_mutex_lock(&m->lock);
    m->arrived++;
    pthread_cond_broadcast(&m->cond);
    struct timespec until;
    deadline_in(&until, WAIT_SECONDS);
    while (m->arrived < 2 && !m->timed_out)
      if (pthread_cond_timedwait(&m->cond, &m->lock, &until) == ETIMEDOUT) m->timed_out = true;
    pthread_mutex_unlock(&m->lock);
  }
  if (tvm_world_stopped(run->other)) atomic_fetch_add(&run->overlaps, 1);
}

/* The checks every instance passes at the end of a concurrent run. */
static void assert_collected(tvm_t *vm, const char *plan, unsigned forced_per_thread) {
  tvm_counters_t c;
  tvm_counters(vm, &c);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(tvm_mmtk(vm), &st));
  note("%s: %llu GCs (%llu nursery), %llu root re-scans by the verifier", plan,
       (unsigned long long)c.gcs, (unsigned long long)st.nursery_gc_count,
       (unsigned long long)c.root_rescans);
  /* Two threads' requests may share a GC: at least one thread's worth. */
  g_assert_cmpuint(c.gcs, >=, forced_per_thread);
  g_assert_cmpuint(st.gc_count, ==, c.gcs);
  g_assert_cmpuint(c.stops, ==, c.gcs);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  g_assert_cmpuint(c.scan_complete_missed, ==, 0);
#if MMTK_HAVE_SANITY
  /* The verifier ran in this instance's GCs (it re-scans the roots). */
  g_assert_cmpuint(c.root_rescans, >=, c.gcs);
#endif
  tvm_assert_clean(vm);
}

static void run_pair(const char *plan_a, const char *plan_b, int steps) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 120);
  /* 16 MiB: in 8 MiB, with objects of up to 12 KB and two threads, an emergency GC's
   * space is sometimes taken by the other thread before the thread that asked for it
   * retries, which then gets out_of_memory (MMTk's rule, on one instance too). */
  tvm_t *vm[2] = {inst_new(plan_a, "FixedHeapSize:16M"), inst_new(plan_b, "FixedHeapSize:16M")};
  const char *plans[2] = {plan_a, plan_b};
  struct meet meet = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
  struct inst_run runs[2];
  memset(runs, 0, sizeof runs);
  for (int v = 0; v < 2; v++) {
    runs[v].vm = vm[v];
    runs[v].other = vm[1 - v];
    runs[v].tag = 0xa0 + (uint64_t)v;
    runs[v].meet = &meet;
    tvm_set_roots_hook(vm[v], run_hook, &runs[v]);
  }
  struct job jobs[4];
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < 4; i++) {
    jobs[i].vm = vm[i / 2];
    jobs[i].run = &runs[i / 2];
    jobs[i].seed = g_test_rand_int();
    jobs[i].steps = steps;
    g_assert_cmpint(pthread_create(&jobs[i].thread, NULL, churn_main, &jobs[i]), ==, 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(jobs[i].thread, NULL);
  for (int i = 0; i < 4; i++) {
    g_assert_cmpuint(jobs[i].forced, ==, (unsigned)steps / 2000);
    g_assert_cmpuint(jobs[i].rings, ==, (unsigned)steps / 2000);
  }
  g_assert_false(meet.timed_out);
  g_assert_cmpuint(meet.arrived, ==, 2);
  note("rings checked across nursery GCs only: %llu (%s), %llu (%s)",
       (unsigned long long)(jobs[0].nursery_checked + jobs[1].nursery_checked), plan_a,
       (unsigned long long)(jobs[2].nursery_checked + jobs[3].nursery_checked), plan_b);
  note("GCs of one instance with the other's world stopped too: %llu (%s), %llu (%s)",
       (unsigned long long)atomic_load(&runs[0].overlaps), plan_a,
       (unsigned long long)atomic_load(&runs[1].overlaps), plan_b);
  g_assert_cmpuint(atomic_load(&runs[0].overlaps) + atomic_load(&runs[1].overlaps), >=, 1);
  for (int v = 0; v < 2; v++) {
    tvm_set_roots_hook(vm[v], NULL, NULL);
    /* The last finalizable garbage: a GC, then every one is finalized, here. */
    tvm_thread_t *th = tvm_attach(vm[v]);
    g_assert_true(tvm_gc(th));
    tvm_run_finalizers(th, finalized_here, &runs[v]);
    tvm_detach(th);
    tvm_counters_t c;
    tvm_counters(vm[v], &c);
    g_assert_cmpuint(atomic_load(&runs[v].foreign), ==, 0);
    note("%s: %llu finalizable objects, all finalized by it", plans[v],
         (unsigned long long)c.finalized);
    g_assert_cmpuint(c.finalized, ==, atomic_load(&runs[v].finalizable));
    g_assert_cmpuint(c.finalized, >, 0);
    assert_collected(vm[v], plans[v], (unsigned)steps / 2000);
  }
  tvm_destroy(vm[0]);
  tvm_destroy(vm[1]);
  alarm(0);
}

static void test_concurrent_ss_ms(void) { run_pair("SemiSpace", "MarkSweep", ISCALE(16000)); }
static void test_concurrent_immix_gencopy(void) { run_pair("Immix", "GenCopy", ISCALE(16000)); }
static void test_concurrent_mc_immix(void) { run_pair("MarkCompact", "Immix", ISCALE(8000)); }
static void test_concurrent_genimmix_sticky(void) {
  run_pair("GenImmix", "StickyImmix", ISCALE(8000));
}
static void test_concurrent_compressor_pp(void) {
  run_pair("Compressor", "PageProtect", ISCALE(4000));
}

/* ---- independent-stops ------------------------------------------------------------------ */

/* A's first GC after `armed` waits in its roots hook, with A's world stopped, until B's
 * thread says it is done (or WAIT_SECONDS pass: timed_out, and the test fails). */
struct hold {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool armed, a_stopped, released, timed_out;
  tvm_t *a, *b;
  uint64_t a_gcs; /* A's GC count when its world stopped */
  uint64_t b_gcs_during, b_allocs_during;
};

static void hold_hook(tvm_t *vm, void *worker_tls, void *arg) {
  (void)vm, (void)worker_tls;
  struct hold *h = arg;
  pthread_mutex_lock(&h->lock);
  if (h->armed) {
    h->armed = false;
    h->a_stopped = true;
    pthread_cond_broadcast(&h->cond);
    struct timespec until;
    deadline_in(&until, WAIT_SECONDS);
    while (!h->released)
      if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT) {
        h->timed_out = true;
        break;
      }
  }
  pthread_mutex_unlock(&h->lock);
}

static void *hold_a_main(void *arg) {
  struct hold *h = arg;
  tvm_thread_t *th = tvm_attach(h->a);
  suite_make_list(th, 2000, 24, 0);
  tvm_snapshot_t before, after;
  tvm_snapshot(h->a, &before);
  h->a_gcs = tvm_gc_count(h->a);
  pthread_mutex_lock(&h->lock);
  h->armed = true;
  pthread_mutex_unlock(&h->lock);
  g_assert_true(tvm_gc(th)); /* held in the hook until B is done */
  g_assert_cmpuint(tvm_gc_count(h->a), ==, h->a_gcs + 1);
  tvm_snapshot(h->a, &after);
  tvm_assert_preserved(&before, &after);
  tvm_pop_to(th, 0);
  tvm_detach(th);
  return NULL;
}

#define HOLD_B_GCS 3

static void exercise(tvm_t *vm, tvm_t *other);

static void *third_main(void *arg) {
  struct hold *h = arg;
  tvm_t *c = inst_new("Immix", "FixedHeapSize:16M");
  exercise(c, h->a);
  tvm_assert_clean(c);
  tvm_destroy(c);
  return NULL;
}

static void *hold_b_main(void *arg) {
  struct hold *h = arg;
  tvm_thread_t *th = tvm_attach(h->b);
  size_t list = suite_make_list(th, 500, 16, 1000);
  /* Wait, in native state, for A's world to stop. */
  tvm_enter_native(th);
  pthread_mutex_lock(&h->lock);
  struct timespec until;
  deadline_in(&until, WAIT_SECONDS);
  while (!h->a_stopped)
    if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT)
      g_error("instance A's GC never reached its roots hook");
  pthread_mutex_unlock(&h->lock);
  tvm_leave_native(th);
  /* A's world is stopped now, and stays so until we release it: B allocates and
   * collects meanwhile: 8 MiB of garbage and a checked GC, three times. */
  uint64_t g0 = tvm_gc_count(h->b);
  uint64_t allocs = 0;
  for (int round = 0; round < HOLD_B_GCS; round++) {
    for (int i = 0; i < ISCALE(8192); i++, allocs++) {
      g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 1000, (uint64_t)i));
      if (i % 1024 == 0) g_assert_true(tvm_world_stopped(h->a));
    }
    checked_gc_thread(th);
    g_assert_true(tvm_world_stopped(h->a));
    g_assert_cmpuint(tvm_gc_count(h->a), ==, h->a_gcs);
  }
  /* A third instance starts, collects and shuts down meanwhile (another thread: this
   * one is B's). */
  tvm_enter_native(th);
  pthread_t tc;
  g_assert_cmpint(pthread_create(&tc, NULL, third_main, h), ==, 0);
  pthread_join(tc, NULL);
  tvm_leave_native(th);
  g_assert_true(tvm_world_stopped(h->a));
  g_assert_cmpuint(tvm_gc_count(h->a), ==, h->a_gcs);
  pthread_mutex_lock(&h->lock);
  g_assert_false(h->timed_out);
  h->b_gcs_during = tvm_gc_count(h->b) - g0;
  h->b_allocs_during = allocs;
  h->released = true;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
  /* B's list is intact. */
  size_t n = 0;
  for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), n++) g_assert_true(tvm_pattern_ok(o));
  g_assert_cmpuint(n, ==, 500);
  tvm_pop_to(th, 0);
  tvm_detach(th);
  return NULL;
}

static void test_independent_stops(void) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 120);
  struct hold h = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
  h.a = inst_new("SemiSpace", "FixedHeapSize:16M");
  h.b = inst_new("MarkSweep", "FixedHeapSize:16M");
  tvm_set_roots_hook(h.a, hold_hook, &h);
  pthread_t ta, tb;
  g_assert_cmpint(pthread_create(&ta, NULL, hold_a_main, &h), ==, 0);
  g_assert_cmpint(pthread_create(&tb, NULL, hold_b_main, &h), ==, 0);
  pthread_join(tb, NULL);
  pthread_join(ta, NULL);
  note("while A's world was stopped, B allocated %llu objects and ran %llu GCs",
       (unsigned long long)h.b_allocs_during, (unsigned long long)h.b_gcs_during);
  g_assert_false(h.timed_out);
  /* Its forced GCs at least (each round's 8 MiB of garbage may fit the 16 MiB heap). */
  g_assert_cmpuint(h.b_gcs_during, >=, HOLD_B_GCS);
  g_assert_cmpuint(tvm_gc_count(h.a), ==, h.a_gcs + 1);
  tvm_set_roots_hook(h.a, NULL, NULL);
  tvm_assert_clean(h.a);
  tvm_assert_clean(h.b);
  tvm_destroy(h.a);
  tvm_destroy(h.b);
  alarm(0);
}

/* ---- lifecycle -------------------------------------------------------------------------- */

/* B's thread: the model until told to stop, counting its steps. */
struct runner {
  tvm_t *vm;
  guint32 seed;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  uint64_t steps; /* under lock */
  bool stop;      /* under lock */
};

static void *runner_main(void *arg) {
  struct runner *r = arg;
  tvm_thread_t *th = tvm_attach(r->vm);
  model_config_t cfg = {.roots = 16, .weak_percent = 10};
  model_t *m = model_new(th, &cfg, r->seed);
  for (uint64_t i = 1;; i++) {
    g_assert_true(model_step(m));
    g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 2000, i));
    if (i % 100 == 0) model_verify(m, false);
    if (i % 1000 == 0) {
      checked_gc_thread(th);
      model_verify(m, true);
    }
    if (i % 50 == 0) {
      pthread_mutex_lock(&r->lock);
      r->steps = i;
      bool stop = r->stop;
      pthread_cond_broadcast(&r->cond);
      pthread_mutex_unlock(&r->lock);
      if (stop) break;
    }
  }
  checked_gc_thread(th);
  model_verify(m, true);
  model_free(m);
  tvm_detach(th);
  return NULL;
}

static uint64_t runner_steps(struct runner *r) {
  pthread_mutex_lock(&r->lock);
  uint64_t s = r->steps;
  pthread_mutex_unlock(&r->lock);
  return s;
}

/* Wait until the runner has made `more` steps beyond `from` (fails after WAIT_SECONDS). */
static void runner_wait(struct runner *r, uint64_t from, uint64_t more) {
  struct timespec until;
  deadline_in(&until, WAIT_SECONDS);
  pthread_mutex_lock(&r->lock);
  while (r->steps < from + more)
    if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
      g_error("instance B's thread made no progress (%llu steps, waiting for %llu)",
              (unsigned long long)r->steps, (unsigned long long)(from + more));
  pthread_mutex_unlock(&r->lock);
}

/* On the calling thread: attach to vm, a list, a checked GC, queries, detach. */
static void exercise(tvm_t *vm, tvm_t *other) {
  tvm_thread_t *th = tvm_attach(vm);
  size_t list = suite_make_list(th, 3000, 40, 7);
  tvm_snapshot_t before, after;
  tvm_snapshot(vm, &before);
  g_assert_true(tvm_gc(th));
  tvm_snapshot(vm, &after);
  tvm_assert_preserved(&before, &after);
  tvm_obj_t o = tvm_root(th, list);
  g_assert_true(mmtk_is_in_mmtk_spaces(tvm_mmtk(vm), o));
  g_assert_false(mmtk_is_in_mmtk_spaces(tvm_mmtk(other), o));
  tvm_pop_to(th, 0);
  tvm_detach(th);
}

static void test_lifecycle(void) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 120);
  static const char *const next_plans[] = {"Immix", "MarkCompact", "SemiSpace"};
  tvm_t *a = inst_new("SemiSpace", "FixedHeapSize:16M");
  struct runner r = {.seed = g_test_rand_int(), .lock = PTHREAD_MUTEX_INITIALIZER,
                     .cond = PTHREAD_COND_INITIALIZER};
  r.vm = inst_new("MarkSweep", "FixedHeapSize:16M");
  g_assert_cmpint(pthread_create(&r.thread, NULL, runner_main, &r), ==, 0);
  void *room = mmtk_starting_heap_address(tvm_mmtk(a));
  void *room_end = mmtk_last_heap_address(tvm_mmtk(a));
  g_assert_true((uintptr_t)room == MMTK_HEAP_START); /* the first instance of the process */
  g_assert_cmpuint((uintptr_t)room_end - (uintptr_t)room, ==, room_size(16 * MiB));
  for (int round = 0; round < 3; round++) {
    exercise(a, r.vm);
    /* A goes while B's thread allocates. */
    uint64_t s0 = runner_steps(&r);
    tvm_assert_clean(a);
    tvm_destroy(a);
    runner_wait(&r, s0, 100);
    /* C, another plan, the same heap size: the room A gave back. */
    a = inst_new(next_plans[round], "FixedHeapSize:16M");
    note("round %d: %s at %p-%p (the first instance had %p-%p); B at %llu steps, %llu GCs", round,
         next_plans[round], mmtk_starting_heap_address(tvm_mmtk(a)),
         mmtk_last_heap_address(tvm_mmtk(a)), room, room_end, (unsigned long long)runner_steps(&r),
         (unsigned long long)tvm_gc_count(r.vm));
    g_assert_true(mmtk_starting_heap_address(tvm_mmtk(a)) == room);
    g_assert_true(mmtk_last_heap_address(tvm_mmtk(a)) == room_end);
    g_assert_false(overlaps(room, room_end, mmtk_starting_heap_address(tvm_mmtk(r.vm)),
                            mmtk_last_heap_address(tvm_mmtk(r.vm))));
    runner_wait(&r, runner_steps(&r), 100);
  }
  exercise(a, r.vm);
  uint64_t g_before_stop = tvm_gc_count(r.vm);
  pthread_mutex_lock(&r.lock);
  r.stop = true;
  pthread_mutex_unlock(&r.lock);
  pthread_join(r.thread, NULL);
  g_assert_cmpuint(tvm_gc_count(r.vm), >, g_before_stop); /* its final checked GC */
  note("B: %llu steps, %llu GCs", (unsigned long long)r.steps,
       (unsigned long long)tvm_gc_count(r.vm));
  tvm_assert_clean(a);
  tvm_assert_clean(r.vm);
  tvm_destroy(a);
  tvm_destroy(r.vm);
  alarm(0);
}

/* ---- churn: instances made and shut down from several threads at once ------------------ */

/* The rooms of the instances alive, as their threads registered them. */
struct registry {
  pthread_mutex_t lock;
  uintptr_t lo[64], hi[64];
  size_t n, most;
  uint64_t overlaps;
};

struct cycler {
  struct registry *reg;
  unsigned id;
  pthread_t thread;
  unsigned made;
};

static void *cycler_main(void *arg) {
  static const char *const plans[] = {"SemiSpace", "MarkSweep", "Immix", "GenCopy",
                                      "MarkCompact", "NoGC"};
  struct cycler *c = arg;
  struct registry *reg = c->reg;
  for (unsigned i = 0; i < ISCALE(12u); i++) {
    unsigned k = c->id * 7 + i;
    size_t heap = (size_t)(4 + 4 * (k % 4)) * MiB; /* rooms of 256 MiB to 1 GiB */
    char *h = heap_option(heap);
    tvm_options_t o = {.plan = plans[k % 6], .workers = 1, .heap = h, .sanity = true};
    tvm_t *vm = tvm_new(&o);
    g_free(h);
    uintptr_t lo = (uintptr_t)mmtk_starting_heap_address(tvm_mmtk(vm));
    uintptr_t hi = (uintptr_t)mmtk_last_heap_address(tvm_mmtk(vm));
    g_assert_cmpuint(hi - lo, ==, room_size(heap));
    pthread_mutex_lock(&reg->lock);
    size_t slot = reg->n++;
    g_assert_cmpuint(reg->n, <=, 64);
    for (size_t j = 0; j < slot; j++)
      if (lo < reg->hi[j] && reg->lo[j] < hi) reg->overlaps++;
    reg->lo[slot] = lo;
    reg->hi[slot] = hi;
    if (reg->n > reg->most) reg->most = reg->n;
    pthread_mutex_unlock(&reg->lock);

    tvm_thread_t *th = tvm_attach(vm);
    size_t list = suite_make_list(th, 500, 32, k << 10);
    if (tvm_collects(vm)) g_assert_true(tvm_gc(th));
    size_t n = 0;
    for (tvm_obj_t ob = tvm_root(th, list); ob; ob = tvm_ref(ob, 0), n++) {
      g_assert_true(tvm_pattern_ok(ob));
      g_assert_true((uintptr_t)ob >= lo && (uintptr_t)ob < hi);
    }
    g_assert_cmpuint(n, ==, 500);
    tvm_pop_to(th, 0);
    tvm_detach(th);

    pthread_mutex_lock(&reg->lock);
    for (size_t j = 0; j < reg->n; j++)
      if (reg->lo[j] == lo) {
        reg->lo[j] = reg->lo[reg->n - 1];
        reg->hi[j] = reg->hi[reg->n - 1];
        reg->n--;
        break;
      }
    pthread_mutex_unlock(&reg->lock);
    tvm_assert_clean(vm);
    tvm_destroy(vm);
    c->made++;
  }
  return NULL;
}

#define CYCLERS 4

/* With `beside`, a MarkSweep instance's thread runs all along, so that the range stays
 * reserved; without, the last instance to go unmaps it while other threads make new
 * ones, which reserve it again. */
static void churn(bool beside) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 120);
  struct registry reg = {.lock = PTHREAD_MUTEX_INITIALIZER};
  struct runner r = {.seed = g_test_rand_int(), .lock = PTHREAD_MUTEX_INITIALIZER,
                     .cond = PTHREAD_COND_INITIALIZER};
  uint64_t g0 = 0;
  if (beside) {
    r.vm = inst_new("MarkSweep", "FixedHeapSize:16M");
    g_assert_cmpint(pthread_create(&r.thread, NULL, runner_main, &r), ==, 0);
    g0 = tvm_gc_count(r.vm);
  }
  struct cycler cs[CYCLERS];
  memset(cs, 0, sizeof cs);
  for (unsigned i = 0; i < CYCLERS; i++) {
    cs[i].reg = &reg;
    cs[i].id = i;
    g_assert_cmpint(pthread_create(&cs[i].thread, NULL, cycler_main, &cs[i]), ==, 0);
  }
  for (unsigned i = 0; i < CYCLERS; i++) pthread_join(cs[i].thread, NULL);
  for (unsigned i = 0; i < CYCLERS; i++) g_assert_cmpuint(cs[i].made, ==, ISCALE(12u));
  g_assert_cmpuint(reg.overlaps, ==, 0);
  g_assert_cmpuint(reg.n, ==, 0);
  note("%u instances made and shut down by %d threads, at most %zu at once%s",
       cs[0].made * CYCLERS, CYCLERS, reg.most, beside ? " beside B" : "");
  if (beside) {
    runner_wait(&r, runner_steps(&r), 100);
    pthread_mutex_lock(&r.lock);
    r.stop = true;
    pthread_mutex_unlock(&r.lock);
    pthread_join(r.thread, NULL);
    note("B ran %llu GCs meanwhile", (unsigned long long)(tvm_gc_count(r.vm) - g0));
    g_assert_cmpuint(tvm_gc_count(r.vm), >, g0);
    tvm_assert_clean(r.vm);
    tvm_destroy(r.vm);
  }
  /* Alone again: the first instance gets the start of the range. */
  tvm_t *vm = inst_new("NoGC", "FixedHeapSize:16M");
  g_assert_true((uintptr_t)mmtk_starting_heap_address(tvm_mmtk(vm)) == MMTK_HEAP_START);
  tvm_destroy(vm);
  alarm(0);
}

static void test_churn(void) { churn(true); }
static void test_churn_alone(void) { churn(false); }

/* ---- queries ---------------------------------------------------------------------------- */

/* The last error is mmtk(3)'s "FUNCTION: ADDRESS belongs to another instance (instance
 * N; ...)", N the owner's number. */
static void assert_refused(const char *fn, const void *object, unsigned owner) {
  const char *e = mmtk_last_error();
  char *want = g_strdup_printf("%s: %p belongs to another instance (instance %u", fn, object, owner);
  note("%s: %s", fn, e ? e : "(no error)");
  g_assert_nonnull(e);
  if (!g_str_has_prefix(e, want)) g_error("the last error is \"%s\", not \"%s...\"", e, want);
  g_free(want);
}

/* Leave a known error behind, so that a refusal shows as a new one. */
static void reset_error(void) {
  g_assert_null(mmtk_starting_heap_address(NULL));
  g_assert_nonnull(strstr(mmtk_last_error(), "mmtk_starting_heap_address"));
}

struct b_work {
  tvm_t *a, *b;
  tvm_obj_t obj_a; /* an object of A (MarkSweep: it stays put) */
  tvm_obj_t obj_b; /* set by b_main */
  size_t used_a_before, used_a_after;
};

static void *queries_b_main(void *arg) {
  struct b_work *w = arg;
  mmtk_t *A = tvm_mmtk(w->a), *B = tvm_mmtk(w->b);
  tvm_thread_t *th = tvm_attach(w->b);
  size_t used_b0 = mmtk_used_bytes(B);
  w->used_a_before = mmtk_used_bytes(A);
  /* 6 MiB kept in B: B's used bytes follow, A's do not move. */
  size_t list = suite_make_list(th, 6 * 1024, 1000, 50000);
  size_t used_b1 = mmtk_used_bytes(B);
  w->used_a_after = mmtk_used_bytes(A);
  note("B's used bytes: %zu -> %zu; A's: %zu -> %zu", used_b0, used_b1, w->used_a_before,
       w->used_a_after);
  g_assert_cmpuint(used_b1, >=, used_b0 + 6 * MiB);
  g_assert_cmpuint(w->used_a_after, ==, w->used_a_before);
  g_assert_cmpuint(mmtk_free_bytes(B), ==, 24 * MiB - mmtk_used_bytes(B));
  g_assert_cmpuint(mmtk_free_bytes(A), ==, 32 * MiB - w->used_a_after);

  size_t slot = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 16, 77));
  tvm_obj_t ob = tvm_root(th, slot);
  w->obj_b = ob;
  g_assert_true(mmtk_is_in_mmtk_spaces(B, ob));
  g_assert_false(mmtk_is_in_mmtk_spaces(A, ob));
  g_assert_true(mmtk_is_mapped_address(B, ob));
  g_assert_false(mmtk_is_mapped_address(A, ob));
  g_assert_true(mmtk_is_live_object(B, ob));
  g_assert_false(mmtk_is_live_object(A, ob));
#if MMTK_HAVE_VO_BIT
  g_assert_true(mmtk_is_mmtk_object(B, ob) == ob);
  g_assert_null(mmtk_is_mmtk_object(A, ob));
#endif

  /* B's own object: Immix pins it (the control for what follows). */
  g_assert_true(mmtk_pin_object(B, ob));
  g_assert_true(mmtk_is_pinned(B, ob));
  g_assert_true(mmtk_unpin_object(B, ob));
  g_assert_false(mmtk_is_pinned(B, ob));

  /* A's object given to B's functions that check their object: refused. */
  tvm_obj_t oa = w->obj_a;
  uint64_t header = tvm_words(oa)[0];
  reset_error();
  g_assert_false(mmtk_pin_object(B, oa));
  assert_refused("mmtk_pin_object", oa, 1);
  reset_error();
  g_assert_false(mmtk_unpin_object(B, oa));
  assert_refused("mmtk_unpin_object", oa, 1);
  reset_error();
  g_assert_false(mmtk_is_pinned(B, oa));
  assert_refused("mmtk_is_pinned", oa, 1);
  /* post_alloc logs its refusal through B's binding: one error line. */
  tvm_counters_t c0, c1;
  tvm_counters(w->b, &c0);
  reset_error();
  mmtk_post_alloc(tvm_mutator(th), oa, tvm_size(oa), MMTK_ALLOC_DEFAULT);
  assert_refused("mmtk_post_alloc", oa, 1);
  tvm_counters(w->b, &c1);
  g_assert_cmpuint(c1.log_errors, ==, c0.log_errors + 1);
  g_assert_cmpuint(tvm_words(oa)[0], ==, header);
  g_assert_true(mmtk_is_live_object(A, oa));
  g_assert_false(mmtk_is_live_object(B, oa));
  g_assert_true(mmtk_is_mapped_address(A, oa));
  g_assert_false(mmtk_is_mapped_address(B, oa));
#if MMTK_HAVE_VO_BIT
  g_assert_true(mmtk_is_mmtk_object(A, oa) == oa);
  g_assert_null(mmtk_is_mmtk_object(B, oa));
  g_assert_null(mmtk_find_object_from_internal_pointer(B, (char *)oa + 8, 4096));
#endif
  /* B's graph is whole after a GC. */
  size_t n = 0;
  checked_gc_thread(th);
  for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), n++) g_assert_true(tvm_pattern_ok(o));
  g_assert_cmpuint(n, ==, 6 * 1024);
  tvm_pop_to(th, 0);
  tvm_detach(th);
  return NULL;
}

#if MMTK_HAVE_VO_BIT
/* mmtk_enumerate_objects() of one instance visits its objects only. */
struct census {
  const mmtk_t *self, *other;
  size_t objects, strays;
};

static void count_object(mmtk_object_t o, void *data) {
  struct census *c = data;
  c->objects++;
  uintptr_t a = (uintptr_t)o;
  if (a < (uintptr_t)mmtk_starting_heap_address(c->self) ||
      a >= (uintptr_t)mmtk_last_heap_address(c->self) || !mmtk_is_in_mmtk_spaces(c->self, o) ||
      mmtk_is_in_mmtk_spaces(c->other, o) || mmtk_is_mmtk_object(c->other, o))
    c->strays++;
}

/* Every object of `self` (none of its mutators may run), none of `other`'s. */
static size_t census(const mmtk_t *self, const mmtk_t *other) {
  struct census c = {.self = self, .other = other};
  g_assert_true(mmtk_enumerate_objects((mmtk_t *)self, count_object, &c));
  g_assert_cmpuint(c.strays, ==, 0);
  return c.objects;
}
#endif

static void test_queries(void) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 120);
  struct b_work w = {0};
  w.a = inst_new("MarkSweep", "FixedHeapSize:32M");
  w.b = inst_new("Immix", "FixedHeapSize:24M");
  mmtk_t *A = tvm_mmtk(w.a), *B = tvm_mmtk(w.b);
  g_assert_cmpuint(mmtk_total_bytes(A), ==, 32 * MiB);
  g_assert_cmpuint(mmtk_total_bytes(B), ==, 24 * MiB);
  void *a0 = mmtk_starting_heap_address(A), *a1 = mmtk_last_heap_address(A);
  void *b0 = mmtk_starting_heap_address(B), *b1 = mmtk_last_heap_address(B);
  note("A: %p-%p, B: %p-%p", a0, a1, b0, b1);
  g_assert_true((uintptr_t)a0 < (uintptr_t)a1);
  g_assert_true((uintptr_t)b0 < (uintptr_t)b1);
  g_assert_false(overlaps(a0, a1, b0, b1));
  /* mmtk_init(3): 64 times the heap, rounded up to a power of two, at least 256 MiB, and
   * aligned to its size; the first instance of a process at the start of the range. */
  g_assert_cmpuint(room_size(32 * MiB), ==, 2048 * MiB);
  g_assert_cmpuint((uintptr_t)a1 - (uintptr_t)a0, ==, room_size(32 * MiB));
  g_assert_cmpuint((uintptr_t)b1 - (uintptr_t)b0, ==, room_size(24 * MiB));
  g_assert_cmpuint(((uintptr_t)a0 - MMTK_HEAP_START) % room_size(32 * MiB), ==, 0);
  g_assert_cmpuint(((uintptr_t)b0 - MMTK_HEAP_START) % room_size(24 * MiB), ==, 0);
  g_assert_true((uintptr_t)a0 == MMTK_HEAP_START);
  g_assert_cmpuint((uintptr_t)a0, >=, MMTK_HEAP_START);
  g_assert_cmpuint((uintptr_t)a1, <=, MMTK_HEAP_END);
  g_assert_cmpuint((uintptr_t)b0, >=, MMTK_HEAP_START);
  g_assert_cmpuint((uintptr_t)b1, <=, MMTK_HEAP_END);

  /* A: an object kept in a global, and 8 MiB kept; B's used bytes do not move. */
  tvm_thread_t *th = tvm_attach(w.a);
  size_t used_a0 = mmtk_used_bytes(A), used_b0 = mmtk_used_bytes(B);
  tvm_set_global(w.a, 0, tvm_alloc(th, TVM_NODE, 1, 16, 1));
  tvm_obj_t oa = tvm_global(w.a, 0);
  size_t list = suite_make_list(th, 8 * 1024, 1000, 100);
  tvm_set_global(w.a, 1, tvm_root(th, list));
  size_t used_a1 = mmtk_used_bytes(A), used_b1 = mmtk_used_bytes(B);
  note("A's used bytes: %zu -> %zu; B's: %zu -> %zu", used_a0, used_a1, used_b0, used_b1);
  g_assert_cmpuint(used_a1, >=, used_a0 + 8 * MiB);
  g_assert_cmpuint(used_b1, ==, used_b0);
  g_assert_true(oa == tvm_global(w.a, 0)); /* MarkSweep: never moves */
  g_assert_true((uintptr_t)oa >= (uintptr_t)a0 && (uintptr_t)oa < (uintptr_t)a1);
  g_assert_true(mmtk_is_in_mmtk_spaces(A, oa));
  g_assert_false(mmtk_is_in_mmtk_spaces(B, oa));
#if MMTK_HAVE_VO_BIT
  g_assert_true(mmtk_is_mmtk_object(A, oa) == oa);
  g_assert_null(mmtk_is_mmtk_object(B, oa));
#endif
  tvm_pop_to(th, 0);
  tvm_detach(th); /* A has no mutator now: no GC of A below, oa stays where it is */
#if MMTK_HAVE_VO_BIT
  size_t in_a = census(A, B);
  g_assert_cmpuint(in_a, >=, 8 * 1024 + 1);
  g_assert_cmpuint(census(B, A), ==, 0);
#endif

  w.obj_a = oa;
  pthread_t tb;
  g_assert_cmpint(pthread_create(&tb, NULL, queries_b_main, &w), ==, 0);
  pthread_join(tb, NULL);
  g_assert_true(mmtk_is_in_mmtk_spaces(A, oa));
  g_assert_false(mmtk_is_in_mmtk_spaces(B, oa));
  /* (B's object may have moved in its GC: only where it is not is checked.) */
  g_assert_false(mmtk_is_in_mmtk_spaces(A, w.obj_b));
#if MMTK_HAVE_VO_BIT
  /* B's objects (its list and what survived), none of A's; A's census unchanged. */
  size_t in_b = census(B, A);
  note("objects enumerated: %zu in A, %zu in B", in_a, in_b);
  g_assert_cmpuint(in_b, >=, 6 * 1024);
  g_assert_cmpuint(census(A, B), ==, in_a);
#endif
  /* Totals stayed per instance. */
  g_assert_cmpuint(mmtk_total_bytes(A), ==, 32 * MiB);
  g_assert_cmpuint(mmtk_total_bytes(B), ==, 24 * MiB);

  tvm_assert_clean(w.a);
  tvm_counters_t c;
  tvm_counters(w.b, &c);
  g_assert_cmpuint(c.log_errors, ==, 1); /* post_alloc's refusal, and nothing else */
  g_assert_cmpuint(c.handshake_errors, ==, 0);
  g_assert_cmpuint(c.insane_objects, ==, 0);
  tvm_set_global(w.a, 0, NULL);
  tvm_set_global(w.a, 1, NULL);
  tvm_destroy(w.a);
  tvm_destroy(w.b);
  alarm(0);
}

/* ---- no-room ---------------------------------------------------------------------------- */

static tvm_t *try_inst(const char *plan, size_t heap_bytes) {
  char *heap = heap_option(heap_bytes);
  tvm_options_t o = {.plan = plan, .workers = 1, .heap = heap};
  tvm_t *vm = tvm_try_new(&o);
  g_free(heap);
  return vm;
}

#define MAX_FILL 64

/* The failure mmtk_init(3) documents: "... this instance asked for ROOM bytes (for a heap
 * of up to HEAP bytes) and the largest room left is LEFT bytes ..."; returns LEFT. */
static size_t assert_no_room(const char *err, size_t heap) {
  note("mmtk_init for a heap of %zu bytes: %s", heap, err);
  g_assert_true(g_str_has_prefix(err, "mmtk_init: no room left in the heap range"));
  char *asked = g_strdup_printf("asked for %zu bytes (for a heap of up to %zu bytes)",
                                room_size(heap), heap);
  if (!strstr(err, asked)) g_error("\"%s\" does not say \"%s\"", err, asked);
  g_free(asked);
  const char *left = strstr(err, "the largest room left is ");
  g_assert_nonnull(left);
  size_t n = (size_t)g_ascii_strtoull(left + strlen("the largest room left is "), NULL, 10);
  g_assert_cmpuint(n, <, room_size(heap));
  return n;
}

static void assert_rooms_apart(tvm_t **vms, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      g_assert_false(overlaps(mmtk_starting_heap_address(tvm_mmtk(vms[i])),
                              mmtk_last_heap_address(tvm_mmtk(vms[i])),
                              mmtk_starting_heap_address(tvm_mmtk(vms[j])),
                              mmtk_last_heap_address(tvm_mmtk(vms[j]))));
}

/* Fill the range with instances of `heap` bytes until mmtk_init() refuses one (checked);
 * shut the last one down and start the refused one in its room (SemiSpace, which
 * collects); shut them all down. */
static void fill_and_free(size_t heap) {
  tvm_t *fill[MAX_FILL];
  size_t n = 0;
  tvm_t *vm;
  while (n < MAX_FILL && (vm = try_inst("MarkSweep", heap))) {
    g_assert_cmpuint((uintptr_t)mmtk_last_heap_address(tvm_mmtk(vm)) -
                         (uintptr_t)mmtk_starting_heap_address(tvm_mmtk(vm)), ==, room_size(heap));
    fill[n++] = vm;
  }
  g_assert_cmpuint(n, >=, 1);
  g_assert_cmpuint(n, <, MAX_FILL);
  note("%zu instance(s) with heaps of %zu bytes fit", n, heap);
  char *err = g_strdup(mmtk_last_error());
  size_t left = assert_no_room(err, heap);
  g_free(err);
  assert_rooms_apart(fill, n);
  /* A small one fits exactly when the largest room left holds it. */
  vm = try_inst("NoGC", 16 * MiB);
  if (left >= room_size(16 * MiB)) {
    g_assert_nonnull(vm);
    tvm_destroy(vm);
  } else {
    g_assert_null(vm);
    err = g_strdup(mmtk_last_error());
    g_assert_cmpuint(assert_no_room(err, 16 * MiB), ==, left);
    g_free(err);
  }
  /* One goes: the refused request now succeeds, in the room given back. */
  void *freed = mmtk_starting_heap_address(tvm_mmtk(fill[n - 1]));
  tvm_destroy(fill[n - 1]);
  fill[n - 1] = try_inst("SemiSpace", heap);
  if (!fill[n - 1]) g_error("after a shutdown, mmtk_init still fails: %s", mmtk_last_error());
  g_assert_true(mmtk_starting_heap_address(tvm_mmtk(fill[n - 1])) == freed);
  tvm_thread_t *th = tvm_attach(fill[n - 1]);
  size_t list = suite_make_list(th, 1000, 64, 0);
  g_assert_true(tvm_gc(th));
  size_t k = 0;
  for (tvm_obj_t o = tvm_root(th, list); o; o = tvm_ref(o, 0), k++) g_assert_true(tvm_pattern_ok(o));
  g_assert_cmpuint(k, ==, 1000);
  tvm_pop_to(th, 0);
  tvm_detach(th);
  for (size_t i = 0; i < n; i++) tvm_destroy(fill[i]);
}

static void test_no_room(void) {
  suite_watchdog_arm(120);
  size_t range = (size_t)(MMTK_HEAP_END - MMTK_HEAP_START);
  g_test_message("%s", mmtk_build_info());
  /* A dynamic heap: the room of its largest size. */
  tvm_options_t o = {.plan = "Immix", .workers = 1, .heap = "DynamicHeapSize:16M,64M"};
  tvm_t *dyn = tvm_new(&o);
  g_assert_cmpuint((uintptr_t)mmtk_last_heap_address(tvm_mmtk(dyn)) -
                       (uintptr_t)mmtk_starting_heap_address(tvm_mmtk(dyn)), ==, room_size(64 * MiB));
  tvm_destroy(dyn);
  /* A heap as large as the range: its room is the largest the range holds. */
  size_t most = room_size(range);
  note("range %zu bytes; the largest room %zu bytes", range, most);
  fill_and_free(range);
  /* Rooms of half that: two fit in a range of a power-of-two size. */
  fill_and_free(most / 128);
  alarm(0);
}

/* ---- fork ------------------------------------------------------------------------------- */

/* A list of `n` nodes kept in global 0 of vm, made by the calling thread (not attached). */
static void global_list(tvm_t *vm, size_t n, uint64_t first) {
  tvm_thread_t *th = tvm_attach(vm);
  size_t list = suite_make_list(th, n, 48, first);
  tvm_set_global(vm, 0, tvm_root(th, list));
  tvm_pop_to(th, 0);
  tvm_detach(th);
}

/* On the calling thread: a GC of vm, then its global list is whole. */
static void check_global_list(tvm_t *vm, size_t n, uint64_t first) {
  tvm_thread_t *th = tvm_attach(vm);
  g_assert_true(tvm_gc(th));
  size_t k = 0;
  for (tvm_obj_t o = tvm_global(vm, 0); o; o = tvm_ref(o, 0), k++) {
    g_assert_true(tvm_pattern_ok(o));
    g_assert_cmpuint(tvm_data(o), ==, first + n - 1 - k);
    g_assert_true(mmtk_is_in_mmtk_spaces(tvm_mmtk(vm), o));
  }
  g_assert_cmpuint(k, ==, n);
  tvm_detach(th);
}

static int fork_tls;

/* fork() with two instances: each prepared, both restarted in the parent and the child,
 * where both collect and keep their lists, and a third instance can be made. */
static void test_fork(void) {
  suite_watchdog_arm(UNDER_TSAN ? 600 : 60);
  tvm_t *a = inst_new("SemiSpace", "FixedHeapSize:16M");
  tvm_t *b = inst_new("MarkSweep", "FixedHeapSize:16M");
  global_list(a, 3000, 1);
  global_list(b, 2000, 100000);
  check_global_list(a, 3000, 1);
  check_global_list(b, 2000, 100000);
  g_assert_true(mmtk_prepare_to_fork(tvm_mmtk(a)));
  g_assert_true(mmtk_prepare_to_fork(tvm_mmtk(b)));
  fflush(NULL);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  g_assert_true(mmtk_after_fork(tvm_mmtk(a), &fork_tls));
  g_assert_true(mmtk_after_fork(tvm_mmtk(b), &fork_tls));
  check_global_list(a, 3000, 1);
  check_global_list(b, 2000, 100000);
  if (pid == 0) {
    alarm(60); /* the child's own watchdog */
    tvm_t *c = inst_new("Immix", "FixedHeapSize:16M");
    exercise(c, a);
    tvm_destroy(c);
    check_global_list(b, 2000, 100000);
    tvm_set_global(a, 0, NULL);
    tvm_set_global(b, 0, NULL);
    tvm_assert_clean(a);
    tvm_assert_clean(b);
    tvm_destroy(a);
    tvm_destroy(b);
    _exit(0);
  }
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    g_error("the child failed (status 0x%x): see its messages above", status);
  tvm_set_global(a, 0, NULL);
  tvm_set_global(b, 0, NULL);
  tvm_assert_clean(a);
  tvm_assert_clean(b);
  tvm_destroy(a);
  tvm_destroy(b);
  alarm(0);
}

/* ---- logs ------------------------------------------------------------------------------- */

static void no_log(tvm_t *vm, mmtk_vm_binding_t *binding, void *arg) {
  (void)vm, (void)arg;
  binding->log = NULL; /* libmmtk's default: standard error */
}

static tvm_t *inst_verbose(const char *plan) {
  tvm_options_t o = {.plan = plan, .workers = 1, .heap = "FixedHeapSize:16M",
                     .extra = "verbose=1", .customize = no_log};
  return tvm_new(&o);
}

/* The text before "GC(" of the nth (from 1) log line of a GC of `plan` in `text`, or
 * NULL. */
static char *prefix_of(const char *text, const char *plan, int nth) {
  char **lines = g_strsplit(text, "\n", -1);
  char *found = NULL;
  char *marker = g_strdup_printf(") %s ", plan);
  for (guint i = 0; lines[i] && !found; i++) {
    char *gc = strstr(lines[i], "GC(");
    if (gc && strstr(gc, marker) && --nth == 0) found = g_strndup(lines[i], (gsize)(gc - lines[i]));
  }
  g_free(marker);
  g_strfreev(lines);
  return found;
}

static void gc_on_new_thread_body(tvm_t *vm) {
  tvm_thread_t *th = tvm_attach(vm);
  suite_make_list(th, 100, 8, 0);
  g_assert_true(tvm_gc(th));
  tvm_pop_to(th, 0);
  tvm_detach(th);
}

static void *gc_on_new_thread(void *arg) {
  gc_on_new_thread_body(arg);
  return NULL;
}

/* Standard error into a file (appended to) between capture_begin() and capture_end(),
 * so that a failure outside stays visible. */
typedef struct {
  int fd, saved;
} capture_t;

static capture_t capture_begin(const char *path) {
  capture_t c;
  fflush(stderr);
  c.fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
  g_assert_cmpint(c.fd, >=, 0);
  c.saved = dup(STDERR_FILENO);
  g_assert_cmpint(c.saved, >=, 0);
  g_assert_cmpint(dup2(c.fd, STDERR_FILENO), ==, STDERR_FILENO);
  return c;
}

static void capture_end(capture_t *c) {
  fflush(stderr);
  g_assert_cmpint(dup2(c->saved, STDERR_FILENO), ==, STDERR_FILENO);
  close(c->saved);
  close(c->fd);
}

static void test_logs(void) {
  suite_watchdog_arm(60);
  char *path = NULL;
  int fd = g_file_open_tmp("inst-stderr-XXXXXX", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  close(fd);

  /* One instance alone, then two alive at once; then A goes and C (Immix) comes, with
   * B alive: C takes number 1, the smallest not in use; then C goes and B is alone. */
  tvm_t *a = inst_verbose("SemiSpace");
  capture_t c = capture_begin(path);
  gc_on_new_thread_body(a);
  capture_end(&c);
  tvm_t *b = inst_verbose("MarkSweep");
  c = capture_begin(path);
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, gc_on_new_thread, a), ==, 0);
  pthread_join(t, NULL);
  g_assert_cmpint(pthread_create(&t, NULL, gc_on_new_thread, b), ==, 0);
  pthread_join(t, NULL);
  capture_end(&c);
  tvm_destroy(a);
  tvm_t *cc = inst_verbose("Immix");
  c = capture_begin(path);
  g_assert_cmpint(pthread_create(&t, NULL, gc_on_new_thread, cc), ==, 0);
  pthread_join(t, NULL);
  g_assert_cmpint(pthread_create(&t, NULL, gc_on_new_thread, b), ==, 0);
  pthread_join(t, NULL);
  capture_end(&c);
  tvm_destroy(cc);
  c = capture_begin(path);
  gc_on_new_thread_body(b);
  capture_end(&c);

  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_unlink(path);
  g_free(path);
  g_printerr("%s", text); /* for the log */

  /* mmtk(3): "[mmtk N]" instead of "[mmtk]" while several are alive; numbers from 1,
   * the smallest not in use. */
  static const struct {
    const char *plan;
    int nth;
    const char *prefix;
  } want[] = {
      {"SemiSpace", 1, "[mmtk] "},   /* A alone */
      {"SemiSpace", 2, "[mmtk 1] "}, /* A beside B */
      {"MarkSweep", 1, "[mmtk 2] "}, /* B beside A */
      {"Immix", 1, "[mmtk 1] "},     /* C beside B, in A's number */
      {"MarkSweep", 2, "[mmtk 2] "}, /* B beside C */
      {"MarkSweep", 3, "[mmtk] "},   /* B alone */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    char *p = prefix_of(text, want[i].plan, want[i].nth);
    if (!p) g_error("no log line of GC %d of %s", want[i].nth, want[i].plan);
    note("GC %d of %s: '%s'", want[i].nth, want[i].plan, p);
    g_assert_cmpstr(p, ==, want[i].prefix);
    g_free(p);
  }
  g_free(text);
  tvm_destroy(b);
  alarm(0);
}

/* ---- Registration ----------------------------------------------------------------------- */

static void add(const char *path, GTestFunc fn, unsigned timeout) {
  char *full = g_strdup_printf("/instances/%s", path);
  struct suite_case *t = g_new0(struct suite_case, 1); /* GLib frees it with the suite */
  t->fn = fn;
  t->timeout = (UNDER_TSAN ? 10 * timeout : timeout) + 30;
  g_test_add_data_func_full(full, t, suite_isolated, g_free);
  g_free(full);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_message("sanity=%s; %s", MMTK_HAVE_SANITY ? "on" : "off", mmtk_build_info());
  add("concurrent/semispace-marksweep", test_concurrent_ss_ms, 60);
  add("concurrent/immix-gencopy", test_concurrent_immix_gencopy, 60);
  add("concurrent/markcompact-immix", test_concurrent_mc_immix, 60);
  add("concurrent/genimmix-stickyimmix", test_concurrent_genimmix_sticky, 60);
  add("concurrent/compressor-pageprotect", test_concurrent_compressor_pp, 60);
  add("independent-stops", test_independent_stops, 60);
  add("lifecycle", test_lifecycle, 60);
  add("churn", test_churn, 60);
  add("churn-alone", test_churn_alone, 60);
  add("queries", test_queries, 60);
  add("no-room", test_no_room, 60);
  add("fork", test_fork, 60);
  add("logs", test_logs, 30);
  return g_test_run();
}
