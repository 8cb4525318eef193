/* The binding interface, callback by callback, on the test VM with callbacks a test adds
 * or replaces (tvm_options_t.customize).  One configuration per program:
 *
 *   TVM_PLAN_ID   1 = SemiSpace, 2 = MarkSweep
 *   TVM_WORKERS   GC worker threads (option threads)
 *
 * Every instance runs with sanity=true in --enable-sanity builds.  Each test runs in a
 * child process with its own instance (the replaced callbacks keep their state in
 * globals), ends by checking the VM's error counters, and has a watchdog.
 *
 *   binding/vm-copy           copy: the VM copies with mmtk_copy_context_*; an object
 *                             it has hashed grows by a word (the identity hash) when it
 *                             first moves, some copies are aligned; every moved object
 *                             went through it, no other (MarkSweep: never called)
 *   binding/copy-geometry     the default copy with get_size_when_copied,
 *                             get_align_when_copied and get_align_offset_when_copied
 *   binding/spawn-gc-thread   the VM's own GC threads: one per worker, given the tls of
 *                             mmtk_initialize_collection; GC work runs on them; shutdown
 *                             lets every one return
 *   binding/spawn-retry       a failed spawn: the second mmtk_initialize_collection
 *                             starts only the missing workers
 *   binding/spawn-shutdown-early  shutdown before the VM's threads reach
 *                             mmtk_start_worker: waited for, they return
 *   binding/spawn-wrong-worker/{null,foreign,other}  a GC thread passes NULL, a
 *                             pointer that is no worker, or another thread's worker:
 *                             refused at once with its message; the other workers
 *                             collect; shutdown does not wait for the missing one
 *   binding/spawn-stale-worker  a worker of a shut-down instance, with that instance
 *                             or a new one, and NULL: refused; the workers still collect
 *   binding/active-plan       number_of_mutators, iterate_mutators, is_mutator,
 *                             get_mutator from the VM, four mutator threads
 *   binding/active-plan-check (extreme assertions) a get_mutator that lies, an
 *                             iterate_mutators that skips: the panics name them
 *   binding/weak-table        process_weak_refs on a VM-side ephemeron table: "call me
 *                             again" after retaining, dead entries dropped, live ones
 *                             updated
 *   binding/weak-table-wide   the same with values big enough to be traced by several
 *                             workers: the next call waits until they are all done
 *   binding/weak-table-retain-only  a hook that never returns true is called again
 *                             all the same after it retained new objects
 *   binding/post-forwarding   once per GC, after weak processing, every root already
 *                             forwarded, before resume_mutators
 *   binding/trace-edges       support_slot_enqueuing false for some objects: they are
 *                             scanned with scan_object_and_trace_edges only
 *   binding/collection-disabled  is_collection_enabled false: no GC, not even on a full
 *                             heap (the allocation fails); true again: GCs resume
 *   binding/delegated         gc_trigger=Delegated: a GC exactly when is_gc_required
 *                             says so
 *   binding/init-rejects      mmtk_init names the missing callback (the ones
 *                             test-lifecycle does not cover)
 *   binding/dump-object       (sanity) the verifier's abort shows dump_object's view
 */
#define _GNU_SOURCE
#include <glib.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "suite.h"
#include "tvm.h"

/* The verifier scans every reachable object once more per GC. */
#define SANITY_ON (MMTK_HAVE_SANITY ? 1 : 0)

/* ---- Fixture ---------------------------------------------------------------------- */

/* tvm's own callbacks, for the replacements that chain to them. */
static mmtk_vm_binding_t orig;

typedef void (*customize_fn)(mmtk_vm_binding_t *b);

static void customize_trampoline(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  orig = *b;
  customize_fn fn = (customize_fn)(uintptr_t)arg;
  if (fn) fn(b);
}

static tvm_options_t options(const char *heap, const char *stress) {
  tvm_options_t o = {
      .plan = PLAN,
      .workers = TVM_WORKERS,
      .heap = heap,
      .stress_factor = stress,
      .sanity = true,
  };
  return o;
}

/* A new instance with `fn` applied to the binding; attaches the calling thread unless
 * the test defers collection. */
static void start_opts(fx_t *f, tvm_options_t *o, customize_fn fn, unsigned timeout) {
  suite_watchdog_arm(timeout);
  o->customize = customize_trampoline;
  o->customize_arg = (void *)(uintptr_t)fn;
  f->vm = tvm_new(o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = o->defer_collection ? NULL : tvm_attach(f->vm);
}

static void start(fx_t *f, customize_fn fn) {
  tvm_options_t o = options(NULL, NULL);
  start_opts(f, &o, fn, 120);
}

static void checked_gc(fx_t *f) { suite_checked_gc(f, tvm_assert_preserved); }
/* `bytes` of unreachable BYTES objects of `each` bytes; false if one failed. */
static bool garbage(tvm_thread_t *th, size_t bytes, size_t each) {
  for (size_t done = 0; done < bytes; done += tvm_object_size(0, each))
    if (!tvm_alloc(th, TVM_BYTES, 0, each, done)) return false;
  return true;
}

/* An object is intact: sane header, its pattern, the expected data word. */
static void assert_intact(fx_t *f, tvm_obj_t o, uint64_t data) {
  g_assert_nonnull(o);
  g_assert_null(tvm_header_problem(o));
  g_assert_true(tvm_pattern_ok(o));
  g_assert_cmpuint(tvm_data(o), ==, data);
  g_assert_true(mmtk_is_live_object(f->mmtk, o));
}

static void set_flags(tvm_obj_t o, unsigned flags) {
  tvm_words(o)[0] |= (uint64_t)flags << TVM_FLAGS_SHIFT;
}

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- copy --------------------------------------------------------------------------- */

/* A Java-style identity hash: HASHED once the mutator asked for it (the hash is the
 * address at that moment); the first copy appends a word holding it and sets HASH_SLOT. */
#define HASHED 0x10u
#define HASH_SLOT 0x20u
#define NONMOVING_DATA 1000000u

static _Atomic uint64_t vc_copies, vc_grown, vc_bad;

static size_t hash_slot_offset(tvm_obj_t o) { return round8(tvm_size(o)); }

static size_t vc_current_size(void *ctx, mmtk_object_t o) {
  (void)ctx;
  return tvm_flags(o) & HASH_SLOT ? hash_slot_offset(o) + 8 : tvm_size(o);
}

/* Objects whose data word is a multiple of 4 are copied so that reference + 8 is 32-byte
 * aligned. */
static bool vc_aligned(tvm_obj_t o) { return tvm_data(o) % 4 == 0; }

static mmtk_object_t vc_copy(void *ctx, mmtk_object_t o, int semantics,
                             mmtk_copy_context_t *cc) {
  atomic_fetch_add(&vc_copies, 1);
  if (tvm_data(o) >= NONMOVING_DATA) atomic_fetch_add(&vc_bad, 1);
  size_t cur = vc_current_size(ctx, o);
  bool grow = (tvm_flags(o) & (HASHED | HASH_SLOT)) == HASHED;
  size_t bytes = grow ? hash_slot_offset(o) + 8 : cur;
  void *to = mmtk_copy_context_alloc(cc, bytes, vc_aligned(o) ? 32 : 8, vc_aligned(o) ? 8 : 0,
                                     semantics);
  memcpy(to, o, cur);
  if (grow) {
    uint64_t hash = (uint64_t)(uintptr_t)o; /* it has not moved since it was hashed */
    memcpy((char *)to + hash_slot_offset(o), &hash, 8);
    set_flags(to, HASH_SLOT);
    atomic_fetch_add(&vc_grown, 1);
  }
  mmtk_copy_context_post_copy(cc, to, bytes, semantics);
  return to;
}

static void vm_copy_binding(mmtk_vm_binding_t *b) {
  b->get_current_size = vc_current_size;
  b->copy = vc_copy;
}

/* The bytes a SemiSpace GC copies for the graph under root slot `arr` (every object). */
static size_t array_graph_bytes(tvm_thread_t *th, size_t arr) {
  tvm_obj_t a = tvm_root(th, arr);
  size_t sum = round8(vc_current_size(NULL, a));
  for (size_t i = 0; i < tvm_nrefs(a); i++) sum += round8(vc_current_size(NULL, tvm_ref(a, i)));
  return sum;
}

static void test_vm_copy(void) {
  fx_t f;
  start(&f, vm_copy_binding);
  tvm_thread_t *th = f.th;
  enum { N = 1500 };
  /* Every node in one array; each node points at two earlier ones. */
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 1));
  GHashTable *hash = g_hash_table_new(g_direct_hash, g_direct_equal); /* data -> hash */
  size_t hashed = 0;
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 2, i % 37, 100 + i);
    g_assert_nonnull(o);
    tvm_obj_t a = tvm_root(th, arr);
    tvm_set_ref(th, o, 0, i ? tvm_ref(a, i / 2) : NULL);
    tvm_set_ref(th, o, 1, i ? tvm_ref(a, i - 1) : NULL);
    tvm_set_ref(th, a, i, o);
    if (i % 3 == 0) {
      set_flags(o, HASHED);
      g_hash_table_insert(hash, GSIZE_TO_POINTER(100 + i), o);
      hashed++;
    }
  }
  tvm_snapshot_t s0, s;
  tvm_snapshot(f.vm, &s0);
  g_assert_cmpuint(s0.objects, ==, N + 1);
  for (int k = 1; k <= 3; k++) {
    uint64_t c0 = atomic_load(&vc_copies);
    size_t before = array_graph_bytes(th, arr);
    g_assert_true(tvm_gc(th));
    tvm_snapshot(f.vm, &s);
    tvm_assert_same(&s0, &s);
    uint64_t copies = atomic_load(&vc_copies) - c0;
    tvm_obj_t a = tvm_root(th, arr);
    if (!MOVES) {
      if (!MAY_MOVE) g_assert_cmpuint(copies, ==, 0);
      continue;
    }
    /* Every object moved through the callback, once; the hashed ones grew once. */
    g_assert_cmpuint(copies, ==, N + 1);
    g_assert_cmpuint(atomic_load(&vc_grown), ==, hashed);
    size_t grew = k == 1 ? 8 * hashed : 0;
    g_assert_cmpuint(mmtk_live_bytes_in_last_gc(f.mmtk), ==, before + grew);
    for (size_t i = 0; i < N; i++) {
      tvm_obj_t o = tvm_ref(a, i);
      if (vc_aligned(o)) g_assert_cmpuint(((uintptr_t)o + 8) % 32, ==, 0);
      if (!(tvm_flags(o) & HASHED)) {
        g_assert_cmpuint(tvm_flags(o) & HASH_SLOT, ==, 0);
        continue;
      }
      g_assert_cmpuint(tvm_flags(o) & HASH_SLOT, ==, HASH_SLOT);
      uint64_t h;
      memcpy(&h, (char *)o + hash_slot_offset(o), 8);
      g_assert_true((void *)(uintptr_t)h == g_hash_table_lookup(hash, GSIZE_TO_POINTER(tvm_data(o))));
    }
  }
  /* Objects in non-moving spaces never reach the callback. */
  size_t nm = tvm_push(th, tvm_alloc_sem(th, TVM_NODE, 1, 8, NONMOVING_DATA, MMTK_ALLOC_NON_MOVING));
  set_flags(tvm_root(th, nm), HASHED);
  tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 40 * KiB, NONMOVING_DATA + 1)); /* large */
  tvm_push(th, tvm_alloc_sem(th, TVM_BYTES, 0, 8, NONMOVING_DATA + 2, MMTK_ALLOC_IMMORTAL));
  uint64_t c0 = atomic_load(&vc_copies);
  checked_gc(&f);
  checked_gc(&f);
  if (MOVES || !MAY_MOVE)
    g_assert_cmpuint(atomic_load(&vc_copies) - c0, ==, MOVES ? 2 * (N + 1) : 0);
  g_assert_cmpuint(atomic_load(&vc_bad), ==, 0);
  g_assert_cmpuint(tvm_flags(tvm_root(th, nm)) & HASH_SLOT, ==, 0);
  g_hash_table_destroy(hash);
  finish(&f);
}

static _Atomic uint64_t cg_size, cg_align, cg_offset;

/* Odd data words: 16 more bytes in the copy; multiples of 3: reference + 16 on 64. */
static size_t cg_size_when_copied(void *ctx, mmtk_object_t o) {
  (void)ctx;
  atomic_fetch_add(&cg_size, 1);
  return tvm_size(o) + (tvm_data(o) % 2 ? 16 : 0);
}

static size_t cg_align_when_copied(void *ctx, mmtk_object_t o) {
  (void)ctx;
  atomic_fetch_add(&cg_align, 1);
  return tvm_data(o) % 3 == 0 ? 64 : 8;
}

static size_t cg_align_offset_when_copied(void *ctx, mmtk_object_t o) {
  (void)ctx;
  atomic_fetch_add(&cg_offset, 1);
  return tvm_data(o) % 3 == 0 ? 16 : 0;
}

static void copy_geometry_binding(mmtk_vm_binding_t *b) {
  b->get_size_when_copied = cg_size_when_copied;
  b->get_align_when_copied = cg_align_when_copied;
  b->get_align_offset_when_copied = cg_align_offset_when_copied;
}

static void test_copy_geometry(void) {
  fx_t f;
  start(&f, copy_geometry_binding);
  tvm_thread_t *th = f.th;
  enum { N = 1000 };
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 2));
  size_t odd = 0, bytes = round8(tvm_size(tvm_root(th, arr)));
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, i % 29, i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_ref(tvm_root(th, arr), (i * 7) % N));
    tvm_set_ref(th, tvm_root(th, arr), i, o);
    odd += i % 2;
    bytes += round8(tvm_size(o));
  }
  for (int k = 0; k < 3; k++) {
    uint64_t s0 = atomic_load(&cg_size), a0 = atomic_load(&cg_align), o0 = atomic_load(&cg_offset);
    checked_gc(&f);
    uint64_t moved = MOVES ? N + 1 : 0;
    if (!MOVES && MAY_MOVE) continue; /* Immix: what a defrag GC moved, if it ran */
    g_assert_cmpuint(atomic_load(&cg_size) - s0, ==, moved);
    g_assert_cmpuint(atomic_load(&cg_align) - a0, ==, moved);
    g_assert_cmpuint(atomic_load(&cg_offset) - o0, ==, moved);
    if (!MOVES) continue;
    /* The copies had the asked size (the array's data word 2 is even), ... */
    g_assert_cmpuint(mmtk_live_bytes_in_last_gc(f.mmtk), ==, bytes + 16 * odd);
    /* ... and the asked alignment. */
    for (size_t i = 0; i < N; i++) {
      tvm_obj_t o = tvm_ref(tvm_root(th, arr), i);
      if (tvm_data(o) % 3 == 0) g_assert_cmpuint(((uintptr_t)o + 16) % 64, ==, 0);
    }
  }
  finish(&f);
}

/* ---- spawn_gc_thread ---------------------------------------------------------------- */

#define MAX_GC_THREADS 64

struct gc_thread {
  tvm_t *vm;
  mmtk_gc_worker_t *worker;
  void *spawn_tls;
  pthread_t thread;
  unsigned index;
  _Atomic bool returned;
};

static struct gc_thread gc_threads[MAX_GC_THREADS];
static _Atomic unsigned spawn_calls, spawned;
static unsigned spawn_fail_at = UINT_MAX;
static _Thread_local struct gc_thread *self_gc;
static _Atomic uint64_t own_scans, foreign_scans, foreign_handshakes, workers_seen;
static int init_tls_marker;

static void *gc_thread_main(void *arg) {
  struct gc_thread *g = arg;
  self_gc = g;
  mmtk_start_worker(tvm_mmtk(g->vm), g, g->worker);
  atomic_store(&g->returned, true);
  return NULL;
}

/* Record the next GC thread and start it on `main`. */
static bool spawn_thread(void *ctx, void *tls, mmtk_gc_worker_t *worker, void *(*main)(void *)) {
  unsigned i = atomic_load(&spawned);
  g_assert_cmpuint(i, <, MAX_GC_THREADS);
  struct gc_thread *g = &gc_threads[i];
  g->vm = ctx;
  g->worker = worker;
  g->spawn_tls = tls;
  g->index = i;
  if (pthread_create(&g->thread, NULL, main, g)) return false;
  atomic_fetch_add(&spawned, 1);
  return true;
}

static bool sp_spawn(void *ctx, void *tls, mmtk_gc_worker_t *worker) {
  if (atomic_fetch_add(&spawn_calls, 1) == spawn_fail_at) return false;
  return spawn_thread(ctx, tls, worker, gc_thread_main);
}

/* worker_tls is what our thread gave mmtk_start_worker, and we are on that thread. */
static bool on_own_thread(void *worker_tls) { return self_gc && worker_tls == self_gc; }

static void sp_scan_object(void *ctx, void *worker_tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  if (on_own_thread(worker_tls)) {
    atomic_fetch_add(&own_scans, 1);
    atomic_fetch_or(&workers_seen, UINT64_C(1) << self_gc->index);
  } else {
    atomic_fetch_add(&foreign_scans, 1);
  }
  orig.scan_object(ctx, worker_tls, o, v);
}

static void sp_stop_all_mutators(void *ctx, void *worker_tls, mmtk_mutator_visitor_fn visit,
                                 void *arg) {
  if (!on_own_thread(worker_tls)) atomic_fetch_add(&foreign_handshakes, 1);
  orig.stop_all_mutators(ctx, worker_tls, visit, arg);
}

static void sp_resume_mutators(void *ctx, void *worker_tls) {
  if (!on_own_thread(worker_tls)) atomic_fetch_add(&foreign_handshakes, 1);
  orig.resume_mutators(ctx, worker_tls);
}

static void spawn_binding(mmtk_vm_binding_t *b) {
  b->spawn_gc_thread = sp_spawn;
  b->scan_object = sp_scan_object;
  b->stop_all_mutators = sp_stop_all_mutators;
  b->resume_mutators = sp_resume_mutators;
}

static unsigned expected_workers(void) { return MMTK_HAVE_SINGLE_WORKER ? 1 : TVM_WORKERS; }

/* Shut down, then join every GC thread: each has returned from mmtk_start_worker. */
static void shutdown_and_join(fx_t *f) {
  if (f->th) tvm_detach(f->th);
  tvm_destroy(f->vm);
  for (unsigned i = 0; i < atomic_load(&spawned); i++) {
    g_assert_cmpint(pthread_join(gc_threads[i].thread, NULL), ==, 0);
    g_assert_true(atomic_load(&gc_threads[i].returned));
  }
  alarm(0);
}

static void gc_work_on_own_threads(fx_t *f) {
  suite_make_list(f->th, 5000, 16, 0);
  for (int i = 0; i < 5; i++) checked_gc(f);
  g_assert_cmpuint(atomic_load(&foreign_scans), ==, 0);
  g_assert_cmpuint(atomic_load(&foreign_handshakes), ==, 0);
  g_assert_cmpuint(atomic_load(&own_scans), >=, 5 * 5000);
  g_test_message("GC work seen on workers 0x%llx", (unsigned long long)atomic_load(&workers_seen));
  g_assert_cmpuint(atomic_load(&workers_seen), !=, 0);
}

static void test_spawn_gc_thread(void) {
  fx_t f;
  tvm_options_t o = options(NULL, NULL);
  o.init_tls = &init_tls_marker;
  start_opts(&f, &o, spawn_binding, 120);
  unsigned n = expected_workers();
  g_assert_cmpuint(mmtk_num_of_workers(f.mmtk), ==, n);
  g_assert_cmpuint(atomic_load(&spawn_calls), ==, n);
  g_assert_cmpuint(atomic_load(&spawned), ==, n);
  for (unsigned i = 0; i < n; i++) {
    g_assert_true(gc_threads[i].spawn_tls == &init_tls_marker);
    for (unsigned k = 0; k < i; k++) g_assert_true(gc_threads[k].worker != gc_threads[i].worker);
  }
  gc_work_on_own_threads(&f);
  tvm_assert_clean(f.vm);
  shutdown_and_join(&f);
}

/* One spawn fails: the call reports it; the next call starts only the missing workers,
 * so that every worker ends up with exactly one thread. */
static void test_spawn_retry(void) {
  fx_t f;
  unsigned n = expected_workers();
  spawn_fail_at = n > 1 ? 1 : 0;
  tvm_options_t o = options(NULL, NULL);
  o.defer_collection = true;
  start_opts(&f, &o, spawn_binding, 120);
  g_assert_false(mmtk_initialize_collection(f.mmtk, &init_tls_marker));
  char *want = g_strdup_printf("mmtk_initialize_collection: the binding's spawn_gc_thread failed "
                               "for worker %u", spawn_fail_at);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  g_assert_cmpuint(atomic_load(&spawned), ==, spawn_fail_at);
  g_assert_true(mmtk_initialize_collection(f.mmtk, &init_tls_marker));
  g_assert_cmpuint(atomic_load(&spawn_calls), ==, n + 1);
  g_assert_cmpuint(atomic_load(&spawned), ==, n);
  for (unsigned i = 0; i < n; i++)
    for (unsigned k = 0; k < i; k++) g_assert_true(gc_threads[k].worker != gc_threads[i].worker);
  f.th = tvm_attach(f.vm);
  gc_work_on_own_threads(&f);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 1); /* the failed spawn */
  shutdown_and_join(&f);
}

/* Shut down at once: threads that have not even reached mmtk_start_worker yet are waited
 * for, and return. */
static void *late_gc_thread_main(void *arg) {
  usleep(100 * 1000);
  return gc_thread_main(arg);
}

static bool sp_spawn_late(void *ctx, void *tls, mmtk_gc_worker_t *worker) {
  unsigned i = atomic_fetch_add(&spawn_calls, 1);
  struct gc_thread *g = &gc_threads[i];
  g->vm = ctx;
  g->worker = worker;
  g->spawn_tls = tls;
  g->index = i;
  if (pthread_create(&g->thread, NULL, late_gc_thread_main, g)) return false;
  atomic_fetch_add(&spawned, 1);
  return true;
}

static void spawn_late_binding(mmtk_vm_binding_t *b) { b->spawn_gc_thread = sp_spawn_late; }

static void test_spawn_shutdown_early(void) {
  fx_t f;
  tvm_options_t o = options(NULL, NULL);
  start_opts(&f, &o, spawn_late_binding, 30);
  g_assert_cmpuint(atomic_load(&spawned), ==, expected_workers());
  shutdown_and_join(&f);
}

/* A GC thread passes the wrong worker (design.scheduler.worker.check): the call is
 * refused at once with a message; the worker it was meant for never runs, yet GCs run on
 * the other workers and shutdown does not wait for it (it waited forever). */
enum wrong_worker { WRONG_NULL, WRONG_FOREIGN, WRONG_OTHER };
static enum wrong_worker wrong_kind;
static uint64_t not_a_worker[64]; /* zeroed: its "mmtk" field is NULL */
static char *gc_thread_error[MAX_GC_THREADS]; /* each thread's last error once back */
static _Atomic unsigned back_early;           /* threads back before the shutdown */
static _Atomic bool shutting_down;

static void *wrong_gc_thread_main(void *arg) {
  struct gc_thread *g = arg;
  self_gc = g;
  mmtk_gc_worker_t *w = g->worker;
  if (g->index == 0) {
    if (wrong_kind == WRONG_NULL) {
      w = NULL;
    } else if (wrong_kind == WRONG_FOREIGN) {
      w = (mmtk_gc_worker_t *)(void *)not_a_worker;
    } else {
      /* The next thread's worker: whichever of the two threads comes second is refused. */
      while (atomic_load(&spawned) < 2) usleep(1000);
      w = gc_threads[1].worker;
    }
  }
  mmtk_start_worker(tvm_mmtk(g->vm), g, w);
  bool early = !atomic_load(&shutting_down);
  gc_thread_error[g->index] = g_strdup(mmtk_last_error());
  atomic_store(&g->returned, true);
  if (early) atomic_fetch_add(&back_early, 1); /* last: the test reads the above then */
  return NULL;
}

static bool sp_spawn_wrong(void *ctx, void *tls, mmtk_gc_worker_t *worker) {
  return spawn_thread(ctx, tls, worker, wrong_gc_thread_main);
}

static void spawn_wrong_binding(mmtk_vm_binding_t *b) {
  spawn_binding(b);
  b->spawn_gc_thread = sp_spawn_wrong;
}

static void wrong_worker_case(enum wrong_worker kind) {
  unsigned n = expected_workers();
  g_assert_true(kind != WRONG_OTHER || n >= 2); /* registered only then */
  wrong_kind = kind;
  fx_t f;
  tvm_options_t o = options(NULL, NULL);
  start_opts(&f, &o, spawn_wrong_binding, 60);
  g_assert_cmpuint(atomic_load(&spawned), ==, n);
  /* The refused thread comes back at once, the others stay. */
  while (atomic_load(&back_early) == 0) usleep(1000);
  unsigned refused = gc_threads[0].returned ? 0 : 1;
  g_assert_true(atomic_load(&gc_threads[refused].returned));
  char *want;
  if (kind == WRONG_NULL)
    want = g_strdup("mmtk_start_worker: the worker is NULL (pass the worker that "
                    "spawn_gc_thread received)");
  else if (kind == WRONG_FOREIGN)
    want = g_strdup_printf("mmtk_start_worker: %p is not a worker of this instance (pass the "
                           "worker that spawn_gc_thread received)", (void *)not_a_worker);
  else
    want = g_strdup_printf("mmtk_start_worker: worker 1 (%p) is already running on another "
                           "thread (pass the worker that spawn_gc_thread received)",
                           (void *)gc_threads[1].worker);
  g_assert_cmpstr(gc_thread_error[refused], ==, want);
  g_free(want);
  /* The other workers collect (with a single worker there is none left to). */
  if (n > 1) {
    suite_make_list(f.th, 2000, 16, 0);
    for (int i = 0; i < 3; i++) checked_gc(&f);
    g_assert_cmpuint(atomic_load(&foreign_scans), ==, 0);
  }
  g_assert_cmpuint(atomic_load(&back_early), ==, 1);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 1); /* the refusal */
  /* The shutdown returns: it does not wait for the worker that never came. */
  atomic_store(&shutting_down, true);
  shutdown_and_join(&f);
}

static void test_spawn_wrong_worker_null(void) { wrong_worker_case(WRONG_NULL); }
static void test_spawn_wrong_worker_foreign(void) { wrong_worker_case(WRONG_FOREIGN); }
static void test_spawn_wrong_worker_other(void) { wrong_worker_case(WRONG_OTHER); }

/* Returns once every GC worker of `mmtk` is inside mmtk_start_worker(): one binding
 * packet per worker, each waiting for all the others (a packet holds its worker). */
static pthread_barrier_t all_in;

static void wait_all_in(mmtk_t *mmtk, void *worker_tls, void *data) {
  pthread_barrier_wait(&all_in);
}

static void all_workers_running(mmtk_t *mmtk) {
  unsigned n = (unsigned)mmtk_num_of_workers(mmtk);
  pthread_barrier_init(&all_in, NULL, n + 1);
  for (unsigned i = 0; i < n; i++)
    g_assert_true(mmtk_add_work_packet(mmtk, MMTK_STAGE_UNCONSTRAINED, wait_all_in, NULL));
  pthread_barrier_wait(&all_in);
}

/* The message refusing `w`, a worker already running. */
static void tu_assert_running(const char *error, const void *w) {
  char *tail = g_strdup_printf("(%p) is already running on another thread", w);
  if (!strstr(error, tail)) g_error("\"%s\" does not contain \"%s\"", error, tail);
  g_free(tail);
}

/* Workers of a shut-down instance: refused, whether passed with their own (stale)
 * instance or with a new one, without reading the freed workers; so is NULL. */
static void test_spawn_stale_worker(void) {
  fx_t f;
  tvm_options_t o = options(NULL, NULL);
  start_opts(&f, &o, spawn_binding, 60);
  gc_work_on_own_threads(&f);
  mmtk_t *old = f.mmtk;
  mmtk_gc_worker_t *old_worker = gc_threads[0].worker;
  shutdown_and_join(&f);
  mmtk_start_worker(old, NULL, old_worker);
  char *want = g_strdup_printf("mmtk_start_worker: %p is not a live instance (shut down, or not "
                               "from mmtk_init)", (void *)old);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  /* A new instance, with libmmtk's own GC threads.  The calls below come from a thread
   * that was given no worker: made while a worker is still on its way, a refusal would
   * excuse it at shutdown (man page), so first make sure every worker is running. */
  o = options(NULL, NULL);
  start_opts(&f, &o, NULL, 60);
  all_workers_running(f.mmtk);
  mmtk_start_worker(f.mmtk, NULL, old_worker);
  /* The new workers may lie where the old ones did: then it is a running one. */
  want = g_strdup_printf("mmtk_start_worker: %p is not a worker of this instance (pass the "
                         "worker that spawn_gc_thread received)", (void *)old_worker);
  if (strcmp(mmtk_last_error(), want) != 0) {
    tu_assert_running(mmtk_last_error(), old_worker);
    g_test_message("the new workers lie where the old ones did");
  }
  g_free(want);
  mmtk_start_worker(f.mmtk, NULL, NULL);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_start_worker: the worker is NULL (pass the "
                  "worker that spawn_gc_thread received)");
  /* Every worker still collects, and the shutdown waits for each (a joined thread). */
  suite_make_list(f.th, 2000, 16, 0);
  for (int i = 0; i < 3; i++) checked_gc(&f);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 2);
  tvm_detach(f.th);
  tvm_destroy(f.vm);
  alarm(0);
}

/* ---- ActivePlan --------------------------------------------------------------------- */

static _Atomic uint64_t ap_iterate, ap_visits, ap_number, ap_is, ap_get;
static bool ap_lie_get;     /* get_mutator answers NULL */
static bool ap_lie_iterate; /* iterate_mutators visits nobody */

static size_t ap_number_of_mutators(void *ctx) {
  atomic_fetch_add(&ap_number, 1);
  return tvm_threads(ctx, NULL, 0);
}

static void ap_iterate_mutators(void *ctx, mmtk_mutator_visitor_fn visit, void *arg) {
  atomic_fetch_add(&ap_iterate, 1);
  if (ap_lie_iterate) return;
  tvm_thread_t *th[64];
  size_t n = tvm_threads(ctx, th, 64);
  g_assert_cmpuint(n, <=, 64);
  for (size_t i = 0; i < n; i++) {
    atomic_fetch_add(&ap_visits, 1);
    visit(tvm_mutator(th[i]), arg);
  }
}

static bool known_thread(tvm_t *vm, void *tls) {
  tvm_thread_t *th[64];
  size_t n = tvm_threads(vm, th, 64);
  for (size_t i = 0; i < n; i++)
    if (th[i] == tls) return true;
  return false;
}

static bool ap_is_mutator(void *ctx, void *tls) {
  atomic_fetch_add(&ap_is, 1);
  return known_thread(ctx, tls);
}

static mmtk_mutator_t *ap_get_mutator(void *ctx, void *tls) {
  atomic_fetch_add(&ap_get, 1);
  if (ap_lie_get || !known_thread(ctx, tls)) return NULL;
  return tvm_mutator(tls);
}

static void active_plan_binding(mmtk_vm_binding_t *b) {
  b->number_of_mutators = ap_number_of_mutators;
  b->iterate_mutators = ap_iterate_mutators;
  b->is_mutator = ap_is_mutator;
  b->get_mutator = ap_get_mutator;
}

struct ap_job {
  tvm_t *vm;
  pthread_barrier_t *barrier;
  guint32 seed;
  pthread_t thread;
};

/* Wait at the barrier in native state: a GC does not wait for this thread meanwhile. */
static void native_barrier(tvm_thread_t *th, pthread_barrier_t *b) {
  tvm_enter_native(th);
  pthread_barrier_wait(b);
  tvm_leave_native(th);
}

static void *ap_job_main(void *arg) {
  struct ap_job *j = arg;
  tvm_thread_t *th = tvm_attach(j->vm);
  native_barrier(th, j->barrier);
  model_config_t cfg = {.roots = 16, .weak_percent = 10};
  model_t *m = model_new(th, &cfg, j->seed);
  for (int i = 1; i <= 3000; i++) {
    g_assert_true(model_step(m));
    if (i % 500 == 0) {
      g_assert_true(tvm_gc(th));
      model_verify(m, true);
    }
  }
  model_verify(m, false);
  model_free(m);
  native_barrier(th, j->barrier);
  tvm_detach(th);
  return NULL;
}

static void test_active_plan(void) {
  fx_t f;
  tvm_options_t o = options("FixedHeapSize:32M", "256K");
  start_opts(&f, &o, active_plan_binding, 300);
  enum { JOBS = 3 };
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, JOBS + 1);
  struct ap_job jobs[JOBS];
  for (int i = 0; i < JOBS; i++) {
    jobs[i] = (struct ap_job){.vm = f.vm, .barrier = &barrier, .seed = g_test_rand_int()};
    g_assert_cmpint(pthread_create(&jobs[i].thread, NULL, ap_job_main, &jobs[i]), ==, 0);
  }
  /* Between the two barriers exactly JOBS + 1 threads are attached. The first snapshot
   * comes before the first barrier: once it opens, the jobs allocate and a GC may have
   * called iterate_mutators but not yet resumed the world when this thread looks. */
  uint64_t g0 = gcs(&f), i0 = atomic_load(&ap_iterate), v0 = atomic_load(&ap_visits);
  uint64_t n0 = atomic_load(&ap_number);
  tvm_enter_native(f.th);
  pthread_barrier_wait(&barrier);
  pthread_barrier_wait(&barrier);
  uint64_t g = gcs(&f) - g0, it = atomic_load(&ap_iterate) - i0;
  uint64_t visits = atomic_load(&ap_visits) - v0, number = atomic_load(&ap_number) - n0;
  for (int i = 0; i < JOBS; i++) pthread_join(jobs[i].thread, NULL);
  tvm_leave_native(f.th);
  pthread_barrier_destroy(&barrier);
  g_test_message("%llu GCs, %llu iterate_mutators, %llu number_of_mutators, %llu is_mutator, "
                 "%llu get_mutator", (unsigned long long)g, (unsigned long long)it,
                 (unsigned long long)number, (unsigned long long)atomic_load(&ap_is),
                 (unsigned long long)atomic_load(&ap_get));
  g_assert_cmpuint(g, >=, 6); /* 18 requests; concurrent ones may share a GC */
  /* iterate_mutators: SemiSpace's release (it retargets the mutators), the second root
   * scan of MarkCompact and of the Compressor, and the verifier's root scan. */
  g_assert_cmpuint(it, ==, g * ((TVM_PLAN_ID == 1 || FORWARDS_AFTER_LIVENESS ? 1 : 0) + SANITY_ON));
  g_assert_cmpuint(visits, ==, it * (JOBS + 1));
  /* number_of_mutators, is_mutator, get_mutator: the extreme assertions' checks. */
  if (MMTK_HAVE_EXTREME_ASSERTIONS) {
    g_assert_cmpuint(number, ==, g + it);
    g_assert_cmpuint(atomic_load(&ap_is), >, 0);
    g_assert_cmpuint(atomic_load(&ap_get), ==, atomic_load(&ap_is));
  } else {
    g_assert_cmpuint(number, ==, 0);
    g_assert_cmpuint(atomic_load(&ap_is), ==, 0);
    g_assert_cmpuint(atomic_load(&ap_get), ==, 0);
  }
  checked_gc(&f);
  finish(&f);
}

#if MMTK_HAVE_EXTREME_ASSERTIONS
/* get_mutator lies: the first slow-path allocation panics, naming the check. */
static void test_get_mutator_lies(void) {
  if (g_test_subprocess()) {
    fx_t f;
    start(&f, active_plan_binding);
    ap_lie_get = true;
    tvm_alloc(f.th, TVM_NODE, 0, 0, 1);
    return; /* not reached */
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*mmtk_alloc: extreme assertion failed: the binding's get_mutator "
                            "returns (nil) for tls 0x*");
}

/* iterate_mutators skips the mutators its number_of_mutators counts. */
static void test_iterate_skips(void) {
  if (g_test_subprocess()) {
    fx_t f;
    start(&f, active_plan_binding);
    ap_lie_iterate = true;
    tvm_gc(f.th);
    return; /* not reached */
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*extreme assertion failed: the binding's iterate_mutators visited 0 "
                            "mutators but its number_of_mutators says 1*");
}
#endif

/* ---- process_weak_refs -------------------------------------------------------------- */

/* The VM's ephemeron table, outside the heap: an entry keeps its value alive while its key
 * is reachable; an entry without a value is a plain weak reference.  Entries whose key
 * died are dropped. */
struct ephemeron {
  tvm_obj_t key, value;
  bool resolved; /* this GC: the key was found reachable */
};

#define CHAIN 6 /* e0 = (key0, v0), e[i] = (v[i-1], v[i]) */
/* The live chain lies backwards in the table: one pass finds one more reachable key,
 * since the value that makes it reachable is retained later in the pass before. */
#define CH(i) table[CHAIN - 1 - (i)]
#define DEAD_CHAIN 3
#define WEAK_SINGLES 4

static struct ephemeron table[CHAIN + DEAD_CHAIN + WEAK_SINGLES];
static uint64_t pw_gc = UINT64_MAX, pw_calls_this_gc, pw_dropped;
/* The hook never asks to be called again: libmmtk must call it again anyway after it
 * retained objects nothing had reached. */
static bool pw_never_again;

static bool pw_process_weak_refs(void *ctx, void *worker_tls, mmtk_tracer_context_t *tc) {
  (void)worker_tls;
  uint64_t gc = tvm_gc_count(ctx); /* counts up in resume_mutators: one value per GC */
  if (gc != pw_gc) {
    pw_gc = gc;
    pw_calls_this_gc = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) table[i].resolved = false;
  }
  pw_calls_this_gc++;
  bool retained = false;
  for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
    struct ephemeron *e = &table[i];
    if (!e->key || e->resolved || !mmtk_tracer_is_reachable(tc, e->key)) continue;
    e->key = mmtk_tracer_get_forwarded(tc, e->key);
    if (e->value) {
      e->value = mmtk_tracer_retain(tc, e->value);
      retained = true;
    }
    e->resolved = true;
  }
  if (retained) return !pw_never_again; /* the retained values may make more keys reachable */
  for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
    if (table[i].key && !table[i].resolved) {
      table[i].key = table[i].value = NULL;
      pw_dropped++;
    }
  return false;
}

/* The compacting plans: the entries kept point at the objects' new addresses once they
 * are known.  Both update every survivor's references themselves; on MarkCompact the
 * values go through mmtk_tracer_retain(), which gives the new address too (the
 * binding's documented alternative), so that both calls are exercised. */
static void pw_forward_weak_refs(void *ctx, void *worker_tls, mmtk_tracer_context_t *tc) {
  (void)ctx, (void)worker_tls;
  for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
    if (table[i].key) table[i].key = mmtk_tracer_get_forwarded(tc, table[i].key);
    if (table[i].value)
      table[i].value = TVM_PLAN_ID == 7 ? mmtk_tracer_retain(tc, table[i].value)
                                        : mmtk_tracer_get_forwarded(tc, table[i].value);
  }
}

static void weak_table_binding(mmtk_vm_binding_t *b) {
  b->process_weak_refs = pw_process_weak_refs;
  b->forward_weak_refs = pw_forward_weak_refs;
}

/* A value: a node whose one field holds a child reachable only through it. */
static tvm_obj_t make_value(fx_t *f, uint64_t data) {
  size_t v = tvm_push(f->th, tvm_alloc(f->th, TVM_NODE, 1, 24, data));
  tvm_obj_t c = tvm_alloc(f->th, TVM_BYTES, 0, 40, data + 1000);
  tvm_obj_t o = tvm_root(f->th, v);
  tvm_set_ref(f->th, o, 0, c);
  return o; /* stays on the stack until the caller pops */
}

static void assert_value(fx_t *f, tvm_obj_t v, uint64_t data) {
  assert_intact(f, v, data);
  assert_intact(f, tvm_ref(v, 0), data + 1000);
}

static void test_weak_table(void) {
  fx_t f;
  start(&f, weak_table_binding);
  tvm_thread_t *th = f.th;
  size_t base = tvm_depth(th);
  size_t key0 = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 8, 1));
  size_t w0 = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 8, 10));
  size_t w2 = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, 8, 12));
  size_t temps = tvm_depth(th);
  /* The live chain: only key0 is a root; each value is the next entry's key. */
  tvm_obj_t prev = NULL;
  for (int i = 0; i < CHAIN; i++) {
    tvm_obj_t v = make_value(&f, 100 + (uint64_t)i);
    CH(i).value = v;
    CH(i).key = i ? prev : tvm_root(th, key0);
    prev = v;
  }
  /* The dead chain: nothing reaches its first key. */
  prev = tvm_root(th, tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 8, 2)));
  for (int i = 0; i < DEAD_CHAIN; i++) {
    tvm_obj_t v = make_value(&f, 200 + (uint64_t)i);
    table[CHAIN + i] = (struct ephemeron){.key = prev, .value = v};
    prev = v;
  }
  /* Plain weak entries: w0 and w2 are roots, w1 and w3 are not. */
  table[CHAIN + DEAD_CHAIN + 0].key = tvm_root(th, w0);
  table[CHAIN + DEAD_CHAIN + 1].key = tvm_alloc(th, TVM_BYTES, 0, 8, 11);
  table[CHAIN + DEAD_CHAIN + 2].key = tvm_root(th, w2);
  table[CHAIN + DEAD_CHAIN + 3].key = tvm_alloc(th, TVM_BYTES, 0, 8, 13);
  tvm_pop_to(th, temps); /* no safepoint from here to the GC */
  tvm_obj_t was[CHAIN];
  for (int i = 0; i < CHAIN; i++) was[i] = CH(i).value;

  /* One call per link of the chain, then the one that drops the dead entries. */
  checked_gc(&f);
  g_assert_cmpuint(pw_calls_this_gc, ==, CHAIN + 1);
  g_assert_cmpuint(pw_dropped, ==, DEAD_CHAIN + 2);
  g_assert_true(CH(0).key == tvm_root(th, key0));
  for (int i = 0; i < CHAIN; i++) {
    assert_value(&f, CH(i).value, 100 + (uint64_t)i);
    if (i) g_assert_true(CH(i).key == CH(i - 1).value);
    if (MOVES) g_assert_true(CH(i).value != was[i]); /* updated to the copy */
    else if (!MAY_MOVE) g_assert_true(CH(i).value == was[i]);
  }
  for (int i = 0; i < DEAD_CHAIN; i++) g_assert_null(table[CHAIN + i].key);
  g_assert_true(table[CHAIN + DEAD_CHAIN + 0].key == tvm_root(th, w0));
  g_assert_null(table[CHAIN + DEAD_CHAIN + 1].key);
  g_assert_true(table[CHAIN + DEAD_CHAIN + 2].key == tvm_root(th, w2));
  g_assert_null(table[CHAIN + DEAD_CHAIN + 3].key);

  /* The table alone keeps the values alive, GC after GC (with garbage in between). */
  for (int k = 0; k < 3; k++) {
    g_assert_true(garbage(th, 2 * MiB, 200));
    checked_gc(&f);
    g_assert_cmpuint(pw_calls_this_gc, ==, CHAIN + 1);
    g_assert_cmpuint(pw_dropped, ==, DEAD_CHAIN + 2);
    for (int i = 0; i < CHAIN; i++) assert_value(&f, CH(i).value, 100 + (uint64_t)i);
  }

  /* key0 dies: nothing is retained, the whole chain goes in one call. */
  tvm_set_root(th, key0, NULL);
  checked_gc(&f);
  g_assert_cmpuint(pw_calls_this_gc, ==, 1);
  g_assert_cmpuint(pw_dropped, ==, DEAD_CHAIN + 2 + CHAIN);
  for (int i = 0; i < CHAIN; i++) g_assert_null(CH(i).key);
  g_assert_true(table[CHAIN + DEAD_CHAIN + 0].key == tvm_root(th, w0));
  tvm_pop_to(th, base);
  finish(&f);
}

/* The same table where each value is a wide array whose first element's child is the
 * next entry's key: tracing a retained value is big enough to be shared with idle
 * workers (who take the oldest part of the mark stack, where the first element is), and
 * the next call must wait until all of it is traced (the stage's sentinel) or it would
 * miss the key and drop a live entry. */
#define WIDE_CHAIN 3
#define WIDE 6000

static void test_weak_table_wide(void) {
  fx_t f;
  /* No GC may come before the checked ones: at a page per object (PageProtect) the
   * values take 72 MiB. */
  tvm_options_t o = options(PAGEPROTECT ? "FixedHeapSize:128M" : NULL, NULL);
  start_opts(&f, &o, weak_table_binding, 120);
  tvm_thread_t *th = f.th;
  memset(table, 0, sizeof table);
  pw_gc = UINT64_MAX;
  pw_dropped = 0;
  size_t base = tvm_depth(th);
  size_t key = tvm_push(th, tvm_alloc(th, TVM_NODE, 0, 8, 1));
  size_t values[WIDE_CHAIN];
  for (int i = 0; i < WIDE_CHAIN; i++) {
    values[i] = tvm_push(th, tvm_alloc(th, TVM_ARRAY, WIDE, 0, 500 + (uint64_t)i));
    for (size_t j = 0; j < WIDE; j++) {
      tvm_obj_t n = tvm_alloc(th, TVM_NODE, 1, 8, j);
      tvm_set_ref(th, tvm_root(th, values[i]), j, n);
    }
  }
  /* Entry i: key = the child of value[i-1]'s last node (key0 for i = 0), value[i]. */
  for (int i = 0; i < WIDE_CHAIN; i++) {
    tvm_obj_t k = i ? tvm_alloc(th, TVM_BYTES, 0, 8, 900 + (uint64_t)i) : tvm_root(th, key);
    if (i) tvm_set_ref(th, tvm_ref(tvm_root(th, values[i - 1]), 0), 0, k);
    table[WIDE_CHAIN - 1 - i] = (struct ephemeron){.key = k, .value = tvm_root(th, values[i])};
  }
  tvm_pop_to(th, key + 1); /* only key0 stays a root; no safepoint until the GC */
  for (int round = 0; round < 5; round++) {
    checked_gc(&f);
    g_assert_cmpuint(pw_dropped, ==, 0);
    if (pw_calls_this_gc != WIDE_CHAIN + 1) note("round %d calls %llu", round, (unsigned long long)pw_calls_this_gc);
    g_assert_cmpuint(pw_calls_this_gc, ==, WIDE_CHAIN + 1);
    for (int i = 0; i < WIDE_CHAIN; i++) {
      tvm_obj_t v = table[WIDE_CHAIN - 1 - i].value;
      assert_intact(&f, v, 500 + (uint64_t)i);
      g_assert_cmpuint(tvm_nrefs(v), ==, WIDE);
      if (i + 1 < WIDE_CHAIN)
        g_assert_true(tvm_ref(tvm_ref(v, 0), 0) == table[WIDE_CHAIN - 2 - i].key);
    }
    g_assert_true(garbage(th, 2 * MiB, 200));
  }
  tvm_pop_to(th, base);
  memset(table, 0, sizeof table);
  finish(&f);
}

/* The table of test_weak_table_wide, with a hook that always returns false: the entries
 * stay just the same, each GC, since libmmtk calls again a hook that retained new
 * objects. */
static void test_weak_table_retain_only(void) {
  pw_never_again = true;
  test_weak_table_wide();
  pw_never_again = false;
}

/* ---- post_forwarding ---------------------------------------------------------------- */

static _Atomic uint64_t seq, pf_calls, pf_bad, pf_objects;
static uint64_t weak_seq, pf_seq, resume_seq;
static tvm_thread_t *pf_thread;
static GHashTable *pf_before; /* the objects' addresses before the GC */

/* Every object reachable from pf_thread's stack; fn(o) for each. */
static void walk_stack(tvm_thread_t *th, void (*fn)(tvm_obj_t o)) {
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  GPtrArray *todo = g_ptr_array_new();
  for (size_t i = 0; i < tvm_depth(th); i++)
    if (tvm_root(th, i)) g_ptr_array_add(todo, tvm_root(th, i));
  while (todo->len) {
    tvm_obj_t o = g_ptr_array_remove_index_fast(todo, todo->len - 1);
    if (!g_hash_table_add(seen, o)) continue;
    fn(o);
    if (tvm_header_problem(o)) continue;
    for (size_t i = tvm_type(o) == TVM_WEAKREF ? 1 : 0; i < tvm_nrefs(o); i++)
      if (tvm_ref(o, i)) g_ptr_array_add(todo, tvm_ref(o, i));
  }
  g_ptr_array_free(todo, TRUE);
  g_hash_table_destroy(seen);
}

static void remember(tvm_obj_t o) { g_hash_table_add(pf_before, o); }

/* On SemiSpace every object moved, and what the roots reach is the copy; on MarkSweep
 * nothing moved; on Immix some may have. */
static void check_forwarded(tvm_obj_t o) {
  atomic_fetch_add(&pf_objects, 1);
  bool old = g_hash_table_contains(pf_before, o);
  if ((MOVES ? old : !old && !MAY_MOVE) || tvm_header_problem(o) || !tvm_pattern_ok(o)) atomic_fetch_add(&pf_bad, 1);
}

static void pf_post_forwarding(void *ctx, void *worker_tls) {
  (void)worker_tls;
  pf_seq = atomic_fetch_add(&seq, 1) + 1;
  uint64_t n = atomic_fetch_add(&pf_calls, 1);
  /* Before resume_mutators: the world is still stopped, the GC not yet counted. */
  if (!tvm_world_stopped(ctx) || tvm_gc_count(ctx) != n) atomic_fetch_add(&pf_bad, 1);
  walk_stack(pf_thread, check_forwarded);
}

static bool pf_process_weak_refs(void *ctx, void *worker_tls, mmtk_tracer_context_t *tc) {
  (void)ctx, (void)worker_tls, (void)tc;
  weak_seq = atomic_fetch_add(&seq, 1) + 1;
  return false;
}

static void pf_resume_mutators(void *ctx, void *worker_tls) {
  resume_seq = atomic_fetch_add(&seq, 1) + 1;
  orig.resume_mutators(ctx, worker_tls);
}

static void post_forwarding_binding(mmtk_vm_binding_t *b) {
  b->post_forwarding = pf_post_forwarding;
  b->process_weak_refs = pf_process_weak_refs;
  b->resume_mutators = pf_resume_mutators;
}

static void test_post_forwarding(void) {
  fx_t f;
  start(&f, post_forwarding_binding);
  pf_thread = f.th;
  suite_make_list(f.th, 3000, 24, 0);
  size_t arr = tvm_push(f.th, tvm_alloc(f.th, TVM_ARRAY, 200, 0, 5));
  for (size_t i = 0; i < 200; i++)
    tvm_set_ref(f.th, tvm_root(f.th, arr), i, tvm_alloc(f.th, TVM_NODE, 0, i, 10000 + i));
  pf_before = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (uint64_t k = 1; k <= 5; k++) {
    g_assert_true(garbage(f.th, MiB, 100));
    g_hash_table_remove_all(pf_before);
    walk_stack(f.th, remember);
    g_assert_cmpuint(g_hash_table_size(pf_before), ==, 3201);
    uint64_t objects = atomic_load(&pf_objects);
    checked_gc(&f);
    g_assert_cmpuint(atomic_load(&pf_calls), ==, gcs(&f));
    g_assert_cmpuint(atomic_load(&pf_calls), ==, k);
    g_assert_cmpuint(atomic_load(&pf_objects) - objects, ==, 3201);
    g_assert_cmpuint(atomic_load(&pf_bad), ==, 0);
    g_assert_cmpuint(weak_seq, <, pf_seq);
    g_assert_cmpuint(pf_seq, <, resume_seq);
  }
  g_hash_table_destroy(pf_before);
  finish(&f);
}

/* ---- support_slot_enqueuing / scan_object_and_trace_edges --------------------------- */

static _Atomic uint64_t te_calls, te_bad;

/* Arrays, and nodes whose data word is a multiple of 5, are traced by the binding. */
static bool te_enqueues(mmtk_object_t o) {
  return !(tvm_type(o) == TVM_ARRAY || (tvm_type(o) == TVM_NODE && tvm_data(o) % 5 == 0));
}

static bool te_support_slot_enqueuing(void *ctx, void *worker_tls, mmtk_object_t o) {
  (void)ctx, (void)worker_tls;
  return te_enqueues(o);
}

static void te_scan_object_and_trace_edges(void *ctx, void *worker_tls, mmtk_object_t o,
                                           mmtk_object_tracer_t *tracer) {
  (void)ctx, (void)worker_tls;
  atomic_fetch_add(&te_calls, 1);
  if (te_enqueues(o)) atomic_fetch_add(&te_bad, 1);
  tvm_obj_t *r = tvm_refs(o);
  for (size_t i = tvm_type(o) == TVM_WEAKREF ? 1 : 0; i < tvm_nrefs(o); i++)
    if (r[i]) r[i] = mmtk_trace_object(tracer, r[i]);
}

static void te_scan_object(void *ctx, void *worker_tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  if (!te_enqueues(o)) atomic_fetch_add(&te_bad, 1);
  orig.scan_object(ctx, worker_tls, o, v);
}

static void trace_edges_binding(mmtk_vm_binding_t *b) {
  b->support_slot_enqueuing = te_support_slot_enqueuing;
  b->scan_object_and_trace_edges = te_scan_object_and_trace_edges;
  b->scan_object = te_scan_object;
}

static void test_trace_edges(void) {
  fx_t f;
  tvm_options_t o = options("FixedHeapSize:32M", NULL);
  start_opts(&f, &o, trace_edges_binding, 120);
  tvm_thread_t *th = f.th;
  /* A fixed graph: an array of nodes, every tenth holding a small array of its own. */
  enum { N = 500 };
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 1));
  size_t traced = 1;
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t n = tvm_alloc(th, TVM_NODE, 2, 8, i);
    tvm_set_ref(th, tvm_root(th, arr), i, n);
    tvm_set_ref(th, n, 0, tvm_ref(tvm_root(th, arr), i / 2));
    traced += i % 5 == 0;
    if (i % 10) continue;
    tvm_obj_t a = tvm_alloc(th, TVM_ARRAY, 3, 0, 3);
    n = tvm_ref(tvm_root(th, arr), i);
    tvm_set_ref(th, n, 1, a);
    for (size_t k = 0; k < 3; k++) tvm_set_ref(th, a, k, tvm_ref(tvm_root(th, arr), i / 3 + k));
    traced++;
  }
  for (int k = 0; k < 3; k++) {
    uint64_t c0 = atomic_load(&te_calls);
    checked_gc(&f);
    /* Once per object marked (the compacting plans scan each object twice: marking,
     * then forwarding its references), once more in the verifier. */
    g_assert_cmpuint(atomic_load(&te_calls) - c0, ==,
                     traced * (1 + FORWARDS_AFTER_LIVENESS + SANITY_ON));
  }
  /* A random graph changing between GCs (weak references and large objects too). */
  model_config_t cfg = {.roots = 24, .weak_percent = 15, .large_permille = 5};
  model_t *m = model_new(th, &cfg, g_test_rand_int());
  for (int i = 1; i <= 4000; i++) {
    g_assert_true(model_step(m));
    if (i % 400 == 0) {
      checked_gc(&f);
      model_verify(m, true);
    }
  }
  model_free(m);
  g_assert_cmpuint(atomic_load(&te_bad), ==, 0);
  finish(&f);
}

/* ---- is_collection_enabled ---------------------------------------------------------- */

static _Atomic bool ce_enabled = true;
static _Atomic uint64_t ce_calls;

static bool ce_is_collection_enabled(void *ctx) {
  (void)ctx;
  atomic_fetch_add(&ce_calls, 1);
  return atomic_load(&ce_enabled);
}

static void collection_enabled_binding(mmtk_vm_binding_t *b) {
  b->is_collection_enabled = ce_is_collection_enabled;
}

static void test_collection_disabled(void) {
  fx_t f;
  /* A GC every 256 KiB allocated while collection is enabled. */
  tvm_options_t o = options("FixedHeapSize:16M", "256K");
  start_opts(&f, &o, collection_enabled_binding, 120);
  tvm_thread_t *th = f.th;
  suite_make_list(th, 1000, 16, 0);
  tvm_snapshot_t s0, s;
  tvm_snapshot(f.vm, &s0);
  g_assert_true(garbage(th, 2 * MiB, 200));
  g_assert_cmpuint(gcs(&f), >=, 4);

  /* Disabled: no GC from allocation, polls or requests while the heap has room ... */
  atomic_store(&ce_enabled, false);
  uint64_t g0 = gcs(&f), calls = atomic_load(&ce_calls);
  g_assert_true(garbage(th, 3 * MiB, 200));
  mmtk_gc_poll(tvm_mutator(th));
  g_assert_false(tvm_gc(th));
  g_assert_cmpuint(gcs(&f), ==, g0);
  g_assert_cmpuint(atomic_load(&ce_calls), >, calls);
  /* ... nor when it is full: the allocation fails instead. */
  bool failed = false;
  for (size_t i = 0; i < 64 * KiB && !failed; i++) failed = !tvm_alloc(th, TVM_BYTES, 0, 1000, i);
  g_assert_true(failed);
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 1);
  g_assert_cmpuint(c.oom_last_kind, ==, MMTK_OOM_HEAP);
  g_assert_cmpuint(gcs(&f), ==, g0);
  tvm_snapshot(f.vm, &s);
  tvm_assert_same(&s0, &s);

  /* Enabled again: the next allocation collects, and everything works as before. */
  atomic_store(&ce_enabled, true);
  g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 1000, 0));
  g_assert_cmpuint(gcs(&f), >, g0);
  tvm_snapshot(f.vm, &s);
  tvm_assert_preserved(&s0, &s);
  g_assert_true(garbage(th, 4 * MiB, 200));
  checked_gc(&f);
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 1);
  finish(&f);
}

/* ---- gc_trigger=Delegated ----------------------------------------------------------- */

static _Atomic bool dg_want;
static _Atomic uint64_t dg_calls, dg_yes, dg_alloc_calls, dg_poll_calls, dg_bad;

static bool dg_is_gc_required(void *ctx, size_t used_bytes, size_t pending_bytes) {
  tvm_t *vm = ctx;
  atomic_fetch_add(&dg_calls, 1);
  atomic_fetch_add(pending_bytes ? &dg_alloc_calls : &dg_poll_calls, 1);
  if (used_bytes != mmtk_used_bytes(tvm_mmtk(vm)) || tvm_world_stopped(vm))
    atomic_fetch_add(&dg_bad, 1);
  /* One GC per request: the answer after that GC is no again. */
  bool want = atomic_exchange(&dg_want, false);
  if (want) atomic_fetch_add(&dg_yes, 1);
  return want;
}

static void delegated_binding(mmtk_vm_binding_t *b) { b->is_gc_required = dg_is_gc_required; }

static void test_delegated(void) {
  fx_t f;
  tvm_options_t o = options("Delegated", NULL);
  start_opts(&f, &o, delegated_binding, 120);
  tvm_thread_t *th = f.th;
  suite_make_list(th, 1000, 16, 0);
  tvm_snapshot_t s0, s;
  tvm_snapshot(f.vm, &s0);
  /* 32 MiB without a GC: the binding never asked for one. */
  g_assert_true(garbage(th, 32 * MiB, 1000));
  g_assert_cmpuint(gcs(&f), ==, 0);
  g_assert_cmpuint(atomic_load(&dg_alloc_calls), >=, 100); /* one per new buffer or block */
  for (uint64_t k = 1; k <= 5; k++) {
    atomic_store(&dg_want, true);
    for (size_t i = 0; i < 100000 && gcs(&f) < k; i++)
      g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 200, i));
    g_assert_cmpuint(gcs(&f), ==, k);
    g_assert_true(garbage(th, 4 * MiB, 1000));
    g_assert_cmpuint(gcs(&f), ==, k);
  }
  /* A poll asks too (with nothing pending). */
  uint64_t polls = atomic_load(&dg_poll_calls);
  mmtk_gc_poll(tvm_mutator(th));
  g_assert_cmpuint(gcs(&f), ==, 5);
  atomic_store(&dg_want, true);
  mmtk_gc_poll(tvm_mutator(th));
  g_assert_cmpuint(gcs(&f), ==, 6);
  g_assert_cmpuint(atomic_load(&dg_poll_calls), ==, polls + 2);
  g_assert_cmpuint(atomic_load(&dg_yes), ==, 6);
  g_assert_cmpuint(atomic_load(&dg_bad), ==, 0);
  tvm_snapshot(f.vm, &s);
  tvm_assert_preserved(&s0, &s);
  finish(&f);
}

/* ---- mmtk_init rejects incomplete bindings ------------------------------------------ */

static mmtk_vm_binding_t captured;

static void capture_binding(mmtk_vm_binding_t *b) {
  b->is_gc_required = dg_is_gc_required;
  captured = *b;
}

static void expect_init_fails(const char *opts, const mmtk_vm_binding_t *b, const char *want) {
  mmtk_builder_t *builder = mmtk_builder_new();
  g_assert_nonnull(builder);
  g_assert_true(mmtk_process_bulk(builder, opts));
  mmtk_t *mmtk = mmtk_init(builder, b, NULL);
  mmtk_builder_free(builder);
  if (mmtk) mmtk_shutdown(mmtk);
  g_assert_null(mmtk);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
}

static void test_init_rejects(void) {
  fx_t f;
  start(&f, capture_binding);
  finish(&f);
  captured.log = NULL; /* no tvm instance behind ctx any more */
  const char *opts = "plan=" PLAN " gc_trigger=FixedHeapSize:16M";
  mmtk_vm_binding_t b;
  /* test-lifecycle covers get_current_size and scan_object. */
#define MISSING(field)                                                                     \
  do {                                                                                     \
    b = captured;                                                                          \
    b.field = NULL;                                                                        \
    expect_init_fails(opts, &b, "mmtk_init: plan " PLAN " needs the binding callback " #field \
                                ", which is NULL");                                          \
  } while (0)
  MISSING(stop_all_mutators);
  MISSING(resume_mutators);
  MISSING(block_for_gc);
#undef MISSING
  b = captured;
  b.is_gc_required = NULL;
  expect_init_fails("plan=" PLAN " gc_trigger=Delegated", &b,
                    "mmtk_init: option gc_trigger=Delegated needs the binding callback "
                    "is_gc_required, which is NULL");
  b = captured;
  b.support_slot_enqueuing = te_support_slot_enqueuing;
  expect_init_fails(opts, &b, "mmtk_init: the binding sets support_slot_enqueuing but not "
                              "scan_object_and_trace_edges, which scans the objects it refuses");
  b = captured;
  b.iterate_mutators = ap_iterate_mutators;
  expect_init_fails(opts, &b, "mmtk_init: the binding sets iterate_mutators but not "
                              "number_of_mutators (give both or neither)");
  b = captured;
  b.number_of_mutators = ap_number_of_mutators;
  expect_init_fails(opts, &b, "mmtk_init: the binding sets number_of_mutators but not "
                              "iterate_mutators (give both or neither)");
  /* Nothing was left behind: the complete binding is accepted, Delegated included. */
  mmtk_builder_t *builder = mmtk_builder_new();
  g_assert_true(mmtk_process_bulk(builder, "plan=" PLAN " gc_trigger=Delegated"));
  mmtk_t *mmtk = mmtk_init(builder, &captured, NULL);
  mmtk_builder_free(builder);
  g_assert_nonnull(mmtk);
  mmtk_shutdown(mmtk);
}

/* ---- dump_object -------------------------------------------------------------------- */

#if MMTK_HAVE_SANITY
/* Field 1 of the object with data word 777 is hidden from the GC and shown to the
 * verifier's re-trace: the object it holds (778) was not kept, a violation. */
static _Atomic bool revealing;

static void do_scan_object(void *ctx, void *worker_tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  if (tvm_data(o) != 777 || atomic_load(&revealing)) {
    orig.scan_object(ctx, worker_tls, o, v);
    return;
  }
  mmtk_visit_slot(v, &tvm_refs(o)[0]);
}

static void do_prepare_for_roots_re_scanning(void *ctx) {
  atomic_store(&revealing, true);
  orig.prepare_for_roots_re_scanning(ctx);
}

static void dump_object_binding(mmtk_vm_binding_t *b) {
  b->scan_object = do_scan_object;
  b->prepare_for_roots_re_scanning = do_prepare_for_roots_re_scanning;
}

static void test_dump_object(void) {
  if (g_test_subprocess()) {
    fx_t f;
    start(&f, dump_object_binding);
    size_t a = tvm_push(f.th, tvm_alloc(f.th, TVM_NODE, 2, 8, 777));
    tvm_obj_t b = tvm_alloc(f.th, TVM_BYTES, 0, 8, 778);
    tvm_set_ref(f.th, tvm_root(f.th, a), 1, b);
    tvm_gc(f.th);
    return; /* not reached: the verifier aborts */
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  /* tvm's dump_object: "tvm object ADDRESS: header H size S data D".  On MarkSweep the
   * unmarked object can still be read; SemiSpace has freed the from-space it lies in, a
   * generational plan the nursery; Immix (and StickyImmix, whose young objects live in
   * its Immix space) frees its block if nothing there survived. */
  if (TVM_PLAN_ID == 7) {
    /* MarkCompact's update of the references (after prepare_for_roots_re_scanning) meets
     * the revealed reference first, before the verifier. */
    g_test_trap_assert_stderr("*MarkCompact, updating the references, met 0x*which the "
                              "marking trace did not reach*");
  } else if (TVM_PLAN_ID == 9) {
    /* PageProtect: the verifier does not read the unmarked object where its pages may
     * be protected already; the holder is always dumped. */
    g_test_trap_assert_stderr("*dump_object of the object*holder:*tvm object 0x*data "
                              "0000000000000309*sanity: object 0x*is reachable but not marked*");
  } else if ((MOVES || GENERATIONAL) && !STICKY) {
    g_test_trap_assert_stderr("*dump_object of the object's holder:*tvm object 0x*data "
                              "0000000000000309*sanity: object 0x*");
    g_test_trap_assert_stderr_unmatched("*data 000000000000030a*");
  } else if (MAY_MOVE) {
    /* Immix: a defrag GC may have freed the block the unmarked object lay in. */
    g_test_trap_assert_stderr("*dump_object of the object and of its holder:*tvm object 0x*"
                              "tvm object 0x*sanity: object 0x*is reachable but not marked*");
  } else {
    g_test_trap_assert_stderr("*dump_object of the object and of its holder:*tvm object 0x*data "
                              "000000000000030a*tvm object 0x*data 0000000000000309*sanity: "
                              "object 0x*is reachable but not marked*");
  }
}
#endif

/* ---- Registration ------------------------------------------------------------------- */

static void add(const char *path, GTestFunc fn, unsigned timeout) {
  char *p = g_strdup_printf("binding/%s", path);
  suite_add(p, fn, timeout);
  g_free(p);
}

/* Skipped under stress GCs, for the reason `why` (suite_add_exact). */
static void add_exact(const char *path, GTestFunc fn, unsigned timeout, const char *why) {
  char *p = g_strdup_printf("binding/%s", path);
  suite_add_exact(p, fn, timeout, why);
  g_free(p);
}

/* Tests that expect their child to abort run it themselves. */
G_GNUC_UNUSED static void add_crash(const char *path, GTestFunc fn) {
  char *full = g_strdup_printf("/%s/binding/%s", PLAN, path);
  g_test_add_func(full, fn);
  g_free(full);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_env();
  g_test_message("config: plan=%s workers=%d sanity=%s; %s", PLAN, TVM_WORKERS,
                 MMTK_HAVE_SANITY ? "on" : "off", mmtk_build_info());
  add_exact("vm-copy", test_vm_copy, 120, "it counts the bytes each GC copies");
  add("copy-geometry", test_copy_geometry, 120);
  add("spawn-gc-thread", test_spawn_gc_thread, 120);
  add("spawn-retry", test_spawn_retry, 120);
  add("spawn-shutdown-early", test_spawn_shutdown_early, 30);
  add("spawn-wrong-worker/null", test_spawn_wrong_worker_null, 60);
  add("spawn-wrong-worker/foreign", test_spawn_wrong_worker_foreign, 60);
  /* Another thread's worker needs two workers (not a --enable-single-worker build). */
  if (expected_workers() >= 2)
    add("spawn-wrong-worker/other", test_spawn_wrong_worker_other, 60);
  add("spawn-stale-worker", test_spawn_stale_worker, 60);
  add("active-plan", test_active_plan, 300);
#if MMTK_HAVE_EXTREME_ASSERTIONS
  add_crash("active-plan-check/get-mutator", test_get_mutator_lies);
  if (TVM_PLAN_ID == 1 || MMTK_HAVE_SANITY)
    add_crash("active-plan-check/iterate-mutators", test_iterate_skips);
#endif
  add("weak-table", test_weak_table, 120);
  add("weak-table-wide", test_weak_table_wide, 120);
  add("weak-table-retain-only", test_weak_table_retain_only, 120);
  add_exact("post-forwarding", test_post_forwarding, 120, "it counts post_forwarding calls per GC");
  add("trace-edges", test_trace_edges, 120);
  suite_add_fits("binding/collection-disabled", test_collection_disabled, 120,
                 "its 3 MiB of garbage take 60 MiB at a page per object, beyond its 16 MiB heap");
  add_exact("delegated", test_delegated, 120, "it expects no GC but those it asks for");
  add("init-rejects", test_init_rejects, 60);
#if MMTK_HAVE_SANITY
  add_crash("dump-object", test_dump_object);
#endif
  return g_test_run();
}
