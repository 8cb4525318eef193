/* The malloc family (design/memory_manager.md .malloc): mmtk_malloc/calloc/realloc/free
 * are the C library's; the counted variants track their bytes per instance
 * (mmtk_get_malloc_bytes) always, and with --enable-malloc-counted-size also in
 * used_bytes and so against the heap limit.  Both sides of the feature are asserted. */
#include "test-util.h"

#define MiB ((size_t)1 << 20)

static void test_plain(void) {
  unsigned char *p = mmtk_malloc(100);
  g_assert_nonnull(p);
  memset(p, 0xab, 100);
  unsigned char *z = mmtk_calloc(10, 100);
  g_assert_nonnull(z);
  for (int i = 0; i < 1000; i++) g_assert_cmpuint(z[i], ==, 0);
  /* realloc keeps the contents, growing and shrinking. */
  p = mmtk_realloc(p, MiB);
  g_assert_nonnull(p);
  for (int i = 0; i < 100; i++) g_assert_cmpuint(p[i], ==, 0xab);
  memset(p, 0xcd, MiB);
  p = mmtk_realloc(p, 10);
  g_assert_nonnull(p);
  for (int i = 0; i < 10; i++) g_assert_cmpuint(p[i], ==, 0xcd);
  /* realloc(NULL) is malloc; free(NULL) does nothing. */
  unsigned char *q = mmtk_realloc(NULL, 64);
  g_assert_nonnull(q);
  memset(q, 1, 64);
  mmtk_free(NULL);
  /* calloc overflow: NULL, never a short block. */
  g_assert_null(mmtk_calloc(SIZE_MAX / 2, 3));
  g_assert_null(mmtk_calloc(SIZE_MAX, SIZE_MAX));
  mmtk_free(q);
  mmtk_free(p);
  mmtk_free(z);
  /* They need no instance, and work while one lives too. */
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:16M");
  size_t used = mmtk_used_bytes(mmtk);
  p = mmtk_malloc(MiB);
  g_assert_nonnull(p);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0); /* not counted */
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used);
  mmtk_free(p);
  mmtk_shutdown(mmtk);
}

/* used_bytes moves with the counted bytes exactly when the feature is on. */
static void check_used(mmtk_t *mmtk, size_t used0, size_t base) {
  size_t counted = mmtk_get_malloc_bytes(mmtk) - base;
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==,
                   used0 + (MMTK_HAVE_MALLOC_COUNTED_SIZE ? counted : 0));
}

static void test_counted(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  size_t used0 = mmtk_used_bytes(mmtk);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0);

  unsigned char *a = mmtk_counted_malloc(mmtk, 1000);
  g_assert_nonnull(a);
  memset(a, 0x11, 1000);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 1000);
  check_used(mmtk, used0, 0);

  unsigned char *b = mmtk_counted_calloc(mmtk, 10, 100);
  g_assert_nonnull(b);
  for (int i = 0; i < 1000; i++) g_assert_cmpuint(b[i], ==, 0);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 2000);
  check_used(mmtk, used0, 0);

  /* realloc_with_old_size adjusts by size - old_size and keeps the contents. */
  a = mmtk_realloc_with_old_size(mmtk, a, 5000, 1000);
  g_assert_nonnull(a);
  for (int i = 0; i < 1000; i++) g_assert_cmpuint(a[i], ==, 0x11);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 6000);
  check_used(mmtk, used0, 0);
  a = mmtk_realloc_with_old_size(mmtk, a, 200, 5000);
  g_assert_nonnull(a);
  for (int i = 0; i < 200; i++) g_assert_cmpuint(a[i], ==, 0x11);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 1200);
  check_used(mmtk, used0, 0);

  /* From NULL: a new block of `size`. */
  unsigned char *c = mmtk_realloc_with_old_size(mmtk, NULL, 300, 0);
  g_assert_nonnull(c);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 1500);

  /* free_with_size subtracts old_size. */
  mmtk_free_with_size(mmtk, a, 200);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 1300);
  mmtk_free_with_size(mmtk, b, 1000);
  mmtk_free_with_size(mmtk, c, 300);
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0);
  check_used(mmtk, used0, 0);

  /* Heap allocation and counted bytes add up. */
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  size_t used1 = mmtk_used_bytes(mmtk);
  g_assert_cmpuint(used1, ==, used0 + MiB);
  void *d = mmtk_counted_malloc(mmtk, 12345);
  g_assert_nonnull(d);
  check_used(mmtk, used1, 0);
  g_assert_cmpuint(mmtk_used_bytes(mmtk) + mmtk_free_bytes(mmtk), ==, mmtk_total_bytes(mmtk));
  mmtk_free_with_size(mmtk, d, 12345);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used1);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Counted calloc overflow: NULL + a message; nothing counted. */
static void test_counted_calloc_overflow(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  static const size_t bad[][2] = {{SIZE_MAX / 2, 3}, {SIZE_MAX, 2}, {(size_t)1 << 33, (size_t)1 << 31}};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    tu_mark_error();
    tu_reset();
    g_assert_null(mmtk_counted_calloc(mmtk, bad[i][0], bad[i][1]));
    tu_assert_error("mmtk_counted_calloc");
    g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "mmtk_counted_calloc"), ==, 1);
    g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0);
  }
  mmtk_shutdown(mmtk);
}

/* NULL instance (.err.handles): NULL/0 + a message; nothing allocated. */
static void test_counted_null(void) {
  tu_mark_error();
  g_assert_null(mmtk_counted_malloc(NULL, 8));
  tu_assert_error("mmtk_counted_malloc");
  tu_mark_error();
  g_assert_null(mmtk_counted_calloc(NULL, 1, 8));
  tu_assert_error("mmtk_counted_calloc");
  tu_mark_error();
  g_assert_null(mmtk_realloc_with_old_size(NULL, NULL, 8, 0));
  tu_assert_error("mmtk_realloc_with_old_size");
  tu_mark_error();
  mmtk_free_with_size(NULL, NULL, 8);
  tu_assert_error("mmtk_free_with_size");
  tu_mark_error();
  g_assert_cmpuint(mmtk_get_malloc_bytes(NULL), ==, 0);
  tu_assert_error("mmtk_get_malloc_bytes");
}

/* With the feature the counted bytes count towards the heap limit; without, they do not. */
static void test_counted_limit(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:8M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  void *big = mmtk_counted_malloc(mmtk, 7 * MiB);
  g_assert_nonnull(big);
  void *p = mmtk_alloc_with_options(m, 2 * MiB, 8, 0, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE);
  if (MMTK_HAVE_MALLOC_COUNTED_SIZE) {
    g_assert_null(p);
    g_assert_cmpuint(mmtk_used_bytes(mmtk), <=, mmtk_total_bytes(mmtk));
    g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, mmtk_total_bytes(mmtk) - mmtk_used_bytes(mmtk));
    /* Freeing the counted block makes room again. */
    mmtk_free_with_size(mmtk, big, 7 * MiB);
    big = NULL;
    p = mmtk_alloc_with_options(m, 2 * MiB, 8, 0, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE);
    g_assert_nonnull(p);
  } else {
    g_assert_nonnull(p);
    g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, 2 * MiB);
  }
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  if (big) mmtk_free_with_size(mmtk, big, 7 * MiB);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* Accounting is exact under concurrency. */
static mmtk_t *shared;

static void *counted_worker(void *arg) {
  unsigned seed = GPOINTER_TO_UINT(arg);
  void *blocks[64] = {0};
  size_t sizes[64] = {0};
  for (unsigned i = 0; i < 20000; i++) {
    unsigned k = (seed = seed * 1103515245u + 12345u) >> 16 & 63;
    if (blocks[k]) {
      if (i & 1) {
        size_t n = 1 + (seed >> 8) % 3000;
        void *r = mmtk_realloc_with_old_size(shared, blocks[k], n, sizes[k]);
        if (!r) return (void *)"realloc failed";
        blocks[k] = r;
        sizes[k] = n;
      } else {
        mmtk_free_with_size(shared, blocks[k], sizes[k]);
        blocks[k] = NULL;
      }
    } else {
      sizes[k] = 1 + (seed >> 8) % 2000;
      blocks[k] = i & 2 ? mmtk_counted_malloc(shared, sizes[k]) : mmtk_counted_calloc(shared, 1, sizes[k]);
      if (!blocks[k]) return (void *)"malloc failed";
    }
  }
  for (unsigned k = 0; k < 64; k++)
    if (blocks[k]) mmtk_free_with_size(shared, blocks[k], sizes[k]);
  return NULL;
}

static void test_counted_threads(void) {
  shared = tu_init("gc_trigger=FixedHeapSize:64M");
  size_t used0 = mmtk_used_bytes(shared);
  pthread_t th[4];
  for (unsigned i = 0; i < 4; i++)
    g_assert_cmpint(pthread_create(&th[i], NULL, counted_worker, GUINT_TO_POINTER(i + 1)), ==, 0);
  for (unsigned i = 0; i < 4; i++) {
    void *err;
    g_assert_cmpint(pthread_join(th[i], &err), ==, 0);
    if (err) g_error("thread %u: %s", i, (const char *)err);
  }
  g_assert_cmpuint(mmtk_get_malloc_bytes(shared), ==, 0);
  g_assert_cmpuint(mmtk_used_bytes(shared), ==, used0);
  mmtk_shutdown(shared);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/malloc/plain", test_plain);
  tu_add("/malloc/counted", test_counted);
  tu_add("/malloc/counted-calloc-overflow", test_counted_calloc_overflow);
  tu_add("/malloc/counted-null", test_counted_null);
  tu_add("/malloc/counted-limit", test_counted_limit);
  tu_add("/malloc/counted-threads", test_counted_threads);
  return g_test_run();
}
