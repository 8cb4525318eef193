/* Copying objects (MMTk's util::copy, design.copy): the default copy and the helpers a
 * binding's own copy callback uses. */
#include "mmtk_internal.h"

static void *copy_alloc(mmtk_gc_worker_t *w, size_t bytes, size_t align, size_t offset,
                        int semantics) {
  mmtk_t *mmtk = w->mmtk;
  unsigned index;
  struct space *to = mmtk->plan->copy_target(mmtk, semantics, &index);
  size_t need = bytes ? align_up(bytes, MMTK_MIN_ALIGNMENT) : MMTK_MIN_ALIGNMENT;
  size_t al = align < MMTK_MIN_ALIGNMENT ? MMTK_MIN_ALIGNMENT : align;
  enum alloc_status st;
  if (to->ops == &immix_space_ops) {
    /* The Immix trace reserved the room before it decided to copy (immixspace.c). */
    struct immix_allocator *ia = &w->copy.immix[index];
    if (ia->space != to) {
      immix_alloc_reset(ia);
      ia->space = to;
    }
    uintptr_t r = immix_alloc(ia, need, al, offset % al,
                              MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT | ALLOC_OPT_UNZEROED, &st);
    if (!r)
      mmtk_panic(__FILE__, __LINE__, "the %s space cannot take a %zu-byte copy (more than the "
                 "binding's get_size_when_copied said?)", to->name, bytes);
    w->copy.bytes_copied += need;
    return (void *)r;
  }
  struct bump_allocator *a = &w->copy.bump[index];
  if (a->space != to) {
    bump_reset(a);
    a->space = to;
  }
  /* The plan reserved room for every survivor: copying never waits for the heap limit. */
  uintptr_t r;
  /* The OS refusing to commit to-space pages may pass (design.gc.memory): report, wait. */
  for (unsigned attempt = 0;; attempt++) {
    r = bump_alloc(a, need, al, offset % al, MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT | ALLOC_OPT_UNZEROED, &st);
    if (r || st != ALLOC_MMAP_FAILED) break;
    gc_wait_for_memory(mmtk, "to-space pages", need, attempt);
  }
  if (!r)
    mmtk_panic(__FILE__, __LINE__, "the %s space cannot take a %zu-byte copy: %s", to->name,
               bytes, st == ALLOC_MMAP_FAILED ? "the operating system refused memory"
                                              : "its address range is full");
  w->copy.bytes_copied += need;
  return (void *)r;
}

static void copy_post(mmtk_gc_worker_t *w, uintptr_t object, size_t bytes) {
  mmtk_t *mmtk = w->mmtk;
  fwd_clear(mmtk, object);
#if MMTK_HAVE_VO_BIT
  vo_bit_set(&mmtk->vo_bit, object);
#endif
  struct space *s = space_of(mmtk, object);
  if (s && s->ops->post_copy) s->ops->post_copy(s, object, bytes);
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
  copy_post(w, copy, bytes);
  return copy;
}

void copy_allocators_reset(struct copy_allocators *c) {
  for (unsigned i = 0; i < MAX_COPY_TARGETS; i++) {
    bump_reset(&c->bump[i]);
    c->bump[i].space = NULL;
  }
  immix_alloc_reset(&c->immix[0]);
  c->immix[0].space = NULL;
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
  (void)copy_semantics;
  copy_post(context->worker, (uintptr_t)object, bytes);
}
