/* Unit tests of the work-stealing deque behind each GC worker (lib/scheduler/deque.c,
 * design.deque), built from the library's own source.
 *
 *   /deque/order         alone: the owner pops newest first, a thief steals oldest
 *                        first, through several growths; empty gives NULL
 *   /deque/contention/N  one owner pushing in bursts (growing the array while N thieves
 *                        steal) and popping some back, N = 1, 2, 3: every packet is taken
 *                        exactly once, and the owner's and the thieves' counts add up
 *   /deque/last          the owner pushes one packet and pops it while three thieves go
 *                        for it: the race for a deque's last packet, decided once each
 */
#include "scheduler/deque.c"

#include <glib.h>
#include <pthread.h>
#include <sched.h>

static void test_order(void) {
  enum { N = 1000 };
  static struct work_packet items[N];
  struct work_deque d;
  deque_init(&d);
  g_assert_null(deque_pop(&d));
  g_assert_null(deque_steal(&d));
  g_assert_cmpuint(deque_size(&d), ==, 0);
  for (int i = 0; i < N; i++) g_assert_true(deque_push(&d, &items[i]));
  g_assert_cmpuint(deque_size(&d), ==, N);
  g_assert_nonnull(d.retired); /* 64 slots grew to 1024, through 128, 256 and 512 */
  g_assert_cmpint(atomic_load(&d.array)->mask + 1, ==, 1024);
  for (int i = 0; i < N / 2; i++) g_assert_true(deque_steal(&d) == &items[i]);
  for (int i = N - 1; i >= N / 2; i--) g_assert_true(deque_pop(&d) == &items[i]);
  g_assert_null(deque_pop(&d));
  g_assert_null(deque_steal(&d));
  g_assert_cmpuint(deque_size(&d), ==, 0);
  /* Reused after it emptied, past the old indices: still in order. */
  for (int i = 0; i < 3; i++) g_assert_true(deque_push(&d, &items[i]));
  g_assert_true(deque_steal(&d) == &items[0]);
  g_assert_true(deque_pop(&d) == &items[2]);
  g_assert_true(deque_pop(&d) == &items[1]);
  g_assert_null(deque_pop(&d));
  deque_free_retired(&d);
  g_assert_null(d.retired);
  deque_destroy(&d);
}

/* ---- Under contention ---------------------------------------------------------------- */

struct race {
  struct work_deque d;
  struct work_packet *items;
  atomic_uint *taken; /* per packet: how many times it came out */
  size_t n;
  atomic_bool done;   /* the owner has pushed everything and drained its end */
  atomic_uint ready;  /* thieves started: the owner waits for all of them */
};

struct thief {
  struct race *r;
  pthread_t thread;
  size_t stolen;
};

/* A few hundred nanoseconds of nothing, to let the thieves in. */
static void pause_for(unsigned n) {
  for (volatile unsigned i = 0; i < n; i++) {
  }
}

static void take(struct race *r, struct work_packet *p) {
  g_assert_true(p >= r->items && p < r->items + r->n);
  atomic_fetch_add_explicit(&r->taken[p - r->items], 1, memory_order_relaxed);
}

static void *thief_main(void *arg) {
  struct thief *th = arg;
  struct race *r = th->r;
  atomic_fetch_add(&r->ready, 1);
  for (;;) {
    bool done = atomic_load(&r->done);
    struct work_packet *p = deque_steal(&r->d);
    if (p) {
      take(r, p);
      th->stolen++;
    } else if (done) {
      break;
    }
  }
  return NULL;
}

static void race_begin(struct race *r, size_t n, struct thief *thieves, unsigned nthieves) {
  deque_init(&r->d);
  r->n = n;
  r->items = g_new0(struct work_packet, n);
  r->taken = g_new0(atomic_uint, n);
  atomic_init(&r->done, false);
  atomic_init(&r->ready, 0);
  for (unsigned i = 0; i < nthieves; i++) {
    thieves[i] = (struct thief){.r = r};
    g_assert_cmpint(pthread_create(&thieves[i].thread, NULL, thief_main, &thieves[i]), ==, 0);
  }
  while (atomic_load(&r->ready) < nthieves) sched_yield();
}

/* Joins the thieves and checks that each packet was taken once; the owner popped
 * `popped`.  Returns how many the thieves stole. */
static size_t race_end(struct race *r, size_t popped, struct thief *thieves, unsigned nthieves) {
  /* The owner drains what is left at its end before it says done. */
  for (struct work_packet *p; (p = deque_pop(&r->d)) != NULL; popped++) take(r, p);
  atomic_store(&r->done, true);
  size_t stolen = 0;
  for (unsigned i = 0; i < nthieves; i++) {
    g_assert_cmpint(pthread_join(thieves[i].thread, NULL), ==, 0);
    stolen += thieves[i].stolen;
  }
  for (size_t i = 0; i < r->n; i++)
    if (atomic_load(&r->taken[i]) != 1)
      g_error("packet %zu of %zu taken %u times", i, r->n, atomic_load(&r->taken[i]));
  g_assert_cmpuint(popped + stolen, ==, r->n);
  g_assert_cmpuint(deque_size(&r->d), ==, 0);
  g_free(r->items);
  g_free(r->taken);
  return stolen;
}

static void test_contention(gconstpointer data) {
  unsigned nthieves = GPOINTER_TO_UINT(data);
  enum { N = 200000 };
  struct race r;
  struct thief thieves[3];
  race_begin(&r, N, thieves, nthieves);
  GRand *rand = g_rand_new_with_seed(nthieves);
  size_t pushed = 0, popped = 0, growths = 0, burst = 1;
  while (pushed < N) {
    /* Bursts of 1 to 8192 pushes: the array grows while thieves read it. */
    size_t k = (size_t)g_rand_int_range(rand, 1, (gint32)burst + 1);
    if (burst < 8192) burst *= 2;
    for (size_t i = 0; i < k && pushed < N; i++) {
      const struct deque_array *before = atomic_load_explicit(&r.d.array, memory_order_relaxed);
      g_assert_true(deque_push(&r.d, &r.items[pushed++]));
      if (before && atomic_load_explicit(&r.d.array, memory_order_relaxed) != before) growths++;
    }
    pause_for(1000);
    /* Then pop back some of them, racing the thieves for the last ones. */
    size_t pops = (size_t)g_rand_int_range(rand, 0, (gint32)k + 1);
    for (size_t i = 0; i < pops; i++) {
      struct work_packet *p = deque_pop(&r.d);
      if (!p) break;
      take(&r, p);
      popped++;
    }
  }
  g_rand_free(rand);
  size_t stolen = race_end(&r, popped, thieves, nthieves);
  g_test_message("%u thieves: %zu stolen, %zu popped, %zu growths", nthieves, stolen,
                 N - stolen, growths);
  g_assert_cmpuint(growths, >, 0);
  deque_destroy(&r.d);
}

static void test_last(void) {
  enum { N = 100000, THIEVES = 3 };
  struct race r;
  struct thief thieves[THIEVES];
  race_begin(&r, N, thieves, THIEVES);
  size_t popped = 0;
  for (size_t i = 0; i < N; i++) {
    g_assert_true(deque_push(&r.d, &r.items[i]));
    pause_for(i % 256);
    struct work_packet *p = deque_pop(&r.d);
    if (p) {
      g_assert_true(p == &r.items[i]);
      take(&r, p);
      popped++;
    }
  }
  size_t stolen = race_end(&r, popped, thieves, THIEVES);
  g_test_message("last packet: %zu stolen, %zu popped", stolen, N - stolen);
  deque_destroy(&r.d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/deque/order", test_order);
  g_test_add_data_func("/deque/contention/1", GUINT_TO_POINTER(1), test_contention);
  g_test_add_data_func("/deque/contention/2", GUINT_TO_POINTER(2), test_contention);
  g_test_add_data_func("/deque/contention/3", GUINT_TO_POINTER(3), test_contention);
  g_test_add_func("/deque/last", test_last);
  return g_test_run();
}
