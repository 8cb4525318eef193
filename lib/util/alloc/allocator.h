/* Allocators (MMTk's util::alloc, design.alloc): per-mutator objects that carve space
 * out of a space.  The bump-pointer allocator keeps a thread-local buffer; the large
 * object allocator takes whole pages per object. */
#ifndef MMTK_UTIL_ALLOC_ALLOCATOR_H
#define MMTK_UTIL_ALLOC_ALLOCATOR_H

#include <mmtk.h>

#include "policy/space.h"
#include "util/alloc/immix_allocator.h"

struct bump_allocator {
  mmtk_bump_pointer_t *bp; /* &own, or the mutator head's default_bump */
  mmtk_bump_pointer_t own;
  struct space *space;
  bool hide_limit;      /* precise_stress: the inline path must always fail */
  uintptr_t real_limit; /* the buffer's limit while hidden */
};

struct los_node;
struct large_object_allocator {
  struct space *space;
  /* The record of the object this allocator made last, until mmtk_post_alloc() takes it
   * or a GC forgets it (mutator_reset_buffers: the sweep may free it): post_alloc finds
   * the record without searching the space's list. */
  struct los_node *last;
};

struct ms_block;
struct free_list_class {
  uintptr_t free;        /* the next free cell */
  struct ms_block *block; /* the block those cells belong to */
};

/* The head's free_lists (<mmtk/inline.h>) is this array: word 2c is class c's free. */
_Static_assert(sizeof(struct free_list_class) == 2 * sizeof(uintptr_t) &&
                   offsetof(struct free_list_class, free) == 0,
               "ABI: a size class is two words, the free cell first");

struct free_list_allocator {
  struct space *space; /* a mark-sweep space */
  struct large_object_allocator *large; /* for requests bigger than a cell */
  struct free_list_class cls[40];       /* MS_CLASSES */
};

/* Every request below is already validated: bytes a multiple of 8 and > 0, align a power
 * of two in [8, MMTK_MAX_ALIGNMENT], offset < align. */

/* The bump within the buffer `bp` holds, inline: the address, or 0 when there is no
 * buffer (cursor 0), it is too small, or its limit is hidden (precise_stress). */
static inline uintptr_t bump_try(mmtk_bump_pointer_t *bp, size_t bytes, size_t align,
                                 size_t offset) {
  uintptr_t result = align_up(bp->cursor + offset, align) - offset;
  /* The next cursor stays word aligned, as the inline path assumes. */
  uintptr_t end = align_up(result + bytes, MMTK_MIN_ALIGNMENT);
  if (bp->cursor == 0 || end > bp->limit || end < result) return 0;
  bp->cursor = end;
  return result;
}
/* bump_try(), else a new buffer (or a region of its own) from the space. */
uintptr_t bump_alloc(struct bump_allocator *a, size_t bytes, size_t align, size_t offset,
                     uint32_t opts, enum alloc_status *status);
/* Forget the buffer (its unused rest stays with the space). */
void bump_reset(struct bump_allocator *a);
/* MarkCompact (markcompact_allocator.c): bump_alloc with a zeroed forwarding word
 * reserved just before the object (MC_HEADER_BYTES). */
uintptr_t mc_alloc(struct bump_allocator *a, size_t bytes, size_t align, size_t offset,
                   uint32_t opts, enum alloc_status *status);

uintptr_t large_object_alloc(struct large_object_allocator *a, size_t bytes, size_t align,
                             size_t offset, uint32_t opts, enum alloc_status *status);

uintptr_t free_list_alloc(struct free_list_allocator *a, size_t bytes, size_t align, size_t offset,
                          uint32_t opts, enum alloc_status *status);
/* Give every owned block back to the space (keeping its free cells). */
void free_list_reset(struct free_list_allocator *a);

#endif /* MMTK_UTIL_ALLOC_ALLOCATOR_H */
