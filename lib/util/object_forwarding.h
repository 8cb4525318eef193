/* Forwarding (MMTk's util::object_forwarding, design.copy.forwarding): the race between
 * GC workers that reach the same from-space object is decided by a 2-bit state per
 * object.  The winner copies and publishes the new address; losers wait for it. */
#ifndef MMTK_UTIL_OBJECT_FORWARDING_H
#define MMTK_UTIL_OBJECT_FORWARDING_H

#include <stdint.h>

struct mmtk;

#define FWD_NOT_FORWARDED 0u
#define FWD_BEING_FORWARDED 2u
#define FWD_FORWARDED 3u

/* Try to claim `object` for copying: FWD_NOT_FORWARDED if this caller won (it must then
 * call fwd_publish() or fwd_cancel()), otherwise the state it found. */
unsigned fwd_claim(const struct mmtk *mmtk, uintptr_t object);
/* Publish the copy's address and mark `object` forwarded. */
void fwd_publish(const struct mmtk *mmtk, uintptr_t object, uintptr_t copy);
/* Give up a claim (the object stays where it is). */
void fwd_cancel(const struct mmtk *mmtk, uintptr_t object);
/* Wait while another worker copies `object`; its new address (or `object` if the copy was
 * cancelled). */
uintptr_t fwd_wait(const struct mmtk *mmtk, uintptr_t object);
unsigned fwd_state(const struct mmtk *mmtk, uintptr_t object);
uintptr_t fwd_pointer(const struct mmtk *mmtk, uintptr_t object);
/* Reset the state of a fresh copy (in-header bits were copied with the object). */
void fwd_clear(const struct mmtk *mmtk, uintptr_t object);

#endif /* MMTK_UTIL_OBJECT_FORWARDING_H */
