/* Whole-heap operations on the test VM, for one configuration chosen at compile time
 * (TVM_PLAN_ID, TVM_HEADER, TVM_WORKERS as in test-gc.c):
 *
 *   enumerate/model          mmtk_enumerate_objects() after a full GC reports exactly the
 *                            model's live objects and the immortal ones, each once (R4);
 *                            before the GC a superset; after dropping everything, only
 *                            the immortal objects (no stale VO bit in from-space, dead
 *                            MarkSweep cells or swept large objects).  Without
 *                            --enable-vo-bit: the documented refusal.
 *   enumerate/in-packet      from a binding packet of MMTK_STAGE_FINAL it reports the
 *                            survivors; from one of MMTK_STAGE_CLOSURE it refuses
 *   enumerate/misuse         NULL instance or callback
 *   fork/threads             fork() with four mutators (three parked at a safe point of
 *                            the test's making): both processes collect and check every
 *                            model; the child's exit status says how it went (R17)
 *   fork/spawn-gc-thread     the same restart through the binding's spawn_gc_thread,
 *                            given after_fork's tls; the binding joins its threads
 *   fork/misuse              before initialize_collection, during a GC, twice, after_fork
 *                            alone: each refused with its message, never a hang; no GC
 *                            between the two calls; shutdown while prepared
 *   fork/restart-failure     spawn_gc_thread fails in after_fork: GCs stay off until a
 *                            second call has started the rest
 */
#define _GNU_SOURCE
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model.h"
#include "suite.h"
#include "tvm.h"

#ifndef TVM_HEADER
#define TVM_HEADER 0
#endif

/* GC workers the instance really has (--enable-single-worker makes it one). */
#define NWORKERS (MMTK_HAVE_SINGLE_WORKER ? 1u : (unsigned)TVM_WORKERS)

static void start_with(fx_t *f, tvm_options_t *o, unsigned timeout) {
  suite_watchdog_arm(timeout);
  o->plan = PLAN;
  o->header_metadata = TVM_HEADER;
  o->workers = TVM_WORKERS;
  o->sanity = true;
  f->vm = tvm_new(o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

static void start(fx_t *f, unsigned timeout) {
  tvm_options_t o = {.heap = "FixedHeapSize:96M"};
  start_with(f, &o, timeout);
}

/* Errors reported so far (each refusal of a misuse test is one). */
static uint64_t log_errors(fx_t *f) {
  tvm_counters_t c;
  tvm_counters(f->vm, &c);
  return c.log_errors;
}

/* The end of a test that provoked `errors` refusals on purpose. */
static void finish_with_errors(fx_t *f, uint64_t errors) {
  g_assert_cmpuint(log_errors(f), ==, errors);
  tvm_detach(f->th);
  tvm_destroy(f->vm);
  alarm(0);
}

static void assert_last_error(const char *part) {
  const char *e = mmtk_last_error();
  if (!e || !strstr(e, part))
    g_error("last error '%s' does not contain '%s'", e ? e : "(none)", part);
}

/* ---- Enumeration -------------------------------------------------------------------- */

struct census {
  mmtk_t *mmtk;
  GHashTable *seen;
  size_t calls, duplicates;
};

static void census_visit(mmtk_object_t object, void *data) {
  struct census *c = data;
  c->calls++;
  if (!g_hash_table_add(c->seen, object)) c->duplicates++;
  /* The callback may query the heap. */
  if (!mmtk_is_live_object(c->mmtk, object) || mmtk_is_mmtk_object(c->mmtk, object) != object)
    g_error("enumerated %p is not a live object with its VO bit", object);
}

static void census_take(mmtk_t *mmtk, struct census *c) {
  c->mmtk = mmtk;
  c->seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  c->calls = c->duplicates = 0;
  g_assert_true(mmtk_enumerate_objects(mmtk, census_visit, c));
  g_assert_cmpuint(c->duplicates, ==, 0);
}

static void census_free(struct census *c) { g_hash_table_destroy(c->seen); }

/* Every member of `a` is in `b`; `what` names them for the message. */
static void assert_subset(GHashTable *a, GHashTable *b, const char *what) {
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, a);
  while (g_hash_table_iter_next(&it, &k, NULL))
    if (!g_hash_table_contains(b, k)) g_error("%s: %p is missing", what, k);
}

/* The heap holds exactly `expected` (every object, reported once). */
static void assert_enumerates(fx_t *f, GHashTable *expected) {
  struct census c;
  census_take(f->mmtk, &c);
  g_assert_cmpuint(c.calls, ==, g_hash_table_size(expected));
  assert_subset(expected, c.seen, "an object reachable in the model was not enumerated");
  assert_subset(c.seen, expected, "an enumerated object is not live (stale VO bit?)");
  census_free(&c);
}

#define IMMORTALS 16

/* Immortal objects on the shadow stack below the model's roots. */
static size_t push_immortals(fx_t *f) {
  size_t base = tvm_depth(f->th);
  for (unsigned i = 0; i < IMMORTALS; i++) {
    tvm_obj_t o = tvm_alloc_sem(f->th, TVM_NODE, 1, 8 * i, 1000 + i, MMTK_ALLOC_IMMORTAL);
    g_assert_nonnull(o);
    tvm_push(f->th, o);
  }
  return base;
}

static void add_roots(fx_t *f, size_t base, size_t n, GHashTable *set) {
  for (size_t i = 0; i < n; i++) g_hash_table_add(set, tvm_root(f->th, base + i));
}

static void test_enumerate_model(void) {
  fx_t f;
  start(&f, 120);
  if (!MMTK_HAVE_VO_BIT) {
    struct census c = {.seen = g_hash_table_new(g_direct_hash, g_direct_equal)};
    g_assert_false(mmtk_enumerate_objects(f.mmtk, census_visit, &c));
    assert_last_error("built without the valid-object bit (configure with --enable-vo-bit)");
    g_assert_cmpuint(c.calls, ==, 0);
    census_free(&c);
    finish_with_errors(&f, 1);
    return;
  }
  size_t imm = push_immortals(&f);
  /* Large objects (the LOS) and weak references (cleared referents die) in the mix. */
  model_config_t cfg = {.roots = 48, .max_refs = 4, .max_data = 96, .large_permille = 15,
                        .weak_percent = 10};
  model_t *m = model_new(f.th, &cfg, g_test_rand_int());
  for (unsigned round = 0; round < 6; round++) {
    for (unsigned i = 0; i < 4000; i++) g_assert_true(model_step(m));
    /* Before a GC: every live object is there, among the garbage not yet reclaimed. */
    model_verify(m, false);
    GHashTable *live = g_hash_table_new(g_direct_hash, g_direct_equal);
    model_live_objects(m, live);
    add_roots(&f, imm, IMMORTALS, live);
    struct census c;
    census_take(f.mmtk, &c);
    assert_subset(live, c.seen, "a live object was not enumerated before the GC");
    g_assert_cmpuint(c.calls, >=, g_hash_table_size(live));
    census_free(&c);
    /* After a full GC: exactly the live ones. */
    g_assert_true(tvm_gc(f.th));
    model_verify(m, true);
    g_hash_table_remove_all(live);
    model_live_objects(m, live);
    g_assert_cmpuint(g_hash_table_size(live), ==, model_live(m));
    add_roots(&f, imm, IMMORTALS, live);
    assert_enumerates(&f, live);
    note("round %u: %u objects enumerated after the GC", round, g_hash_table_size(live));
    g_hash_table_destroy(live);
  }
  /* Nothing left but the immortal objects. */
  model_free(m);
  g_assert_true(tvm_gc(f.th));
  GHashTable *left = g_hash_table_new(g_direct_hash, g_direct_equal);
  add_roots(&f, imm, IMMORTALS, left);
  assert_enumerates(&f, left);
  g_hash_table_destroy(left);
  tvm_pop_to(f.th, imm);
  finish(&f);
}

/* Packets that enumerate during a GC. */
struct in_packet {
  mmtk_t *mmtk;
  size_t final_calls;
  bool final_ok, closure_ok, ran_final, ran_closure;
  char closure_error[256];
};

static void count_visit(mmtk_object_t object, void *data) {
  (void)object;
  (*(size_t *)data)++;
}

static void final_packet(mmtk_t *mmtk, void *worker_tls, void *data) {
  (void)worker_tls;
  struct in_packet *p = data;
  p->final_ok = mmtk_enumerate_objects(mmtk, count_visit, &p->final_calls);
  p->ran_final = true;
}

static void closure_packet(mmtk_t *mmtk, void *worker_tls, void *data) {
  (void)worker_tls;
  struct in_packet *p = data;
  size_t n = 0;
  p->closure_ok = mmtk_enumerate_objects(mmtk, count_visit, &n);
  const char *e = mmtk_last_error();
  g_strlcpy(p->closure_error, e ? e : "", sizeof p->closure_error);
  p->ran_closure = true;
}

static void add_enum_packets(tvm_t *vm, void *worker_tls, void *arg) {
  (void)worker_tls;
  struct in_packet *p = arg;
  g_assert_true(mmtk_add_work_packet(tvm_mmtk(vm), MMTK_STAGE_CLOSURE, closure_packet, p));
  g_assert_true(mmtk_add_work_packet(tvm_mmtk(vm), MMTK_STAGE_FINAL, final_packet, p));
}

static void test_enumerate_in_packet(void) {
  fx_t f;
  start(&f, 120);
  model_t *m = model_new(f.th, NULL, g_test_rand_int());
  for (unsigned i = 0; i < 5000; i++) g_assert_true(model_step(m));
  struct in_packet p = {.mmtk = f.mmtk};
  tvm_set_roots_hook(f.vm, add_enum_packets, &p);
  g_assert_true(tvm_gc(f.th));
  tvm_set_roots_hook(f.vm, NULL, NULL);
  g_assert_true(p.ran_final && p.ran_closure);
  g_assert_false(p.closure_ok);
  if (!MMTK_HAVE_VO_BIT) {
    /* Refused in every stage, for the build. */
    g_assert_false(p.final_ok);
    if (!strstr(p.closure_error, "--enable-vo-bit"))
      g_error("the refusal in MMTK_STAGE_CLOSURE said '%s'", p.closure_error);
    model_free(m);
    finish_with_errors(&f, 2);
    return;
  }
  if (!strstr(p.closure_error, "a GC is under way"))
    g_error("the refusal in MMTK_STAGE_CLOSURE said '%s'", p.closure_error);
  g_assert_true(p.final_ok);
  model_verify(m, true);
  /* The Final stage saw the heap the mutators see after the GC. */
  g_assert_cmpuint(p.final_calls, ==, model_live(m));
  struct census c;
  census_take(f.mmtk, &c);
  g_assert_cmpuint(c.calls, ==, p.final_calls);
  census_free(&c);
  model_free(m);
  finish_with_errors(&f, 1);
}

static void test_enumerate_misuse(void) {
  fx_t f;
  start(&f, 60);
  size_t n = 0;
  g_assert_false(mmtk_enumerate_objects(NULL, count_visit, &n));
  assert_last_error("mmtk_enumerate_objects: the instance is NULL");
  g_assert_false(mmtk_enumerate_objects(f.mmtk, NULL, &n));
  assert_last_error("mmtk_enumerate_objects: the callback is NULL");
  g_assert_cmpuint(n, ==, 0);
  /* The NULL instance goes to standard error (no instance to log to), the NULL callback
   * to the instance's log. */
  finish_with_errors(&f, 1);
}

/* ---- fork() ------------------------------------------------------------------------- */

#define FORK_THREADS 3

/* The safe point of the test's own making: a thread enters native state (it will not
 * touch the heap), says so, and waits for `go`.  fork() copies only the calling thread:
 * in the child these threads are gone, but they are parked in native state, so the VM
 * stops the world without them and still scans their shadow stacks. */
struct gate {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned parked;
  bool go;
};

struct mthread {
  fx_t *f;
  struct gate *gate;
  guint32 seed;
  pthread_t t;
  tvm_thread_t *th;
  model_t *m;
};

static void churn(model_t *m, unsigned steps) {
  for (unsigned i = 0; i < steps; i++) g_assert_true(model_step(m));
}

static void *mthread_main(void *arg) {
  struct mthread *t = arg;
  t->th = tvm_attach(t->f->vm);
  t->m = model_new(t->th, NULL, t->seed);
  churn(t->m, 3000);
  g_assert_true(tvm_gc(t->th));
  churn(t->m, 1000);
  model_verify(t->m, false);
  tvm_enter_native(t->th);
  pthread_mutex_lock(&t->gate->lock);
  t->gate->parked++;
  pthread_cond_broadcast(&t->gate->cond);
  while (!t->gate->go) pthread_cond_wait(&t->gate->cond, &t->gate->lock);
  pthread_mutex_unlock(&t->gate->lock);
  tvm_leave_native(t->th);
  /* The parent only: the world goes on. */
  model_verify(t->m, false);
  churn(t->m, 2000);
  g_assert_true(tvm_gc(t->th));
  model_verify(t->m, false);
  model_free(t->m);
  tvm_detach(t->th);
  return NULL;
}

/* One process's check after fork: collect, check every model (the parked threads' ones
 * from here: they do not run), enumerate (VO-bit builds), then churn and collect again. */
static void check_after_fork(fx_t *f, model_t *own, struct mthread *ts) {
  tvm_snapshot_t before, after;
  tvm_snapshot(f->vm, &before);
  g_assert_true(tvm_gc(f->th));
  tvm_snapshot(f->vm, &after);
  tvm_assert_preserved(&before, &after);
  model_verify(own, true);
  for (unsigned i = 0; i < FORK_THREADS; i++) model_verify(ts[i].m, true);
  if (MMTK_HAVE_VO_BIT) {
    GHashTable *live = g_hash_table_new(g_direct_hash, g_direct_equal);
    model_live_objects(own, live);
    for (unsigned i = 0; i < FORK_THREADS; i++) model_live_objects(ts[i].m, live);
    assert_enumerates(f, live);
    g_hash_table_destroy(live);
  }
  churn(own, 3000);
  g_assert_true(tvm_gc(f->th));
  model_verify(own, true);
}

/* The binding's GC threads (fork/spawn-gc-thread): it joins them itself before fork(). */
#define MAX_GC_THREADS 64
struct gc_threads {
  pthread_mutex_t lock;
  pthread_t threads[MAX_GC_THREADS];
  unsigned n, spawned;
  unsigned fail_after; /* spawns to allow before failing (0: never fail) */
  void *last_tls;
};
static struct gc_threads gct = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct gc_start {
  tvm_t *vm;
  mmtk_gc_worker_t *worker;
};

static void *gc_thread_main(void *arg) {
  struct gc_start s = *(struct gc_start *)arg;
  g_free(arg);
  mmtk_start_worker(tvm_mmtk(s.vm), &gct, s.worker); /* until prepare_to_fork or shutdown */
  return NULL;
}

static bool spawn_gc_thread(void *ctx, void *tls, mmtk_gc_worker_t *worker) {
  struct gc_start *s = g_new(struct gc_start, 1);
  s->vm = ctx; /* the tvm_t: tvm_mmtk() is set once mmtk_init has returned */
  s->worker = worker;
  pthread_mutex_lock(&gct.lock);
  bool ok = gct.n < MAX_GC_THREADS && (!gct.fail_after || gct.fail_after-- > 1) &&
            pthread_create(&gct.threads[gct.n], NULL, gc_thread_main, s) == 0;
  if (!ok) g_free(s);
  if (ok) {
    gct.n++;
    gct.spawned++;
    gct.last_tls = tls;
  }
  pthread_mutex_unlock(&gct.lock);
  return ok;
}

static void join_gc_threads(void) {
  pthread_mutex_lock(&gct.lock);
  for (unsigned i = 0; i < gct.n; i++) pthread_join(gct.threads[i], NULL);
  gct.n = 0;
  pthread_mutex_unlock(&gct.lock);
}

static void use_own_gc_threads(tvm_t *vm, mmtk_vm_binding_t *b, void *arg) {
  (void)vm;
  (void)arg;
  b->spawn_gc_thread = spawn_gc_thread;
}

static int after_fork_tls; /* what the test hands mmtk_after_fork() */

static void fork_test(bool binding_threads) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:96M", .init_tls = &f};
  if (binding_threads) o.customize = use_own_gc_threads;
  start_with(&f, &o, 180);
  if (binding_threads) g_assert_cmpuint(gct.spawned, ==, NWORKERS);
  model_t *own = model_new(f.th, NULL, g_test_rand_int());
  churn(own, 2000);

  struct gate gate = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
  struct mthread ts[FORK_THREADS];
  for (unsigned i = 0; i < FORK_THREADS; i++) {
    ts[i] = (struct mthread){.f = &f, .gate = &gate, .seed = g_test_rand_int()};
    g_assert_cmpint(pthread_create(&ts[i].t, NULL, mthread_main, &ts[i]), ==, 0);
  }
  /* Collect while the others work, then wait until all of them are parked. */
  churn(own, 2000);
  g_assert_true(tvm_gc(f.th));
  tvm_enter_native(f.th); /* their GCs must not wait for this thread */
  pthread_mutex_lock(&gate.lock);
  while (gate.parked < FORK_THREADS) pthread_cond_wait(&gate.cond, &gate.lock);
  pthread_mutex_unlock(&gate.lock);
  tvm_leave_native(f.th);
  model_verify(own, false);

  g_assert_true(mmtk_prepare_to_fork(f.mmtk));
  if (binding_threads) join_gc_threads(); /* every GC thread has left mmtk_start_worker */
  uint64_t gcs_before = gcs(&f);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (binding_threads) g_assert_cmpuint(gct.n, ==, 0);
  g_assert_true(mmtk_after_fork(f.mmtk, &after_fork_tls));
  if (binding_threads) {
    g_assert_cmpuint(gct.spawned, ==, 2 * NWORKERS);
    g_assert_true(gct.last_tls == &after_fork_tls);
  }
  if (pid == 0) {
    /* The child: its own watchdog (alarms are not inherited), one thread. */
    alarm(60);
    check_after_fork(&f, own, ts);
    g_assert_cmpuint(gcs(&f), ==, gcs_before + 2);
    tvm_assert_clean(f.vm);
    _exit(0);
  }
  check_after_fork(&f, own, ts);
  pthread_mutex_lock(&gate.lock);
  gate.go = true;
  pthread_cond_broadcast(&gate.cond);
  pthread_mutex_unlock(&gate.lock);
  tvm_enter_native(f.th);
  for (unsigned i = 0; i < FORK_THREADS; i++) pthread_join(ts[i].t, NULL);
  tvm_leave_native(f.th);
  g_assert_true(tvm_gc(f.th));
  model_verify(own, true);

  int status = 0;
  pid_t w;
  while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  g_assert_cmpint(w, ==, pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    g_error("the child %s %d", WIFEXITED(status) ? "exited with status" : "died of signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  model_free(own);
  finish(&f);
  if (binding_threads) join_gc_threads(); /* after mmtk_shutdown, as mmtk_start_worker(3) says */
}

/* A GC thread that cannot be started again: collections stay off, a second call starts
 * the rest. */
static void test_fork_restart_failure(void) {
  fx_t f;
  tvm_options_t o = {.heap = "FixedHeapSize:32M", .customize = use_own_gc_threads};
  start_with(&f, &o, 60);
  g_assert_true(mmtk_prepare_to_fork(f.mmtk));
  join_gc_threads();
  gct.fail_after = 2; /* worker 0 starts, worker 1 does not */
  g_assert_false(mmtk_after_fork(f.mmtk, &after_fork_tls));
  assert_last_error("mmtk_after_fork: the binding's spawn_gc_thread failed for worker 1");
  g_assert_cmpuint(gct.n, ==, 1);
  uint64_t n = gcs(&f);
  g_assert_false(tvm_gc(f.th));
  g_assert_false(mmtk_prepare_to_fork(f.mmtk)); /* still prepared */
  gct.fail_after = 0;
  g_assert_true(mmtk_after_fork(f.mmtk, &after_fork_tls));
  g_assert_cmpuint(gct.n, ==, NWORKERS);
  g_assert_cmpuint(gct.spawned, ==, 2 * NWORKERS);
  g_assert_true(tvm_gc(f.th));
  g_assert_cmpuint(gcs(&f), ==, n + 1);
  finish_with_errors(&f, 2);
  join_gc_threads();
}

static void test_fork_threads(void) { fork_test(false); }
static void test_fork_spawn(void) { fork_test(true); }

/* prepare_to_fork from a GC worker during a GC. */
struct during_gc {
  bool called, result;
  char error[256];
};

static void prepare_in_gc(tvm_t *vm, void *worker_tls, void *arg) {
  (void)worker_tls;
  struct during_gc *d = arg;
  d->called = true;
  d->result = mmtk_prepare_to_fork(tvm_mmtk(vm));
  const char *e = mmtk_last_error();
  g_strlcpy(d->error, e ? e : "", sizeof d->error);
}

static void test_fork_misuse(void) {
  fx_t f;
  /* Before mmtk_initialize_collection. */
  tvm_options_t o = {.heap = "FixedHeapSize:32M", .defer_collection = true};
  start_with(&f, &o, 60);
  g_assert_false(mmtk_prepare_to_fork(f.mmtk));
  assert_last_error("mmtk_prepare_to_fork: collection is not initialized");
  g_assert_false(mmtk_after_fork(f.mmtk, NULL));
  assert_last_error("mmtk_after_fork: collection is not initialized");
  g_assert_true(mmtk_initialize_collection(f.mmtk, NULL));
  uint64_t errors = 2;

  /* after_fork alone, prepare twice, after_fork twice. */
  g_assert_false(mmtk_after_fork(f.mmtk, NULL));
  assert_last_error("mmtk_after_fork: mmtk_prepare_to_fork was not called");
  g_assert_true(mmtk_prepare_to_fork(f.mmtk));
  g_assert_false(mmtk_prepare_to_fork(f.mmtk));
  assert_last_error("mmtk_prepare_to_fork: mmtk_prepare_to_fork was already called");
  /* No GC between the two calls: a request is declined, not left waiting. */
  uint64_t n = gcs(&f);
  g_assert_false(tvm_gc(f.th));
  g_assert_cmpuint(gcs(&f), ==, n);
  g_assert_true(mmtk_after_fork(f.mmtk, NULL));
  g_assert_false(mmtk_after_fork(f.mmtk, NULL));
  assert_last_error("mmtk_after_fork: mmtk_prepare_to_fork was not called");
  errors += 3;
  g_assert_true(tvm_gc(f.th));
  g_assert_cmpuint(gcs(&f), ==, n + 1);

  /* During a GC, from a GC worker (the VM roots callback): refused at once. */
  struct during_gc d = {0};
  tvm_set_roots_hook(f.vm, prepare_in_gc, &d);
  g_assert_true(tvm_gc(f.th));
  tvm_set_roots_hook(f.vm, NULL, NULL);
  g_assert_true(d.called);
  g_assert_false(d.result);
  if (!strstr(d.error, "mmtk_prepare_to_fork: called on GC worker"))
    g_error("the refusal during a GC said '%s'", d.error);
  errors++;
  g_assert_true(tvm_gc(f.th)); /* the workers still run */

  /* Shut down while prepared: nothing to join, no hang. */
  g_assert_true(mmtk_prepare_to_fork(f.mmtk));
  finish_with_errors(&f, errors);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_message("config: plan=%s metadata=%s workers=%d vo-bit=%s; %s", PLAN,
                 TVM_HEADER ? "header" : "side", TVM_WORKERS, MMTK_HAVE_VO_BIT ? "on" : "off",
                 mmtk_build_info());
  suite_add("enumerate/model", test_enumerate_model, 120);
  suite_add("enumerate/in-packet", test_enumerate_in_packet, 120);
  suite_add("enumerate/misuse", test_enumerate_misuse, 60);
  suite_add("fork/threads", test_fork_threads, 180);
  suite_add("fork/spawn-gc-thread", test_fork_spawn, 180);
  suite_add("fork/misuse", test_fork_misuse, 60);
  if (NWORKERS > 1) suite_add("fork/restart-failure", test_fork_restart_failure, 60);
  return g_test_run();
}
