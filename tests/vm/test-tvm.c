/* test-tvm: the test VM itself, on the NoGC plan (nothing moves, nothing is freed):
 * object layout and allocation, shadow stacks, the graph checker, the stop-the-world
 * handshake (driving the binding's callbacks directly), the random-graph model, and heap
 * exhaustion without a collector. */
#define _GNU_SOURCE
#include <glib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "tvm.h"

static tvm_t *start(const char *heap, tvm_thread_t **th) {
  tvm_options_t o = {.plan = "NoGC", .heap = heap ? heap : "FixedHeapSize:256M"};
  tvm_t *vm = tvm_new(&o);
  if (th) *th = tvm_attach(vm);
  return vm;
}

static void finish(tvm_t *vm, tvm_thread_t *th) {
  tvm_assert_clean(vm);
  if (th) tvm_detach(th);
  tvm_destroy(vm);
}

/* ---- Objects ---------------------------------------------------------------------- */

static void test_object_layout(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  mmtk_t *mmtk = tvm_mmtk(vm);
  static const struct {
    unsigned type;
    size_t nrefs, bytes;
  } shapes[] = {{TVM_NODE, 0, 0},  {TVM_NODE, 3, 13},  {TVM_ARRAY, 1000, 0},
                {TVM_BYTES, 0, 1}, {TVM_BYTES, 0, 4096}, {TVM_WEAKREF, 1, 0},
                {TVM_WEAKREF, 3, 7}, {TVM_FINALIZABLE, 2, 40}, {TVM_BYTES, 0, 100000}};
  for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
    tvm_obj_t o = tvm_alloc(th, shapes[i].type, shapes[i].nrefs, shapes[i].bytes, 1000 + i);
    g_assert_nonnull(o);
    g_assert_cmpuint((uintptr_t)o % 8, ==, 0);
    g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, o));
#if MMTK_HAVE_VO_BIT
    g_assert_true(mmtk_is_mmtk_object(mmtk, o) == o);
#endif
    g_assert_null(tvm_header_problem(o));
    g_assert_cmpuint(tvm_type(o), ==, shapes[i].type);
    g_assert_cmpuint(tvm_nrefs(o), ==, shapes[i].nrefs);
    g_assert_cmpuint(tvm_size(o), ==, tvm_object_size(shapes[i].nrefs, shapes[i].bytes));
    g_assert_cmpuint(tvm_data_bytes(o), ==, shapes[i].bytes);
    g_assert_cmpuint(tvm_data(o), ==, 1000 + i);
    g_assert_cmphex(tvm_words(o)[0] & ~TVM_VM_BITS_MASK, ==, 0); /* libmmtk's byte starts 0 */
    for (size_t k = 0; k < shapes[i].nrefs; k++) g_assert_null(tvm_ref(o, k));
    g_assert_true(tvm_pattern_ok(o));
    if (shapes[i].type == TVM_WEAKREF) g_assert_cmpuint(tvm_flags(o), ==, TVM_FLAG_WEAK);
    if (shapes[i].type == TVM_FINALIZABLE) g_assert_cmpuint(tvm_flags(o), ==, TVM_FLAG_FINALIZER);
    if (shapes[i].bytes) {
      /* Any corrupted byte is noticed; restoring it heals the object. */
      unsigned char *b = tvm_bytes(o) + shapes[i].bytes - 1;
      *b ^= 0x40;
      g_assert_false(tvm_pattern_ok(o));
      *b ^= 0x40;
      g_assert_true(tvm_pattern_ok(o));
      tvm_set_data(o, 77);
      g_assert_cmpuint(tvm_data(o), ==, 77);
      g_assert_true(tvm_pattern_ok(o));
    }
  }
  /* Fields and broken headers. */
  tvm_obj_t a = tvm_alloc(th, TVM_NODE, 2, 0, 1);
  tvm_obj_t b = tvm_alloc(th, TVM_NODE, 0, 0, 2);
  tvm_set_ref(th, a, 1, b);
  g_assert_true(tvm_ref(a, 1) == b);
  g_assert_null(tvm_ref(a, 0));
  uint64_t h = tvm_words(a)[0];
  tvm_words(a)[0] = (h & ~(uint64_t)0xff) | 9;
  g_assert_nonnull(tvm_header_problem(a));
  tvm_words(a)[0] = h | ((uint64_t)1 << 45);
  g_assert_nonnull(tvm_header_problem(a));
  tvm_words(a)[0] = h;
  tvm_words(a)[1] = 8;
  g_assert_nonnull(tvm_header_problem(a));
  tvm_words(a)[1] = tvm_object_size(2, 0);
  g_assert_null(tvm_header_problem(a));
  /* Header bits 56-63 are libmmtk's: the VM's view ignores them. */
  tvm_words(a)[0] = h | ((uint64_t)0xff << 56);
  g_assert_null(tvm_header_problem(a));
  g_assert_cmpuint(tvm_type(a), ==, TVM_NODE);
  g_assert_cmpuint(tvm_nrefs(a), ==, 2);
  tvm_words(a)[0] = h;
  finish(vm, th);
}

/* ---- Roots ------------------------------------------------------------------------ */

static void test_shadow_stack(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  g_assert_cmpuint(tvm_depth(th), ==, 0);
  tvm_obj_t objs[2000];
  for (size_t i = 0; i < 2000; i++) {
    objs[i] = tvm_alloc(th, TVM_NODE, 0, 0, i);
    g_assert_cmpuint(tvm_push(th, objs[i]), ==, i); /* grows past the initial 256 slots */
  }
  g_assert_cmpuint(tvm_depth(th), ==, 2000);
  for (size_t i = 0; i < 2000; i++) g_assert_true(tvm_root(th, i) == objs[i]);
  tvm_set_root(th, 5, NULL);
  g_assert_null(tvm_root(th, 5));
  tvm_pop_to(th, 10);
  g_assert_cmpuint(tvm_depth(th), ==, 10);
  g_assert_cmpuint(tvm_push(th, NULL), ==, 10);
  g_assert_null(tvm_root(th, 10)); /* popped slots do not keep old values */
  tvm_pop_to(th, 0);
  for (size_t i = 0; i < TVM_GLOBALS; i++) g_assert_null(tvm_global(vm, i));
  tvm_set_global(vm, 3, objs[3]);
  g_assert_true(tvm_global(vm, 3) == objs[3]);
  tvm_set_global(vm, 3, NULL);
  finish(vm, th);
}

/* ---- The checker ------------------------------------------------------------------ */

/* A graph that depends only on `seed`: a few shared nodes, cycles and a weak reference. */
static void build(tvm_thread_t *th, guint32 seed, size_t n) {
  GRand *r = g_rand_new_with_seed(seed);
  size_t base = tvm_depth(th);
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, n, 0, seed));
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 3, g_rand_int_range(r, 0, 50), g_rand_int(r));
    tvm_set_ref(th, tvm_root(th, arr), i, o);
  }
  for (size_t i = 0; i < 3 * n; i++) {
    tvm_obj_t a = tvm_ref(tvm_root(th, arr), g_rand_int_range(r, 0, (gint32)n));
    tvm_obj_t b = tvm_ref(tvm_root(th, arr), g_rand_int_range(r, 0, (gint32)n));
    tvm_set_ref(th, a, g_rand_int_range(r, 0, 3), g_rand_boolean(r) ? b : NULL);
  }
  tvm_obj_t w = tvm_alloc(th, TVM_WEAKREF, 1, 0, 5);
  tvm_set_ref(th, w, 0, tvm_ref(tvm_root(th, arr), 0));
  tvm_push(th, w);
  g_assert_cmpuint(tvm_depth(th), ==, base + 2);
  g_rand_free(r);
}

static void test_checker_isomorphic(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  tvm_snapshot_t a, b, c;
  build(th, 42, 300);
  tvm_snapshot(vm, &a);
  g_assert_cmpuint(a.objects, ==, 302);
  g_assert_cmpuint(a.by_type[TVM_ARRAY], ==, 1);
  g_assert_cmpuint(a.by_type[TVM_NODE], ==, 300);
  g_assert_cmpuint(a.weakrefs, ==, 1);
  g_assert_cmpuint(a.weak_live, ==, 1);
  tvm_snapshot(vm, &b);
  tvm_assert_same(&a, &b);

  /* The same graph at other addresses has the same checksum. */
  tvm_pop_to(th, 0);
  build(th, 42, 300);
  tvm_snapshot(vm, &b);
  tvm_assert_same(&a, &b);
  /* A different graph does not. */
  tvm_pop_to(th, 0);
  build(th, 43, 300);
  tvm_snapshot(vm, &c);
  g_assert_cmphex(c.checksum, !=, a.checksum);

  /* Every kind of change shows: a data word ... */
  tvm_pop_to(th, 0);
  build(th, 42, 300);
  tvm_obj_t n7 = tvm_ref(tvm_root(th, 0), 7);
  uint64_t d = tvm_data(n7);
  tvm_set_data(n7, d + 1);
  tvm_snapshot(vm, &c);
  g_assert_cmphex(c.checksum, !=, a.checksum);
  tvm_set_data(n7, d);
  tvm_snapshot(vm, &c);
  tvm_assert_same(&a, &c);
  /* ... a reference moved to another field ... */
  tvm_obj_t t0 = tvm_ref(n7, 0), t1 = tvm_ref(n7, 1);
  tvm_set_ref(th, n7, 0, t1);
  tvm_set_ref(th, n7, 1, t0);
  tvm_snapshot(vm, &c);
  if (t0 != t1) g_assert_cmphex(c.checksum, !=, a.checksum);
  tvm_set_ref(th, n7, 0, t0);
  tvm_set_ref(th, n7, 1, t1);
  /* ... the order of the roots ... */
  tvm_obj_t r0 = tvm_root(th, 0), r1 = tvm_root(th, 1);
  tvm_set_root(th, 0, r1);
  tvm_set_root(th, 1, r0);
  tvm_snapshot(vm, &c);
  g_assert_cmphex(c.checksum, !=, a.checksum);
  tvm_set_root(th, 0, r0);
  tvm_set_root(th, 1, r1);
  /* ... and a global. */
  tvm_set_global(vm, 0, n7);
  tvm_snapshot(vm, &c);
  g_assert_cmphex(c.checksum, !=, a.checksum);
  g_assert_cmpuint(c.objects, ==, a.objects);
  tvm_set_global(vm, 0, NULL);
  tvm_snapshot(vm, &c);
  tvm_assert_same(&a, &c);
  finish(vm, th);
}

static void test_checker_weak_and_cycles(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  tvm_snapshot_t s;
  /* A ring of 100, reachable twice, and a self loop. */
  size_t ring = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 8, 0));
  for (int i = 1; i < 100; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 8, i);
    tvm_set_ref(th, o, 0, tvm_root(th, ring));
    tvm_set_root(th, ring, o);
  }
  tvm_obj_t last = tvm_root(th, ring);
  while (tvm_ref(last, 0)) last = tvm_ref(last, 0);
  tvm_set_ref(th, last, 0, tvm_root(th, ring));
  tvm_push(th, last);
  tvm_obj_t self = tvm_alloc(th, TVM_NODE, 2, 0, 500);
  tvm_set_ref(th, self, 0, self);
  tvm_set_ref(th, self, 1, self);
  tvm_push(th, self);
  tvm_snapshot(vm, &s);
  g_assert_cmpuint(s.objects, ==, 101);
  g_assert_cmpuint(s.edges, ==, 102);
  g_assert_cmpuint(s.bytes, ==, 100 * tvm_object_size(1, 8) + tvm_object_size(2, 0));

  /* Weak references: live, NULL and dangling referents. */
  tvm_obj_t dead = tvm_alloc(th, TVM_NODE, 0, 0, 600);
  tvm_obj_t w1 = tvm_alloc(th, TVM_WEAKREF, 1, 0, 601);
  tvm_set_ref(th, w1, 0, self);
  tvm_push(th, w1);
  tvm_obj_t w2 = tvm_alloc(th, TVM_WEAKREF, 2, 0, 602);
  tvm_set_ref(th, w2, 0, dead);
  tvm_set_ref(th, w2, 1, last); /* a strong field */
  tvm_push(th, w2);
  tvm_push(th, tvm_alloc(th, TVM_WEAKREF, 1, 0, 603));
  tvm_snapshot(vm, &s);
  g_assert_cmpuint(s.objects, ==, 104); /* `dead` is not strongly reachable */
  g_assert_cmpuint(s.weakrefs, ==, 3);
  g_assert_cmpuint(s.weak_live, ==, 1);
  g_assert_cmpuint(s.weak_dangling, ==, 1);
  g_assert_cmpuint(s.weak_null, ==, 1);
  /* What a GC does to it (cleared) keeps the checksum and passes the preservation check. */
  tvm_snapshot_t after;
  tvm_refs(w2)[0] = NULL;
  tvm_snapshot(vm, &after);
  tvm_assert_preserved(&s, &after);
  finish(vm, th);
}

static void test_checker_deep(void) {
  tvm_thread_t *th;
  tvm_t *vm = start("FixedHeapSize:512M", &th);
  size_t head = tvm_push(th, NULL);
  const size_t n = 1000000;
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 0, i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, head));
    tvm_set_root(th, head, o);
  }
  tvm_snapshot_t s;
  tvm_snapshot(vm, &s); /* an explicit stack: no recursion, no stack overflow */
  g_assert_cmpuint(s.objects, ==, n);
  g_assert_cmpuint(s.edges, ==, n - 1);
  finish(vm, th);
}

static void test_checker_thread(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  build(th, 9, 50);
  tvm_snapshot_t a, b;
  tvm_snapshot_thread(th, &a);
  tvm_set_global(vm, 1, tvm_alloc(th, TVM_NODE, 0, 0, 1));
  tvm_snapshot_thread(th, &b); /* globals are not part of a thread's snapshot */
  tvm_assert_same(&a, &b);
  tvm_snapshot(vm, &b);
  g_assert_cmpuint(b.objects, ==, a.objects + 1);
  tvm_set_global(vm, 1, NULL);
  finish(vm, th);
}

/* ---- The handshake ----------------------------------------------------------------- */

struct spinner {
  tvm_t *vm;
  pthread_t thread;
  _Atomic uint64_t progress;
  _Atomic bool quit, attached;
  bool native; /* sits in native state instead of running */
};

static void *spin(void *arg) {
  struct spinner *s = arg;
  tvm_thread_t *th = tvm_attach(s->vm);
  size_t slot = tvm_push(th, tvm_alloc(th, TVM_NODE, 1, 0, 1));
  atomic_store(&s->attached, true);
  if (s->native) tvm_enter_native(th);
  while (!atomic_load(&s->quit)) {
    if (!s->native) {
      /* Mutate, then poll. */
      tvm_obj_t o = tvm_root(th, slot);
      tvm_set_data(o, tvm_data(o) + 1);
      tvm_safepoint(th);
    } else {
      g_usleep(100);
    }
    atomic_fetch_add(&s->progress, 1);
  }
  if (s->native) tvm_leave_native(th);
  tvm_detach(th);
  return NULL;
}

struct visits {
  mmtk_mutator_t *seen[16];
  size_t n;
};

static void visit(mmtk_mutator_t *m, void *arg) {
  struct visits *v = arg;
  g_assert_cmpuint(v->n, <, 16);
  v->seen[v->n++] = m;
}

static void *attach_late(void *arg) {
  struct spinner *s = arg;
  tvm_thread_t *th = tvm_attach(s->vm); /* blocks while the world is stopped */
  atomic_store(&s->attached, true);
  tvm_detach(th);
  return NULL;
}

static void test_handshake(void) {
  tvm_t *vm = start(NULL, NULL); /* this thread is not a mutator: it plays the GC */
  const mmtk_vm_binding_t *b = tvm_binding(vm);
  struct spinner s[4];
  memset(s, 0, sizeof s);
  for (int i = 0; i < 4; i++) {
    s[i].vm = vm;
    s[i].native = i == 3;
    g_assert_cmpint(pthread_create(&s[i].thread, NULL, spin, &s[i]), ==, 0);
  }
  for (int i = 0; i < 4; i++)
    while (!atomic_load(&s[i].attached) || !atomic_load(&s[i].progress)) g_usleep(100);
  for (int round = 0; round < 20; round++) {
    struct visits v = {.n = 0};
    g_assert_false(tvm_world_stopped(vm));
    b->stop_all_mutators(vm, NULL, visit, &v);
    g_assert_true(tvm_world_stopped(vm));
    g_assert_cmpuint(v.n, ==, 4); /* every attached thread, the native one included */
    for (size_t i = 0; i < v.n; i++)
      for (size_t j = i + 1; j < v.n; j++) g_assert_true(v.seen[i] != v.seen[j]);
    uint64_t p[3];
    for (int i = 0; i < 3; i++) p[i] = atomic_load(&s[i].progress);
    g_usleep(2000);
    for (int i = 0; i < 3; i++) g_assert_cmpuint(atomic_load(&s[i].progress), ==, p[i]);
    if (round == 5) {
      /* A thread attaching now waits for the world to restart. */
      struct spinner late = {.vm = vm};
      pthread_t t;
      g_assert_cmpint(pthread_create(&t, NULL, attach_late, &late), ==, 0);
      g_usleep(20000);
      g_assert_false(atomic_load(&late.attached));
      b->resume_mutators(vm, NULL);
      pthread_join(t, NULL);
      g_assert_true(atomic_load(&late.attached));
    } else {
      b->resume_mutators(vm, NULL);
    }
    g_assert_cmpuint(tvm_gc_count(vm), ==, (uint64_t)round + 1);
    for (int i = 0; i < 3; i++)
      while (atomic_load(&s[i].progress) == p[i]) g_usleep(50); /* they run again */
  }
  for (int i = 0; i < 4; i++) atomic_store(&s[i].quit, true);
  for (int i = 0; i < 4; i++) pthread_join(s[i].thread, NULL);
  tvm_counters_t c;
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.stops, ==, 20);
  finish(vm, NULL);
}

/* ---- The model and heap exhaustion ------------------------------------------------- */

static void test_model(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  model_config_t cfg = {.roots = 16, .weak_percent = 15, .large_permille = 5};
  model_t *m = model_new(th, &cfg, g_test_rand_int());
  for (int i = 0; i < 3000; i++) {
    g_assert_true(model_step(m));
    if (i % 100 == 99) model_verify(m, false);
  }
  model_verify(m, false);
  g_assert_cmpuint(model_live(m), >, 0);
  g_assert_cmpuint(model_cleared(m), ==, 0); /* NoGC never clears */
  tvm_snapshot_t s;
  tvm_snapshot_thread(th, &s);
  g_assert_cmpuint(s.objects, ==, model_live(m));
  /* A change behind the model's back is found. */
  if (g_test_undefined()) {
    if (g_test_subprocess()) {
      for (size_t i = 0; i < 16; i++) {
        tvm_obj_t o = tvm_root(th, i);
        if (o) {
          tvm_words(o)[2] ^= 1; /* the data word, with the pattern left stale */
          break;
        }
      }
      model_verify(m, false);
      return;
    }
  }
  model_free(m);
  finish(vm, th);
}

static void test_model_detects(void) {
  if (!g_test_undefined()) return;
  g_test_trap_subprocess("/tvm/model/random", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*the heap differs from the model*");
}

static void test_oom_nogc(void) {
  tvm_thread_t *th;
  tvm_t *vm = start("FixedHeapSize:8M", &th);
  tvm_counters_t c;
  size_t n = 0;
  for (;;) {
    tvm_obj_t o = tvm_alloc(th, TVM_BYTES, 0, 4000, n);
    tvm_counters(vm, &c);
    if (!o) break;
    g_assert_cmpuint(c.oom_calls, ==, 0);
    g_assert_cmpuint(++n, <, 100000);
  }
  g_assert_cmpuint(n, >, 1000);
  g_assert_cmpuint(c.oom_calls, ==, 1);
  g_assert_cmpint(c.oom_last_kind, ==, MMTK_OOM_HEAP);
  g_assert_true(c.oom_last_tls == th);
  /* The same request again (a smaller one may still fit in the thread's buffer). */
  g_assert_null(tvm_alloc(th, TVM_BYTES, 0, 4000, 0));
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 2);
  g_assert_cmpuint(c.oom_heap, ==, 2);
  finish(vm, th);
}

/* ---- Whole-heap operations on NoGC ---------------------------------------------------- */

static void count_object(mmtk_object_t object, void *data) {
  (void)object;
  (*(size_t *)data)++;
}

/* NoGC frees nothing: every object ever allocated is enumerated, reachable or not, in
 * the NoGC space, the immortal space and the LOS.  Without the VO bit: refused. */
static void test_enumerate_nogc(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  size_t n = 0;
  for (unsigned i = 0; i < 300; i++) {
    g_assert_nonnull(tvm_alloc(th, TVM_NODE, 2, i % 50, i));
    g_assert_nonnull(tvm_alloc_sem(th, TVM_BYTES, 0, 16, i, MMTK_ALLOC_IMMORTAL));
  }
  for (unsigned i = 0; i < 5; i++) g_assert_nonnull(tvm_alloc(th, TVM_BYTES, 0, 100000, i));
  bool ok = mmtk_enumerate_objects(tvm_mmtk(vm), count_object, &n);
  if (MMTK_HAVE_VO_BIT) {
    g_assert_true(ok);
    g_assert_cmpuint(n, ==, 605);
    finish(vm, th);
    return;
  }
  g_assert_false(ok);
  g_assert_cmpuint(n, ==, 0);
  g_assert_nonnull(strstr(mmtk_last_error(), "--enable-vo-bit"));
  tvm_counters_t c;
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 1);
  tvm_detach(th);
  tvm_destroy(vm);
}

/* NoGC has no GC thread: the fork calls only check the protocol. */
static void test_fork_nogc(void) {
  tvm_thread_t *th;
  tvm_t *vm = start(NULL, &th);
  mmtk_t *mmtk = tvm_mmtk(vm);
  g_assert_false(mmtk_after_fork(mmtk, NULL));
  g_assert_true(mmtk_prepare_to_fork(mmtk));
  g_assert_false(mmtk_prepare_to_fork(mmtk));
  g_assert_true(mmtk_after_fork(mmtk, NULL));
  g_assert_nonnull(tvm_alloc(th, TVM_NODE, 1, 8, 1));
  tvm_counters_t c;
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.log_errors, ==, 2);
  tvm_detach(th);
  tvm_destroy(vm);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tvm/object/layout", test_object_layout);
  g_test_add_func("/tvm/roots/shadow-stack", test_shadow_stack);
  g_test_add_func("/tvm/check/isomorphic", test_checker_isomorphic);
  g_test_add_func("/tvm/check/weak-and-cycles", test_checker_weak_and_cycles);
  g_test_add_func("/tvm/check/deep", test_checker_deep);
  g_test_add_func("/tvm/check/thread", test_checker_thread);
  g_test_add_func("/tvm/threads/handshake", test_handshake);
  g_test_add_func("/tvm/model/random", test_model);
  g_test_add_func("/tvm/model/detects-corruption", test_model_detects);
  g_test_add_func("/tvm/oom/nogc", test_oom_nogc);
  g_test_add_func("/tvm/heap/enumerate-nogc", test_enumerate_nogc);
  g_test_add_func("/tvm/heap/fork-nogc", test_fork_nogc);
  return g_test_run();
}
