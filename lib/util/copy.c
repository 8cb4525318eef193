/* Copying objects (MMTk's util::copy, design.copy): the default copy and the helpers a
 * binding's own copy callback uses. */
#include "mmtk_internal.h"

/* The plan's destination for `semantics` in this GC (design.copy.config). */
static const struct copy_target *copy_target(mmtk_t *mmtk, int semantics) {
  const struct copy_target *t =
      (unsigned)semantics < COPY_SEMANTICS_COUNT ? &mmtk->gc.copy.map[semantics] : NULL;
  if (MMTK_UNLIKELY(!t || t->kind == MMTK_ALLOCATOR_NONE))
    mmtk_panic(__FILE__, __LINE__, "plan %s has no copy destination for copy semantics %d",
               mmtk_plan_name(mmtk->plan->kind), semantics);
  return t;
}

/* One attempt with the worker's allocator for `t`: the address, or 0 and *st. */
static uintptr_t copy_alloc_once(mmtk_gc_worker_t *w, const struct copy_target *t, size_t bytes,
                                 size_t align, size_t offset, enum alloc_status *st) {
  const uint32_t opts = MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT | ALLOC_OPT_UNZEROED;
  switch (t->kind) {
  case MMTK_ALLOCATOR_BUMP_POINTER: {
    struct bump_allocator *a = &w->copy.bump[t->index];
    if (a->space != t->space) {
      bump_reset(a);
      a->space = t->space;
    }
    /* The usual copy fits the buffer in hand: bumped inline (design.copy.alloc.fast). */
    uintptr_t r = bump_try(a->bp, bytes, align, offset);
    return MMTK_LIKELY(r) ? r : bump_alloc(a, bytes, align, offset, opts, st);
  }
  case MMTK_ALLOCATOR_IMMIX: {
    /* The Immix trace reserved the room before it decided to copy (immixspace.c). */
    struct immix_allocator *a = &w->copy.immix[t->index];
    if (a->space != t->space) {
      immix_alloc_reset(a);
      a->space = t->space;
    }
    return immix_alloc(a, bytes, align, offset, opts, st);
  }
  default:
    mmtk_panic(__FILE__, __LINE__, "plan %s copies with allocator kind %u, which has no copy "
               "allocator", mmtk_plan_name(w->mmtk->plan->kind), t->kind);
    return 0;
  }
}

static void *copy_alloc(mmtk_gc_worker_t *w, size_t bytes, size_t align, size_t offset,
                        int semantics) {
  mmtk_t *mmtk = w->mmtk;
  const struct copy_target *t = copy_target(mmtk, semantics);
  size_t need = bytes ? align_up(bytes, MMTK_MIN_ALIGNMENT) : MMTK_MIN_ALIGNMENT;
  size_t al = align < MMTK_MIN_ALIGNMENT ? MMTK_MIN_ALIGNMENT : align;
  enum alloc_status st;
  /* The plan reserved room for every survivor: copying never waits for the heap limit. */
  uintptr_t r;
  /* The OS refusing to commit to-space pages may pass (design.gc.memory): report, wait. */
  for (unsigned attempt = 0;; attempt++) {
    r = copy_alloc_once(w, t, need, al, offset % al, &st);
    if (r || st != ALLOC_MMAP_FAILED) break;
    gc_wait_for_memory(mmtk, "to-space pages", need, attempt);
  }
  if (!r)
    mmtk_panic(__FILE__, __LINE__, "the %s space cannot take a %zu-byte copy: %s", t->space->name,
               bytes, st == ALLOC_MMAP_FAILED ? "the operating system refused memory"
                                              : "its address range is full");
  w->copy.bytes_copied += need;
  return (void *)r;
}

/* After every copy: the forwarding bits of the new object are clear, its VO bit is set,
 * and its space `s` (the copy config's destination) records what it keeps per object
 * (marks, log bits). */
static inline void copy_post(mmtk_gc_worker_t *w, struct space *s, uintptr_t object,
                             size_t bytes) {
  mmtk_t *mmtk = w->mmtk;
  fwd_clear(mmtk, object);
#if MMTK_HAVE_VO_BIT
  vo_bit_set(&mmtk->vo_bit, object);
#endif
  /* A copy into a generational plan's mature space starts unlogged (design.barrier). */
  if (s->unlog) om_store(mmtk, &mmtk->om.log, object, 1);
  if (s->ops->post_copy) s->ops->post_copy(s, object, bytes);
}

uintptr_t copy_object(mmtk_gc_worker_t *w, uintptr_t object, int semantics) {
  mmtk_t *mmtk = w->mmtk;
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  void *ctx = mmtk->vm_ctx;
  mmtk_object_t o = (mmtk_object_t)object;
  if (vm->copy) {
    mmtk_copy_context_t cc = {.worker = w};
    return (uintptr_t)vm->copy(ctx, o, semantics, &cc);
  }
  size_t current = vm->get_current_size(ctx, o);
  size_t bytes = vm->get_size_when_copied ? vm->get_size_when_copied(ctx, o) : current;
  size_t align = vm->get_align_when_copied ? vm->get_align_when_copied(ctx, o) : MMTK_MIN_ALIGNMENT;
  size_t offset = vm->get_align_offset_when_copied ? vm->get_align_offset_when_copied(ctx, o) : 0;
  uintptr_t start = vm->ref_to_object_start ? (uintptr_t)vm->ref_to_object_start(ctx, o) : object;
  void *to = copy_alloc(w, bytes, align, offset, semantics);
  memcpy(to, (void *)start, current < bytes ? current : bytes);
  uintptr_t copy = vm->get_reference_when_copied_to
                       ? (uintptr_t)vm->get_reference_when_copied_to(ctx, o, to)
                       : (uintptr_t)to + (object - start);
  copy_post(w, mmtk->gc.copy.map[semantics].space, copy, bytes);
  return copy;
}

void copy_allocators_init(struct copy_allocators *c) {
  for (unsigned i = 0; i < MAX_COPY_BUMP; i++) c->bump[i].bp = &c->bump[i].own;
  for (unsigned i = 0; i < MAX_COPY_IMMIX; i++) {
    c->immix[i].bp = &c->immix[i].own;
    c->immix[i].copy = true;
  }
}

void copy_allocators_reset(struct copy_allocators *c) {
  for (unsigned i = 0; i < MAX_COPY_BUMP; i++) {
    bump_reset(&c->bump[i]);
    c->bump[i].space = NULL;
  }
  for (unsigned i = 0; i < MAX_COPY_IMMIX; i++) {
    immix_alloc_reset(&c->immix[i]);
    c->immix[i].space = NULL;
  }
}

void *mmtk_copy_context_alloc(mmtk_copy_context_t *context, size_t bytes, size_t align,
                              size_t offset, int copy_semantics) {
  if (!is_power_of_two(align) || align > MMTK_MAX_ALIGNMENT)
    mmtk_panic(__FILE__, __LINE__, "mmtk_copy_context_alloc: alignment %zu is not a power of two "
               "up to %d", align, MMTK_MAX_ALIGNMENT);
  return copy_alloc(context->worker, bytes, align, offset, copy_semantics);
}

void mmtk_copy_context_post_copy(mmtk_copy_context_t *context, mmtk_object_t object, size_t bytes,
                                 int copy_semantics) {
  mmtk_gc_worker_t *w = context->worker;
  copy_post(w, copy_target(w->mmtk, copy_semantics)->space, (uintptr_t)object, bytes);
}
