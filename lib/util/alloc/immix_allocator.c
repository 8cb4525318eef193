/* The Immix allocator (design.alloc.immix; see immix_allocator.h). */
#include "mmtk_internal.h"

#include "policy/immix/immix.h"

/* Where a request would go in `bp`, 0 if it does not fit. */
static uintptr_t fit(const mmtk_bump_pointer_t *bp, size_t bytes, size_t align, size_t offset) {
  if (bp->cursor == 0) return 0;
  uintptr_t result = align_up(bp->cursor + offset, align) - offset;
  uintptr_t end = align_up(result + bytes, MMTK_MIN_ALIGNMENT);
  return end > bp->limit || end < result ? 0 : result;
}

static uintptr_t try_bump(mmtk_bump_pointer_t *bp, size_t bytes, size_t align, size_t offset) {
  uintptr_t r = fit(bp, bytes, align, offset);
  if (r) bp->cursor = align_up(r + bytes, MMTK_MIN_ALIGNMENT);
  return r;
}

/* Move to the next hole of the reusable blocks; false when none is left.  Copy allocators
 * find holes only in a generational plan's nursery GC (promotions): a full GC empties
 * the queue at Prepare and its sweep fills it again after the copies. */
static bool next_hole(struct immix_allocator *a) {
  for (;;) {
    if (a->block) {
      uintptr_t start, end;
      if (immix_next_hole(a->space, a->block, a->next_line, &start, &end)) {
        a->bp->cursor = start;
        a->bp->limit = end;
        a->next_line = immix_line_index(end - 1) + 1;
        return true;
      }
      a->block = 0;
    }
    uintptr_t b = immix_get_reusable_block(a->space);
    if (!b) return false;
    a->block = b;
    a->next_line = 0;
  }
}

/* A free block for the hole buffer or the overflow buffer. */
static bool clean_block(struct immix_allocator *a, mmtk_bump_pointer_t *bp, bool reserve,
                        uint32_t opts, enum alloc_status *status) {
  int st;
  enum immix_block_use use = !a->copy ? IMMIX_FOR_MUTATOR
                             : reserve ? IMMIX_FOR_COPY_RESERVE : IMMIX_FOR_COPY;
  uintptr_t b = immix_get_clean_block(a->space, use, opts, &st);
  if (!b) {
    *status = (enum alloc_status)st;
    return false;
  }
  bp->cursor = b;
  bp->limit = b + IMMIX_BLOCK_BYTES;
  if (bp == a->bp) a->block = 0; /* the rest of the old block's holes are given up */
  return true;
}

static uintptr_t alloc_inner(struct immix_allocator *a, size_t bytes, size_t align, size_t offset,
                             uint32_t opts, enum alloc_status *status) {
  *status = ALLOC_OK;
  uintptr_t r = try_bump(a->bp, bytes, align, offset);
  if (r) return r;
  if (bytes > IMMIX_LINE_BYTES) {
    /* A medium object that does not fit the hole: the overflow buffer, so that the hole
     * stays for the small objects that usually follow. */
    r = try_bump(&a->overflow, bytes, align, offset);
    if (r) return r;
    if (!clean_block(a, &a->overflow, false, opts, status)) return 0;
    r = try_bump(&a->overflow, bytes, align, offset);
    MMTK_ASSERT(r);
    return r;
  }
  while (next_hole(a)) {
    r = try_bump(a->bp, bytes, align, offset);
    if (r) return r;
  }
  if (!clean_block(a, a->bp, false, opts, status)) return 0;
  r = try_bump(a->bp, bytes, align, offset);
  MMTK_ASSERT(r);
  return r;
}

/* With precise_stress the limit the inline path sees is 0 (as bump_alloc). */
uintptr_t immix_alloc(struct immix_allocator *a, size_t bytes, size_t align, size_t offset,
                      uint32_t opts, enum alloc_status *status) {
  if (!a->hide_limit) return alloc_inner(a, bytes, align, offset, opts, status);
  a->bp->limit = a->real_limit;
  uintptr_t r = alloc_inner(a, bytes, align, offset, opts, status);
  a->real_limit = a->bp->limit;
  a->bp->limit = 0;
  return r;
}

bool immix_alloc_reserve(struct immix_allocator *a, size_t bytes, size_t align, size_t offset) {
  enum alloc_status st;
  uint32_t opts = MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT | ALLOC_OPT_UNZEROED;
  if (fit(a->bp, bytes, align, offset)) return true;
  if (bytes > IMMIX_LINE_BYTES)
    return fit(&a->overflow, bytes, align, offset) ||
           clean_block(a, &a->overflow, true, opts, &st);
  return clean_block(a, a->bp, true, opts, &st);
}

void immix_alloc_reset(struct immix_allocator *a) {
  if (a->bp) {
    a->bp->cursor = 0;
    a->bp->limit = 0;
  }
  a->real_limit = 0;
  a->block = 0;
  a->next_line = 0;
  a->overflow.cursor = 0;
  a->overflow.limit = 0;
}
