/* Mutators (design.mutator) and the allocation slow path every public allocation
 * function ends in (design.memory_manager.alloc). */
#include "mmtk_internal.h"

/* Mutators are retired, never freed, so that a destroyed one is still refused
 * (design.memory_manager.handles). */
static struct handle_pool mutators = HANDLE_POOL_INIT(struct mmtk_mutator);

bool mutator_check(const struct mmtk_mutator *m, const char *who) {
  if (MMTK_UNLIKELY(m == NULL)) {
    mmtk_error(NULL, "%s: the mutator is NULL", who);
    return false;
  }
  if (MMTK_UNLIKELY(handle_sig(&m->sig) != MUTATOR_SIG)) {
    mmtk_error(NULL, "%s: %p is not a live mutator (destroyed, or not from mmtk_bind_mutator)",
               who, (const void *)m);
    return false;
  }
  return true;
}

bool mutator_check_bound(const struct mmtk_mutator *m, const char *who) {
  if (!mutator_check(m, who)) return false;
  active_plan_assert_mutator(m->head.mmtk, m, who);
  return true;
}

void mutator_map(struct mmtk_mutator *m, mmtk_alloc_semantics_t semantics, uint8_t kind,
                 uint8_t index) {
  mmtk_allocator_selector_t *s = &m->mapping[semantics];
  s->kind = kind;
  s->index = index;
  s->reserved = 0;
  /* Only the head's buffer is ABI; other bump pointers are private. */
  bool head = (kind == MMTK_ALLOCATOR_BUMP_POINTER && m->bump[index].bp == &m->head.default_bump) ||
              (kind == MMTK_ALLOCATOR_IMMIX && m->immix[index].bp == &m->head.default_bump);
  s->bump_pointer_offset = head ? 0 : -1;
}

/* A buffer over an immortal space is kept: a GC never frees or moves what it covers,
 * and its unused rest would be lost (the space only grows), about 32 KiB per mutator and
 * GC.  Objects allocated from it after a GC get that cycle's mark state in post_alloc. */
void mutator_reset_buffers(struct mmtk_mutator *m) {
  for (unsigned i = 0; i < MUTATOR_BUMP_ALLOCATORS; i++)
    if (m->bump[i].bp && !(m->bump[i].space && m->bump[i].space->ops->keeps_buffers))
      bump_reset(&m->bump[i]);
  for (unsigned i = 0; i < MUTATOR_FREE_LIST_ALLOCATORS; i++) free_list_reset(&m->freelist[i]);
  immix_alloc_reset(&m->immix[0]);
  for (unsigned i = 0; i < MUTATOR_LOS_ALLOCATORS; i++) m->los[i].last = NULL;
  barrier_flush(m); /* the GC about to run needs what the barrier remembered */
}

static void report_failure(struct mmtk_mutator *m, enum alloc_status st, size_t bytes,
                           uint32_t opts, const char *who) {
  mmtk_t *mmtk = m->head.mmtk;
  int kind = st == ALLOC_MMAP_FAILED ? MMTK_OOM_MMAP : MMTK_OOM_HEAP;
  if (kind == MMTK_OOM_MMAP)
    mmtk_set_last_error("%s: out of memory: the operating system refused memory for %zu bytes",
                        who, bytes);
  else if (mmtk->plan->collects_garbage && !mmtk->collection_initialized) {
    /* The heap filled up and nothing could collect it: the likely mistake is a binding
     * that never started collection.  Said in the error, and logged once per instance
     * (even without verbose), since a bare "out of memory" gives no hint. */
    mmtk_set_last_error("%s: out of memory: %zu bytes requested with %zu of %zu heap bytes in "
                        "use, and no GC can run: mmtk_initialize_collection() was not called",
                        who, bytes, gc_trigger_used_bytes(mmtk), mmtk->trigger.limit_bytes);
    if (!atomic_exchange(&mmtk->warned_uninitialized, true))
      mmtk_log(mmtk, MMTK_LOG_WARN, "the heap is full and no GC can run before "
               "mmtk_initialize_collection() is called (plan %s)", mmtk_plan_name(mmtk->plan->kind));
  } else
    mmtk_set_last_error("%s: out of memory: %zu bytes requested with %zu of %zu heap bytes in use",
                        who, bytes, gc_trigger_used_bytes(mmtk), mmtk->trigger.limit_bytes);
  if (!(opts & MMTK_ALLOC_OPT_NO_OOM_CALL)) binding_out_of_memory(mmtk, m->head.tls, kind);
}

void *mutator_alloc_free_list_fast(struct mmtk_mutator *m, size_t size, size_t align,
                                   size_t offset, mmtk_alloc_semantics_t semantics) {
  if (!m || handle_sig(&m->sig) != MUTATOR_SIG || semantics != MMTK_ALLOC_DEFAULT ||
      m->mapping[MMTK_ALLOC_DEFAULT].kind != MMTK_ALLOCATOR_FREE_LIST || align - 1 >= MMTK_MIN_ALIGNMENT ||
      offset != 0 || size - 1 >= (size_t)m->head.max_inline_size ||
      m->head.mmtk->stress_precise)
    return NULL;
  active_plan_assert_mutator(m->head.mmtk, m, "mmtk_alloc"); /* extreme assertions only */
  struct free_list_allocator *a = &m->freelist[m->mapping[MMTK_ALLOC_DEFAULT].index];
  unsigned cls = ms_size_class(align_up(size, MMTK_MIN_ALIGNMENT));
  struct free_list_class *fc = &a->cls[cls];
  /* Only a cell of the block in hand: taking a block may need a GC, which
   * mutator_alloc() handles. */
  uint64_t *cell = (uint64_t *)fc->free;
  /* The next cells of a fresh block in hand need no GC either
   * (design.policy.marksweep.carve). */
  if (MMTK_UNLIKELY(!cell) && (!fc->block || !(cell = (uint64_t *)ms_carve(fc->block))))
    return NULL;
  fc->free = cell[0];
  /* Zero the cell in words: the common cells are a few words, shorter than a call. */
  for (size_t i = 0, n = ms_class_size[cls] / sizeof *cell; i < n; i++) cell[i] = 0;
  return cell;
}

void *mutator_alloc(struct mmtk_mutator *m, size_t size, size_t align, size_t offset,
                    mmtk_alloc_semantics_t semantics, uint32_t opts, const char *who) {
  if (!mutator_check_bound(m, who)) return NULL;
  mmtk_t *mmtk = m->head.mmtk;
  if (MMTK_UNLIKELY(semantics < 0 || semantics >= MMTK_ALLOC_SEMANTICS_COUNT)) {
    mmtk_error(mmtk, "%s: allocation semantics %d is not one of MMTK_ALLOC_DEFAULT (0) .. "
               "MMTK_ALLOC_NON_MOVING (6)", who, semantics);
    return NULL;
  }
  if (MMTK_UNLIKELY(!is_power_of_two(align) || align > MMTK_MAX_ALIGNMENT)) {
    mmtk_error(mmtk, "%s: alignment %zu is not a power of two between 1 and %d", who, align,
               MMTK_MAX_ALIGNMENT);
    return NULL;
  }
  size_t a = align < MMTK_MIN_ALIGNMENT ? MMTK_MIN_ALIGNMENT : align;
  if (MMTK_UNLIKELY(offset >= a)) {
    mmtk_error(mmtk, "%s: offset %zu must be smaller than the alignment (%zu)", who, offset, a);
    return NULL;
  }
  if (MMTK_UNLIKELY(size > MMTK_MAX_ALLOC_SIZE)) {
    mmtk_error(mmtk, "%s: size %zu is larger than the largest possible object (%zu bytes)", who,
               size, (size_t)MMTK_MAX_ALLOC_SIZE);
    return NULL;
  }
  if (MMTK_UNLIKELY(opts & ~(uint32_t)(MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT |
                                      MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT | MMTK_ALLOC_OPT_NO_OOM_CALL))) {
    mmtk_error(mmtk, "%s: unknown allocation option bits 0x%x", who, (unsigned)opts);
    return NULL;
  }
  size_t bytes = size ? align_up(size, MMTK_MIN_ALIGNMENT) : MMTK_MIN_ALIGNMENT;

  mmtk_allocator_selector_t sel = m->mapping[semantics];
  if (semantics == MMTK_ALLOC_DEFAULT && bytes > mmtk->plan->max_non_los_default_alloc_bytes)
    sel = m->mapping[MMTK_ALLOC_LOS];
  if (MMTK_UNLIKELY(mmtk->stress_precise) && gc_can_collect(mmtk, opts)) {
    /* precise_stress: every allocation comes here (the inline path is disabled). */
    size_t n = atomic_fetch_add(&mmtk->gc.stress_bytes, bytes) + bytes;
    if (n >= mmtk->options.stress_factor) gc_collect(m, GC_REASON_STRESS);
  }
  enum alloc_status st = ALLOC_HEAP_FULL;
  /* A failed attempt is followed by a GC, then by an emergency GC, then it is final. */
  for (int attempt = 0;; attempt++) {
    uintptr_t r = 0;
    switch (sel.kind) {
    case MMTK_ALLOCATOR_BUMP_POINTER:
      r = bump_alloc(&m->bump[sel.index], bytes, a, offset, opts, &st);
      break;
    case MMTK_ALLOCATOR_LARGE_OBJECT:
      r = large_object_alloc(&m->los[sel.index], bytes, a, offset, opts, &st);
      break;
    case MMTK_ALLOCATOR_FREE_LIST:
      r = free_list_alloc(&m->freelist[sel.index], bytes, a, offset, opts, &st);
      break;
    case MMTK_ALLOCATOR_IMMIX:
      r = immix_alloc(&m->immix[sel.index], bytes, a, offset, opts, &st);
      break;
    case MMTK_ALLOCATOR_MARK_COMPACT:
      r = mc_alloc(&m->bump[sel.index], bytes, a, offset, opts, &st);
      break;
    default:
      mmtk_panic(__FILE__, __LINE__, "plan %s maps semantics %d to allocator kind %u",
                 mmtk_plan_name(mmtk->plan->kind), semantics, sel.kind);
    }
    if (MMTK_LIKELY(r)) return (void *)r;
    if (st == ALLOC_MMAP_FAILED || attempt == 2 || !gc_can_collect(mmtk, opts)) break;
    if (st == ALLOC_GC_STRESS) {
      gc_collect(m, GC_REASON_STRESS);
      attempt--; /* a stress GC is not a sign of a full heap */
      continue;
    }
    gc_collect(m, attempt == 0 ? GC_REASON_HEAP_FULL : GC_REASON_EMERGENCY);
  }
  report_failure(m, st, bytes, opts, who);
  return NULL;
}

/* ---- Public: binding and destroying mutators ----------------------------------------- */

mmtk_mutator_t *mmtk_bind_mutator(mmtk_t *mmtk, void *tls) {
  if (!instance_check(mmtk, "mmtk_bind_mutator")) return NULL;
  struct mmtk_mutator *m = handle_alloc(&mutators);
  if (!m) {
    mmtk_error(mmtk, "mmtk_bind_mutator: out of memory for the mutator");
    return NULL;
  }
  m->head.mmtk = mmtk;
  m->head.tls = tls;
  m->head.vo_bit_base = mmtk->vo_bit_base;
  m->head.room_start = mmtk->room.start;
  m->head.room_bytes = mmtk->room.bytes;
  m->head.max_inline_size = (uint32_t)(mmtk->plan->max_non_los_default_alloc_bytes < MMTK_INLINE_ALLOC_MAX
                                           ? mmtk->plan->max_non_los_default_alloc_bytes
                                           : MMTK_INLINE_ALLOC_MAX);
  for (unsigned i = 0; i < MUTATOR_BUMP_ALLOCATORS; i++) m->bump[i].bp = &m->bump[i].own;
  m->immix[0].bp = &m->immix[0].own;
  for (int s = 0; s < MMTK_ALLOC_SEMANTICS_COUNT; s++) mutator_map(m, s, MMTK_ALLOCATOR_NONE, 0);
  mmtk->plan->mutator_init(mmtk, m);
  if (mmtk->stress_precise)
    for (unsigned i = 0; i < MUTATOR_BUMP_ALLOCATORS; i++) m->bump[i].hide_limit = true;
  if (mmtk->stress_precise) m->immix[0].hide_limit = true;
  /* Inline code pops the default free-list allocator's cells (mmtk_alloc_fast): its
   * classes are laid out as the head documents.  Not with precise stress, where every
   * allocation must reach the slow path. */
  const mmtk_allocator_selector_t *def = &m->mapping[MMTK_ALLOC_DEFAULT];
  if (def->kind == MMTK_ALLOCATOR_FREE_LIST && !mmtk->stress_precise)
    m->head.free_lists = (uintptr_t *)m->freelist[def->index].cls;

  pthread_mutex_lock(&mmtk->mutators_lock);
  m->next = mmtk->mutators;
  if (m->next) m->next->prev = m;
  mmtk->mutators = m;
  mmtk->nmutators++;
  pthread_mutex_unlock(&mmtk->mutators_lock);
  handle_set_sig(&m->sig, MUTATOR_SIG); /* last: now it is a mutator */
  return m;
}

void mutator_free(struct mmtk_mutator *m) {
  handle_set_sig(&m->sig, 0); /* first: from here every check refuses it */
  mmtk_t *mmtk = m->head.mmtk;
  mutator_reset_buffers(m);
  pthread_mutex_lock(&mmtk->mutators_lock);
  if (m->prev) m->prev->next = m->next;
  else mmtk->mutators = m->next;
  if (m->next) m->next->prev = m->prev;
  mmtk->nmutators--;
  pthread_mutex_unlock(&mmtk->mutators_lock);
  /* The inline paths read only the head: make every one of them fail, so that a stale
   * handle reaches the checked out-of-line functions (mmtk_alloc_slow,
   * mmtk_post_alloc, mmtk_object_reference_write and its _pre and _post) instead of
   * allocating from buffers it no longer owns. */
  m->head.default_bump.cursor = m->head.default_bump.limit = 0;
  m->head.max_inline_size = 0;
  m->head.free_lists = NULL;
  m->head.log_bit_base = 0;
  m->head.log_bit_offset = 0;
  m->head.log_bit_shift = 0;
  m->head.flags = MMTK_MUTATOR_POST_ALLOC_SLOW | MMTK_MUTATOR_WRITE_BARRIER | MMTK_MUTATOR_PRE_BARRIER;
  handle_retire(&mutators, m);
}

/* The barrier's buffers: their entries must reach the next GC. */
static void flush_buffers(struct mmtk_mutator *m) { barrier_flush(m); }

void mmtk_destroy_mutator(mmtk_mutator_t *mutator) {
  if (mutator == NULL) return;
  /* Not mutator_check_bound(): the VM may already have forgotten the thread. */
  if (!mutator_check(mutator, "mmtk_destroy_mutator")) return;
  flush_buffers(mutator);
  mutator_free(mutator);
}

void mmtk_flush_mutator(mmtk_mutator_t *mutator) {
  if (!mutator_check_bound(mutator, "mmtk_flush_mutator")) return;
  flush_buffers(mutator);
}
