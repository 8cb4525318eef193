/* The copy space (MMTk's CopySpace, design.policy.copy): bump-allocated; a GC evacuates
 * every reached object of the from-space into the to-space and then frees the from-space
 * whole. */
#include "mmtk_internal.h"

static uintptr_t copy_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                            enum trace_kind kind) {
  (void)kind; /* every kind traces this space alike */
  if (!s->from_space) return object; /* a copy made by this GC */
  const mmtk_t *mmtk = s->mmtk;
  unsigned state = fwd_claim(mmtk, object);
  if (state == FWD_FORWARDED) return fwd_pointer(mmtk, object);
  if (state == FWD_BEING_FORWARDED) return fwd_wait(mmtk, object);
  uint64_t before = w->copy.bytes_copied;
  uintptr_t copy = copy_object(w, object, MMTK_COPY_DEFAULT);
  w->trace.live_bytes += w->copy.bytes_copied - before;
  fwd_publish(mmtk, object, copy);
  trace_push(w, copy);
  return copy;
}

static bool copy_reachable(const struct space *s, uintptr_t object) {
  return !s->from_space || fwd_state(s->mmtk, object) == FWD_FORWARDED;
}

static uintptr_t copy_forwarded(const struct space *s, uintptr_t object) {
  if (!s->from_space) return object;
  return fwd_state(s->mmtk, object) == FWD_FORWARDED ? fwd_pointer(s->mmtk, object) : 0;
}

/* mmtk_is_live_object (design.policy.live): in a from-space, whether this GC has
 * forwarded the object; in the space mutators allocate in, whether the object lies below
 * the allocation cursor (a copy the last GC made, or an object allocated since).  The
 * space the last GC released was reset: its cursor is back at its start, so what died
 * there reads false until the space hands that memory out again. */
static bool copy_live(const struct space *s, uintptr_t object) {
  if (s->from_space) return fwd_state(s->mmtk, object) == FWD_FORWARDED;
  /* The cursor is guarded by the page resource's lock. */
  struct page_resource *pr = (struct page_resource *)&s->pr;
  pthread_mutex_lock(&pr->lock);
  bool live = object < pr->cursor;
  pthread_mutex_unlock(&pr->lock);
  return live;
}

const struct space_ops copy_space_ops = {
    .policy = "copy",
    .is_live = copy_live,
    .is_movable = space_always,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_never,
    .post_alloc = space_no_metadata,
    .trace_object = copy_trace,
    .is_reachable = copy_reachable,
    .get_forwarded = copy_forwarded,
    .alloc = NULL,
};
