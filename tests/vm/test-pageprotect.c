/* The PageProtect plan's own promises, on the test VM (TVM_PLAN_ID 9, side metadata, 2 GC
 * workers, sanity on where built):
 *
 *   protect/freed-faults     a program keeps a raw pointer to an object, drops every
 *                            reference to it, forces a GC and reads the object: the
 *                            child process dies of SIGSEGV (a protection fault, si_code
 *                            SEGV_ACCERR, at the object's page), reported by its handler
 *   protect/live-untouched   live objects, old and new, are never protected: after GCs
 *                            that freed their neighbours every byte of each reads and
 *                            writes
 *   protect/reused-zeroed    a freed object's pages, handed out again, are readable and
 *                            read as zero (the object's data is gone)
 */
#define _GNU_SOURCE
#include <glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "tvm.h"

#define PAGE ((uintptr_t)4096)

static void start(fx_t *f, unsigned timeout) {
  suite_watchdog_arm(timeout);
  tvm_options_t o = {.plan = PLAN, .workers = 2, .sanity = true, .heap = "FixedHeapSize:32M"};
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

/* ---- protect/freed-faults ------------------------------------------------------------ */

static const char segv_marker[] = "pageprotect-test: SIGSEGV, protection fault at the freed object\n";
static const char segv_other[] = "pageprotect-test: SIGSEGV elsewhere\n";
static uintptr_t freed_page; /* the page of the object the child touches */

/* Async-signal-safe: write() and _exit() only.  The exit status is the signal number, so
 * that a child killed by SIGSEGV without this handler (or one that exits otherwise)
 * does not pass. */
static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  uintptr_t a = (uintptr_t)si->si_addr;
  bool ours = si->si_code == SEGV_ACCERR && a - freed_page < PAGE;
  const char *m = ours ? segv_marker : segv_other;
  if (write(2, m, strlen(m)) < 0) {
  }
  _exit(sig);
}

static void freed_faults_child(void) {
  fx_t f;
  start(&f, 30);
  tvm_thread_t *th = f.th;
  size_t base = tvm_depth(th);
  tvm_obj_t o = tvm_alloc(th, TVM_NODE, 1, 64, 4242);
  tvm_push(th, o);
  g_assert_true(tvm_gc(th));
  /* Live across a GC: readable, in place (nothing moves). */
  o = tvm_root(th, base);
  g_assert_cmpuint(tvm_data(o), ==, 4242);
  volatile uint64_t *raw = (volatile uint64_t *)tvm_words(o);
  freed_page = (uintptr_t)raw & ~(PAGE - 1);
  tvm_pop_to(th, base); /* the last reference */
  g_assert_true(tvm_gc(th));
  g_assert_false(mmtk_is_live_object(f.mmtk, (mmtk_object_t)raw));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  g_assert_cmpint(sigaction(SIGSEGV, &sa, NULL), ==, 0);
  uint64_t v = raw[2]; /* the dangling read: faults here */
  g_printerr("pageprotect-test: the freed object read %llu without a fault\n",
             (unsigned long long)v);
  exit(0);
}

static void test_freed_faults(void) {
  if (g_test_subprocess()) {
    freed_faults_child();
    return;
  }
  /* ASan's own SEGV handler would report the fault and abort instead of ours: the child
   * inherits these options (they take effect when its runtime starts). */
  const char *asan = getenv("ASAN_OPTIONS");
  char *opts = g_strdup_printf("%s%shandle_segv=0:allow_user_segv_handler=1", asan ? asan : "",
                               asan && *asan ? ":" : "");
  g_setenv("ASAN_OPTIONS", opts, TRUE);
  g_free(opts);
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*pageprotect-test: SIGSEGV, protection fault at the freed object*");
  g_test_trap_assert_stderr_unmatched("*without a fault*");
}

/* ---- protect/live-untouched ---------------------------------------------------------- */

/* Every byte of a live object, read and written back. */
static void touch_all(tvm_obj_t o) {
  volatile unsigned char *p = (volatile unsigned char *)tvm_words(o);
  for (size_t i = 0; i < tvm_size(o); i++) p[i] = p[i];
}

static void test_live_untouched(void) {
  fx_t f;
  start(&f, 60);
  tvm_thread_t *th = f.th;
  enum { N = 600, ROUNDS = 5 };
  size_t arr = tvm_push(th, tvm_alloc(th, TVM_ARRAY, N, 0, 1));
  for (int round = 0; round < ROUNDS; round++) {
    /* Every third slot gets a new object; the objects it held die.  Objects of one to
     * three pages, so that freed runs of different lengths lie between live ones. */
    for (size_t i = (size_t)round % 3; i < N; i += 3) {
      size_t bytes = 64 + (i * 1237 + (size_t)round * 4000) % (3 * PAGE);
      tvm_obj_t o = tvm_alloc(th, TVM_BYTES, 0, bytes, (uint64_t)round * N + i);
      g_assert_nonnull(o);
      tvm_set_ref(th, tvm_root(th, arr), i, o);
    }
    g_assert_true(tvm_gc(th));
    tvm_obj_t a = tvm_root(th, arr);
    touch_all(a);
    for (size_t i = 0; i < N; i++) {
      tvm_obj_t o = tvm_ref(a, i);
      if (!o) continue;
      g_assert_true(mmtk_is_live_object(f.mmtk, o));
      g_assert_true(tvm_pattern_ok(o));
      touch_all(o);
    }
  }
  finish(&f);
}

/* ---- protect/reused-zeroed ----------------------------------------------------------- */

static void test_reused_zeroed(void) {
  fx_t f;
  start(&f, 60);
  tvm_thread_t *th = f.th;
  const size_t data = 3 * PAGE; /* four pages with the header */
  size_t slot = tvm_push(th, tvm_alloc(th, TVM_BYTES, 0, data, 77));
  g_assert_true(tvm_gc(th));
  tvm_obj_t o = tvm_root(th, slot);
  size_t size = tvm_size(o);
  memset(tvm_bytes(o), 0xa5, tvm_data_bytes(o));
  uintptr_t was = (uintptr_t)o;
  tvm_set_root(th, slot, NULL);
  g_assert_true(tvm_gc(th));
  g_assert_false(mmtk_is_live_object(f.mmtk, (mmtk_object_t)was));
  /* The same size again: the free list hands out its first run, the dead object's. */
  mmtk_mutator_t *m = tvm_mutator(th);
  unsigned char *p = mmtk_alloc(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(p);
  g_assert_cmphex((uintptr_t)p, ==, was);
  for (size_t i = 0; i < size; i++)
    if (p[i]) g_error("byte %zu of reused memory at %p reads %#x, not 0", i, (void *)p, p[i]);
  /* An object of the VM, so that the heap stays well formed. */
  uint64_t *w = (uint64_t *)p;
  w[0] = (uint64_t)TVM_BYTES << TVM_TYPE_SHIFT;
  w[1] = size;
  w[2] = 78;
  tvm_fill_pattern(w);
  mmtk_post_alloc(m, w, size, MMTK_ALLOC_DEFAULT);
  tvm_set_root(th, slot, w);
  g_assert_true(tvm_gc(th));
  g_assert_true(tvm_pattern_ok(tvm_root(th, slot)));
  touch_all(tvm_root(th, slot));
  finish(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  suite_env();
  g_test_add_func("/" PLAN "/protect/freed-faults", test_freed_faults);
  suite_add("protect/live-untouched", test_live_untouched, 60);
  suite_add("protect/reused-zeroed", test_reused_zeroed, 60);
  return g_test_run();
}
