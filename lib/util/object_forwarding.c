/* Forwarding (design.copy.forwarding). */
#include "mmtk_internal.h"

#include <sched.h>

static inline _Atomic uintptr_t *pointer_word(const mmtk_t *mmtk, uintptr_t object) {
  return (_Atomic uintptr_t *)(om_header(mmtk, object) + (intptr_t)mmtk->om.fwd_ptr.byte_offset);
}

unsigned fwd_claim(const mmtk_t *mmtk, uintptr_t object) {
  const struct obj_meta *m = &mmtk->om.fwd_bits;
  for (;;) {
    unsigned s = om_load(mmtk, m, object);
    if (s != FWD_NOT_FORWARDED) return s;
    if (om_cas(mmtk, m, object, FWD_NOT_FORWARDED, FWD_BEING_FORWARDED)) return FWD_NOT_FORWARDED;
  }
}

void fwd_publish(const mmtk_t *mmtk, uintptr_t object, uintptr_t copy) {
  const struct fwd_pointer_meta *p = &mmtk->om.fwd_ptr;
  if (p->bits_in_word) {
    /* One store makes both the pointer and the state visible. */
    uintptr_t word = copy | ((uintptr_t)FWD_FORWARDED << mmtk->om.fwd_bits.shift);
    atomic_store_explicit(pointer_word(mmtk, object), word, memory_order_release);
    return;
  }
  atomic_store_explicit(pointer_word(mmtk, object), copy, memory_order_relaxed);
  /* This worker claimed the object: nobody else writes its state until this store. */
  om_store_owned(mmtk, &mmtk->om.fwd_bits, object, FWD_FORWARDED); /* release */
}

void fwd_cancel(const mmtk_t *mmtk, uintptr_t object) {
  om_store(mmtk, &mmtk->om.fwd_bits, object, FWD_NOT_FORWARDED);
}

unsigned fwd_state(const mmtk_t *mmtk, uintptr_t object) {
  return om_load(mmtk, &mmtk->om.fwd_bits, object);
}

uintptr_t fwd_pointer(const mmtk_t *mmtk, uintptr_t object) {
  uintptr_t w = atomic_load_explicit(pointer_word(mmtk, object), memory_order_acquire);
  return mmtk->om.fwd_ptr.bits_in_word ? w & ~(uintptr_t)(BYTES_IN_WORD - 1) : w;
}

uintptr_t fwd_wait(const mmtk_t *mmtk, uintptr_t object) {
  unsigned s, spins = 0;
  while ((s = fwd_state(mmtk, object)) == FWD_BEING_FORWARDED) {
    if (++spins > 64) sched_yield();
  }
  return s == FWD_FORWARDED ? fwd_pointer(mmtk, object) : object;
}

void fwd_clear(const mmtk_t *mmtk, uintptr_t object) {
  /* A fresh copy, not yet visible to any other thread. */
  if (mmtk->om.fwd_bits.in_header)
    om_store_owned(mmtk, &mmtk->om.fwd_bits, object, FWD_NOT_FORWARDED);
}
