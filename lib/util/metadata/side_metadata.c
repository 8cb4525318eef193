/* Side metadata (design.metadata.side). */
#include "mmtk_internal.h"

#include <errno.h>

void side_metadata_spec_init(struct side_metadata_spec *s, const char *name, unsigned log_bits,
                             unsigned log_region) {
  MMTK_ASSERT(log_bits <= 6 && log_region >= LOG_BYTES_IN_WORD);
  memset(s, 0, sizeof *s);
  s->name = name;
  s->space_index = SIDE_METADATA_GLOBAL;
  s->log_bits = (uint8_t)log_bits;
  s->log_region = (uint8_t)log_region;
  s->shift = (uint8_t)(log_bits <= 3 ? log_region + 3 - log_bits : 0);
}

void side_metadata_init(struct side_metadata *m, uintptr_t heap_start, uintptr_t heap_end) {
  memset(m, 0, sizeof *m);
  m->heap_start = heap_start;
  m->heap_end = heap_end;
}

bool side_metadata_add(struct side_metadata *m, struct side_metadata_spec *s) {
  MMTK_ASSERT(!m->reservation);
  if (m->nspecs == m->capacity) {
    unsigned cap = m->capacity ? 2 * m->capacity : 8;
    struct side_metadata_spec **n = realloc(m->specs, cap * sizeof *n);
    if (!n) return false;
    m->specs = n;
    m->capacity = cap;
  }
  m->specs[m->nspecs++] = s;
  return true;
}

/* Bytes of table for `bytes` of heap. */
static size_t table_bytes_for(const struct side_metadata_spec *s, size_t bytes) {
  size_t units = bytes >> s->log_region;
  return s->log_bits >= 3 ? units << (s->log_bits - 3) : units >> (3 - s->log_bits);
}

bool side_metadata_reserve(struct side_metadata *m) {
  size_t total = 0;
  for (unsigned i = 0; i < m->nspecs; i++) {
    struct side_metadata_spec *s = m->specs[i];
    s->table_bytes = align_up(table_bytes_for(s, m->heap_end - m->heap_start), BYTES_IN_PAGE);
    total += s->table_bytes;
  }
  if (total == 0) return true;
  uintptr_t r = os_reserve(0, total, false);
  if (!r) return false;
  m->reservation = r;
  m->reservation_bytes = total;
  for (unsigned i = 0; i < m->nspecs; i++) {
    struct side_metadata_spec *s = m->specs[i];
    s->table = r;
    r += s->table_bytes;
    /* Fold the heap start into the base; heap_start is chunk aligned, so the scaled value
     * is exact.  Unsigned wrap-around is intended. */
    uintptr_t scaled = s->log_bits <= 3 ? m->heap_start >> s->shift
                                        : (m->heap_start >> s->log_region) << (s->log_bits - 3);
    s->base = s->table - scaled;
  }
  if (side_metadata_verify(m)) {
    errno = EINVAL;
    return false;
  }
  return true;
}

/* design.metadata.side.verify: the checks are cheap (a few specs, once per instance), so
 * they always run. */
const char *side_metadata_verify(const struct side_metadata *m) {
  uintptr_t lo = m->reservation, hi = m->reservation + m->reservation_bytes;
  for (unsigned i = 0; i < m->nspecs; i++) {
    const struct side_metadata_spec *a = m->specs[i];
    if (a->table_bytes == 0) continue;
    if (a->table < lo || a->table + a->table_bytes > hi)
      return "a side metadata table lies outside the metadata reservation";
    /* The first and last heap granules map into the table. */
    uintptr_t first = side_metadata_unit_address(a, m->heap_start);
    uintptr_t last = side_metadata_unit_address(a, m->heap_end - ((uintptr_t)1 << a->log_region));
    if (first != a->table || last >= a->table + a->table_bytes)
      return "a side metadata table does not cover the heap range";
    for (unsigned j = 0; j < i; j++) {
      const struct side_metadata_spec *b = m->specs[j];
      if (a == b) return "a side metadata spec is registered twice";
      if (b->table_bytes && a->table < b->table + b->table_bytes && b->table < a->table + a->table_bytes)
        return "two side metadata tables overlap";
    }
  }
  return NULL;
}

void side_metadata_destroy(struct side_metadata *m) {
  if (m->reservation) os_unreserve(m->reservation, m->reservation_bytes);
  m->reservation = 0;
  m->nspecs = m->capacity = 0;
  free(m->specs);
  m->specs = NULL;
}

static bool spec_covers(const struct side_metadata_spec *s, int space_index) {
  return s->space_index == SIDE_METADATA_GLOBAL || s->space_index == space_index;
}

void side_metadata_clear_space(struct side_metadata *m, int space_index, uintptr_t start,
                               size_t bytes) {
  for (unsigned i = 0; i < m->nspecs; i++)
    if (spec_covers(m->specs[i], space_index)) side_metadata_bzero(m->specs[i], start, bytes);
}

int side_metadata_map_chunk(struct side_metadata *m, uintptr_t chunk, int space_index) {
  for (unsigned i = 0; i < m->nspecs; i++) {
    const struct side_metadata_spec *s = m->specs[i];
    if (!spec_covers(s, space_index)) continue;
    uintptr_t lo = align_down(side_metadata_unit_address(s, chunk), BYTES_IN_PAGE);
    uintptr_t hi = align_up(side_metadata_unit_address(s, chunk + BYTES_IN_CHUNK), BYTES_IN_PAGE);
    if (hi == lo) hi = lo + BYTES_IN_PAGE;
    int err = os_commit(lo, hi - lo);
    if (err) return err;
  }
  return 0;
}

/* ---- Access ------------------------------------------------------------------------- */





uint64_t side_metadata_fetch_or(const struct side_metadata_spec *s, uintptr_t addr, uint64_t v) {
  switch (s->log_bits) {
  case 3: return atomic_fetch_or(UNIT(uint8_t, s, addr), (uint8_t)v);
  case 4: return atomic_fetch_or(UNIT(uint16_t, s, addr), (uint16_t)v);
  case 5: return atomic_fetch_or(UNIT(uint32_t, s, addr), (uint32_t)v);
  case 6: return atomic_fetch_or(UNIT(uint64_t, s, addr), v);
  default: {
    unsigned sh = side_metadata_bit_shift(s, addr);
    uint8_t old = atomic_fetch_or(UNIT(uint8_t, s, addr), (uint8_t)(v << sh));
    return (old >> sh) & ((1u << (1u << s->log_bits)) - 1);
  }
  }
}

uint64_t side_metadata_fetch_and(const struct side_metadata_spec *s, uintptr_t addr, uint64_t v) {
  switch (s->log_bits) {
  case 3: return atomic_fetch_and(UNIT(uint8_t, s, addr), (uint8_t)v);
  case 4: return atomic_fetch_and(UNIT(uint16_t, s, addr), (uint16_t)v);
  case 5: return atomic_fetch_and(UNIT(uint32_t, s, addr), (uint32_t)v);
  case 6: return atomic_fetch_and(UNIT(uint64_t, s, addr), v);
  default: {
    unsigned sh = side_metadata_bit_shift(s, addr);
    uint8_t field = (uint8_t)(((1u << (1u << s->log_bits)) - 1) << sh);
    uint8_t old = atomic_fetch_and(UNIT(uint8_t, s, addr), (uint8_t)(~field | (v << sh)));
    return (old >> sh) & ((1u << (1u << s->log_bits)) - 1);
  }
  }
}

void side_metadata_bzero(const struct side_metadata_spec *s, uintptr_t start, size_t bytes) {
  uintptr_t end = start + bytes;
  /* Whole bytes in the middle, bit by bit at ragged ends. */
  size_t per_byte = s->log_bits >= 3 ? 1 : (size_t)1 << (s->shift);
  uintptr_t a = start;
  for (; a < end && (s->log_bits >= 3 ? false : (a & (per_byte - 1)) != 0);
       a += (uintptr_t)1 << s->log_region)
    side_metadata_store(s, a, 0);
  uintptr_t whole_end = s->log_bits >= 3 ? end : align_down(end, per_byte);
  if (whole_end > a) {
    uintptr_t lo = side_metadata_unit_address(s, a), hi = side_metadata_unit_address(s, whole_end);
    memset((void *)lo, 0, hi - lo);
    a = whole_end;
  }
  for (; a < end; a += (uintptr_t)1 << s->log_region) side_metadata_store(s, a, 0);
}

uintptr_t side_metadata_find_prev_set(const struct side_metadata_spec *s, uintptr_t addr,
                                      uintptr_t low) {
  MMTK_ASSERT(s->log_bits == 0);
  uintptr_t region = (uintptr_t)1 << s->log_region;
  addr = align_down(addr, region);
  low = align_up(low, region);
  if (addr < low) return 0;
  uintptr_t span = region << 3; /* heap bytes covered by one metadata byte */
  /* The byte holding addr: only bits at or below addr's bit count. */
  uintptr_t a = addr;
  for (;;) {
    uintptr_t byte_start = align_down(a, span);
    _Atomic uint8_t *p = (_Atomic uint8_t *)side_metadata_unit_address(s, a);
    uint8_t bits = atomic_load_explicit(p, memory_order_acquire);
    unsigned top = side_metadata_bit_shift(s, a);
    bits &= (uint8_t)((2u << top) - 1);
    while (bits) {
      unsigned hi = 31u - (unsigned)__builtin_clz(bits);
      uintptr_t found = byte_start + ((uintptr_t)hi << s->log_region);
      return found >= low ? found : 0;
    }
    if (byte_start <= low || byte_start == 0) return 0;
    a = byte_start - region;
  }
}
