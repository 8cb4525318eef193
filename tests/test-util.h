/* Helpers shared by the foundation tests (tests/test-*.c).
 *
 * - A minimal binding for NoGC whose log and out_of_memory callbacks record what they
 *   receive (tu_binding(), tu_init()), so tests assert on the messages and calls that
 *   design/memory_manager.md promises.
 * - tu_add(): registers a test case that runs in a fresh child process.  Each case then
 *   starts without an instance, with its own environment and its own last error, and a
 *   case that fails (an assertion aborts its process) is reported as "not ok" while the
 *   other cases of the program still run.  Cases that need a child of their own (to look
 *   at its standard error, say) register it under ".../subprocess/NAME", which GLib runs
 *   only on request.
 * - Small assertions on strings and the heap layout (design/heap.md .layout.extents).
 */
#ifndef MMTK_TESTS_TEST_UTIL_H
#define MMTK_TESTS_TEST_UTIL_H

#include <glib.h>
#include <mmtk.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The recording binding --------------------------------------------------------- */

#define TU_MAX_LOG 1024

typedef struct tu_record {
  pthread_mutex_t lock;
  unsigned nlog;                /* log lines received (all of them counted) */
  int level[TU_MAX_LOG];        /* the first TU_MAX_LOG lines are kept */
  char *message[TU_MAX_LOG];
  unsigned bad_ctx;             /* callbacks that got a ctx other than tu_ctx */
  unsigned oom_calls;           /* out_of_memory calls, all kinds */
  unsigned oom_kind[2];         /* ... per kind (MMTK_OOM_HEAP, MMTK_OOM_MMAP) */
  int oom_last_kind;
  void *oom_last_tls;
} tu_record_t;

static tu_record_t tu G_GNUC_UNUSED = {.lock = PTHREAD_MUTEX_INITIALIZER};
/* The vm_context every tu instance is made with; callbacks check they get it back. */
static char tu_ctx[1] G_GNUC_UNUSED;

static inline void tu_log_cb(void *ctx, int level, const char *message) {
  pthread_mutex_lock(&tu.lock);
  if (ctx != tu_ctx) tu.bad_ctx++;
  if (tu.nlog < TU_MAX_LOG) {
    tu.level[tu.nlog] = level;
    tu.message[tu.nlog] = g_strdup(message);
  }
  tu.nlog++;
  pthread_mutex_unlock(&tu.lock);
}

static inline void tu_oom_cb(void *ctx, void *tls, int kind) {
  pthread_mutex_lock(&tu.lock);
  if (ctx != tu_ctx) tu.bad_ctx++;
  tu.oom_calls++;
  if (kind == MMTK_OOM_HEAP || kind == MMTK_OOM_MMAP) tu.oom_kind[kind]++;
  tu.oom_last_kind = kind;
  tu.oom_last_tls = tls;
  pthread_mutex_unlock(&tu.lock);
}

/* Forget every recorded log line and out_of_memory call. */
static inline void tu_reset(void) {
  pthread_mutex_lock(&tu.lock);
  for (unsigned i = 0; i < tu.nlog && i < TU_MAX_LOG; i++) g_free(tu.message[i]);
  tu.nlog = 0;
  tu.bad_ctx = 0;
  tu.oom_calls = 0;
  tu.oom_kind[0] = tu.oom_kind[1] = 0;
  tu.oom_last_kind = -1;
  tu.oom_last_tls = NULL;
  pthread_mutex_unlock(&tu.lock);
}

static inline unsigned tu_oom_calls(void) {
  pthread_mutex_lock(&tu.lock);
  unsigned n = tu.oom_calls;
  pthread_mutex_unlock(&tu.lock);
  return n;
}

/* The number of recorded log lines at `level` (-1: any level) containing `needle`
 * (NULL: any line). */
static inline unsigned tu_log_count(int level, const char *needle) {
  unsigned n = 0;
  pthread_mutex_lock(&tu.lock);
  for (unsigned i = 0; i < tu.nlog && i < TU_MAX_LOG; i++)
    if ((level < 0 || tu.level[i] == level) && (!needle || strstr(tu.message[i], needle))) n++;
  pthread_mutex_unlock(&tu.lock);
  return n;
}

/* The most recent log line (a copy to g_free), or NULL. */
static inline char *tu_log_last(void) {
  pthread_mutex_lock(&tu.lock);
  char *s = tu.nlog && tu.nlog <= TU_MAX_LOG ? g_strdup(tu.message[tu.nlog - 1]) : NULL;
  pthread_mutex_unlock(&tu.lock);
  return s;
}

/* The size of a test object: its first word (tests that give get_current_size store it
 * there). */
static inline size_t tu_size_from_header(void *ctx, mmtk_object_t object) {
  (void)ctx;
  return *(const size_t *)object;
}

/* A binding for NoGC: zero-initialised, size and version set, the recording log and
 * out_of_memory callbacks. */
static inline void tu_binding(mmtk_vm_binding_t *vm) {
  memset(vm, 0, sizeof *vm);
  vm->size = sizeof *vm;
  vm->version = MMTK_VM_BINDING_VERSION;
  vm->log = tu_log_cb;
  vm->out_of_memory = tu_oom_cb;
}

/* A builder with `options` (mmtk_process_bulk; NULL: none) applied.  These tests bind
 * tu_binding(), which has no collector callbacks: unless `options` or MMTK_PLAN names a
 * plan, the builder asks for NoGC instead of the default plan (MarkSweep). */
static inline mmtk_builder_t *tu_builder(const char *options) {
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  if (!getenv("MMTK_PLAN") && !(options && strstr(options, "plan=")))
    g_assert_true(mmtk_process(b, "plan", "NoGC"));
  if (options && !mmtk_process_bulk(b, options))
    g_error("mmtk_process_bulk(\"%s\") failed: %s", options, mmtk_last_error());
  return b;
}

/* An instance made with `options` and the binding `vm` (NULL: tu_binding()); the
 * recorder is reset first.  Asserts success. */
static inline mmtk_t *tu_init_with(const char *options, const mmtk_vm_binding_t *vm) {
  mmtk_vm_binding_t own;
  if (!vm) {
    tu_binding(&own);
    vm = &own;
  }
  tu_reset();
  mmtk_builder_t *b = tu_builder(options);
  mmtk_t *mmtk = mmtk_init(b, vm, tu_ctx);
  if (!mmtk) g_error("mmtk_init with \"%s\" failed: %s", options ? options : "", mmtk_last_error());
  mmtk_builder_free(b);
  return mmtk;
}

static inline mmtk_t *tu_init(const char *options) { return tu_init_with(options, NULL); }

/* ---- Assertions ---------------------------------------------------------------------- */

/* `hay` contains `needle`. */
#define tu_assert_contains(hay, needle)                                                    \
  do {                                                                                     \
    const char *tu_h_ = (hay), *tu_n_ = (needle);                                          \
    if (!tu_h_ || !strstr(tu_h_, tu_n_)) {                                                 \
      char *tu_m_ = g_strdup_printf("\"%s\" does not contain \"%s\" (%s)",                 \
                                    tu_h_ ? tu_h_ : "(null)", tu_n_, #hay);                \
      g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, tu_m_);             \
      g_free(tu_m_);                                                                       \
    }                                                                                      \
  } while (0)

/* `hay` does not contain `needle`. */
#define tu_assert_lacks(hay, needle)                                                       \
  do {                                                                                     \
    const char *tu_h_ = (hay), *tu_n_ = (needle);                                          \
    if (tu_h_ && strstr(tu_h_, tu_n_)) {                                                   \
      char *tu_m_ = g_strdup_printf("\"%s\" contains \"%s\" (%s)", tu_h_, tu_n_, #hay);    \
      g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, tu_m_);             \
      g_free(tu_m_);                                                                       \
    }                                                                                      \
  } while (0)

/* mmtk_last_error() contains `needle`. */
#define tu_assert_error(needle) tu_assert_contains(mmtk_last_error(), needle)

/* Make the calling thread's last error a known message that names nothing a test looks
 * for, so that a later check cannot pass on a stale message. */
static inline void tu_mark_error(void) {
  mmtk_builder_t *b = tu_builder(NULL);
  g_assert_false(mmtk_process(b, "tu_marker_option", "x"));
  mmtk_builder_free(b);
  tu_assert_error("tu_marker_option");
}

/* ---- Heap layout (design/heap.md .layout.extents) ------------------------------------- */

/* log2 of the extent of one space: the instance's room (mmtk_starting_heap_address()
 * to mmtk_last_heap_address()) holds 16 of them. */
static inline unsigned tu_extent_log(mmtk_t *mmtk) {
  uintptr_t room = (uintptr_t)mmtk_last_heap_address(mmtk) -
                   (uintptr_t)mmtk_starting_heap_address(mmtk);
  g_assert_cmpuint(room & (room - 1), ==, 0);
  unsigned log = 0;
  while (((uintptr_t)16 << log) < room) log++;
  return log;
}

/* Which space extent of the instance holds `p` (-1: outside its room). */
static inline int tu_extent_of(mmtk_t *mmtk, const void *p) {
  uintptr_t a = (uintptr_t)p, start = (uintptr_t)mmtk_starting_heap_address(mmtk);
  if (a < start || a >= (uintptr_t)mmtk_last_heap_address(mmtk)) return -1;
  return (int)((a - start) >> tu_extent_log(mmtk));
}

/* ---- Running each case in its own process ------------------------------------------- */

typedef void (*tu_test_fn)(void);

static inline void tu_run_isolated(gconstpointer data) {
  const tu_test_fn *fn = data;
  if (g_test_subprocess()) {
    (*fn)();
    return;
  }
  /* The child's standard error (assertion messages, libmmtk's own lines) goes to the
   * test log; its standard output stays out of the TAP stream. */
  g_test_trap_subprocess(NULL, (guint64)300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed()) {
    g_test_message("%s: the test's process failed (its messages are in the log above)",
                   g_test_get_path());
    g_test_fail();
  }
}

/* Register `fn` under `path`, run in a fresh child process. */
static inline void tu_add(const char *path, tu_test_fn fn) {
  tu_test_fn *p = g_new(tu_test_fn, 1);
  *p = fn;
  g_test_add_data_func_full(path, p, tu_run_isolated, g_free);
}

#endif /* MMTK_TESTS_TEST_UTIL_H */
