/* A full NoGC heap (design/memory_manager.md .alloc.oom, .alloc.options; RELIABILITY R19,
 * R21): with FixedHeapSize:8M, allocation fails cleanly.  The "return failure" options
 * give NULL without calling out_of_memory; plain allocation calls the binding's
 * out_of_memory(ctx, tls, MMTK_OOM_HEAP) exactly once per failing request and returns
 * NULL; the default callback logs; used_bytes never passes the limit (except with
 * ALLOW_OVERCOMMIT); the heap stays usable where room remains. */
#include "test-util.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define HEAP (8 * MiB)

static int tls_marker;

static void check_limit(mmtk_t *mmtk) {
  size_t used = mmtk_used_bytes(mmtk), total = mmtk_total_bytes(mmtk);
  g_assert_cmpuint(total, ==, HEAP);
  if (used > total) g_error("used_bytes %zu passed the limit %zu", used, total);
  g_assert_cmpuint(used + mmtk_free_bytes(mmtk), ==, total);
}

static mmtk_t *setup(mmtk_mutator_t **m) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:8M");
  *m = mmtk_bind_mutator(mmtk, &tls_marker);
  g_assert_nonnull(*m);
  return mmtk;
}

/* The failing request was reported once to out_of_memory, as a heap failure, with the
 * mutator's tls and the instance's ctx. */
static void check_one_oom(unsigned before) {
  g_assert_cmpuint(tu_oom_calls(), ==, before + 1);
  g_assert_cmpint(tu.oom_last_kind, ==, MMTK_OOM_HEAP);
  g_assert_true(tu.oom_last_tls == &tls_marker);
  g_assert_cmpuint(tu.oom_kind[MMTK_OOM_MMAP], ==, 0);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
}

/* Allocate `size`-byte objects of `sem` with `options` until one fails; returns how many
 * succeeded.  Every success is zero-filled and within the limit. */
static size_t fill(mmtk_t *mmtk, mmtk_mutator_t *m, size_t size, int sem, uint32_t options) {
  size_t n = 0;
  for (;;) {
    unsigned char *p = mmtk_alloc_with_options(m, size, 8, 0, sem, options);
    check_limit(mmtk);
    if (!p) break;
    g_assert_cmpuint(p[0], ==, 0);
    g_assert_cmpuint(p[size - 1], ==, 0);
    p[0] = p[size - 1] = 1;
    n++;
    g_assert_cmpuint(n * size, <=, HEAP);
  }
  return n;
}

/* RETURN_FAILURE (and NO_OOM_CALL alone): NULL, no call. */
static void test_return_failure(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  size_t n = fill(mmtk, m, 64 * KiB, MMTK_ALLOC_DEFAULT, MMTK_ALLOC_OPT_RETURN_FAILURE);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  g_assert_cmpuint(n, >, 0);
  /* The heap was used up to the last page that could serve a 64 KiB object. */
  g_assert_cmpuint(mmtk_used_bytes(mmtk) + 64 * KiB, >, HEAP);
  tu_assert_error("out of memory");
  static const uint32_t quiet[] = {MMTK_ALLOC_OPT_RETURN_FAILURE, MMTK_ALLOC_OPT_NO_OOM_CALL,
                                   MMTK_ALLOC_OPT_NO_OOM_CALL | MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT};
  for (size_t i = 0; i < G_N_ELEMENTS(quiet); i++) {
    g_assert_null(mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_DEFAULT, quiet[i]));
    g_assert_null(mmtk_alloc_slow_with_options(m, MiB, 8, 0, MMTK_ALLOC_LOS, quiet[i]));
    g_assert_null(mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_IMMORTAL, quiet[i]));
    g_assert_cmpuint(tu_oom_calls(), ==, 0);
    check_limit(mmtk);
  }
  /* NOT_AT_SAFEPOINT alone still reports the failure (it only forbids blocking). */
  g_assert_null(mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT));
  check_one_oom(0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Plain allocation: out_of_memory once per failing request, then NULL. */
static void test_oom_callback(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  size_t n = 0;
  void *p;
  while ((p = mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS))) {
    check_limit(mmtk);
    g_assert_cmpuint(tu_oom_calls(), ==, 0);
    n++;
  }
  g_assert_cmpuint(n, ==, HEAP / MiB);
  check_one_oom(0);
  tu_assert_error("out of memory");
  /* Each further failing request: one more call, whatever the entry point. */
  for (unsigned i = 1; i <= 5; i++) {
    unsigned before = tu_oom_calls();
    switch (i % 5) {
    case 0: p = mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_DEFAULT); break;
    case 1: p = mmtk_alloc_fast(m, MiB, 8, 0, MMTK_ALLOC_DEFAULT); break;
    case 2: p = mmtk_alloc_slow(m, 2 * MiB, 8, 0, MMTK_ALLOC_LOS); break;
    case 3: p = mmtk_alloc_with_options(m, MiB, 4096, 0, MMTK_ALLOC_LARGE_CODE, 0); break;
    default: p = mmtk_alloc_slow_with_options(m, 64 * KiB, 8, 0, MMTK_ALLOC_LOS, 0); break;
    }
    g_assert_null(p);
    check_one_oom(before);
    check_limit(mmtk);
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Small default objects only: the last buffer is used, then one failing request, one
 * call. */
static void test_small(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  size_t n = 0, bytes = 0;
  for (;;) {
    size_t size = 24 + (n % 13) * 8;
    unsigned char *p = mmtk_alloc_fast(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
    if (!p) break;
    g_assert_cmpuint(p[0], ==, 0);
    p[0] = 1;
    n++;
    bytes += size;
    if (n % 4096 == 0) check_limit(mmtk);
  }
  check_limit(mmtk);
  check_one_oom(0);
  /* Most of the heap holds objects. */
  g_assert_cmpuint(bytes, >, HEAP / 2);
  g_assert_cmpuint(bytes, <=, HEAP);
  /* Immortal objects fail the same way, once per request. */
  unsigned before = tu_oom_calls();
  void *p;
  while ((p = mmtk_alloc(m, 1000, 8, 0, MMTK_ALLOC_IMMORTAL))) check_limit(mmtk);
  check_one_oom(before);
  check_limit(mmtk);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* After the large object space has taken every page, small objects still come from the
 * room left in the current buffer. */
static void test_large_then_small(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  unsigned char *first = mmtk_alloc_fast(m, 16, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(first);
  size_t big = fill(mmtk, m, MiB, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE);
  size_t pages = fill(mmtk, m, 4 * KiB, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE);
  g_assert_cmpuint(big, >, 0);
  g_assert_cmpuint(big * MiB + pages * 4 * KiB, <=, HEAP);
  /* Every page is in use now. */
  g_assert_cmpuint(mmtk_free_bytes(mmtk), <, 4 * KiB);
  g_assert_null(mmtk_alloc(m, 4096, 8, 0, MMTK_ALLOC_LOS));
  check_one_oom(0);
  /* The page that holds `first` has room for more. */
  for (int i = 0; i < 16; i++) {
    unsigned char *p = mmtk_alloc_fast(m, 16, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(p);
    g_assert_true(p > first);
    g_assert_cmpuint(p[0], ==, 0);
  }
  g_assert_cmpuint(tu_oom_calls(), ==, 1);
  check_limit(mmtk);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Without an out_of_memory callback the default logs a message. */
static void test_default_callback(void) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  vm.out_of_memory = NULL;
  mmtk_t *mmtk = tu_init_with("gc_trigger=FixedHeapSize:8M", &vm);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  while (mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS)) check_limit(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "out of memory"), ==, 1);
  g_assert_null(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "out of memory"), ==, 2);
  /* The quiet options log nothing. */
  g_assert_null(mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_NO_OOM_CALL));
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "out of memory"), ==, 2);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* A collecting plan whose binding never called mmtk_initialize_collection(): the heap
 * fills up, and the error and one warning name the missing call. */
static size_t never_called_size(void *ctx, mmtk_object_t o) {
  (void)ctx, (void)o;
  g_error("get_current_size called without collection");
  return 0;
}
static void never_called_scan(void *ctx, void *tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  (void)ctx, (void)tls, (void)o, (void)v;
  g_error("scan_object called without collection");
}
static void never_called_stop(void *ctx, void *tls, mmtk_mutator_visitor_fn f, void *arg) {
  (void)ctx, (void)tls, (void)f, (void)arg;
  g_error("stop_all_mutators called without collection");
}
static void never_called_resume(void *ctx, void *tls) {
  (void)ctx, (void)tls;
  g_error("resume_mutators called without collection");
}
static void never_called_block(void *ctx, void *tls) {
  (void)ctx, (void)tls;
  g_error("block_for_gc called without collection");
}

static void test_uninitialized_collection(void) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  vm.out_of_memory = NULL;
  vm.get_current_size = never_called_size;
  vm.scan_object = never_called_scan;
  vm.stop_all_mutators = never_called_stop;
  vm.resume_mutators = never_called_resume;
  vm.block_for_gc = never_called_block;
  mmtk_t *mmtk = tu_init_with("plan=MarkSweep gc_trigger=FixedHeapSize:8M", &vm);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(m);
  size_t n = 0;
  while (mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS)) n++;
  g_assert_cmpuint(n, >, 0);
  tu_assert_error("mmtk_initialize_collection() was not called");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "mmtk_initialize_collection() is called"), ==, 1);
  /* Later failures say it in the error again, but the warning is logged once. */
  g_assert_null(mmtk_alloc(m, 64 * KiB, 8, 0, MMTK_ALLOC_DEFAULT));
  tu_assert_error("mmtk_initialize_collection() was not called");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "mmtk_initialize_collection() is called"), ==, 1);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* ALLOW_OVERCOMMIT may go beyond the limit; free_bytes is then 0, never negative. */
static void test_overcommit(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  fill(mmtk, m, MiB, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE);
  for (int i = 0; i < 4; i++) {
    unsigned char *p = mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_LOS,
                                               MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT);
    g_assert_nonnull(p);
    g_assert_cmpuint(p[0], ==, 0);
    g_assert_cmpuint(p[MiB - 1], ==, 0);
    memset(p, 0xee, MiB);
    p = mmtk_alloc_with_options(m, 100, 8, 0, MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT);
    g_assert_nonnull(p);
  }
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >, mmtk_total_bytes(mmtk));
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 0);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  /* Without the option the limit still holds. */
  g_assert_null(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  check_one_oom(0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Huge sizes (R21): above MMTK_MAX_ALLOC_SIZE it is an argument error (no call); at it,
 * with any alignment and offset, an ordinary heap failure (one call); never a
 * wrap-around. */
static void test_huge(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup(&m);
  static const size_t bad[] = {MMTK_MAX_ALLOC_SIZE + 1, SIZE_MAX, SIZE_MAX - 8,
                               (size_t)INT64_MAX - 1024, (size_t)INT64_MAX + 1024,
                               SIZE_MAX - 4096 + 1};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++) {
      g_assert_null(mmtk_alloc(m, bad[i], 8, 0, sem));
      g_assert_null(mmtk_alloc(m, bad[i], 4096, 4095, sem));
      tu_assert_error("size");
      g_assert_cmpuint(tu_oom_calls(), ==, 0);
    }
  static const size_t big[] = {MMTK_MAX_ALLOC_SIZE, MMTK_MAX_ALLOC_SIZE - 1, (size_t)1 << 40,
                               HEAP + 1, 64 * MiB};
  for (size_t i = 0; i < G_N_ELEMENTS(big); i++)
    for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++) {
      unsigned before = tu_oom_calls();
      g_assert_null(mmtk_alloc(m, big[i], 4096, 4095, sem));
      check_one_oom(before);
      before = tu_oom_calls();
      g_assert_null(mmtk_alloc_fast(m, big[i], 8, 0, sem));
      check_one_oom(before);
      tu_assert_error("out of memory");
      check_limit(mmtk);
    }
  /* The heap is untouched: a 7 MiB object still fits. */
  g_assert_nonnull(mmtk_alloc(m, 7 * MiB, 8, 0, MMTK_ALLOC_LOS));
  check_limit(mmtk);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Four threads race for the last pages: the limit is exact under concurrency. */
typedef struct racer {
  mmtk_t *mmtk;
  size_t pages, calls;
} racer_t;

static pthread_barrier_t race_start;

static void *race(void *arg) {
  racer_t *r = arg;
  mmtk_mutator_t *m = mmtk_bind_mutator(r->mmtk, NULL);
  pthread_barrier_wait(&race_start);
  for (unsigned i = 0;; i++) {
    size_t size = i % 2 ? 8 * KiB : 20 * KiB;
    if (!mmtk_alloc_with_options(m, size, 8, 0, MMTK_ALLOC_DEFAULT, MMTK_ALLOC_OPT_RETURN_FAILURE))
      break;
    r->pages += size / (4 * KiB);
    r->calls++;
  }
  mmtk_destroy_mutator(m);
  return NULL;
}

static void test_concurrent(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:8M");
  racer_t r[4];
  pthread_t th[4];
  g_assert_cmpint(pthread_barrier_init(&race_start, NULL, 4), ==, 0);
  for (int i = 0; i < 4; i++) {
    r[i] = (racer_t){mmtk, 0, 0};
    g_assert_cmpint(pthread_create(&th[i], NULL, race, &r[i]), ==, 0);
  }
  size_t pages = 0;
  for (int i = 0; i < 4; i++) {
    g_assert_cmpint(pthread_join(th[i], NULL), ==, 0);
    pages += r[i].pages;
  }
  pthread_barrier_destroy(&race_start);
  g_assert_cmpuint(pages * 4 * KiB, <=, HEAP);
  check_limit(mmtk);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >=, pages * 4 * KiB);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  mmtk_shutdown(mmtk);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/NoGC/exhaustion/return-failure", test_return_failure);
  tu_add("/NoGC/exhaustion/oom-callback", test_oom_callback);
  tu_add("/NoGC/exhaustion/small", test_small);
  tu_add("/NoGC/exhaustion/large-then-small", test_large_then_small);
  tu_add("/NoGC/exhaustion/default-callback", test_default_callback);
  tu_add("/NoGC/exhaustion/overcommit", test_overcommit);
  tu_add("/NoGC/exhaustion/huge", test_huge);
  tu_add("/NoGC/exhaustion/concurrent", test_concurrent);
  tu_add("/MarkSweep/exhaustion/uninitialized-collection", test_uninitialized_collection);
  return g_test_run();
}
