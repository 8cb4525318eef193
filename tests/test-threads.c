/* Concurrent NoGC allocation (RELIABILITY R14 for NoGC): 8 threads, each with its own
 * mutator, allocate 10^6 objects of 16..128 bytes through mmtk_alloc_fast and fill each
 * with a pattern derived from (thread, index).  After every thread has joined, every byte
 * of every object is checked, no two objects overlap, and (with the VO bit) every object
 * is an MMTk object; without the VO bit mmtk_is_mmtk_object is NULL for each, as
 * documented.  Also: mutator churn across threads. */
#include "test-util.h"

#define NTHREADS 8
#define NOBJECTS 1000000
#define MiB ((size_t)1 << 20)

static mmtk_t *mmtk;
static pthread_barrier_t start;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= UINT64_C(0xff51afd7ed558ccd);
  x ^= x >> 33;
  x *= UINT64_C(0xc4ceb9fe1a85ec53);
  x ^= x >> 33;
  return x;
}

static uint64_t id_of(unsigned t, unsigned i) { return (uint64_t)t << 32 | i; }
/* 16..128 bytes, multiples of 8. */
static size_t size_of_id(uint64_t id) { return 16 + (size_t)(mix(id) % 15) * 8; }
/* Word k of the object: word 0 is the identity, the others a pattern of it. */
static uint64_t word_of(uint64_t id, size_t k) {
  return k == 0 ? id : mix(id ^ (k * UINT64_C(0x9e3779b97f4a7c15)));
}

typedef struct worker {
  unsigned t;
  uint64_t **objs; /* malloc'd: NOBJECTS pointers */
  size_t bytes;
  char error[256];
} worker_t;

static void *run(void *arg) {
  worker_t *w = arg;
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, w);
  if (!m) {
    g_snprintf(w->error, sizeof w->error, "bind: %s", mmtk_last_error());
    pthread_barrier_wait(&start);
    return NULL;
  }
  pthread_barrier_wait(&start);
  for (unsigned i = 0; i < NOBJECTS; i++) {
    uint64_t id = id_of(w->t, i);
    size_t size = size_of_id(id);
    uint64_t *p = mmtk_alloc_fast(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
    if (!p) {
      g_snprintf(w->error, sizeof w->error, "object %u (%zu bytes): NULL: %s", i, size,
                 mmtk_last_error());
      break;
    }
    if (((uintptr_t)p & 7) || p[0] || p[size / 8 - 1]) {
      g_snprintf(w->error, sizeof w->error, "object %u at %p: misaligned or not zeroed", i,
                 (void *)p);
      break;
    }
    for (size_t k = 0; k < size / 8; k++) p[k] = word_of(id, k);
    mmtk_post_alloc_fast(m, p, size, MMTK_ALLOC_DEFAULT);
    w->objs[i] = p;
    w->bytes += size;
  }
  mmtk_destroy_mutator(m);
  return NULL;
}

static int ptr_cmp(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

static void test_alloc_8x1M(void) {
  mmtk = tu_init("gc_trigger=FixedHeapSize:2G");
  worker_t w[NTHREADS];
  pthread_t th[NTHREADS];
  g_assert_cmpint(pthread_barrier_init(&start, NULL, NTHREADS), ==, 0);
  for (unsigned t = 0; t < NTHREADS; t++) {
    memset(&w[t], 0, sizeof w[t]);
    w[t].t = t;
    w[t].objs = g_new0(uint64_t *, NOBJECTS);
    g_assert_cmpint(pthread_create(&th[t], NULL, run, &w[t]), ==, 0);
  }
  size_t bytes = 0;
  for (unsigned t = 0; t < NTHREADS; t++) {
    g_assert_cmpint(pthread_join(th[t], NULL), ==, 0);
    if (w[t].error[0]) g_error("thread %u: %s", t, w[t].error);
    bytes += w[t].bytes;
  }
  pthread_barrier_destroy(&start);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);

  /* Every byte of every object, and the VO bit. */
  for (unsigned t = 0; t < NTHREADS; t++)
    for (unsigned i = 0; i < NOBJECTS; i++) {
      uint64_t id = id_of(t, i), *p = w[t].objs[i];
      size_t size = size_of_id(id);
      for (size_t k = 0; k < size / 8; k++)
        if (p[k] != word_of(id, k))
          g_error("thread %u object %u at %p: word %zu is %#" G_GINT64_MODIFIER "x", t, i,
                  (void *)p, k, p[k]);
      if (mmtk_is_mmtk_object(mmtk, p) != (MMTK_HAVE_VO_BIT ? (void *)p : NULL))
        g_error("thread %u object %u at %p: mmtk_is_mmtk_object is wrong", t, i, (void *)p);
      if (!mmtk_is_in_mmtk_spaces(mmtk, p))
        g_error("thread %u object %u at %p: not in the spaces", t, i, (void *)p);
    }

  /* No two objects overlap: sort all of them; each object's identity (word 0, checked
   * above) gives its size. */
  size_t n = (size_t)NTHREADS * NOBJECTS;
  uintptr_t *all = g_new(uintptr_t, n);
  for (unsigned t = 0; t < NTHREADS; t++) {
    memcpy(all + (size_t)t * NOBJECTS, w[t].objs, NOBJECTS * sizeof all[0]);
    g_free(w[t].objs);
  }
  qsort(all, n, sizeof all[0], ptr_cmp);
  for (size_t j = 1; j < n; j++) {
    uint64_t id = *(const uint64_t *)all[j - 1];
    if (all[j - 1] + size_of_id(id) > all[j])
      g_error("objects overlap: %p (%zu bytes) and %p", (void *)all[j - 1], size_of_id(id),
              (void *)all[j]);
  }
  g_free(all);

  size_t used = mmtk_used_bytes(mmtk);
  g_assert_cmpuint(used, >=, bytes);
  g_assert_cmpuint(used, <=, mmtk_total_bytes(mmtk));
  g_assert_cmpuint(used + mmtk_free_bytes(mmtk), ==, mmtk_total_bytes(mmtk));
  g_test_message("%zu objects, %zu bytes, %zu bytes used", n, bytes, used);
  mmtk_shutdown(mmtk);
}

/* Threads bind, allocate, and destroy their mutators repeatedly (R16 for NoGC); the
 * objects outlive the mutators that made them. */
typedef struct churner {
  unsigned t;
  GPtrArray *objs;
  char error[256];
} churner_t;

static void *churn(void *arg) {
  churner_t *c = arg;
  pthread_barrier_wait(&start);
  for (unsigned round = 0; round < 50 && !c->error[0]; round++) {
    mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, c);
    if (!m) {
      g_snprintf(c->error, sizeof c->error, "bind: %s", mmtk_last_error());
      break;
    }
    for (unsigned i = 0; i < 500; i++) {
      uint64_t id = id_of(c->t, round * 500 + i);
      size_t size = i % 100 == 0 ? 20000 : size_of_id(id);
      uint64_t *p = mmtk_alloc(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
      if (!p || p[0]) {
        g_snprintf(c->error, sizeof c->error, "round %u object %u: %p: %s", round, i,
                   (void *)p, mmtk_last_error());
        break;
      }
      p[0] = id;
      p[1] = size;
      g_ptr_array_add(c->objs, p);
    }
    mmtk_destroy_mutator(m);
  }
  return NULL;
}

static void test_mutator_churn(void) {
  mmtk = tu_init("gc_trigger=FixedHeapSize:512M");
  churner_t c[NTHREADS];
  pthread_t th[NTHREADS];
  g_assert_cmpint(pthread_barrier_init(&start, NULL, NTHREADS), ==, 0);
  for (unsigned t = 0; t < NTHREADS; t++) {
    memset(&c[t], 0, sizeof c[t]);
    c[t].t = t;
    c[t].objs = g_ptr_array_new();
    g_assert_cmpint(pthread_create(&th[t], NULL, churn, &c[t]), ==, 0);
  }
  GArray *all = g_array_new(FALSE, FALSE, sizeof(uintptr_t));
  for (unsigned t = 0; t < NTHREADS; t++) {
    g_assert_cmpint(pthread_join(th[t], NULL), ==, 0);
    if (c[t].error[0]) g_error("thread %u: %s", t, c[t].error);
    g_assert_cmpuint(c[t].objs->len, ==, 50 * 500);
    for (guint i = 0; i < c[t].objs->len; i++) {
      uint64_t *p = g_ptr_array_index(c[t].objs, i);
      g_assert_cmpuint(p[0], ==, id_of(t, i));
      uintptr_t a = (uintptr_t)p;
      g_array_append_val(all, a);
    }
    g_ptr_array_free(c[t].objs, TRUE);
  }
  pthread_barrier_destroy(&start);
  g_array_sort(all, (GCompareFunc)ptr_cmp);
  for (guint j = 1; j < all->len; j++) {
    uintptr_t a = g_array_index(all, uintptr_t, j - 1), b = g_array_index(all, uintptr_t, j);
    g_assert_cmpuint(a + ((const uint64_t *)a)[1], <=, b);
  }
  g_array_free(all, TRUE);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  mmtk_shutdown(mmtk);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/NoGC/threads/alloc-8x1M", test_alloc_8x1M);
  tu_add("/NoGC/threads/mutator-churn", test_mutator_churn);
  return g_test_run();
}
