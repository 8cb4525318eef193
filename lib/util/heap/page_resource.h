/* Page resources (MMTk's util::heap::*PageResource, design.heap.pr): where a space gets
 * its pages.  A monotone resource bumps a cursor through the space's extent and gives
 * pages back only all at once; a free-list resource hands out and takes back runs of
 * pages.  Both map chunks on first use and keep the space's page count. */
#ifndef MMTK_UTIL_HEAP_PAGE_RESOURCE_H
#define MMTK_UTIL_HEAP_PAGE_RESOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>

#include "util/heap/freelist.h"

struct mmtk;

enum pr_kind { PR_MONOTONE, PR_FREELIST };

struct page_resource {
  enum pr_kind kind;
  struct mmtk *mmtk;
  unsigned space_index;
  uintptr_t start, limit; /* the space's extent */
  pthread_mutex_t lock;
  uintptr_t cursor;       /* the high-water mark: [start, cursor) has been handed out */
  uintptr_t dirty;        /* monotone: [start, dirty) was used before a reset; zeroed when
                             handed out again (cheaper than faulting fresh pages in) */
  struct freelist free;   /* PR_FREELIST: runs below the cursor given back */
  /* PR_FREELIST: runs are given back as they are and zeroed when handed out again
   * (pr_set_zero_on_acquire), not at release. */
  bool zero_on_acquire;
  /* PR_FREELIST: runs given back are protected (PROT_NONE) until handed out again, so
   * that any access to a freed object faults (pr_set_protect_on_release, the PageProtect
   * plan, design.heap.protect). */
  bool protect_on_release;
  /* Set once a protection failed (too many mappings): warned about once. */
  _Atomic bool protect_failed;
  _Atomic size_t pages;   /* pages currently held by the space */
};

void pr_init(struct page_resource *pr, enum pr_kind kind, struct mmtk *mmtk, unsigned space_index,
             uintptr_t start, uintptr_t limit);
void pr_destroy(struct page_resource *pr);

enum pr_status { PR_OK, PR_EXHAUSTED, PR_MMAP_FAILED };
/* `pages` contiguous, mapped pages; their start, or 0 with *status set.  `zero`: they
 * must read as zero (false for GC copy targets, which are written over entirely). */
uintptr_t pr_acquire(struct page_resource *pr, size_t pages, bool zero, enum pr_status *status);
/* Free-list resources only: give back a run (zeroed or discarded, so that it reads as
 * zero on reuse; kept as it is with zero_on_acquire). */
void pr_release(struct page_resource *pr, uintptr_t start, size_t pages);
/* Free-list resources only: zero runs of the free list when they are handed out again
 * with `zero`, rather than when they are released.  For a space that releases much of
 * itself at every GC (Immix): the zeroing moves out of the pause, onto the thread that
 * is about to write the memory anyway (design.immix.zeroing). */
static inline void pr_set_zero_on_acquire(struct page_resource *pr) { pr->zero_on_acquire = true; }
/* Free-list resources only: protect runs while they are free (design.heap.protect).
 * Runs are then discarded at release (they read as zero once handed out again). */
static inline void pr_set_protect_on_release(struct page_resource *pr) {
  pr->protect_on_release = true;
}
/* Monotone resources only: give back everything. */
void pr_reset(struct page_resource *pr);
/* Monotone resources only: give back the pages from `cursor` (page aligned) up; the
 * number of pages given back.  They are zeroed when handed out again. */
size_t pr_shrink(struct page_resource *pr, uintptr_t cursor);

static inline size_t pr_pages(const struct page_resource *pr) {
  return atomic_load_explicit(&pr->pages, memory_order_relaxed);
}

#endif /* MMTK_UTIL_HEAP_PAGE_RESOURCE_H */
