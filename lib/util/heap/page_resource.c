/* Page resources (design.heap.pr). */
#include "mmtk_internal.h"

void pr_init(struct page_resource *pr, enum pr_kind kind, mmtk_t *mmtk, unsigned space_index,
             uintptr_t start, uintptr_t limit) {
  memset(pr, 0, sizeof *pr);
  pr->kind = kind;
  pr->mmtk = mmtk;
  pr->space_index = space_index;
  pr->start = start;
  pr->limit = limit;
  pr->cursor = start;
  pthread_mutex_init(&pr->lock, NULL);
  freelist_init(&pr->free);
}

void pr_destroy(struct page_resource *pr) {
  freelist_destroy(&pr->free);
  pthread_mutex_destroy(&pr->lock);
}

uintptr_t pr_acquire(struct page_resource *pr, size_t pages, bool zero, enum pr_status *status) {
  size_t bytes = pages << LOG_BYTES_IN_PAGE;
  uintptr_t start = 0;
  bool fresh = false;
  pthread_mutex_lock(&pr->lock);
  if (pr->kind == PR_FREELIST) start = freelist_take(&pr->free, pages);
  if (!start && bytes <= pr->limit - pr->cursor) {
    start = pr->cursor;
    pr->cursor += bytes;
    fresh = true;
  }
  pthread_mutex_unlock(&pr->lock);
  if (!start) {
    *status = PR_EXHAUSTED;
    return 0;
  }
  /* Runs from the free list were zeroed or discarded on release, so they read as zero,
   * unless the resource zeroes them now (zero_on_acquire). */
  int err = fresh ? mmapper_ensure_mapped(pr->mmtk, start, bytes, pr->space_index) : 0;
  /* A protected run is ours alone now (taken under the lock): open it.  Fresh pages were
   * never protected. */
  if (!fresh && pr->protect_on_release) err = mmapper_unprotect(pr->mmtk, start, bytes);
  if (err) {
    pthread_mutex_lock(&pr->lock);
    if (fresh && pr->cursor == start + bytes) pr->cursor = start;
    else if (pr->kind == PR_FREELIST) freelist_give(&pr->free, start, pages);
    pthread_mutex_unlock(&pr->lock);
    *status = PR_MMAP_FAILED;
    return 0;
  }
  if (zero && !fresh && pr->zero_on_acquire) memset((void *)start, 0, bytes);
  if (zero && fresh && start < pr->dirty) {
    uintptr_t end = start + bytes < pr->dirty ? start + bytes : pr->dirty;
    memset((void *)start, 0, end - start);
  }
  atomic_fetch_add_explicit(&pr->pages, pages, memory_order_relaxed);
  *status = PR_OK;
  return start;
}

/* Runs this small are zeroed in place; bigger ones go back to the OS. */
#define PR_DISCARD_BYTES ((size_t)1 << 20)

void pr_release(struct page_resource *pr, uintptr_t start, size_t pages) {
  MMTK_ASSERT(pr->kind == PR_FREELIST);
  size_t bytes = pages << LOG_BYTES_IN_PAGE;
  if (pr->protect_on_release) {
    /* Before the run is on the free list: once there, another thread may take it and
     * unprotect it for a new object, which a late protection would then hide. */
    int err = mmapper_protect(pr->mmtk, start, bytes);
    if (err && !atomic_exchange(&pr->protect_failed, true))
      mmtk_log(pr->mmtk, MMTK_LOG_WARN,
               "freed pages at %p (%zu) could not be protected (%s): freed objects may no "
               "longer fault when accessed; raising vm.max_map_count may help",
               (void *)start, pages, strerror(err));
  } else if (pr->zero_on_acquire) {
    /* Kept resident and dirty: zeroed by pr_acquire when handed out for new objects. */
  } else if (bytes >= PR_DISCARD_BYTES) {
    os_discard(start, bytes);
  } else {
    memset((void *)start, 0, bytes);
  }
  pthread_mutex_lock(&pr->lock);
  freelist_give(&pr->free, start, pages);
  pthread_mutex_unlock(&pr->lock);
  atomic_fetch_sub_explicit(&pr->pages, pages, memory_order_relaxed);
}

size_t pr_shrink(struct page_resource *pr, uintptr_t cursor) {
  MMTK_ASSERT(pr->kind == PR_MONOTONE && cursor % BYTES_IN_PAGE == 0 && cursor >= pr->start);
  pthread_mutex_lock(&pr->lock);
  size_t pages = cursor < pr->cursor ? (pr->cursor - cursor) >> LOG_BYTES_IN_PAGE : 0;
  if (pages) {
    if (pr->cursor > pr->dirty) pr->dirty = pr->cursor;
    pr->cursor = cursor;
  }
  pthread_mutex_unlock(&pr->lock);
  atomic_fetch_sub_explicit(&pr->pages, pages, memory_order_relaxed);
  return pages;
}

void pr_reset(struct page_resource *pr) {
  MMTK_ASSERT(pr->kind == PR_MONOTONE);
  pthread_mutex_lock(&pr->lock);
  /* The pages stay mapped; whatever is handed out again is zeroed then. */
  if (pr->cursor > pr->dirty) pr->dirty = pr->cursor;
  pr->cursor = pr->start;
  pthread_mutex_unlock(&pr->lock);
  atomic_store_explicit(&pr->pages, 0, memory_order_relaxed);
}
