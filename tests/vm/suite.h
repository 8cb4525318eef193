/* What every GC suite on the test VM shares (test-gc.c, test-refs.c, test-binding.c):
 * the plan it is compiled for, size units, the watchdog, log notes and the fixture.
 *
 * A suite program is built once per configuration with -DTVM_PLAN_ID=1 (SemiSpace), 2
 * (MarkSweep), 3 (Immix), 4 (GenCopy) or 5 (GenImmix); its test paths start with PLAN. */
#ifndef TVM_SUITE_H
#define TVM_SUITE_H

#include <glib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tvm.h"

#if TVM_PLAN_ID == 1
#define PLAN "SemiSpace"
#define MOVES 1
#define MAY_MOVE 1
#elif TVM_PLAN_ID == 2
#define PLAN "MarkSweep"
#define MOVES 0
#define MAY_MOVE 0
#elif TVM_PLAN_ID == 3
/* MOVES: every GC moves every object; MAY_MOVE: a GC may move some.  Immix moves the
 * objects of the blocks a defrag GC evacuates, which depends on the fragmentation
 * (never with --enable-immix-non-moving). */
#define PLAN "Immix"
#define MOVES 0
#define MAY_MOVE (!MMTK_HAVE_IMMIX_NON_MOVING)
#elif TVM_PLAN_ID == 4
#define PLAN "GenCopy"
#define MOVES 1
#define MAY_MOVE 1
#define GENERATIONAL 1
#elif TVM_PLAN_ID == 5
/* GenImmix: every GC moves the young objects it keeps (promotion); mature ones move only
 * out of the blocks a defragmenting full-heap GC evacuates. */
#define PLAN "GenImmix"
#define MOVES 0
#define MAY_MOVE 1
#define GENERATIONAL 1
#elif TVM_PLAN_ID == 6
/* StickyImmix: a nursery GC copies young survivors out of their blocks (marks them in
 * place with --enable-sticky-immix-non-moving-nursery); mature objects stay put except
 * in defrag GCs. */
#define PLAN "StickyImmix"
#define MOVES 0
#define MAY_MOVE (!MMTK_HAVE_IMMIX_NON_MOVING)
#define GENERATIONAL 1
#define STICKY 1
#elif TVM_PLAN_ID == 7
/* MarkCompact: every GC slides the survivors down over the dead objects before them; one
 * with nothing dead below it (or pinned by a root) stays. */
#define PLAN "MarkCompact"
#define MOVES 0
#define MAY_MOVE 1
#elif TVM_PLAN_ID == 8
/* Compressor: a GC slides the survivors of each region down over the dead objects
 * before them; an object with nothing dead below it in its region stays. */
#define PLAN "Compressor"
#define MOVES 0
#define MAY_MOVE 1
#elif TVM_PLAN_ID == 9
/* PageProtect: non-moving; every object takes whole pages, freed ones are protected. */
#define PLAN "PageProtect"
#define MOVES 0
#define MAY_MOVE 0
#define PAGEPROTECT 1
#else
#error "TVM_PLAN_ID must be 1 (SemiSpace), 2 (MarkSweep), 3 (Immix), 4 (GenCopy), 5 (GenImmix), 6 (StickyImmix), 7 (MarkCompact), 8 (Compressor) or 9 (PageProtect)"
#endif
#ifndef GENERATIONAL
#define GENERATIONAL 0
#endif
/* The compacting plans (MarkCompact, Compressor) move objects after liveness is known:
 * once every new address is known they scan the roots again and every surviving object
 * again (those outside their space from the closure's list, their own survivors in a
 * pass of their own), to update the references (design.trace.forwarding). */
#define FORWARDS_AFTER_LIVENESS (TVM_PLAN_ID == 7 || TVM_PLAN_ID == 8)
#ifndef STICKY
#define STICKY 0
#endif
#ifndef PAGEPROTECT
#define PAGEPROTECT 0
#endif

/* TVM_DEFRAG=1 (Immix): every GC defragments and makes every block a defrag source, so
 * that the suite runs with objects moving in every GC, as far as the copy reserve goes.
 * Through the environment, which every instance the program makes reads. */
#ifndef TVM_DEFRAG
#define TVM_DEFRAG 0
#endif
static G_GNUC_UNUSED void suite_env(void) {
#if TVM_DEFRAG
  setenv("MMTK_IMMIX_ALWAYS_DEFRAG", "true", 1);
  setenv("MMTK_IMMIX_DEFRAG_EVERY_BLOCK", "true", 1);
  setenv("MMTK_IMMIX_DEFRAG_HEADROOM_PERCENT", "20", 1);
#endif
}

/* PageProtect gives every object whole pages, and freeing or reusing them costs system
 * calls: a test whose workload does not need its full size to check what it checks
 * runs SCALE(n) of it (a quarter there), and a test whose live data cannot fit at a page
 * per object is registered with suite_add_fits() (below). */
#define SCALE(n) (PAGEPROTECT ? (n) / 4 : (n))

/* MarkSweep sweeps lazily by default: tests that measure reclaimed memory right after a
 * GC ask for the eager sweep. */
#define EAGER (MOVES ? NULL : "eager_complete_sweep=true")

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* One test's objects: its VM, the main thread, the instance. */
typedef struct fx {
  tvm_t *vm;
  tvm_thread_t *th;
  mmtk_t *mmtk;
} fx_t;

/* The end of a test: the VM saw no error, its thread detaches, the instance goes, the
 * watchdog is disarmed. */
static G_GNUC_UNUSED void finish(fx_t *f) {
  tvm_assert_clean(f->vm);
  tvm_detach(f->th);
  tvm_destroy(f->vm);
  alarm(0);
}

/* GCs so far (counted when the VM resumes its mutators). */
static G_GNUC_UNUSED uint64_t gcs(fx_t *f) { return tvm_gc_count(f->vm); }

/* One forced GC from the fixture's thread, exactly one, with the reachable graph
 * snapshotted before and after and the two compared by `kept` (tvm_assert_preserved, or
 * a suite's own rule). */
static G_GNUC_UNUSED void suite_checked_gc(fx_t *f, void (*kept)(const tvm_snapshot_t *before,
                                                                 const tvm_snapshot_t *after)) {
  tvm_snapshot_t before, after;
  tvm_snapshot(f->vm, &before);
  uint64_t n = gcs(f);
  g_assert_true(tvm_gc(f->th));
  g_assert_cmpuint(gcs(f), ==, n + 1);
  tvm_snapshot(f->vm, &after);
  kept(&before, &after);
}

/* Full-heap GCs of `vm` so far (every GC but a generational plan's nursery GCs). */
static G_GNUC_UNUSED uint64_t suite_full_gcs(tvm_t *vm) {
  mmtk_stats_t s = {.size = sizeof s};
  g_assert_true(mmtk_get_stats(tvm_mmtk(vm), &s));
  return s.gc_count - s.nursery_gc_count;
}

/* A singly linked list of `n` nodes in a new root slot of `th`; returns the slot. */
static G_GNUC_UNUSED size_t suite_make_list(tvm_thread_t *th, size_t n, size_t data_bytes,
                                            uint64_t first) {
  size_t head = tvm_push(th, NULL);
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, data_bytes, first + i);
    g_assert_nonnull(o);
    tvm_set_ref(th, o, 0, tvm_root(th, head));
    tvm_set_root(th, head, o);
  }
  return head;
}

/* ---- The watchdog: a test that hangs (a deadlock) aborts, naming itself ------------ */

static const char *suite_current_test;

static void suite_watchdog(int sig) {
  (void)sig;
  static const char msg[] = "watchdog: the test did not finish in time (deadlock?): ";
  const char *t = suite_current_test;
  if (write(2, msg, sizeof msg - 1) < 0 || (t && write(2, t, strlen(t)) < 0) ||
      write(2, "\n", 1) < 0) {
  }
  abort();
}

/* Arm it for the running test: `seconds` from now (0 disarms). */
static inline void suite_watchdog_arm(unsigned seconds) {
  suite_current_test = g_test_get_path();
  signal(SIGALRM, suite_watchdog);
  alarm(seconds);
}

/* A note for the log (the test bodies run in child processes: standard error). */
static void note(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_UNUSED;
static void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_printerr("# %s: %s\n", g_test_get_path(), m);
  g_free(m);
}

/* ---- Registration: each test in a child process ------------------------------------
 *
 * g_test_trap_subprocess() runs every test in a child of its own, so that one failing or
 * crashing test neither hides the others nor leaves a broken heap behind; the child's
 * standard error (assertion messages, notes) goes to the log. */

struct suite_case {
  GTestFunc fn;
  unsigned timeout; /* seconds, a backstop behind the child's own watchdog */
  const char *exact; /* why the test cannot hold under stress GCs, or NULL */
};

static void suite_isolated(gconstpointer data) {
  const struct suite_case *t = data;
  if (t->exact && getenv("MMTK_STRESS_FACTOR")) {
    char *why = g_strdup_printf("MMTK_STRESS_FACTOR is set: %s", t->exact);
    g_test_skip(why);
    g_free(why);
    return;
  }
  if (g_test_subprocess()) {
    t->fn();
    return;
  }
  g_test_trap_subprocess(NULL, (guint64)t->timeout * G_USEC_PER_SEC,
                         G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed()) {
    g_test_message("%s failed in its child process (see the messages above)", g_test_get_path());
    g_test_fail();
  }
}

/* Register /PLAN/<path> (path may include a group, "binding/vm-copy"); the child has
 * `timeout` seconds (its watchdog), the parent waits 30 more. */
static G_GNUC_UNUSED void suite_add(const char *path, GTestFunc fn, unsigned timeout) {
  char *full = g_strdup_printf("/%s/%s", PLAN, path);
  struct suite_case *t = g_new0(struct suite_case, 1); /* GLib frees it with the suite */
  t->fn = fn;
  t->timeout = timeout + 30;
  g_test_add_data_func_full(full, t, suite_isolated, g_free);
  g_free(full);
}

/* suite_add() for a test whose live data takes too much memory at a page per object
 * (PageProtect): there it is skipped with `why` (a string constant). */
static void suite_skip(gconstpointer why) { g_test_skip(why); }
static G_GNUC_UNUSED void suite_add_fits(const char *path, GTestFunc fn, unsigned timeout,
                                         const char *why) {
  if (PAGEPROTECT) {
    char *full = g_strdup_printf("/%s/%s", PLAN, path);
    g_test_add_data_func(full, why, suite_skip);
    g_free(full);
    return;
  }
  suite_add(path, fn, timeout);
}

/* The same for a test that counts GCs or bytes exactly, or that would take far too
 * long with a GC every few KiB: when the environment sets MMTK_STRESS_FACTOR (the
 * libmmtk option every instance then gets: .ci/run's stress build), it is skipped with
 * `why` as the reason.  `why` must be a string constant. */
static G_GNUC_UNUSED void suite_add_exact(const char *path, GTestFunc fn, unsigned timeout,
                                          const char *why) {
  char *full = g_strdup_printf("/%s/%s", PLAN, path);
  struct suite_case *t = g_new0(struct suite_case, 1);
  t->fn = fn;
  t->timeout = timeout + 30;
  t->exact = why;
  g_test_add_data_func_full(full, t, suite_isolated, g_free);
  g_free(full);
}

#endif /* TVM_SUITE_H */
