/* The transitive closure (design.trace). */
#include "mmtk_internal.h"

#define STACK_INITIAL 1024
#define SHARE_CHUNK 512 /* objects handed to idle workers at a time */

static void visitor_flush(struct mmtk_slot_visitor *v);

void tracer_init(struct tracer *t, mmtk_gc_worker_t *w) {
  memset(t, 0, sizeof *t);
  t->visitor.cursor = t->slots;
  t->visitor.limit = t->slots + TRACE_SLOT_BUFFER;
  t->visitor.flush = visitor_flush;
  t->object_tracer.worker = w;
  /* How each kind of plan hides its first-touch miss (see trace_drain, visitor_flush). */
  bool moving = w->mmtk->plan->moves_objects;
  t->prefetch_grey = !moving;
  t->slot_batch = moving ? TRACE_SLOT_BATCH : 1;
}

struct closure_packet {
  struct work_packet base;
  enum { SLOTS, NODES, PINNING_ROOTS } what;
  enum trace_kind kind;
  bool pooled; /* SHARE_CHUNK items, recycled through the workers' spares */
  size_t count;
  void *items[];
};

/* The worker's spare shared packets (design.trace.share.spares): a stack linked through
 * base.next, which a packet uses only while it waits in a bucket. */
static struct closure_packet *spare_pop(struct tracer *t) {
  struct closure_packet *p = t->spare;
  if (p) {
    t->spare = p->base.next ? container_of(p->base.next, struct closure_packet, base) : NULL;
    t->nspare--;
  }
  return p;
}

void tracer_destroy(struct tracer *t) {
  for (struct closure_packet *p; (p = spare_pop(t));) free(p);
  free(t->stack);
  t->stack = NULL;
  free(t->external);
  t->external = NULL;
}

static inline mmtk_gc_worker_t *tracer_worker(struct tracer *t) { return t->object_tracer.worker; }

uintptr_t trace_object(mmtk_gc_worker_t *w, uintptr_t object) {
  struct space *s = space_of(w->mmtk, object);
  if (MMTK_UNLIKELY(!s)) {
    /* Not in a heap chunk: an object the binding manages itself. */
    MMTK_XASSERT(!layout_in_heap(&w->mmtk->layout, object));
    return object;
  }
  return s->ops->trace_object(s, w, object, w->trace.kind);
}

void trace_push(mmtk_gc_worker_t *w, uintptr_t object) {
  struct tracer *t = &w->trace;
  if (MMTK_UNLIKELY(t->depth == t->capacity)) {
    if (t->bottom) { /* shared from the bottom: close the gap first */
      t->depth -= t->bottom;
      memmove(t->stack, t->stack + t->bottom, t->depth * sizeof *t->stack);
      t->bottom = 0;
      t->stack[t->depth++] = object;
      return;
    }
    size_t cap = t->capacity ? t->capacity * 2 : STACK_INITIAL;
    t->stack = gc_realloc(w->mmtk, t->stack, cap * sizeof *t->stack, "the mark stack");
    t->capacity = cap;
  }
  t->stack[t->depth++] = object;
}

static inline void process_slot(mmtk_gc_worker_t *w, mmtk_slot_t slot) {
  uintptr_t *field = slot;
  uintptr_t o = *field;
  if (!o) return;
  uintptr_t n = trace_object(w, o);
  if (n != o) *field = n;
}

void trace_slot(mmtk_gc_worker_t *w, mmtk_slot_t slot) { process_slot(w, slot); }

static void visitor_flush(struct mmtk_slot_visitor *v) {
  struct tracer *t = container_of(v, struct tracer, visitor);
  mmtk_gc_worker_t *w = tracer_worker(t);
  size_t n = (size_t)(v->cursor - t->slots);
  v->cursor = t->slots;
  /* A copying plan first reads an object in trace_object (its forwarding state, then the
   * copy): a batch of slots, gathered over several scanned objects, has all its targets
   * prefetched before the first is traced. */
  if (t->slot_batch > 1)
    for (size_t i = 0; i < n; i++) {
      uintptr_t o = *(const uintptr_t *)t->slots[i];
      if (o) __builtin_prefetch((const void *)o);
    }
  for (size_t i = 0; i < n; i++) process_slot(w, t->slots[i]);
}

/* A scanned object outside the plan's moving space, kept for the plan
 * (design.trace.forwarding.external). */
static __attribute__((noinline)) void record_external(mmtk_gc_worker_t *w, uintptr_t o) {
  struct tracer *t = &w->trace;
  if (t->nexternal == t->external_cap) {
    size_t cap = t->external_cap ? t->external_cap * 2 : 1024;
    t->external = gc_realloc(w->mmtk, t->external, cap * sizeof *t->external,
                             "the list of scanned objects to update");
    t->external_cap = cap;
  }
  t->external[t->nexternal++] = o;
}

static void scan_one(mmtk_gc_worker_t *w, uintptr_t o) {
  mmtk_t *mmtk = w->mmtk;
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  struct tracer *t = &w->trace;
  if (MMTK_UNLIKELY(mmtk->gc.record_external)) {
    /* Most scanned objects are in the moving space: its extent, tested here, is what
     * space_of() would find (a space owns one extent). */
    const struct space *skip = mmtk->gc.record_skip;
    if (o - skip->start >= skip->extent) record_external(w, o);
  }
  if (vm->support_slot_enqueuing && !vm->support_slot_enqueuing(mmtk->vm_ctx, w->tls, (void *)o)) {
    vm->scan_object_and_trace_edges(mmtk->vm_ctx, w->tls, (void *)o, &t->object_tracer);
    return;
  }
  vm->scan_object(mmtk->vm_ctx, w->tls, (void *)o, &t->visitor);
  if ((size_t)(t->visitor.cursor - t->slots) >= t->slot_batch) visitor_flush(&t->visitor);
}

void trace_scan_object(mmtk_gc_worker_t *w, uintptr_t object) { scan_one(w, object); }

static inline bool stack_empty(const struct tracer *t) { return t->depth == t->bottom; }

static inline uintptr_t stack_pop(struct tracer *t) {
  uintptr_t o = t->stack[--t->depth];
  if (t->depth == t->bottom) t->depth = t->bottom = 0;
  return o;
}

static void closure_run(struct work_packet *self, mmtk_gc_worker_t *w);

static void closure_fill(struct closure_packet *p, int what, enum trace_kind kind,
                         const void *items, size_t count) {
  p->base.run = closure_run;
#if MMTK_HAVE_WORK_PACKET_STATS
  static const char *const kinds[] = {
      [SLOTS] = "closure.slots", [NODES] = "closure.nodes", [PINNING_ROOTS] = "closure.pinning_roots"};
  work_set_kind(&p->base, kinds[what]);
#endif
  p->what = what;
  p->kind = kind;
  p->count = count;
  memcpy(p->items, items, count * sizeof(void *));
}

/* Shared packets come from the worker's spares, or from malloc until it has some; one
 * that ran is kept by the worker that ran it, up to SHARE_SPARES (design.trace.share). */
#define SHARE_SPARES 8

static void closure_release(struct tracer *t, struct closure_packet *p) {
  if (p->pooled && t->nspare < SHARE_SPARES) {
    p->base.next = t->spare ? &t->spare->base : NULL;
    t->spare = p;
    t->nspare++;
    return;
  }
  free(p);
}

#if !MMTK_HAVE_SINGLE_WORKER
/* Hand the oldest `n` entries of the stack to the other workers, as a packet on this
 * worker's deque. */
static void share(mmtk_gc_worker_t *w, size_t n) {
  struct tracer *t = &w->trace;
  struct closure_packet *p = spare_pop(t);
  if (!p) {
    p = malloc(sizeof *p + SHARE_CHUNK * sizeof(void *));
    if (!p) return; /* keep the work: it is traced here */
    p->pooled = true;
  }
  closure_fill(p, NODES, t->kind, t->stack + t->bottom, n);
  t->bottom += n;
  worker_add(w, &p->base);
}
#endif

/* design.trace.share.  While other workers are idle, hand them the oldest half of the
 * stack (at most SHARE_CHUNK objects).  The oldest entries are the best to give: in a
 * depth-first trace of a tree they are the siblings of this worker's ancestors, whole
 * subtrees, so even a stack of two is worth splitting (a deep tree keeps a shallow
 * stack).  And before anyone idles: a stack of two chunks or more puts its oldest chunk
 * on the deque while the deque is empty, where a worker that runs dry steals it at once
 * (wide structures: arrays, a breadth of lists). */
static void maybe_share(mmtk_gc_worker_t *w) {
#if !MMTK_HAVE_SINGLE_WORKER
  struct tracer *t = &w->trace;
  size_t avail = t->depth - t->bottom;
  if (avail < 2) return;
  if (scheduler_idle_workers(&w->mmtk->sched) > 0)
    share(w, avail / 2 < SHARE_CHUNK ? avail / 2 : SHARE_CHUNK);
  else if (avail >= 2 * SHARE_CHUNK &&
           deque_size(&w->deque) == 0)
    share(w, SHARE_CHUNK);
#else
  (void)w;
#endif
}

/* Where a non-moving plan first reads an object is its scan: objects popped from the
 * mark stack wait in a small FIFO before they are scanned, and are prefetched as they
 * enter it, so that each one's first cache line is on its way by the time it is scanned
 * (the prefetch-on-grey FIFO of Cher, Hosking and Vijaykumar, ASPLOS 2004).  A copying
 * plan pushes the copy it has just written, still in cache: it scans in stack order
 * (keeping its copies close to depth-first) and prefetches at the slots instead, whose
 * buffer it flushes only every TRACE_SLOT_BATCH slots or when the stack runs dry. */
#define PREFETCH_FIFO 8 /* a power of two */

void trace_drain(mmtk_gc_worker_t *w) {
  struct tracer *t = &w->trace;
  if (!t->prefetch_grey) {
    do {
      while (!stack_empty(t)) {
        scan_one(w, stack_pop(t));
        if ((++t->scanned & 127) == 0) maybe_share(w);
      }
      if (t->visitor.cursor != t->slots) visitor_flush(&t->visitor);
    } while (!stack_empty(t));
    return;
  }
  uintptr_t fifo[PREFETCH_FIFO];
  unsigned head = 0, count = 0;
  for (;;) {
    uintptr_t o;
    if (!stack_empty(t)) {
      uintptr_t grey = stack_pop(t);
      __builtin_prefetch((const void *)grey);
      if (count < PREFETCH_FIFO) {
        fifo[(head + count++) & (PREFETCH_FIFO - 1)] = grey;
        continue;
      }
      o = fifo[head];
      fifo[head] = grey;
    } else if (count) {
      o = fifo[head];
      count--;
    } else {
      break;
    }
    head = (head + 1) & (PREFETCH_FIFO - 1);
    scan_one(w, o);
    if ((++t->scanned & 127) == 0) maybe_share(w);
  }
}

/* ---- Closure packets ---------------------------------------------------------------- */

static void closure_run(struct work_packet *self, mmtk_gc_worker_t *w) {
  struct closure_packet *p = container_of(self, struct closure_packet, base);
  w->trace.kind = p->kind;
  switch (p->what) {
  case SLOTS:
    for (size_t i = 0; i < p->count; i++) process_slot(w, p->items[i]);
    break;
  case NODES:
    for (size_t i = 0; i < p->count; i++) trace_push(w, (uintptr_t)p->items[i]);
    break;
  case PINNING_ROOTS:
    for (size_t i = 0; i < p->count; i++) {
      uintptr_t o = (uintptr_t)p->items[i];
      if (!o) continue;
      struct space *s = space_of(w->mmtk, o);
      if (s && !s->ops->pin_root && s->ops->is_movable(s, o))
        mmtk_panic(__FILE__, __LINE__,
                   "pinning root %p is in the %s space, where plan %s moves objects; report "
                   "it as a slot, or use a plan that can pin", (void *)o, s->name,
                   mmtk_plan_name(w->mmtk->plan->kind));
      trace_object(w, o);
    }
    break;
  }
  closure_release(&w->trace, p);
  trace_drain(w);
}

static struct closure_packet *closure_new(int what, enum trace_kind kind, const void *items,
                                          size_t count) {
  struct closure_packet *p = malloc(sizeof *p + count * sizeof(void *));
  if (!p) return NULL;
  p->pooled = false;
  closure_fill(p, what, kind, items, count);
  return p;
}

struct work_packet *slots_packet_new(const mmtk_slot_t *slots, size_t count, enum trace_kind kind) {
  struct closure_packet *p = closure_new(SLOTS, kind, slots, count);
  return p ? &p->base : NULL;
}

struct work_packet *nodes_packet_new(const uintptr_t *objects, size_t count, bool pinning_roots,
                                     enum trace_kind kind) {
  struct closure_packet *p =
      closure_new(pinning_roots ? PINNING_ROOTS : NODES, kind, objects, count);
  return p ? &p->base : NULL;
}

/* ---- Public: what the binding's callbacks use --------------------------------------- */

mmtk_object_t mmtk_trace_object(mmtk_object_tracer_t *tracer, mmtk_object_t object) {
  if (!object) return NULL;
#if MMTK_HAVE_SANITY
  if (MMTK_UNLIKELY(tracer->sanity)) return sanity_trace_object(tracer->sanity, object);
#endif
  return (mmtk_object_t)trace_object(tracer->worker, (uintptr_t)object);
}

static void add_roots(mmtk_roots_factory_t *f, const void *items, size_t count, bool slots,
                      const char *who) {
  if (!f || (!items && count)) {
    mmtk_error(NULL, "%s: NULL %s", who, f ? "array" : "factory");
    return;
  }
#if MMTK_HAVE_SANITY
  if (sanity_collect_roots(f, items, count, slots)) return;
  sanity_gen_roots(f, items, count, slots);
#endif
  /* A second scan of the roots (design.trace.forwarding) calls pin_root again: the
   * compacting spaces pin only while marking. */
  if (!slots)
    for (size_t i = 0; i < count; i++) {
      uintptr_t o = ((const uintptr_t *)items)[i];
      struct space *s = o ? space_of(f->mmtk, o) : NULL;
      if (s && s->ops->pin_root) s->ops->pin_root(s, o);
    }
  const void *const *p = items;
  while (count) {
    size_t n = count < TRACE_PACKET_CAPACITY ? count : TRACE_PACKET_CAPACITY;
    struct work_packet *wp;
    /* The roots must all be traced: without memory for their packet, wait for some. */
    for (unsigned attempt = 0;; attempt++) {
      wp = slots ? slots_packet_new((const mmtk_slot_t *)p, n, f->kind)
                 : nodes_packet_new((const uintptr_t *)p, n, true, f->kind);
      if (wp) break;
      gc_wait_for_memory(f->mmtk, "a root packet", n * sizeof(void *), attempt);
    }
    /* In a second scan (SecondRoots), the Closure bucket is open still and drains first. */
    scheduler_add(f->mmtk, MMTK_STAGE_CLOSURE, wp);
    p += n;
    count -= n;
  }
}

void mmtk_roots_add_slots(mmtk_roots_factory_t *factory, const mmtk_slot_t *slots, size_t count) {
  add_roots(factory, slots, count, true, "mmtk_roots_add_slots");
}

void mmtk_roots_add_pinning(mmtk_roots_factory_t *factory, const mmtk_object_t *objects,
                            size_t count) {
  add_roots(factory, objects, count, false, "mmtk_roots_add_pinning");
}

bool mmtk_tracer_is_reachable(mmtk_tracer_context_t *tc, mmtk_object_t object) {
  return object && object_is_reachable(tc->worker->mmtk, (uintptr_t)object);
}

mmtk_object_t mmtk_tracer_get_forwarded(mmtk_tracer_context_t *tc, mmtk_object_t object) {
  return object ? (mmtk_object_t)object_get_forwarded(tc->worker->mmtk, (uintptr_t)object) : NULL;
}

mmtk_object_t mmtk_tracer_retain(mmtk_tracer_context_t *tc, mmtk_object_t object) {
  if (!object) return NULL;
  /* Newly reached objects are pushed: then the hook must run again (references.c). */
  size_t depth = tc->worker->trace.depth;
  uintptr_t n = trace_object(tc->worker, (uintptr_t)object);
  if (tc->worker->trace.depth != depth) tc->retained = true;
  return (mmtk_object_t)n;
}

/* Liveness comes from the current trace (design.plan.trace-kind.liveness): a space this
 * GC does not collect keeps every object, so a partial trace answers for the objects it
 * never visits. */
bool object_is_reachable(mmtk_t *mmtk, uintptr_t object) {
  struct space *s = space_of(mmtk, object);
  return !s || !s->collected || !s->ops->is_reachable || s->ops->is_reachable(s, object);
}

uintptr_t object_get_forwarded(mmtk_t *mmtk, uintptr_t object) {
  struct space *s = space_of(mmtk, object);
  if (!s || !s->collected || !s->ops->get_forwarded) return object;
  return s->ops->get_forwarded(s, object);
}
