/* The shared heap range and its rooms (design.heap.rooms). */
#include "mmtk_internal.h"

#include <errno.h>
#include <sys/mman.h>

#define RANGE_START ((uintptr_t)MMTK_HEAP_START)
#define RANGE_BYTES ((size_t)(MMTK_HEAP_END - MMTK_HEAP_START))

static pthread_mutex_t range_lock = PTHREAD_MUTEX_INITIALIZER;
static bool range_reserved;
static struct heap_room *taken; /* the live rooms, in no order */
static size_t ntaken, taken_capacity;

/* The largest power of two that the range holds (at least HEAP_ROOM_MIN_BYTES, which
 * configure guarantees). */
static size_t largest_room(void) {
  size_t b = HEAP_ROOM_MIN_BYTES;
  while (b <= RANGE_BYTES / 2) b *= 2;
  return b;
}

size_t heap_room_bytes(size_t max_heap) {
  size_t cap = largest_room();
  if (max_heap > cap / 64) return cap;
  size_t b = HEAP_ROOM_MIN_BYTES;
  while (b < 64 * max_heap) b *= 2;
  return b;
}

static bool place_is_free(uintptr_t start, size_t bytes) {
  for (size_t i = 0; i < ntaken; i++) {
    const struct heap_room *r = &taken[i];
    if (start < r->start + r->bytes && r->start < start + bytes) return false;
  }
  return true;
}

/* The lowest free place for a room of `bytes` (a power of two), 0 when there is none.
 * Rooms sit at multiples of their size from the range start, so two rooms either nest
 * or are apart, as in a buddy system. */
static uintptr_t find_place(size_t bytes) {
  for (size_t off = 0; off + bytes <= RANGE_BYTES; off += bytes)
    if (place_is_free(RANGE_START + off, bytes)) return RANGE_START + off;
  return 0;
}

static unsigned free_number(void) {
  for (unsigned n = 1;; n++) {
    bool used = false;
    for (size_t i = 0; i < ntaken && !used; i++) used = taken[i].number == n;
    if (!used) return n;
  }
}

int heap_range_take(size_t bytes, struct heap_room *room, size_t *largest) {
  MMTK_ASSERT(bytes >= HEAP_ROOM_MIN_BYTES && (bytes & (bytes - 1)) == 0);
  int err = 0;
  pthread_mutex_lock(&range_lock);
  uintptr_t at = find_place(bytes);
  if (!at) {
    *largest = 0;
    for (size_t b = largest_room(); b >= HEAP_ROOM_MIN_BYTES && !*largest; b /= 2)
      if (find_place(b)) *largest = b;
    err = ENOSPC;
  } else if (ntaken == taken_capacity) {
    size_t cap = taken_capacity ? 2 * taken_capacity : 8;
    struct heap_room *t = realloc(taken, cap * sizeof *t);
    if (t) {
      taken = t;
      taken_capacity = cap;
    } else {
      err = ENOMEM;
    }
  }
  if (!err && !range_reserved) {
    if (os_reserve(RANGE_START, RANGE_BYTES, true)) range_reserved = true;
    else err = errno;
  }
  if (!err) {
    room->start = at;
    room->bytes = bytes;
    room->number = free_number();
    taken[ntaken++] = *room;
  }
  pthread_mutex_unlock(&range_lock);
  return err;
}

void heap_range_give(const struct heap_room *room) {
  pthread_mutex_lock(&range_lock);
  for (size_t i = 0; i < ntaken; i++) {
    if (taken[i].start != room->start) continue;
    taken[i] = taken[--ntaken];
    if (ntaken == 0) {
      os_unreserve(RANGE_START, RANGE_BYTES);
      range_reserved = false;
    } else {
      /* Map the room afresh, inaccessible: its memory goes back to the system and its
       * next owner finds it as new (decommitting page by page would do the same, more
       * slowly). */
      void *p = mmap((void *)room->start, room->bytes, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
      if (p == MAP_FAILED) os_decommit(room->start, room->bytes);
    }
    break;
  }
  pthread_mutex_unlock(&range_lock);
}

unsigned heap_range_number_at(uintptr_t addr) {
  unsigned number = 0;
  pthread_mutex_lock(&range_lock);
  for (size_t i = 0; i < ntaken && !number; i++)
    if (addr - taken[i].start < taken[i].bytes) number = taken[i].number;
  pthread_mutex_unlock(&range_lock);
  return number;
}

unsigned heap_range_instances(void) {
  pthread_mutex_lock(&range_lock);
  unsigned n = (unsigned)ntaken;
  pthread_mutex_unlock(&range_lock);
  return n;
}
