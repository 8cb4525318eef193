/* The library's identity and its configure-time features (design/memory_manager.md .info,
 * <mmtk/config.h>): mmtk_version(), mmtk_build_info(), MMTK_FEATURES, and the observable
 * effect of each feature, asserted both ways: what the API does with the feature and what
 * it does without it. */
#include "test-util.h"
#include "capture.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdarg.h>

/* The one internal header read here: until the Immix space consumes them, what the
 * --enable-immix-* switches change is these constants (design.immix.config). */
#include "policy/immix/immix_constants.h"

/* The features configure knows, in MMTk's spelling, with their macros. */
static const struct {
  const char *name;
  int enabled;
} features[] = {
    {"single_worker", MMTK_HAVE_SINGLE_WORKER},
    {"side_metadata", MMTK_HAVE_SIDE_METADATA},
    {"vo_bit", MMTK_HAVE_VO_BIT},
    {"malloc_counted_size", MMTK_HAVE_MALLOC_COUNTED_SIZE},
    {"extreme_assertions", MMTK_HAVE_EXTREME_ASSERTIONS},
    {"sanity", MMTK_HAVE_SANITY},
    {"nogc_lock_free", MMTK_HAVE_NOGC_LOCK_FREE},
    {"immix_non_moving", MMTK_HAVE_IMMIX_NON_MOVING},
    {"immix_smaller_block", MMTK_HAVE_IMMIX_SMALLER_BLOCK},
    {"immix_zero_on_release", MMTK_HAVE_IMMIX_ZERO_ON_RELEASE},
    {"sticky_immix_non_moving_nursery", MMTK_HAVE_STICKY_IMMIX_NON_MOVING_NURSERY},
    {"fault_injection", MMTK_HAVE_FAULT_INJECTION},
    {"nogc_no_zeroing", MMTK_HAVE_NOGC_NO_ZEROING},
    {"perf_counter", MMTK_HAVE_PERF_COUNTER},
    {"work_packet_stats", MMTK_HAVE_WORK_PACKET_STATS},
    {"malloc_jemalloc", MMTK_HAVE_MALLOC_JEMALLOC},
    {"malloc_mimalloc", MMTK_HAVE_MALLOC_MIMALLOC},
};

static bool in_words(char **words, const char *w) {
  for (char **p = words; *p; p++)
    if (!strcmp(*p, w)) return true;
  return false;
}

static void test_version(void) {
  g_assert_nonnull(mmtk_version());
  g_assert_cmpstr(mmtk_version(), ==, MMTK_VERSION_STRING);
  char *v = g_strdup_printf("%d.%d.%d", MMTK_VERSION_MAJOR, MMTK_VERSION_MINOR,
                            MMTK_VERSION_MICRO);
  g_assert_cmpstr(mmtk_version(), ==, v);
  g_free(v);
  g_assert_cmpint(MMTK_VERSION_HEX, ==,
                  (MMTK_VERSION_MAJOR << 16) | (MMTK_VERSION_MINOR << 8) | MMTK_VERSION_MICRO);
  /* The same string every time (a constant). */
  g_assert_true(mmtk_version() == mmtk_version());
}

/* MMTK_FEATURES lists exactly the features whose macro is 1, each once. */
static void test_macros(void) {
  char **words = g_strsplit(MMTK_FEATURES, " ", -1);
  unsigned enabled = 0, listed = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(features); i++) {
    g_assert_true(features[i].enabled == 0 || features[i].enabled == 1);
    enabled += (unsigned)features[i].enabled;
    if (in_words(words, features[i].name) != (features[i].enabled == 1))
      g_error("feature %s: macro %d, MMTK_FEATURES \"%s\"", features[i].name,
              features[i].enabled, MMTK_FEATURES);
  }
  for (char **p = words; *p; p++) {
    if (!**p) continue; /* "" when no feature is enabled */
    listed++;
    bool known = false;
    for (size_t i = 0; i < G_N_ELEMENTS(features); i++) known |= !strcmp(*p, features[i].name);
    if (!known) g_error("MMTK_FEATURES names an unknown feature '%s'", *p);
  }
  g_assert_cmpuint(listed, ==, enabled);
  g_strfreev(words);
  /* The heap range is what configure checks. */
  g_assert_cmpuint(MMTK_HEAP_START % (4u << 20), ==, 0);
  g_assert_cmpuint(MMTK_HEAP_END % (4u << 20), ==, 0);
  g_assert_cmpuint(MMTK_HEAP_END - MMTK_HEAP_START, >=, (uintptr_t)256 << 20);
  g_assert_cmpuint(MMTK_HEAP_START, >=, (uintptr_t)1 << 32);
  g_assert_cmpuint(MMTK_HEAP_END, <=, (uintptr_t)1 << 47);
}

/* "libmmtk 0.1.0 (features: vo_bit side_metadata; heap 0x...-0x...; plans: NoGC)". */
static void test_build_info(void) {
  const char *info = mmtk_build_info();
  g_assert_nonnull(info);
  g_assert_true(info == mmtk_build_info());
  g_assert_null(strchr(info, '\n'));
  char *head = g_strdup_printf("libmmtk %s (", MMTK_VERSION_STRING);
  g_assert_true(g_str_has_prefix(info, head));
  g_free(head);
  g_assert_true(g_str_has_suffix(info, ")"));
  char *feat = g_strdup_printf("features: %s;", MMTK_FEATURES[0] ? MMTK_FEATURES : "none");
  tu_assert_contains(info, feat);
  g_free(feat);
  /* Each feature's spelling appears in the features part iff its macro is 1. */
  const char *f = strstr(info, "features: ") + 10;
  char *part = g_strndup(f, strcspn(f, ";"));
  char **words = g_strsplit(part, " ", -1);
  for (size_t i = 0; i < G_N_ELEMENTS(features); i++)
    if (in_words(words, features[i].name) != (features[i].enabled == 1))
      g_error("feature %s: macro %d, build info \"%s\"", features[i].name, features[i].enabled,
              info);
  if (!MMTK_FEATURES[0]) g_assert_cmpstr(part, ==, "none");
  g_strfreev(words);
  g_free(part);
  char *range = g_strdup_printf("heap 0x%llx-0x%llx;", (unsigned long long)MMTK_HEAP_START,
                                (unsigned long long)MMTK_HEAP_END);
  tu_assert_contains(info, range);
  g_free(range);
  const char *plans = strstr(info, "plans: ");
  g_assert_nonnull(plans);
  tu_assert_contains(plans, "NoGC");
}

/* .init.workers: the threads option, 1 with --enable-single-worker. */
static void test_workers(void) {
  static const char *const opts[] = {"threads=1", "threads=2", "threads=4", "threads=16"};
  static const size_t n[] = {1, 2, 4, 16};
  for (size_t i = 0; i < G_N_ELEMENTS(n); i++) {
    mmtk_t *mmtk = tu_init(opts[i]);
    g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, MMTK_HAVE_SINGLE_WORKER ? 1 : n[i]);
    mmtk_shutdown(mmtk);
  }
}

/* --enable-vo-bit: the mutator head carries the table base, mmtk_post_alloc sets the bit
 * mmtk_is_mmtk_object reads.  Without it: base 0, and mmtk_is_mmtk_object is always NULL
 * with the reason in the last error. */
static void test_vo_bit(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(m);
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
  g_assert_true((h->vo_bit_base != 0) == (MMTK_HAVE_VO_BIT == 1));
  static const int sem[] = {MMTK_ALLOC_DEFAULT, MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_LOS};
  for (size_t i = 0; i < G_N_ELEMENTS(sem); i++) {
    void *p = mmtk_alloc(m, 48, 8, 0, sem[i]);
    g_assert_nonnull(p);
    g_assert_null(mmtk_is_mmtk_object(mmtk, p)); /* not yet: post_alloc sets it */
    if (sem[i] == MMTK_ALLOC_DEFAULT)
      mmtk_post_alloc_fast(m, p, 48, sem[i]);
    else
      mmtk_post_alloc(m, p, 48, sem[i]);
    tu_mark_error();
    mmtk_object_t o = mmtk_is_mmtk_object(mmtk, p);
    if (MMTK_HAVE_VO_BIT) {
      g_assert_true(o == p);
    } else {
      g_assert_null(o);
      g_assert_cmpstr(mmtk_last_error(), !=, "");
      tu_assert_lacks(mmtk_last_error(), "tu_marker_option");
      tu_assert_error("vo");
    }
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* --enable-nogc-lock-free (.alloc.lockfree): default allocations take one global atomic
 * bump pointer; the head's default_bump stays {0, 0}.  Without it the head's buffer is
 * what the inline path bumps. */
static void test_nogc_lock_free(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
  g_assert_cmpuint(h->default_bump.cursor, ==, 0);
  g_assert_cmpuint(h->default_bump.limit, ==, 0);
  char *prev = NULL;
  for (int i = 0; i < 1000; i++) {
    uintptr_t expect = h->default_bump.cursor, limit = h->default_bump.limit;
    char *p = mmtk_alloc_fast(m, 40, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(p);
    g_assert_true(p != prev);
    if (MMTK_HAVE_NOGC_LOCK_FREE) {
      g_assert_cmpuint(h->default_bump.cursor, ==, 0);
      g_assert_cmpuint(h->default_bump.limit, ==, 0);
    } else {
      g_assert_cmpuint(h->default_bump.cursor, !=, 0);
      g_assert_cmpuint(h->default_bump.cursor, <=, h->default_bump.limit);
      /* The inline bump: inside the buffer, the object is where the cursor was. */
      if (expect + 40 <= limit)
        g_assert_cmpuint((uintptr_t)p, ==, expect);
      g_assert_cmpuint(h->default_bump.cursor, >=, (uintptr_t)p + 40);
    }
    prev = p;
  }
  mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(mmtk, MMTK_ALLOC_DEFAULT);
  g_assert_cmpuint(s.kind, ==, MMTK_ALLOCATOR_BUMP_POINTER);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* --enable-malloc-counted-size (.malloc): counted bytes are tracked always and count in
 * used_bytes only with the feature. */
static void test_malloc_counted_size(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  size_t used = mmtk_used_bytes(mmtk);
  void *p = mmtk_counted_malloc(mmtk, 100000);
  g_assert_nonnull(p);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 100000);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used + (MMTK_HAVE_MALLOC_COUNTED_SIZE ? 100000 : 0));
  g_assert_cmpuint(mmtk_used_bytes(mmtk) + mmtk_free_bytes(mmtk), ==, mmtk_total_bytes(mmtk));
  mmtk_free_with_size(mmtk, p, 100000);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used);
  mmtk_shutdown(mmtk);
}

/* --with-malloc (.malloc.library): MMTK_MALLOC names one allocator, and the malloc family
 * allocates from it.  jemalloc is asked through its thread.allocated statistic, mimalloc
 * through mi_check_owned (both found in the process, where libmmtk brought them): safe
 * questions whatever the pointer.  With the C library, its malloc_usable_size and free
 * take the memory (mmtk_malloc(3) promises that free(3) may free it). */
static void test_malloc_library(void) {
  g_assert_cmpint(MMTK_HAVE_MALLOC_JEMALLOC + MMTK_HAVE_MALLOC_MIMALLOC, <=, 1);
  g_assert_cmpstr(MMTK_MALLOC, ==, MMTK_HAVE_MALLOC_JEMALLOC   ? "jemalloc"
                                   : MMTK_HAVE_MALLOC_MIMALLOC ? "mimalloc"
                                                               : "libc");
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  enum { BIG = 3 << 20 };
  if (MMTK_HAVE_MALLOC_JEMALLOC) {
    int (*mallctl)(const char *, void *, size_t *, void *, size_t) =
        (int (*)(const char *, void *, size_t *, void *, size_t))dlsym(RTLD_DEFAULT, "mallctl");
    g_assert_nonnull(mallctl);
    uint64_t before = 0, after = 0;
    size_t len = sizeof before;
    g_assert_cmpint(mallctl("thread.allocated", &before, &len, NULL, 0), ==, 0);
    void *p = mmtk_malloc(BIG), *q = mmtk_counted_calloc(mmtk, 1, BIG);
    void *r = mmtk_realloc(mmtk_counted_malloc(mmtk, 16), BIG);
    g_assert_nonnull(p);
    g_assert_nonnull(q);
    g_assert_nonnull(r);
    len = sizeof after;
    g_assert_cmpint(mallctl("thread.allocated", &after, &len, NULL, 0), ==, 0);
    g_assert_cmpuint(after - before, >=, 3u * BIG);
    mmtk_free(p);
    mmtk_free_with_size(mmtk, q, BIG);
    mmtk_free(r);
  } else if (MMTK_HAVE_MALLOC_MIMALLOC) {
    bool (*owned)(const void *) = (bool (*)(const void *))dlsym(RTLD_DEFAULT, "mi_check_owned");
    g_assert_nonnull(owned);
    void *p = mmtk_malloc(100), *q = mmtk_counted_calloc(mmtk, 10, 10);
    void *r = mmtk_realloc(mmtk_counted_malloc(mmtk, 16), 1000);
    g_assert_true(owned(p) && owned(q) && owned(r));
    void *libc = malloc(100);
    g_assert_false(owned(libc)); /* the question can say no */
    free(libc);
    mmtk_free(p);
    mmtk_free_with_size(mmtk, q, 100);
    mmtk_free(r);
  } else {
    void *p = mmtk_malloc(100), *q = mmtk_counted_malloc(mmtk, 100);
    g_assert_cmpuint(malloc_usable_size(p), >=, 100);
    g_assert_cmpuint(malloc_usable_size(q), >=, 100);
    free(p);
    free(q);
  }
  /* Every allocator keeps the C library's edge cases (util/malloc_library.h). */
  void *z = mmtk_malloc(0);
  g_assert_nonnull(z);
  g_assert_true(mmtk_realloc(z, 0) == NULL); /* frees z */
  unsigned char *c = mmtk_calloc(1000, 1);
  for (int i = 0; i < 1000; i++) g_assert_cmpuint(c[i], ==, 0);
  mmtk_free(c);
  /* An overflowing calloc fails with ENOMEM (the C library's own is left to it: the
   * sanitizers' replacement has its own ways). */
  errno = 0;
  g_assert_null(mmtk_calloc(SIZE_MAX / 2, 4));
  if (MMTK_HAVE_MALLOC_JEMALLOC || MMTK_HAVE_MALLOC_MIMALLOC) g_assert_cmpint(errno, ==, ENOMEM);
  mmtk_free(NULL);
  mmtk_shutdown(mmtk);
}

/* --enable-nogc-no-zeroing brings --enable-nogc-lock-free (as MMTk's feature does), and
 * NoGC still hands out memory that reads as zero: fresh pages, never reused, are all it
 * has (design.memory_manager.alloc.nozero); the build only stops promising it. */
static void test_nogc_no_zeroing(void) {
  if (MMTK_HAVE_NOGC_NO_ZEROING) g_assert_cmpint(MMTK_HAVE_NOGC_LOCK_FREE, ==, 1);
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  for (int i = 0; i < 2000; i++) {
    uint64_t *p = mmtk_alloc(m, 256, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(p);
    for (int j = 0; j < 32; j++) g_assert_cmpuint(p[j], ==, 0);
    memset(p, 0xa5, 256);
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* --enable-perf-counter: the phase_perf_events option is refused without the feature,
 * naming it.  With it, a software event is counted in the harness table (NAME.mu and
 * NAME.gc columns; NoGC has no GC, so .gc is 0), and an event that cannot be counted
 * (unknown to libpfm4) is left out with a warning that names it; mmtk_init still
 * succeeds. */
static void test_perf_counter(void) {
  const char *opts = "gc_trigger=FixedHeapSize:64M "
                     "phase_perf_events=PERF_COUNT_SW_TASK_CLOCK;NO_SUCH_EVENT_X,0,-1";
  if (!MMTK_HAVE_PERF_COUNTER) {
    mmtk_builder_t *b = tu_builder(opts);
    mmtk_vm_binding_t vm;
    tu_binding(&vm);
    tu_mark_error();
    g_assert_null(mmtk_init(b, &vm, tu_ctx));
    tu_assert_error("--enable-perf-counter");
    tu_assert_error("phase_perf_events");
    mmtk_builder_free(b);
    return;
  }
  tu_reset();
  mmtk_t *mmtk = tu_init(opts);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "NO_SUCH_EVENT_X"), ==, 1);
  /* Where the system refuses every perf event (a container's seccomp filter, say), the
   * event is left out with its warning too. */
  const bool countable = tu_perf_sw_countable();
  if (!countable) g_test_message("perf_event_open(2) is refused here: checking the warning");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "PERF_COUNT_SW_TASK_CLOCK"), ==, (countable ? 0 : 1));
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  tu_capture_t cap = tu_stdout_begin();
  mmtk_harness_begin(m);
  volatile uint64_t sum = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t *p = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
    for (int j = 0; j < 8; j++) sum += p[j] + (uint64_t)j;
  }
  mmtk_harness_end(mmtk);
  char *table = tu_stdout_end(&cap);
  g_test_message("%s", table);
  /* Task clock: nanoseconds this process ran, more than nothing in the window. */
  if (countable) {
    g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.mu"), >, 0);
    g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.gc"), ==, 0);
  } else {
    g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.mu"), ==, -1);
  }
  g_assert_cmpint(tu_table_value(table, "NO_SUCH_EVENT_X.mu"), ==, -1);
  g_assert_null(strstr(table, "NO_SUCH_EVENT_X"));
  g_free(table);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* --enable-sanity: the sanity option is accepted by mmtk_init only with it. */
static void test_sanity(void) {
  mmtk_builder_t *b = tu_builder("sanity=true");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  if (MMTK_HAVE_SANITY) {
    g_assert_nonnull(mmtk);
    mmtk_shutdown(mmtk);
  } else {
    g_assert_null(mmtk);
    tu_assert_error("sanity");
  }
  mmtk_builder_free(b);
}

/* The --enable-immix-* switches shape the Immix space (lib/policy/immix/immix_constants.h):
 * 32 KiB blocks, or 8 KiB with immix_smaller_block; 256-byte lines whatever the block;
 * objects up to half a block; the two flags exactly the macros. */
static void test_immix_constants(void) {
  g_assert_cmpuint(IMMIX_BLOCK_BYTES, ==, MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 8192 : 32768);
  g_assert_cmpuint(LOG_BYTES_IN_IMMIX_BLOCK, ==, MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 13 : 15);
  g_assert_cmpuint(IMMIX_PAGES_PER_BLOCK * 4096, ==, IMMIX_BLOCK_BYTES);
  g_assert_cmpuint(IMMIX_LINE_BYTES, ==, 256);
  g_assert_cmpuint((size_t)1 << LOG_BYTES_IN_IMMIX_LINE, ==, IMMIX_LINE_BYTES);
  g_assert_cmpuint(IMMIX_LINES_PER_BLOCK, ==, MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 32 : 128);
  g_assert_cmpuint(IMMIX_LINES_PER_BLOCK * IMMIX_LINE_BYTES, ==, IMMIX_BLOCK_BYTES);
  g_assert_cmpuint(IMMIX_MAX_OBJECT_BYTES, ==, IMMIX_BLOCK_BYTES / 2);
  g_assert_cmpint(IMMIX_NON_MOVING, ==, MMTK_HAVE_IMMIX_NON_MOVING);
  g_assert_cmpint(IMMIX_ZERO_ON_RELEASE, ==, MMTK_HAVE_IMMIX_ZERO_ON_RELEASE);
}

/* The heap range the build fixed (.query starting/last_heap_address): the only
 * instance alive has the range's first room. */
static void test_heap_range(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  uintptr_t start = (uintptr_t)mmtk_starting_heap_address(mmtk);
  uintptr_t end = (uintptr_t)mmtk_last_heap_address(mmtk);
  g_assert_true(start == MMTK_HEAP_START);
  g_assert_true(end > start && end <= MMTK_HEAP_END);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++) {
    uintptr_t p = (uintptr_t)mmtk_alloc(m, 100, 8, 0, sem);
    g_assert_cmpuint(p, >=, start);
    g_assert_cmpuint(p + 100, <=, end);
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* side_metadata and extreme_assertions change nothing NoGC shows through the API: the
 * same allocations, queries and accounting hold with and without them (checked here on
 * a mixed workload, whatever the build). */
static void test_metadata_neutral(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:256M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  size_t bytes = 0;
  for (int i = 0; i < 20000; i++) {
    size_t size = 8 + (size_t)(i % 97) * 8;
    int sem = i % 50 == 0 ? MMTK_ALLOC_LOS : i % 7 == 0 ? MMTK_ALLOC_IMMORTAL : MMTK_ALLOC_DEFAULT;
    uint64_t *p = mmtk_alloc(m, size, 8, 0, sem);
    g_assert_nonnull(p);
    g_assert_cmpuint(p[0], ==, 0);
    p[0] = size;
    mmtk_post_alloc(m, p, size, sem);
    g_assert_cmpuint(p[0], ==, size);
    g_assert_true(mmtk_is_live_object(mmtk, p));
    g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, p));
    g_assert_true(mmtk_is_mmtk_object(mmtk, p) == (MMTK_HAVE_VO_BIT ? (void *)p : NULL));
    bytes += size;
  }
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >=, bytes);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), <=, mmtk_total_bytes(mmtk));
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/features/version", test_version);
  tu_add("/features/macros", test_macros);
  tu_add("/features/build-info", test_build_info);
  tu_add("/features/single-worker", test_workers);
  tu_add("/features/vo-bit", test_vo_bit);
  tu_add("/features/nogc-lock-free", test_nogc_lock_free);
  tu_add("/features/malloc-counted-size", test_malloc_counted_size);
  tu_add("/features/sanity", test_sanity);
  tu_add("/features/malloc-library", test_malloc_library);
  tu_add("/features/nogc-no-zeroing", test_nogc_no_zeroing);
  tu_add("/features/perf-counter", test_perf_counter);
  tu_add("/features/heap-range", test_heap_range);
  tu_add("/features/immix-constants", test_immix_constants);
  tu_add("/features/metadata-neutral", test_metadata_neutral);
  return g_test_run();
}
