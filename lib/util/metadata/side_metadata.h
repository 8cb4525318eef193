/* Side metadata (MMTk's util::metadata::side_metadata, design.metadata.side).
 *
 * A spec keeps 2^log_bits bits for every 2^log_region bytes of heap.  Its table covers the
 * whole heap range at a fixed place inside one reservation made at mmtk_init(), so the
 * metadata address of a heap address is a shift and an add:
 *     byte = base + (addr >> shift)            (log_bits <= 3)
 *     unit = base + ((addr >> log_region) << (log_bits - 3))   (log_bits > 3)
 * where `base` already has the heap start folded in.  A table is committed chunk by chunk
 * as the heap's chunks are mapped. */
#ifndef MMTK_UTIL_METADATA_SIDE_METADATA_H
#define MMTK_UTIL_METADATA_SIDE_METADATA_H

#include <stdatomic.h>

#include "util/constants.h"

/* No spec belongs to a space: it is committed for every chunk of the heap. */
#define SIDE_METADATA_GLOBAL (-1)

struct side_metadata_spec {
  const char *name;
  int space_index;    /* the owning space (MMTk's local spec), or SIDE_METADATA_GLOBAL */
  uint8_t log_bits;   /* 0: 1 bit, 1: 2 bits, ..., 3: a byte, 6: a word */
  uint8_t log_region; /* bytes of heap per unit, log2 */
  uint8_t shift;      /* log_region + 3 - log_bits, when log_bits <= 3 */
  uintptr_t table;    /* start of this spec's table */
  size_t table_bytes;
  uintptr_t base;     /* table - (heap start scaled), see above */
};

struct side_metadata {
  uintptr_t heap_start, heap_end;
  uintptr_t reservation;
  size_t reservation_bytes;
  unsigned nspecs, capacity;
  struct side_metadata_spec **specs; /* any number (MMTk's SideMetadataContext) */
};

/* Describe a spec (global; set space_index after for a space's own); call
 * side_metadata_add() for each, then side_metadata_reserve(). */
void side_metadata_spec_init(struct side_metadata_spec *s, const char *name, unsigned log_bits,
                             unsigned log_region);
void side_metadata_init(struct side_metadata *m, uintptr_t heap_start, uintptr_t heap_end);
/* Register a spec; false when out of memory. */
bool side_metadata_add(struct side_metadata *m, struct side_metadata_spec *s);
/* Reserve one range for every table and check the layout (side_metadata_verify); false
 * with errno on failure. */
bool side_metadata_reserve(struct side_metadata *m);
/* The layout check run at mmtk_init: every table lies inside the reservation, covers the
 * whole heap range, and overlaps no other table.  NULL, or what is wrong (a static
 * message naming the spec). */
const char *side_metadata_verify(const struct side_metadata *m);
void side_metadata_destroy(struct side_metadata *m);
/* Commit the part of the tables that covers the chunk at `chunk`, which belongs to space
 * `space_index`: the global specs and that space's own; 0 or an errno. */
int side_metadata_map_chunk(struct side_metadata *m, uintptr_t chunk, int space_index);
/* Clear, for [start, start+bytes) of space `space_index`, the global specs and the space's
 * own (the others are not committed there). */
void side_metadata_clear_space(struct side_metadata *m, int space_index, uintptr_t start,
                               size_t bytes);

/* ---- Access (the data address must lie in a mapped chunk) ---------------------------- */

static inline uintptr_t side_metadata_unit_address(const struct side_metadata_spec *s,
                                                   uintptr_t addr) {
  if (s->log_bits <= 3) return s->base + (addr >> s->shift);
  return s->base + ((addr >> s->log_region) << (s->log_bits - 3));
}
/* Bit position of the value inside its byte (sub-byte specs only). */
static inline unsigned side_metadata_bit_shift(const struct side_metadata_spec *s, uintptr_t addr) {
  unsigned per_byte_log = 3u - s->log_bits;
  return (unsigned)((addr >> s->log_region) & ((1u << per_byte_log) - 1)) << s->log_bits;
}

/* Load, store and compare-and-swap are inline: the trace loop and the allocators call
 * them per object, and the spec's width is usually a constant the compiler can see. */
#define UNIT(T, s, a) ((_Atomic T *)side_metadata_unit_address((s), (a)))

static inline uint64_t side_metadata_load(const struct side_metadata_spec *s, uintptr_t addr) {
  switch (s->log_bits) {
  case 3: return atomic_load_explicit(UNIT(uint8_t, s, addr), memory_order_acquire);
  case 4: return atomic_load_explicit(UNIT(uint16_t, s, addr), memory_order_acquire);
  case 5: return atomic_load_explicit(UNIT(uint32_t, s, addr), memory_order_acquire);
  case 6: return atomic_load_explicit(UNIT(uint64_t, s, addr), memory_order_acquire);
  default: {
    uint8_t byte = atomic_load_explicit(UNIT(uint8_t, s, addr), memory_order_acquire);
    return (byte >> side_metadata_bit_shift(s, addr)) & ((1u << (1u << s->log_bits)) - 1);
  }
  }
}

static inline bool side_metadata_compare_exchange(const struct side_metadata_spec *s, uintptr_t addr,
                                    uint64_t expected, uint64_t desired) {
  switch (s->log_bits) {
  case 3: {
    uint8_t e = (uint8_t)expected;
    return atomic_compare_exchange_strong(UNIT(uint8_t, s, addr), &e, (uint8_t)desired);
  }
  case 4: {
    uint16_t e = (uint16_t)expected;
    return atomic_compare_exchange_strong(UNIT(uint16_t, s, addr), &e, (uint16_t)desired);
  }
  case 5: {
    uint32_t e = (uint32_t)expected;
    return atomic_compare_exchange_strong(UNIT(uint32_t, s, addr), &e, (uint32_t)desired);
  }
  case 6: {
    uint64_t e = expected;
    return atomic_compare_exchange_strong(UNIT(uint64_t, s, addr), &e, desired);
  }
  default: {
    _Atomic uint8_t *p = UNIT(uint8_t, s, addr);
    unsigned sh = side_metadata_bit_shift(s, addr);
    uint8_t mask = (uint8_t)(((1u << (1u << s->log_bits)) - 1) << sh);
    uint8_t old = atomic_load_explicit(p, memory_order_relaxed);
    for (;;) {
      if ((uint64_t)((old & mask) >> sh) != expected) return false;
      uint8_t nv = (uint8_t)((old & ~mask) | ((desired << sh) & mask));
      if (atomic_compare_exchange_weak(p, &old, nv)) return true;
    }
  }
  }
}

static inline void side_metadata_store(const struct side_metadata_spec *s, uintptr_t addr, uint64_t value) {
  switch (s->log_bits) {
  case 3: atomic_store_explicit(UNIT(uint8_t, s, addr), (uint8_t)value, memory_order_release); break;
  case 4: atomic_store_explicit(UNIT(uint16_t, s, addr), (uint16_t)value, memory_order_release); break;
  case 5: atomic_store_explicit(UNIT(uint32_t, s, addr), (uint32_t)value, memory_order_release); break;
  case 6: atomic_store_explicit(UNIT(uint64_t, s, addr), value, memory_order_release); break;
  default: {
    _Atomic uint8_t *p = UNIT(uint8_t, s, addr);
    unsigned sh = side_metadata_bit_shift(s, addr);
    uint8_t mask = (uint8_t)(((1u << (1u << s->log_bits)) - 1) << sh);
    uint8_t old = atomic_load_explicit(p, memory_order_relaxed);
    while (!atomic_compare_exchange_weak(p, &old, (uint8_t)((old & ~mask) | ((value << sh) & mask))))
      ;
  }
  }
}

/* 1-bit specs: set the bit of `addr`; true if this call set it (it was clear).  A plain
 * load first, so that the common case in a trace, an object already marked, costs no
 * atomic read-modify-write.  The bit is set through the aligned 32-bit word that holds
 * its byte (little-endian: x86-64 and aarch64), where a fetch-or whose result is tested
 * for one bit is a single instruction (x86's lock bts); on a byte it is a
 * compare-and-swap loop. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "side_metadata_test_and_set_bit() numbers a word's bytes little-endian");
static inline bool side_metadata_test_and_set_bit(const struct side_metadata_spec *s,
                                                  uintptr_t addr) {
  uintptr_t byte = (uintptr_t)UNIT(uint8_t, s, addr);
  _Atomic uint32_t *w = (_Atomic uint32_t *)(byte & ~(uintptr_t)3);
  uint32_t bit = 1u << (((addr >> s->log_region) & 7) + 8 * (byte & 3));
  if (atomic_load_explicit(w, memory_order_relaxed) & bit) return false;
  return !(atomic_fetch_or_explicit(w, bit, memory_order_relaxed) & bit);
}

/* 1-bit specs: set the bit of `addr`, not asking what it was: one locked or-instruction
 * on its byte (a fetch-or whose result is used compiles to a compare-and-swap loop on a
 * byte). */
static inline void side_metadata_set_bit(const struct side_metadata_spec *s, uintptr_t addr) {
  unsigned sh = side_metadata_bit_shift(s, addr);
  atomic_fetch_or_explicit(UNIT(uint8_t, s, addr), (uint8_t)(1u << sh), memory_order_relaxed);
}

uint64_t side_metadata_fetch_or(const struct side_metadata_spec *s, uintptr_t addr, uint64_t v);
uint64_t side_metadata_fetch_and(const struct side_metadata_spec *s, uintptr_t addr, uint64_t v);
/* Clear the metadata of [start, start+bytes) (both aligned to the spec's region). */
void side_metadata_bzero(const struct side_metadata_spec *s, uintptr_t start, size_t bytes);

/* 1-bit specs: the highest address A in [low, addr] (aligned to the region) whose bit is
 * set, or 0.  Every chunk in between must be mapped. */
uintptr_t side_metadata_find_prev_set(const struct side_metadata_spec *s, uintptr_t addr,
                                      uintptr_t low);

#endif /* MMTK_UTIL_METADATA_SIDE_METADATA_H */
