/* The public API's thin entry points (MMTk's memory_manager, design.memory_manager):
 * check the arguments, then route to the mutator, plan, spaces or metadata. */
#include "mmtk_internal.h"

/* The words of a refusal of `who` for address `a`, which is not in this instance's heap:
 * another instance's, or nobody's (design.heap.rooms). */
static void not_in_heap(const mmtk_t *mmtk, const char *who, uintptr_t a, const char *nobodys) {
  unsigned n = heap_range_number_at(a);
  if (n && n != mmtk->room.number)
    mmtk_set_last_error("%s: %p belongs to another instance (instance %u; this is instance %u)",
                        who, (void *)a, n, mmtk->room.number);
  else
    mmtk_set_last_error("%s: %p %s", who, (void *)a, nobodys);
}

/* ---- Allocation ----------------------------------------------------------------------- */

void *mmtk_alloc(mmtk_mutator_t *mutator, size_t size, size_t align, size_t offset,
                 mmtk_alloc_semantics_t semantics) {
  if (MMTK_UNLIKELY(mutator == NULL)) return mutator_alloc(NULL, size, align, offset, semantics, 0, "mmtk_alloc");
  return mmtk_alloc_fast(mutator, size, align, offset, semantics);
}

void *mmtk_alloc_slow(mmtk_mutator_t *mutator, size_t size, size_t align, size_t offset,
                      mmtk_alloc_semantics_t semantics) {
  /* Free-list plans have no inline path: their common request is served here first. */
  void *r = mutator_alloc_free_list_fast(mutator, size, align, offset, semantics);
  if (MMTK_LIKELY(r)) return r;
  return mutator_alloc(mutator, size, align, offset, semantics, 0, "mmtk_alloc");
}

void *mmtk_alloc_with_options(mmtk_mutator_t *mutator, size_t size, size_t align, size_t offset,
                              mmtk_alloc_semantics_t semantics, uint32_t options) {
  if (options == 0 && mutator) return mmtk_alloc_fast(mutator, size, align, offset, semantics);
  return mutator_alloc(mutator, size, align, offset, semantics, options, "mmtk_alloc_with_options");
}

void *mmtk_alloc_slow_with_options(mmtk_mutator_t *mutator, size_t size, size_t align,
                                   size_t offset, mmtk_alloc_semantics_t semantics,
                                   uint32_t options) {
  return mutator_alloc(mutator, size, align, offset, semantics, options,
                       "mmtk_alloc_slow_with_options");
}

void mmtk_post_alloc(mmtk_mutator_t *mutator, mmtk_object_t object, size_t bytes,
                     mmtk_alloc_semantics_t semantics) {
  if (!mutator_check_bound(mutator, "mmtk_post_alloc")) return;
  mmtk_t *mmtk = mutator->head.mmtk;
  uintptr_t o = (uintptr_t)object;
  struct space *s = heap_space_of(mmtk, o); /* not the VM space: libmmtk never allocates there */
  if (MMTK_UNLIKELY(s == NULL || (o & (BYTES_IN_WORD - 1)))) {
    not_in_heap(mmtk, "mmtk_post_alloc", o, "is not a word-aligned address in the heap");
    mmtk_log(mmtk, MMTK_LOG_ERROR, "%s", mmtk_last_error());
    return;
  }
  s->ops->post_alloc(s, mutator, o, bytes);
#if MMTK_HAVE_VO_BIT
  vo_bit_set(&mmtk->vo_bit, o);
#endif
  /* A generational plan's mature space: remembered, so that stores into the new object
   * need no barrier before the next GC (design.barrier.new-objects).  A young large
   * object is traced by the nursery GC itself. */
  if (s->unlog && !s->young_traced) barrier_remember_new(mutator, o);
}

mmtk_allocator_selector_t mmtk_get_allocator_mapping(const mmtk_t *mmtk,
                                                     mmtk_alloc_semantics_t semantics) {
  mmtk_allocator_selector_t none = {MMTK_ALLOCATOR_NONE, 0, 0, -1};
  if (!instance_check(mmtk, "mmtk_get_allocator_mapping")) return none;
  if (semantics < 0 || semantics >= MMTK_ALLOC_SEMANTICS_COUNT) {
    mmtk_error(mmtk, "mmtk_get_allocator_mapping: allocation semantics %d is not one of "
               "MMTK_ALLOC_DEFAULT (0) .. MMTK_ALLOC_NON_MOVING (6)", semantics);
    return none;
  }
  /* The mapping is the plan's; a scratch mutator shows it without binding one. */
  struct mmtk_mutator scratch;
  memset(&scratch, 0, sizeof scratch);
  scratch.head.mmtk = (mmtk_t *)mmtk;
  for (unsigned i = 0; i < MUTATOR_BUMP_ALLOCATORS; i++) scratch.bump[i].bp = &scratch.bump[i].own;
  scratch.immix[0].bp = &scratch.immix[0].own;
  mmtk->plan->mutator_init((mmtk_t *)mmtk, &scratch);
  return scratch.mapping[semantics];
}

/* ---- Barriers: none of this version's plans has one ------------------------------------- */

/* Only the mutator is checked, a load and a compare: a destroyed mutator's head routes
 * mmtk_object_reference_write_fast() here (design.memory_manager.handles). */

/* The object barrier acts after the store (design.barrier.object); no barrier of this
 * version acts before it. */
void mmtk_object_reference_write_pre(mmtk_mutator_t *mutator, mmtk_object_t src,
                                     mmtk_slot_t slot, mmtk_object_t target) {
  mutator_check(mutator, "mmtk_object_reference_write_pre");
}

void mmtk_object_reference_write_post(mmtk_mutator_t *mutator, mmtk_object_t src,
                                      mmtk_slot_t slot, mmtk_object_t target) {
  if (!mutator_check(mutator, "mmtk_object_reference_write_post")) return;
  if (mutator->barrier == BARRIER_OBJECT && src) barrier_object_post(mutator, (uintptr_t)src);
}

void mmtk_object_reference_write(mmtk_mutator_t *mutator, mmtk_object_t src, mmtk_slot_t slot,
                                 mmtk_object_t target) {
  if (!mutator_check(mutator, "mmtk_object_reference_write")) return;
  *(mmtk_object_t *)slot = target;
  if (mutator->barrier == BARRIER_OBJECT && src) barrier_object_post(mutator, (uintptr_t)src);
}

void mmtk_memory_region_copy_pre(mmtk_mutator_t *mutator, const void *src, void *dst,
                                 size_t bytes) {
  mutator_check(mutator, "mmtk_memory_region_copy_pre");
}

void mmtk_memory_region_copy_post(mmtk_mutator_t *mutator, const void *src, void *dst,
                                  size_t bytes) {
  if (!mutator_check(mutator, "mmtk_memory_region_copy_post")) return;
  if (mutator->barrier == BARRIER_OBJECT) barrier_region_post(mutator, (uintptr_t)dst, bytes);
}

void mmtk_memory_region_copy(mmtk_mutator_t *mutator, const void *src, void *dst, size_t bytes) {
  if (!mutator_check(mutator, "mmtk_memory_region_copy")) return;
  memmove(dst, src, bytes);
  if (mutator->barrier == BARRIER_OBJECT) barrier_region_post(mutator, (uintptr_t)dst, bytes);
}

/* ---- Collection control ----------------------------------------------------------------- */

void mmtk_harness_begin(mmtk_mutator_t *mutator) {
  if (!mutator_check_bound(mutator, "mmtk_harness_begin")) return;
  mmtk_handle_user_collection_request(mutator);
  stats_harness_begin(mutator->head.mmtk);
}

void mmtk_harness_end(mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_harness_end")) return;
  if (!stats_harness_end(mmtk))
    mmtk_error(mmtk, "mmtk_harness_end: mmtk_harness_begin was not called");
}

/* ---- Heap queries ------------------------------------------------------------------------ */

bool mmtk_is_live_object(const mmtk_t *mmtk, mmtk_object_t object) {
  if (!instance_check(mmtk, "mmtk_is_live_object")) return false;
  struct space *s = space_of(mmtk, (uintptr_t)object);
  return s && s->ops->is_live(s, (uintptr_t)object);
}

bool mmtk_is_in_mmtk_spaces(const mmtk_t *mmtk, const void *address) {
  if (!instance_check(mmtk, "mmtk_is_in_mmtk_spaces")) return false;
  return space_of(mmtk, (uintptr_t)address) != NULL;
}

bool mmtk_is_mapped_address(const mmtk_t *mmtk, const void *address) {
  if (!instance_check(mmtk, "mmtk_is_mapped_address")) return false;
  return layout_chunk_owner(&mmtk->layout, (uintptr_t)address) != 0;
}

mmtk_object_t mmtk_is_mmtk_object(const mmtk_t *mmtk, const void *address) {
  if (!instance_check(mmtk, "mmtk_is_mmtk_object")) return NULL;
#if MMTK_HAVE_VO_BIT
  uintptr_t a = (uintptr_t)address;
  if ((a & (BYTES_IN_WORD - 1)) || !heap_space_of(mmtk, a)) return NULL; /* VM space: no VO bits */
  return vo_bit_is_set(&mmtk->vo_bit, a) ? (mmtk_object_t)a : NULL;
#else
  mmtk_set_last_error("mmtk_is_mmtk_object: libmmtk was built without --enable-vo-bit");
  return NULL;
#endif
}

mmtk_object_t mmtk_find_object_from_internal_pointer(const mmtk_t *mmtk, const void *pointer,
                                                     size_t max_search_bytes) {
  if (!instance_check(mmtk, "mmtk_find_object_from_internal_pointer")) return NULL;
#if MMTK_HAVE_VO_BIT
  uintptr_t p = (uintptr_t)pointer;
  struct space *s = heap_space_of(mmtk, p);
  if (!s) return NULL;
  /* Search no lower than the space's start, the caller's bound, or an unmapped chunk. */
  uintptr_t low = p - s->start > max_search_bytes ? p - max_search_bytes : s->start;
  uintptr_t c = align_down(p, BYTES_IN_CHUNK);
  while (c > low && layout_chunk_owner(&mmtk->layout, c - 1)) c -= BYTES_IN_CHUNK;
  if (c > low) low = c;
  uintptr_t obj = side_metadata_find_prev_set(&mmtk->vo_bit, p, low);
  if (!obj) return NULL;
  size_t size = binding_current_size(mmtk, (mmtk_object_t)obj);
  if (mmtk->vm.get_current_size && p >= obj + size) return NULL;
  return (mmtk_object_t)obj;
#else
  (void)max_search_bytes;
  mmtk_set_last_error("mmtk_find_object_from_internal_pointer: libmmtk was built without "
                      "--enable-vo-bit");
  return NULL;
#endif
}

static struct space *object_space(const mmtk_t *mmtk, mmtk_object_t object, const char *who) {
  if (!instance_check(mmtk, who)) return NULL;
  struct space *s = space_of(mmtk, (uintptr_t)object);
  if (!s) not_in_heap(mmtk, who, (uintptr_t)object, "is not in the heap");
  return s;
}

bool mmtk_pin_object(mmtk_t *mmtk, mmtk_object_t object) {
  struct space *s = object_space(mmtk, object, "mmtk_pin_object");
  return s && s->ops->pin(s, (uintptr_t)object);
}

bool mmtk_unpin_object(mmtk_t *mmtk, mmtk_object_t object) {
  struct space *s = object_space(mmtk, object, "mmtk_unpin_object");
  return s && s->ops->unpin(s, (uintptr_t)object);
}

bool mmtk_is_pinned(const mmtk_t *mmtk, mmtk_object_t object) {
  struct space *s = object_space(mmtk, object, "mmtk_is_pinned");
  return s && s->ops->is_pinned(s, (uintptr_t)object);
}

void *mmtk_starting_heap_address(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_starting_heap_address")) return NULL;
  return (void *)mmtk->layout.start;
}

void *mmtk_last_heap_address(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_last_heap_address")) return NULL;
  return (void *)mmtk->layout.end;
}

size_t mmtk_total_bytes(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_total_bytes")) return 0;
  return mmtk->trigger.limit_bytes;
}

size_t mmtk_used_bytes(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_used_bytes")) return 0;
  return gc_trigger_used_bytes(mmtk);
}

size_t mmtk_free_bytes(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_free_bytes")) return 0;
  size_t used = gc_trigger_used_bytes(mmtk), total = mmtk->trigger.limit_bytes;
  return used < total ? total - used : 0;
}
