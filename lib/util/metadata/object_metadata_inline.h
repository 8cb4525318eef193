/* The per-object metadata accessors (object_metadata.h), inline: they run per object
 * in the trace loop.  Included by mmtk_internal.h once struct mmtk is complete. */
#ifndef MMTK_UTIL_METADATA_OBJECT_METADATA_INLINE_H
#define MMTK_UTIL_METADATA_OBJECT_METADATA_INLINE_H

/* The address in-header metadata offsets count from. */
static inline uintptr_t om_header(const struct mmtk *mmtk, uintptr_t object) {
  if (mmtk->vm.ref_to_header)
    return (uintptr_t)mmtk->vm.ref_to_header(mmtk->vm_ctx, (mmtk_object_t)object);
  return object;
}

static inline _Atomic uint8_t *om_header_byte(const struct mmtk *mmtk, const struct obj_meta *m,
                                           uintptr_t object) {
  return (_Atomic uint8_t *)(om_header(mmtk, object) + (intptr_t)m->byte_offset);
}

static inline MMTK_ALWAYS_INLINE uint8_t om_load(const struct mmtk *mmtk, const struct obj_meta *m, uintptr_t object) {
  if (!m->in_header) return (uint8_t)side_metadata_load(&m->side, object);
  uint8_t byte = atomic_load_explicit(om_header_byte(mmtk, m, object), memory_order_acquire);
  return (uint8_t)((byte >> m->shift) & m->mask);
}

static inline MMTK_ALWAYS_INLINE void om_store(const struct mmtk *mmtk, const struct obj_meta *m, uintptr_t object, uint8_t value) {
  if (!m->in_header) {
    side_metadata_store(&m->side, object, value);
    return;
  }
  _Atomic uint8_t *p = om_header_byte(mmtk, m, object);
  uint8_t old = atomic_load_explicit(p, memory_order_relaxed), new;
  do {
    new = (uint8_t)((old & ~(m->mask << m->shift)) | ((value & m->mask) << m->shift));
  } while (!atomic_compare_exchange_weak_explicit(p, &old, new, memory_order_release,
                                                  memory_order_relaxed));
}

static inline MMTK_ALWAYS_INLINE bool om_cas(const struct mmtk *mmtk, const struct obj_meta *m, uintptr_t object, uint8_t expected,
            uint8_t desired) {
  if (!m->in_header) return side_metadata_compare_exchange(&m->side, object, expected, desired);
  _Atomic uint8_t *p = om_header_byte(mmtk, m, object);
  uint8_t old = atomic_load_explicit(p, memory_order_relaxed);
  for (;;) {
    if (((old >> m->shift) & m->mask) != expected) return false;
    uint8_t new = (uint8_t)((old & ~(m->mask << m->shift)) | ((desired & m->mask) << m->shift));
    if (atomic_compare_exchange_weak_explicit(p, &old, new, memory_order_acq_rel,
                                              memory_order_relaxed))
      return true;
  }
}
/* om_store() for a caller that owns the object's header byte for now: no other thread
 * writes it (an object this worker is forwarding, or a copy not yet published).  In the
 * header that is a plain load and a release store instead of a compare-and-swap loop;
 * on the side, neighbouring objects share the byte, so it is om_store(). */
static inline MMTK_ALWAYS_INLINE void om_store_owned(const struct mmtk *mmtk,
                                                     const struct obj_meta *m, uintptr_t object,
                                                     uint8_t value) {
  if (!m->in_header) {
    om_store(mmtk, m, object, value);
    return;
  }
  _Atomic uint8_t *p = om_header_byte(mmtk, m, object);
  uint8_t old = atomic_load_explicit(p, memory_order_relaxed);
  atomic_store_explicit(p, (uint8_t)((old & ~(m->mask << m->shift)) | ((value & m->mask) << m->shift)),
                        memory_order_release);
}

#endif /* MMTK_UTIL_METADATA_OBJECT_METADATA_INLINE_H */
