/* A free list of page runs inside one space's extent (design.heap.freelist): first fit,
 * runs kept sorted by address and coalesced on free. */
#ifndef MMTK_UTIL_HEAP_FREELIST_H
#define MMTK_UTIL_HEAP_FREELIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct page_run {
  uintptr_t start;
  size_t pages;
};

struct freelist {
  struct page_run *runs;
  size_t count, capacity;
};

void freelist_init(struct freelist *f);
void freelist_destroy(struct freelist *f);
/* The start of `pages` free pages taken from the first run that fits, or 0. */
uintptr_t freelist_take(struct freelist *f, size_t pages);
/* Give back a run; false when the list cannot grow (out of memory): the run is lost. */
bool freelist_give(struct freelist *f, uintptr_t start, size_t pages);
size_t freelist_free_pages(const struct freelist *f);

#endif /* MMTK_UTIL_HEAP_FREELIST_H */
