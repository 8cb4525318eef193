/* Unit tests of the page-run free list behind the free-list page resource
 * (lib/util/heap/freelist.c, design.heap.freelist), built from the library's own source.
 * After every change the tree is checked whole: runs in address order, coalesced (no two
 * touching), each node's subtree maximum right, priorities in heap order, the counts
 * right.
 *
 *   /freelist/first-fit      the lowest run that fits, taken from its front
 *   /freelist/coalesce       a run given back joins the run below, above, or both
 *   /freelist/fragmentation  20,000 one-page holes: a two-page request fails; filling
 *                            the holes in random order leaves one run
 *   /freelist/depth          100,000 runs given in address order, reversed, and at
 *                            random: the tree stays shallow (a count, not a time)
 *   /freelist/model          random takes and gives against a page bitmap: the same
 *                            answers, the same runs (--seed to replay)
 */
#include "util/heap/freelist.c"

#include <glib.h>

#define BASE ((uintptr_t)0x200000000000)
#define PAGE ((uintptr_t)BYTES_IN_PAGE)
#define AT(page) (BASE + (uintptr_t)(page) * PAGE)

/* In-order walk of t: checks every invariant; returns t's height. */
static unsigned check_tree(const struct freelist *f, uint32_t t, uintptr_t *last_end,
                           size_t *runs, size_t *pages) {
  if (!t) return 0;
  const struct page_run *n = f->nodes;
  g_assert_cmpuint(t, <, f->used);
  if (n[t].left) g_assert_cmpuint(n[n[t].left].prio, <=, n[t].prio);
  if (n[t].right) g_assert_cmpuint(n[n[t].right].prio, <=, n[t].prio);
  unsigned hl = check_tree(f, n[t].left, last_end, runs, pages);
  g_assert_cmpuint(n[t].pages, >, 0);
  /* Strictly above the previous run's end: in order, not overlapping, coalesced. */
  if (*last_end) g_assert_cmpuint(n[t].start, >, *last_end);
  *last_end = run_end(&n[t]);
  (*runs)++;
  *pages += n[t].pages;
  unsigned hr = check_tree(f, n[t].right, last_end, runs, pages);
  g_assert_cmpuint(n[t].max, ==, max3(n[t].pages, n[n[t].left].max, n[n[t].right].max));
  return 1 + (hl > hr ? hl : hr);
}

static unsigned check(const struct freelist *f) {
  uintptr_t last_end = 0;
  size_t runs = 0, pages = 0;
  unsigned h = check_tree(f, f->root, &last_end, &runs, &pages);
  g_assert_cmpuint(runs, ==, f->count);
  g_assert_cmpuint(pages, ==, f->free_pages);
  g_assert_cmpuint(pages, ==, freelist_free_pages(f));
  if (f->capacity) g_assert_cmpuint(f->nodes[0].max, ==, 0); /* the sentinel */
  return h;
}

static void give(struct freelist *f, size_t page, size_t pages) {
  g_assert_true(freelist_give(f, AT(page), pages));
  check(f);
}

static void take(struct freelist *f, size_t pages, size_t expect_page) {
  g_assert_cmpuint(freelist_take(f, pages), ==, AT(expect_page));
  check(f);
}

static void test_first_fit(void) {
  struct freelist f;
  freelist_init(&f);
  check(&f);
  g_assert_cmpuint(freelist_take(&f, 1), ==, 0);
  give(&f, 100, 2);
  give(&f, 10, 1);
  give(&f, 50, 8);
  give(&f, 30, 4);
  g_assert_cmpuint(f.count, ==, 4);
  take(&f, 3, 30);  /* 30+4 is the lowest that fits; 10+1 does not */
  take(&f, 1, 10);
  take(&f, 1, 33);  /* what was left of 30+4 */
  take(&f, 8, 50);
  g_assert_cmpuint(freelist_take(&f, 3), ==, 0); /* only 100+2 is left */
  check(&f);
  take(&f, 2, 100);
  g_assert_cmpuint(f.count, ==, 0);
  g_assert_cmpuint(freelist_take(&f, 1), ==, 0);
  g_assert_cmpuint(freelist_take(&f, 0), ==, 0);
  g_assert_true(freelist_give(&f, AT(7), 0)); /* nothing */
  g_assert_cmpuint(f.count, ==, 0);
  freelist_destroy(&f);
}

static void test_coalesce(void) {
  struct freelist f;
  freelist_init(&f);
  give(&f, 10, 2);  /* [10,12) */
  give(&f, 14, 2);  /* [14,16) */
  give(&f, 12, 1);  /* joins below: [10,13) */
  g_assert_cmpuint(f.count, ==, 2);
  give(&f, 13, 1);  /* joins both: [10,16) */
  g_assert_cmpuint(f.count, ==, 1);
  give(&f, 8, 2);   /* joins above: [8,16) */
  g_assert_cmpuint(f.count, ==, 1);
  give(&f, 16, 4);  /* joins below: [8,20) */
  give(&f, 21, 1);  /* a gap of one page */
  g_assert_cmpuint(f.count, ==, 2);
  take(&f, 12, 8);
  g_assert_cmpuint(f.count, ==, 1);
  take(&f, 1, 21);
  g_assert_cmpuint(f.count, ==, 0);
  freelist_destroy(&f);
}

#define HOLES 20000

/* Every other page free: a checkerboard.  No two-page run exists; giving back the pages
 * between, in random order, coalesces everything into one run. */
static void test_fragmentation(void) {
  struct freelist f;
  freelist_init(&f);
  for (size_t i = 0; i < HOLES; i++) g_assert_true(freelist_give(&f, AT(2 * i), 1));
  unsigned h = check(&f);
  g_assert_cmpuint(f.count, ==, HOLES);
  g_test_message("%d one-page runs: height %u", HOLES, h);
  g_assert_cmpuint(freelist_take(&f, 2), ==, 0);
  size_t *order = g_new(size_t, HOLES - 1);
  for (size_t i = 0; i < HOLES - 1; i++) order[i] = 2 * i + 1;
  for (size_t i = HOLES - 2; i > 0; i--) {
    size_t j = (size_t)g_test_rand_int_range(0, (gint32)i + 1);
    size_t t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (size_t i = 0; i < HOLES - 1; i++) {
    g_assert_true(freelist_give(&f, AT(order[i]), 1));
    g_assert_cmpuint(f.count, ==, HOLES - 1 - i);
    if (i % 1000 == 0) check(&f);
  }
  check(&f);
  g_assert_cmpuint(f.count, ==, 1);
  take(&f, 2 * HOLES - 1, 0);
  g_free(order);
  freelist_destroy(&f);
}

#define DEPTH_RUNS 100000
/* A treap's expected height for n keys is about 3 ln n (35 here); this bound is far
 * above what random priorities ever give, and far below the 100,000 of a plain search
 * tree fed sorted keys. */
#define DEPTH_BOUND 80

static void test_depth(void) {
  for (int pass = 0; pass < 3; pass++) {
    struct freelist f;
    freelist_init(&f);
    size_t *order = g_new(size_t, DEPTH_RUNS);
    for (size_t i = 0; i < DEPTH_RUNS; i++) order[i] = pass == 1 ? DEPTH_RUNS - 1 - i : i;
    if (pass == 2)
      for (size_t i = DEPTH_RUNS - 1; i > 0; i--) {
        size_t j = (size_t)g_test_rand_int_range(0, (gint32)i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    for (size_t i = 0; i < DEPTH_RUNS; i++)
      g_assert_true(freelist_give(&f, AT(3 * order[i]), 1 + order[i] % 2));
    unsigned h = check(&f);
    g_test_message("%d runs given %s: height %u", DEPTH_RUNS,
                   pass == 0 ? "in order" : pass == 1 ? "reversed" : "at random", h);
    g_assert_cmpuint(f.count, ==, DEPTH_RUNS);
    g_assert_cmpuint(h, <=, DEPTH_BOUND);
    /* First fit for two pages: the first run of two, at page 3. */
    take(&f, 2, 3);
    /* One page at a time, everything left comes out in address order. */
    for (size_t i = 0; i < DEPTH_RUNS; i++)
      for (size_t k = 0; i != 1 && k < 1 + i % 2; k++)
        g_assert_cmpuint(freelist_take(&f, 1), ==, AT(3 * i + k));
    g_assert_cmpuint(f.count, ==, 0);
    h = check(&f);
    g_assert_cmpuint(h, <=, DEPTH_BOUND);
    g_free(order);
    freelist_destroy(&f);
  }
}

/* ---- Against a model: one bool per page -------------------------------------------- */

#define MODEL_PAGES 2048
#define MODEL_OPS 60000

struct held {
  size_t page, pages;
};

/* The lowest page where `pages` free pages begin: first fit over coalesced runs takes
 * exactly that (the run holding it is the lowest one long enough). */
static long model_take(bool *free_page, size_t pages) {
  size_t len = 0;
  for (size_t i = 0; i < MODEL_PAGES; i++) {
    len = free_page[i] ? len + 1 : 0;
    if (len == pages) {
      size_t start = i + 1 - pages;
      for (size_t k = start; k <= i; k++) free_page[k] = false;
      return (long)start;
    }
  }
  return -1;
}

/* The free list holds exactly the model's maximal runs of free pages. */
static void model_compare(const struct freelist *f, const bool *free_page) {
  size_t runs = 0;
  for (size_t i = 0; i < MODEL_PAGES; i++) {
    if (!free_page[i] || (i > 0 && free_page[i - 1])) continue;
    size_t j = i;
    while (j < MODEL_PAGES && free_page[j]) j++;
    runs++;
    /* Find run i in the tree. */
    uint32_t t = f->root;
    while (t && f->nodes[t].start != AT(i)) t = AT(i) < f->nodes[t].start ? f->nodes[t].left : f->nodes[t].right;
    g_assert_cmpuint(t, !=, 0);
    g_assert_cmpuint(f->nodes[t].pages, ==, j - i);
  }
  g_assert_cmpuint(runs, ==, f->count);
}

static void test_model(void) {
  struct freelist f;
  freelist_init(&f);
  bool *free_page = g_new0(bool, MODEL_PAGES);
  GArray *held = g_array_new(false, false, sizeof(struct held));
  /* At first everything is held, in pieces of 1 to 24 pages (as a cursor hands out). */
  for (size_t p = 0; p < MODEL_PAGES;) {
    size_t n = (size_t)g_test_rand_int_range(1, 25);
    if (p + n > MODEL_PAGES) n = MODEL_PAGES - p;
    g_array_append_val(held, ((struct held){p, n}));
    p += n;
  }
  size_t takes = 0, misses = 0, gives = 0;
  for (int op = 0; op < MODEL_OPS; op++) {
    /* Give back a little more often than take while little is free, so the list stays
     * fragmented at about half full. */
    bool do_give = held->len > 0 && g_test_rand_int_range(0, 100) < 50 + (held->len > 200 ? 5 : -5);
    if (do_give) {
      guint k = (guint)g_test_rand_int_range(0, (gint32)held->len);
      struct held h = g_array_index(held, struct held, k);
      g_array_remove_index_fast(held, k);
      for (size_t i = 0; i < h.pages; i++) {
        g_assert_false(free_page[h.page + i]);
        free_page[h.page + i] = true;
      }
      g_assert_true(freelist_give(&f, AT(h.page), h.pages));
      gives++;
    } else {
      /* Mostly small requests, sometimes a big one that often fails. */
      size_t n = g_test_rand_int_range(0, 10) ? (size_t)g_test_rand_int_range(1, 9)
                                              : (size_t)g_test_rand_int_range(9, 200);
      long expect = model_take(free_page, n);
      uintptr_t got = freelist_take(&f, n);
      if (expect < 0) {
        g_assert_cmpuint(got, ==, 0);
        misses++;
      } else {
        g_assert_cmpuint(got, ==, AT(expect));
        g_array_append_val(held, ((struct held){(size_t)expect, n}));
        takes++;
      }
    }
    if (op % 97 == 0) {
      check(&f);
      model_compare(&f, free_page);
    }
  }
  check(&f);
  model_compare(&f, free_page);
  g_test_message("%zu takes, %zu failed takes, %zu gives; %zu runs at the end", takes, misses,
                 gives, f.count);
  g_assert_cmpuint(misses, >, 0); /* the big requests did meet fragmentation */
  g_array_free(held, true);
  g_free(free_page);
  freelist_destroy(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/freelist/first-fit", test_first_fit);
  g_test_add_func("/freelist/coalesce", test_coalesce);
  g_test_add_func("/freelist/fragmentation", test_fragmentation);
  g_test_add_func("/freelist/depth", test_depth);
  g_test_add_func("/freelist/model", test_model);
  return g_test_run();
}
