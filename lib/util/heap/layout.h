/* The heap's virtual address layout (MMTk's VMLayout + chunk map, design.heap.layout).
 *
 * An instance's room [start, end) of the shared heap range (heap_range.h) is cut into
 * MAX_SPACES extents of 2^log_space_extent bytes; space i owns extent i, so "which space
 * owns this address" is a subtraction and a shift.  A byte per 4 MiB chunk records which
 * chunks a space has mapped (0 = none). */
#ifndef MMTK_UTIL_HEAP_LAYOUT_H
#define MMTK_UTIL_HEAP_LAYOUT_H

#include <stdatomic.h>

#include "util/constants.h"

struct heap_layout {
  uintptr_t start, end;
  unsigned log_space_extent;
  size_t nchunks;
  _Atomic uint8_t *chunk_map; /* nchunks bytes, lazily backed */
};

/* Lay out a room the heap range has reserved already; the chunk map is allocated here.
 * False with errno on failure. */
bool layout_init(struct heap_layout *l, uintptr_t start, uintptr_t end);
/* Free the chunk map (the room goes back with heap_range_give()). */
void layout_destroy(struct heap_layout *l);

static inline bool layout_in_heap(const struct heap_layout *l, uintptr_t a) {
  return a - l->start < l->end - l->start;
}
static inline size_t layout_chunk_index(const struct heap_layout *l, uintptr_t a) {
  return (a - l->start) >> LOG_BYTES_IN_CHUNK;
}
static inline unsigned layout_space_index(const struct heap_layout *l, uintptr_t a) {
  return (unsigned)((a - l->start) >> l->log_space_extent);
}
static inline uintptr_t layout_space_start(const struct heap_layout *l, unsigned index) {
  return l->start + ((uintptr_t)index << l->log_space_extent);
}
static inline size_t layout_space_extent(const struct heap_layout *l) {
  return (size_t)1 << l->log_space_extent;
}
/* The owner (space index + 1) of the chunk holding `a`, 0 if unmapped or outside. */
static inline unsigned layout_chunk_owner(const struct heap_layout *l, uintptr_t a) {
  if (!layout_in_heap(l, a)) return 0;
  return atomic_load_explicit(&l->chunk_map[layout_chunk_index(l, a)], memory_order_acquire);
}

#endif /* MMTK_UTIL_HEAP_LAYOUT_H */
