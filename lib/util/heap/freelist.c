/* A free list of page runs (design.heap.freelist): a treap keyed by start address, each
 * node holding its subtree's largest run.
 *
 * Why a treap: first fit must find the lowest run of at least n pages, and a give must
 * find the runs just below and above to coalesce with.  An address-ordered search tree
 * answers the second; the subtree maximum answers the first by descending left whenever
 * the left subtree has a run big enough.  Random priorities keep the tree's depth
 * logarithmic (expected) without the rebalancing cases of a red-black tree, and split and
 * merge express every change.  The previous sorted array cost a linear scan and a memmove
 * per operation: a space fragmented into thousands of holes paid that on every block. */
#include "util/heap/freelist.h"

#include <stdlib.h>
#include <string.h>

#include "util/constants.h"

#define NODES_INITIAL 16

void freelist_init(struct freelist *f) {
  memset(f, 0, sizeof *f);
  f->seed = 0x9e3779b9u;
}

void freelist_destroy(struct freelist *f) {
  free(f->nodes);
  memset(f, 0, sizeof *f);
}

static inline size_t max3(size_t a, size_t b, size_t c) {
  size_t m = a > b ? a : b;
  return m > c ? m : c;
}

/* Recompute t's subtree maximum from its children's. */
static inline void update(struct page_run *n, uint32_t t) {
  n[t].max = max3(n[t].pages, n[n[t].left].max, n[n[t].right].max);
}

static inline uintptr_t run_end(const struct page_run *r) {
  return r->start + (r->pages << LOG_BYTES_IN_PAGE);
}

/* Split t into *l (runs starting below key) and *r (the rest). */
static void split(struct page_run *n, uint32_t t, uintptr_t key, uint32_t *l, uint32_t *r) {
  if (!t) {
    *l = *r = 0;
    return;
  }
  if (n[t].start < key) {
    split(n, n[t].right, key, &n[t].right, r);
    *l = t;
  } else {
    split(n, n[t].left, key, l, &n[t].left);
    *r = t;
  }
  update(n, t);
}

/* Join two treaps, every run of a below every run of b. */
static uint32_t merge(struct page_run *n, uint32_t a, uint32_t b) {
  if (!a) return b;
  if (!b) return a;
  if (n[a].prio >= n[b].prio) {
    n[a].right = merge(n, n[a].right, b);
    update(n, a);
    return a;
  }
  n[b].left = merge(n, a, n[b].left);
  update(n, b);
  return b;
}

/* A node for a new run, or 0 when the array cannot grow.  May move f->nodes. */
static uint32_t node_new(struct freelist *f, uintptr_t start, size_t pages) {
  uint32_t t = f->unused;
  if (t) {
    f->unused = f->nodes[t].left;
  } else {
    if (f->used == 0) f->used = 1; /* [0] is the sentinel */
    if (f->used >= f->capacity) {
      if (f->capacity > UINT32_MAX / 2) return 0;
      uint32_t cap = f->capacity ? f->capacity * 2 : NODES_INITIAL;
      struct page_run *n = realloc(f->nodes, cap * sizeof *n);
      if (!n) return 0;
      if (!f->capacity) memset(&n[0], 0, sizeof n[0]);
      f->nodes = n;
      f->capacity = cap;
    }
    t = f->used++;
  }
  f->seed ^= f->seed << 13;
  f->seed ^= f->seed >> 17;
  f->seed ^= f->seed << 5;
  f->nodes[t] = (struct page_run){.start = start, .pages = pages, .max = pages, .prio = f->seed};
  return t;
}

static void node_free(struct freelist *f, uint32_t t) {
  f->nodes[t].left = f->unused;
  f->unused = t;
}

/* Take `pages` from the front of the lowest run in t that has them (t's max says one
 * does); returns t's new root. */
static uint32_t take_from(struct freelist *f, uint32_t t, size_t pages, uintptr_t *start) {
  struct page_run *n = f->nodes;
  if (n[n[t].left].max >= pages) {
    n[t].left = take_from(f, n[t].left, pages, start);
  } else if (n[t].pages >= pages) {
    *start = n[t].start;
    n[t].start += pages << LOG_BYTES_IN_PAGE;
    n[t].pages -= pages;
    if (n[t].pages == 0) {
      uint32_t rest = merge(n, n[t].left, n[t].right);
      node_free(f, t);
      f->count--;
      return rest;
    }
  } else {
    n[t].right = take_from(f, n[t].right, pages, start);
  }
  update(n, t);
  return t;
}

uintptr_t freelist_take(struct freelist *f, size_t pages) {
  if (pages == 0 || !f->root || f->nodes[f->root].max < pages) return 0;
  uintptr_t start = 0;
  f->root = take_from(f, f->root, pages, &start);
  f->free_pages -= pages;
  return start;
}

/* The runs just below and at-or-above `start` (0: none). */
static void neighbours(const struct freelist *f, uintptr_t start, uint32_t *pred, uint32_t *succ) {
  const struct page_run *n = f->nodes;
  *pred = *succ = 0;
  for (uint32_t t = f->root; t;) {
    if (n[t].start < start) {
      *pred = t;
      t = n[t].right;
    } else {
      *succ = t;
      t = n[t].left;
    }
  }
}

/* Raise the maxima on the path from t down to the run starting at `key` to `pages`:
 * that run has grown to `pages`. */
static void raise_path(struct page_run *n, uint32_t t, uintptr_t key, size_t pages) {
  while (t) {
    if (n[t].max < pages) n[t].max = pages;
    if (n[t].start == key) return;
    t = key < n[t].start ? n[t].left : n[t].right;
  }
}

/* Remove the run starting at `key` (it is in t); returns t's new root. */
static uint32_t erase(struct page_run *n, uint32_t t, uintptr_t key) {
  if (n[t].start == key) return merge(n, n[t].left, n[t].right);
  if (key < n[t].start) n[t].left = erase(n, n[t].left, key);
  else n[t].right = erase(n, n[t].right, key);
  update(n, t);
  return t;
}

/* Put the single node x into t: down to where its priority belongs, then it takes
 * over that subtree, split at its start.  Returns t's new root. */
static uint32_t insert(struct page_run *n, uint32_t t, uint32_t x) {
  if (!t) return x;
  if (n[x].prio > n[t].prio) {
    split(n, t, n[x].start, &n[x].left, &n[x].right);
    update(n, x);
    return x;
  }
  if (n[x].start < n[t].start) n[t].left = insert(n, n[t].left, x);
  else n[t].right = insert(n, n[t].right, x);
  if (n[t].max < n[x].pages) n[t].max = n[x].pages;
  return t;
}

bool freelist_give(struct freelist *f, uintptr_t start, size_t pages) {
  if (pages == 0) return true;
  uintptr_t end = start + (pages << LOG_BYTES_IN_PAGE);
  uint32_t pred, succ;
  neighbours(f, start, &pred, &succ);
  bool joins_prev = pred && run_end(&f->nodes[pred]) == start;
  bool joins_next = succ && f->nodes[succ].start == end;
  /* Coalescing only grows a run in place (its start order unchanged), except that the
   * run above goes when both join. */
  if (joins_prev || joins_next) {
    struct page_run *n = f->nodes;
    uint32_t grown = joins_prev ? pred : succ;
    if (joins_prev && joins_next) {
      n[pred].pages += n[succ].pages;
      f->root = erase(n, f->root, n[succ].start);
      node_free(f, succ);
      f->count--;
    }
    if (!joins_prev) n[succ].start = start;
    n[grown].pages += pages;
    raise_path(n, f->root, n[grown].start, n[grown].pages);
  } else {
    uint32_t x = node_new(f, start, pages);
    if (!x) return false;
    f->root = insert(f->nodes, f->root, x);
    f->count++;
  }
  f->free_pages += pages;
  return true;
}
