/* A free list of page runs inside one space's extent (design.heap.freelist): address-
 * ordered first fit, runs coalesced on free, each operation O(log n) in the number of
 * runs.  The runs are the nodes of a treap keyed by start address; each node also holds
 * the largest run of its subtree, which guides the first-fit search. */
#ifndef MMTK_UTIL_HEAP_FREELIST_H
#define MMTK_UTIL_HEAP_FREELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One run of free pages.  Nodes live in one growable array and name each other by index;
 * index 0 is a sentinel (no node: max 0), so that a missing child needs no test. */
struct page_run {
  uintptr_t start;
  size_t pages;
  size_t max;          /* the largest `pages` in this node's subtree */
  uint32_t left, right; /* children (0: none); `left` chains unused nodes */
  uint32_t prio;       /* heap order: a parent's is at least its children's */
};

struct freelist {
  struct page_run *nodes; /* [0] is the sentinel */
  uint32_t capacity;      /* nodes allocated */
  uint32_t used;          /* nodes[1, used) have been handed out at some time */
  uint32_t unused;        /* chain of nodes given back (through `left`), 0 = none */
  uint32_t root;
  uint32_t seed;          /* priorities (xorshift) */
  size_t count;           /* runs */
  size_t free_pages;      /* their pages */
};

void freelist_init(struct freelist *f);
void freelist_destroy(struct freelist *f);
/* The start of `pages` free pages taken from the lowest run that fits, or 0. */
uintptr_t freelist_take(struct freelist *f, size_t pages);
/* Give back a run, coalesced with its neighbours; false when the list cannot grow (out
 * of memory): the run is lost and the list unchanged. */
bool freelist_give(struct freelist *f, uintptr_t start, size_t pages);
static inline size_t freelist_free_pages(const struct freelist *f) { return f->free_pages; }

#endif /* MMTK_UTIL_HEAP_FREELIST_H */
