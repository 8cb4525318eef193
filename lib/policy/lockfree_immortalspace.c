/* The lock-free immortal space (MMTk's LockFreeImmortalSpace, --enable-nogc-lock-free):
 * one global cursor bumped with compare-and-swap, no thread-local buffers.  Pages are
 * charged to the heap budget as the cursor crosses them. */
#include "mmtk_internal.h"

static uintptr_t lockfree_alloc(struct space *s, size_t bytes, size_t align, size_t offset,
                                uint32_t opts, enum alloc_status *status) {
  uintptr_t limit = s->start + s->extent;
  uintptr_t cur = atomic_load_explicit(&s->cursor, memory_order_relaxed);
  for (;;) {
    uintptr_t result = align_up(cur + offset, align) - offset;
    if (result < cur || bytes > limit - result) {
      *status = ALLOC_HEAP_FULL;
      return 0;
    }
    uintptr_t end = result + bytes;
    /* Pages newly covered by [cur, end). */
    size_t pages = (align_up(end, BYTES_IN_PAGE) - align_up(cur, BYTES_IN_PAGE)) >> LOG_BYTES_IN_PAGE;
    if (pages && !gc_trigger_charge(s->mmtk, pages, opts & MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT)) {
      *status = ALLOC_HEAP_FULL;
      return 0;
    }
    if (atomic_compare_exchange_weak_explicit(&s->cursor, &cur, end, memory_order_relaxed,
                                              memory_order_relaxed)) {
      int err = mmapper_ensure_mapped(s->mmtk, result, bytes, s->index);
      if (err) {
        /* The range stays consumed (others may already be past it); it is not charged. */
        if (pages) gc_trigger_uncharge(s->mmtk, pages);
        *status = ALLOC_MMAP_FAILED;
        return 0;
      }
      atomic_fetch_add_explicit(&s->pr.pages, pages, memory_order_relaxed);
      *status = ALLOC_OK;
      return result;
    }
    if (pages) gc_trigger_uncharge(s->mmtk, pages);
  }
}

const struct space_ops lockfree_immortal_space_ops = {
    .policy = "lockfree-immortal",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .alloc = lockfree_alloc,
};
