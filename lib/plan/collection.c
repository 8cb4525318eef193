/* How mutators ask for collections (MMTk's GCRequester and gc_trigger poll, design.gc). */
#include "mmtk_internal.h"

bool gc_can_collect(mmtk_t *mmtk, uint32_t opts) {
  if (!mmtk->plan->collects_garbage || !mmtk->collection_initialized) return false;
  /* No worker runs between mmtk_prepare_to_fork() and mmtk_after_fork(). */
  if (atomic_load_explicit(&mmtk->sched.stopped_for_fork, memory_order_relaxed)) return false;
  if (opts & MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT) return false;
  if (mmtk->vm.is_collection_enabled && !mmtk->vm.is_collection_enabled(mmtk->vm_ctx)) return false;
  return true;
}

void gc_collect(struct mmtk_mutator *m, enum gc_reason reason) {
  mmtk_t *mmtk = m->head.mmtk;
  scheduler_request_gc(mmtk, reason);
  mmtk->vm.block_for_gc(mmtk->vm_ctx, m->head.tls);
}

bool gc_required(mmtk_t *mmtk, struct space *s, size_t pages) {
  struct gc_trigger *t = &mmtk->trigger;
  if (mmtk->plan->collection_required && mmtk->plan->collection_required(mmtk, s, pages))
    return true;
  if (mmtk->options.gc_trigger.kind == MMTK_TRIGGER_DELEGATED)
    return mmtk->vm.is_gc_required(mmtk->vm_ctx, gc_trigger_used_bytes(mmtk),
                                   pages << LOG_BYTES_IN_PAGE);
  /* One load of the page count: used bytes minus a second load of it would wrap around
   * when another thread gave pages back in between (a lazy sweep, a refused charge), and
   * the huge result asked for a GC. */
  size_t used = atomic_load_explicit(&t->used_pages, memory_order_relaxed);
  size_t reserve = mmtk->plan->reserved_pages ? mmtk->plan->reserved_pages(mmtk) : 0;
  size_t extra = bytes_to_pages_up(gc_trigger_extra_bytes(mmtk));
  return used + reserve + extra + pages > (t->limit_bytes >> LOG_BYTES_IN_PAGE);
}

/* ---- Public ------------------------------------------------------------------------- */

bool mmtk_handle_user_collection_request(mmtk_mutator_t *mutator) {
  if (!mutator_check_bound(mutator, "mmtk_handle_user_collection_request")) return false;
  mmtk_t *mmtk = mutator->head.mmtk;
  /* As in MMTk, the binding's is_collection_enabled covers explicit requests too. */
  const char *why = !mmtk->plan->collects_garbage ? "NoGC does not collect"
                    : mmtk->options.ignore_system_gc ? "ignore_system_gc"
                    : !mmtk->collection_initialized ? "mmtk_initialize_collection not called yet"
                    : atomic_load(&mmtk->sched.stopped_for_fork)
                        ? "between mmtk_prepare_to_fork and mmtk_after_fork"
                    : !gc_can_collect(mmtk, 0) ? "the binding's is_collection_enabled is false"
                                               : NULL;
  if (why) {
    if (mmtk->options.verbose)
      mmtk_log(mmtk, MMTK_LOG_INFO, "user collection request ignored (%s)", why);
    return false;
  }
  uint64_t full0 = mmtk->stats.gc_count - mmtk->stats.nursery_gc_count;
  gc_collect(mutator, GC_REASON_USER);
  /* A request that arrives while another thread's GC is under way is served by that GC,
   * which may have been a nursery GC: with full_heap_system_gc the caller asked for the
   * whole heap, so ask again until a full-heap GC has run since the request. */
  while (mmtk->options.full_heap_system_gc &&
         mmtk->stats.gc_count - mmtk->stats.nursery_gc_count == full0)
    gc_collect(mutator, GC_REASON_USER);
  return true;
}

void mmtk_gc_poll(mmtk_mutator_t *mutator) {
  if (!mutator_check_bound(mutator, "mmtk_gc_poll")) return;
  mmtk_t *mmtk = mutator->head.mmtk;
  if (gc_can_collect(mmtk, 0) && gc_required(mmtk, NULL, 0)) gc_collect(mutator, GC_REASON_POLL);
}
