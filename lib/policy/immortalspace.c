/* The immortal space (MMTk's ImmortalSpace): objects are never freed and never move.
 * Collecting plans will trace it with a mark bit; NoGC uses it for every semantic that
 * is not large. */
#include "mmtk_internal.h"

const struct space_ops immortal_space_ops = {
    .policy = "immortal",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .keeps_buffers = true,
    .alloc = NULL,
};

/* ---- In a collecting plan: objects never die, but are traced through once per GC.  The
 * mark bit holds the space's mark state when the object has been reached in this GC;
 * new objects get the current state (as if they survived the last GC), so flipping the
 * state at the next GC makes every object unmarked without touching it. */

static uintptr_t immortal_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                                enum trace_kind kind) {
  if (kind == TRACE_NURSERY) return object; /* mature: the remembered set covers it */
  const mmtk_t *mmtk = s->mmtk;
  uint8_t marked = s->mark_state;
  if (om_load(mmtk, &mmtk->om.mark, object) != marked &&
      om_cas(mmtk, &mmtk->om.mark, object, marked ^ 1, marked)) {
    if (s->unlog) om_store(mmtk, &mmtk->om.log, object, 1);
    w->trace.live_bytes += binding_current_size(mmtk, (void *)object);
    trace_push(w, object);
  }
  return object;
}

static bool immortal_reachable(const struct space *s, uintptr_t object) {
  return om_load(s->mmtk, &s->mmtk->om.mark, object) == s->mark_state;
}

static uintptr_t immortal_forwarded(const struct space *s, uintptr_t object) {
  return immortal_reachable(s, object) ? object : 0;
}

static void immortal_post_alloc(struct space *s, struct mmtk_mutator *m, uintptr_t object,
                                size_t bytes) {
  (void)m;
  (void)bytes;
  if (s->mark_state) om_store(s->mmtk, &s->mmtk->om.mark, object, s->mark_state);
}

const struct space_ops immortal_space_gc_ops = {
    .policy = "immortal",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = immortal_post_alloc,
    .trace_object = immortal_trace,
    .is_reachable = immortal_reachable,
    .get_forwarded = immortal_forwarded,
    .keeps_buffers = true,
    .alloc = NULL,
};
