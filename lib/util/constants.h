/* Sizes that shape the heap (MMTk's util::constants and heap layout constants). */
#ifndef MMTK_UTIL_CONSTANTS_H
#define MMTK_UTIL_CONSTANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_BYTES_IN_WORD 3
#define BYTES_IN_WORD ((size_t)1 << LOG_BYTES_IN_WORD)
#define LOG_BYTES_IN_PAGE 12
#define BYTES_IN_PAGE ((size_t)1 << LOG_BYTES_IN_PAGE)
/* A chunk is the unit of mapping and of the chunk -> space map. */
#define LOG_BYTES_IN_CHUNK 22
#define BYTES_IN_CHUNK ((size_t)1 << LOG_BYTES_IN_CHUNK)
/* The heap range is cut into this many equal, power-of-two aligned space extents. */
#define LOG_MAX_SPACES 4
#define MAX_SPACES (1u << LOG_MAX_SPACES)
/* Thread-local allocation buffers of the bump-pointer allocators. */
#define BUMP_BUFFER_BYTES ((size_t)32 << 10)

static inline uintptr_t align_up(uintptr_t x, uintptr_t a) { return (x + a - 1) & ~(a - 1); }
static inline uintptr_t align_down(uintptr_t x, uintptr_t a) { return x & ~(a - 1); }
static inline bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }
static inline size_t bytes_to_pages_up(size_t bytes) {
  return (bytes + BYTES_IN_PAGE - 1) >> LOG_BYTES_IN_PAGE;
}

#endif /* MMTK_UTIL_CONSTANTS_H */
