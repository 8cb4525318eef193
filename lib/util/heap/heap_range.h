/* The shared heap range and its rooms (design.heap.rooms).
 *
 * The configured range [MMTK_HEAP_START, MMTK_HEAP_END) is reserved once, by the first
 * instance alive, and unmapped when the last one shuts down.  Each instance takes a room:
 * a power-of-two sub-range placed at a multiple of its own size from the range start,
 * which holds the instance's 16 space extents (layout.h).  A room given back is made
 * inaccessible again and its memory returned, so that the next instance finds it as new.
 *
 * The registry answers "which instance owns this address" for any address; within a room
 * the instance's own chunk map answers "which space".  It is read only on error paths and
 * at init/shutdown, under one process-wide lock. */
#ifndef MMTK_UTIL_HEAP_HEAP_RANGE_H
#define MMTK_UTIL_HEAP_HEAP_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


/* The smallest room: 16 extents of 4 chunks (configure's smallest range). */
#define HEAP_ROOM_MIN_BYTES ((size_t)256 << 20)

struct heap_room {
  uintptr_t start;
  size_t bytes;
  unsigned number; /* 1, 2, ...: the smallest number no live instance has */
};

/* The room an instance whose heap may grow to `max_heap` bytes asks for: 16 extents of
 * four times max_heap rounded up to a power of two, at least HEAP_ROOM_MIN_BYTES and at
 * most the largest power of two that the range holds (mmtk_init(3)). */
size_t heap_room_bytes(size_t max_heap);

/* Take a room of `bytes`, reserving the range first if no instance is alive.
 * 0; ENOSPC when no free place holds it (*largest is then the largest room that is
 * free); or the errno of the failed reservation (EEXIST: something else is mapped in
 * the range). */
int heap_range_take(size_t bytes, struct heap_room *room, size_t *largest);
/* Give a room back (its memory is released; the range is unmapped with the last room). */
void heap_range_give(const struct heap_room *room);
/* The number of the live instance whose room holds `addr`, 0 when none does. */
unsigned heap_range_number_at(uintptr_t addr);
/* How many instances hold a room now. */
unsigned heap_range_instances(void);

#endif /* MMTK_UTIL_HEAP_HEAP_RANGE_H */
