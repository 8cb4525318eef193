/* The Immix allocator (MMTk's ImmixAllocator, design.alloc.immix): bump allocation into
 * the holes of reusable blocks first, then into free blocks.  Objects never span blocks.
 * A request bigger than a line that does not fit the current hole goes to a second
 * buffer over a free block (the overflow, or medium-object, buffer) instead of wasting
 * the hole.  In copy mode (a GC worker's) it never waits for a GC: a defrag GC's copies
 * take free blocks of the copy reserve (immix_alloc_reserve first; without a block the
 * object stays), a generational plan's promotions also take the holes a full GC left
 * and free blocks beyond the reserve (immix.h, enum immix_block_use;
 * design.alloc.immix.copy). */
#ifndef MMTK_UTIL_ALLOC_IMMIX_ALLOCATOR_H
#define MMTK_UTIL_ALLOC_IMMIX_ALLOCATOR_H

#include <mmtk.h>

#include "policy/space.h"

struct immix_allocator {
  mmtk_bump_pointer_t *bp; /* the current hole: &own, or the mutator head's default_bump */
  mmtk_bump_pointer_t own;
  struct space *space;
  bool copy;            /* a GC worker's (see above) */
  bool hide_limit;      /* precise_stress: the inline path must always fail */
  uintptr_t real_limit; /* the hole's limit while hidden */
  uintptr_t block;      /* the reusable block whose holes are being used (0: none) */
  unsigned next_line;   /* where the search for its next hole resumes */
  mmtk_bump_pointer_t overflow; /* medium objects that did not fit the hole */
};

/* Every request is validated as for bump_alloc (allocator.h). */
uintptr_t immix_alloc(struct immix_allocator *a, size_t bytes, size_t align, size_t offset,
                      uint32_t opts, enum alloc_status *status);
/* Could a request be met now without taking a block beyond the copy reserve?  Takes the
 * block if needed (copy mode). */
bool immix_alloc_reserve(struct immix_allocator *a, size_t bytes, size_t align, size_t offset);
/* Forget the buffers (what is left of them is found again by the next GC's sweep). */
void immix_alloc_reset(struct immix_allocator *a);

#endif /* MMTK_UTIL_ALLOC_IMMIX_ALLOCATOR_H */
