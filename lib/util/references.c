/* Reference and finalization lists (design.refs.lists): registration, the finalizer
 * queries, hand-over of cleared references, and the forwarding of the lists by plans
 * that move objects after liveness.  The stages that process the lists after the
 * strong closure are in reference_stages.c (design.refs.stages). */
#include "mmtk_internal.h"

/* Give `l` room for `extra` more entries (design.refs.lists.memory).  A registration or an
 * entry the GC moves cannot be dropped: it is a reference that would never be cleared
 * or forwarded, or an object never finalized.  So a failed malloc is reported through
 * the binding's out_of_memory(MMTK_OOM_MMAP) and retried (gc_malloc()), with `lock`
 * (the lock that guards `l`, NULL for a list only this worker sees) released meanwhile:
 * no binding callback runs with it held.  Returns with `lock` held again; the list may
 * have changed meanwhile, so the caller checks its room again if another thread may
 * have added to it. */
void refs_list_reserve(mmtk_t *mmtk, pthread_mutex_t *lock, struct object_list *l,
                         size_t extra, const char *what) {
  while (l->capacity - l->count < extra) {
    size_t cap = l->capacity ? l->capacity : 64;
    while (cap - l->count < extra) cap *= 2;
    if (lock) pthread_mutex_unlock(lock);
    mmtk_object_t *items = gc_malloc(mmtk, cap * sizeof *items, what);
    if (lock) pthread_mutex_lock(lock);
    if (l->capacity >= cap) { /* another thread grew it meanwhile */
      free(items);
      continue;
    }
    if (l->count) memcpy(items, l->items, l->count * sizeof *items);
    free(l->items);
    l->items = items;
    l->capacity = cap;
  }
}

/* For lists only the GC worker running the stage touches (`cleared`, `dropped`, a
 * stage's own). */
void refs_list_push(mmtk_t *mmtk, struct object_list *l, mmtk_object_t o, const char *what) {
  refs_list_reserve(mmtk, NULL, l, 1, what);
  l->items[l->count++] = o;
}

static void list_free(struct object_list *l) {
  free(l->items);
  memset(l, 0, sizeof *l);
}

void references_init(struct references *r) {
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->gc_done, NULL);
}

void references_destroy(struct references *r) {
  list_free(&r->soft);
  list_free(&r->weak);
  list_free(&r->phantom);
  list_free(&r->cleared);
  list_free(&r->finalizable);
  list_free(&r->ready);
  list_free(&r->dropped);
  pthread_cond_destroy(&r->gc_done);
  pthread_mutex_destroy(&r->lock);
}

/* ---- Working on a list without its lock (design.refs.lists.detach) ----------------- */

/* Take list `l` out, leaving it empty: a stage walks what it took without the lock, so
 * that the binding's callbacks (get/set/clear_referent, and those tracing calls) may
 * register candidates.  Those land in the emptied list and are merged back. */
struct object_list refs_detach(struct references *r, struct object_list *l) {
  pthread_mutex_lock(&r->lock);
  struct object_list d = *l;
  memset(l, 0, sizeof *l);
  pthread_mutex_unlock(&r->lock);
  return d;
}

/* Make `l` hold the stage's list `d` and what was registered meanwhile (refs.lock held;
 * it may be released while `d` grows, and more may be registered then). */
void refs_reattach_locked(mmtk_t *mmtk, struct object_list *l, struct object_list *d,
                            const char *what) {
  while (d->capacity - d->count < l->count)
    refs_list_reserve(mmtk, &mmtk->refs.lock, d, l->count, what);
  if (l->count) memcpy(d->items + d->count, l->items, l->count * sizeof *l->items);
  d->count += l->count;
  free(l->items);
  *l = *d;
}

void refs_reattach(mmtk_t *mmtk, struct object_list *l, struct object_list *d, const char *what) {
  pthread_mutex_lock(&mmtk->refs.lock);
  refs_reattach_locked(mmtk, l, d, what);
  pthread_mutex_unlock(&mmtk->refs.lock);
}

void references_enqueue(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct object_list *c = &mmtk->refs.cleared;
  if (c->count && mmtk->vm.enqueue_references)
    mmtk->vm.enqueue_references(mmtk->vm_ctx, c->items, c->count, w->tls);
  c->count = 0;
}

void finalizers_scan_ready(mmtk_t *mmtk, mmtk_roots_factory_t *factory) {
  struct object_list *l = &mmtk->refs.ready;
  if (!l->count) return;
  /* The slots are the list's own entries: it does not change before the closure ends. */
  mmtk_slot_t slots[TRACE_PACKET_CAPACITY];
  for (size_t i = 0; i < l->count;) {
    size_t n = 0;
    for (; n < TRACE_PACKET_CAPACITY && i < l->count; n++, i++) slots[n] = &l->items[i];
    mmtk_roots_add_slots(factory, slots, n);
  }
}

bool finalizers_ready(mmtk_t *mmtk) { return mmtk->refs.ready.count > 0; }

void references_gc_begin(mmtk_t *mmtk) {
  pthread_mutex_lock(&mmtk->refs.lock);
  mmtk->refs.gc_busy = true;
  pthread_mutex_unlock(&mmtk->refs.lock);
}

void references_gc_end(mmtk_t *mmtk) {
  pthread_mutex_lock(&mmtk->refs.lock);
  mmtk->refs.gc_busy = false;
  pthread_cond_broadcast(&mmtk->refs.gc_done);
  pthread_mutex_unlock(&mmtk->refs.lock);
}

void references_forward_dropped(mmtk_t *mmtk) {
  struct object_list *l = &mmtk->refs.dropped;
  size_t kept = 0;
  for (size_t i = 0; i < l->count; i++) {
    uintptr_t r = (uintptr_t)l->items[i];
    if (object_is_reachable(mmtk, r)) l->items[kept++] = (void *)object_get_forwarded(mmtk, r);
  }
  l->count = kept;
}

/* The entries of `l` at their new addresses, and (`referents`) the referents they hold.
 * Every entry the reference stages kept survived and has not moved yet. */
static void forward_entries(mmtk_t *mmtk, struct object_list *l, bool referents) {
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  for (size_t i = 0; i < l->count; i++) {
    uintptr_t r = (uintptr_t)l->items[i];
    /* Registered during this GC by a thread the VM did not stop: left for the next GC
     * (mmtk_add_weak_candidate(3) forbids such an object to be one this GC moves). */
    if (!object_is_reachable(mmtk, r)) continue;
    if (referents) {
      mmtk_object_t referent = vm->get_referent(mmtk->vm_ctx, (void *)r);
      if (referent)
        vm->set_referent(mmtk->vm_ctx, (void *)r,
                         (void *)object_get_forwarded(mmtk, (uintptr_t)referent));
    }
    l->items[i] = (void *)object_get_forwarded(mmtk, r);
  }
}

/* A candidate list, walked without its lock (the referent callbacks may register more,
 * design.refs.lists.detach).  Returns how many entries of the list are forwarded. */
static size_t forward_list(mmtk_t *mmtk, struct object_list *list, bool referents,
                           const char *what) {
  struct references *r = &mmtk->refs;
  struct object_list l = refs_detach(r, list);
  forward_entries(mmtk, &l, referents);
  pthread_mutex_lock(&r->lock);
  size_t done = l.count;
  refs_reattach_locked(mmtk, list, &l, what);
  pthread_mutex_unlock(&r->lock);
  return done;
}

/* What the callbacks registered meanwhile (appended to any list, after what that list
 * had) names live reference objects at their current addresses: forward those too. */
static void forward_appended(mmtk_t *mmtk, struct object_list *const *lists, size_t *done,
                             size_t n) {
  struct references *r = &mmtk->refs;
  pthread_mutex_lock(&r->lock);
  for (size_t i = 0; i < n; i++) {
    struct object_list tail = {lists[i]->items + done[i], lists[i]->count - done[i], 0};
    forward_entries(mmtk, &tail, false);
  }
  pthread_mutex_unlock(&r->lock);
}

void references_forward(mmtk_t *mmtk) {
  struct references *r = &mmtk->refs;
  struct object_list *const lists[] = {&r->soft, &r->weak, &r->phantom};
  static const char *const what[] = {"soft reference candidates", "weak reference candidates",
                                     "phantom reference candidates"};
  size_t done[3];
  for (size_t i = 0; i < 3; i++) done[i] = forward_list(mmtk, lists[i], true, what[i]);
  forward_appended(mmtk, lists, done, 3);
  /* Only GC workers touch these, one stage at a time. */
  forward_entries(mmtk, &r->cleared, false);
#if MMTK_HAVE_SANITY
  references_forward_dropped(mmtk);
#endif
}

void finalizers_forward(mmtk_t *mmtk) {
  struct object_list *const list[] = {&mmtk->refs.finalizable};
  size_t done = forward_list(mmtk, list[0], false, "the finalizable objects");
  forward_appended(mmtk, list, &done, 1);
}

/* ---- Public --------------------------------------------------------------------------- */

static bool add_candidate(mmtk_t *mmtk, struct object_list *l, mmtk_object_t o, const char *who) {
  if (!instance_check(mmtk, who)) return false;
  if (!o) {
    mmtk_error(mmtk, "%s: the object is NULL", who);
    return false;
  }
  pthread_mutex_lock(&mmtk->refs.lock);
  refs_list_reserve(mmtk, &mmtk->refs.lock, l, 1, who); /* out_of_memory and retry, if need be */
  l->items[l->count++] = o;
  pthread_mutex_unlock(&mmtk->refs.lock);
  return true;
}

static void add_reference(mmtk_t *mmtk, struct object_list *l, mmtk_object_t r, const char *who) {
  if (!instance_check(mmtk, who)) return;
  if (mmtk->options.no_reference_types) return; /* the binding traces referents strongly */
  if (!mmtk->vm.get_referent || !mmtk->vm.set_referent || !mmtk->vm.clear_referent) {
    mmtk_error(mmtk, "%s: the binding has no get_referent/set_referent/clear_referent callbacks",
               who);
    return;
  }
  add_candidate(mmtk, l, r, who);
}

void mmtk_add_weak_candidate(mmtk_t *mmtk, mmtk_object_t reference) {
  add_reference(mmtk, mmtk ? &mmtk->refs.weak : NULL, reference, "mmtk_add_weak_candidate");
}

void mmtk_add_soft_candidate(mmtk_t *mmtk, mmtk_object_t reference) {
  add_reference(mmtk, mmtk ? &mmtk->refs.soft : NULL, reference, "mmtk_add_soft_candidate");
}

void mmtk_add_phantom_candidate(mmtk_t *mmtk, mmtk_object_t reference) {
  add_reference(mmtk, mmtk ? &mmtk->refs.phantom : NULL, reference, "mmtk_add_phantom_candidate");
}

void mmtk_add_finalizer(mmtk_t *mmtk, mmtk_object_t object) {
  if (!instance_check(mmtk, "mmtk_add_finalizer")) return;
  if (mmtk->options.no_finalizer) return;
  add_candidate(mmtk, &mmtk->refs.finalizable, object, "mmtk_add_finalizer");
}

/* Take the lock once no GC is processing the lists (design.refs.busy).  False, with an
 * error naming `who`, when the caller is one of this instance's GC workers during a GC
 * (a binding callback or work packet): it would wait for itself. */
static bool lock_outside_gc(mmtk_t *mmtk, const char *who) {
  struct references *r = &mmtk->refs;
  pthread_mutex_lock(&r->lock);
  if (!r->gc_busy) return true;
  mmtk_gc_worker_t *w = scheduler_current_worker();
  if (w && w->mmtk == mmtk) {
    pthread_mutex_unlock(&r->lock);
    mmtk_error(mmtk, "%s: called by GC worker %u during a GC (from a binding callback or a "
               "work packet); objects may still move: call it once the GC is over, e.g. "
               "after schedule_finalization", who, w->id);
    return false;
  }
  while (r->gc_busy) pthread_cond_wait(&r->gc_done, &r->lock);
  return true;
}

mmtk_object_t mmtk_get_finalized_object(mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_get_finalized_object")) return NULL;
  if (!lock_outside_gc(mmtk, "mmtk_get_finalized_object")) return NULL;
  mmtk_object_t o = NULL;
  if (mmtk->refs.ready.count) o = mmtk->refs.ready.items[--mmtk->refs.ready.count];
  pthread_mutex_unlock(&mmtk->refs.lock);
  return o;
}

/* Move up to `capacity` entries of `l` accepted by `only` (NULL: all) into out[]. */
static size_t take(struct object_list *l, mmtk_object_t *out, size_t capacity, size_t n,
                   mmtk_object_t only) {
  size_t kept = 0;
  for (size_t i = 0; i < l->count; i++) {
    mmtk_object_t o = l->items[i];
    if (n < capacity && (!only || o == only)) out[n++] = o;
    else l->items[kept++] = o;
  }
  l->count = kept;
  return n;
}

size_t mmtk_get_all_finalizers(mmtk_t *mmtk, mmtk_object_t *out, size_t capacity) {
  if (!instance_check(mmtk, "mmtk_get_all_finalizers")) return 0;
  if (!out && capacity) {
    mmtk_error(mmtk, "mmtk_get_all_finalizers: out is NULL");
    return 0;
  }
  if (!lock_outside_gc(mmtk, "mmtk_get_all_finalizers")) return 0;
  size_t n = take(&mmtk->refs.finalizable, out, capacity, 0, NULL);
  pthread_mutex_unlock(&mmtk->refs.lock);
  return n;
}

size_t mmtk_get_finalizers_for(mmtk_t *mmtk, mmtk_object_t object, mmtk_object_t *out,
                               size_t capacity) {
  if (!instance_check(mmtk, "mmtk_get_finalizers_for")) return 0;
  if (!object || (!out && capacity)) {
    mmtk_error(mmtk, "mmtk_get_finalizers_for: %s is NULL", object ? "out" : "the object");
    return 0;
  }
  if (!lock_outside_gc(mmtk, "mmtk_get_finalizers_for")) return 0;
  size_t n = take(&mmtk->refs.finalizable, out, capacity, 0, object);
  pthread_mutex_unlock(&mmtk->refs.lock);
  return n;
}
