/* The GC trigger (design.heap.trigger).  Collecting plans add the decision of when to
 * collect on top of this budget. */
#include "mmtk_internal.h"

void gc_trigger_init(mmtk_t *mmtk) {
  struct gc_trigger *t = &mmtk->trigger;
  const struct mmtk_options *o = &mmtk->options;
  atomic_init(&t->used_pages, 0);
  atomic_init(&t->acquired_pages, 0);
  atomic_init(&t->pending_pages, 0);
  switch (o->gc_trigger.kind) {
  case MMTK_TRIGGER_FIXED:
    t->limit_bytes = t->max_bytes = o->gc_trigger.max;
    break;
  case MMTK_TRIGGER_DYNAMIC:
    /* Page multiples within [MIN, MAX] (rounded inwards; a range without one gets the
     * page below MAX, or one page). */
    t->max_bytes = align_down(o->gc_trigger.max, BYTES_IN_PAGE);
    if (!t->max_bytes) t->max_bytes = BYTES_IN_PAGE;
    t->min_bytes = align_up(o->gc_trigger.min, BYTES_IN_PAGE);
    if (t->min_bytes > t->max_bytes) t->min_bytes = t->max_bytes;
    /* A heap that cannot collect cannot shrink: it may as well start at its maximum. */
    t->limit_bytes = mmtk->plan->collects_garbage ? t->min_bytes : t->max_bytes;
    break;
  case MMTK_TRIGGER_DELEGATED:
    /* The binding decides when to collect; the heap range bounds the size. */
    t->limit_bytes = t->max_bytes = mmtk->layout.end - mmtk->layout.start;
    break;
  }
}

static size_t extra_bytes(const mmtk_t *mmtk) {
  size_t extra = 0;
#if MMTK_HAVE_MALLOC_COUNTED_SIZE
  extra += atomic_load_explicit(&mmtk->malloc_bytes, memory_order_relaxed);
#endif
  if (mmtk->vm.vm_live_bytes) extra += mmtk->vm.vm_live_bytes(mmtk->vm_ctx);
  return extra;
}

size_t gc_trigger_used_bytes(const mmtk_t *mmtk) {
  size_t pages = atomic_load_explicit(&mmtk->trigger.used_pages, memory_order_relaxed);
  return (pages << LOG_BYTES_IN_PAGE) + extra_bytes(mmtk);
}

bool gc_trigger_charge(mmtk_t *mmtk, size_t pages, bool overcommit) {
  struct gc_trigger *t = &mmtk->trigger;
  size_t now = atomic_fetch_add_explicit(&t->used_pages, pages, memory_order_relaxed) + pages;
  if (!overcommit) {
    size_t limit_pages = t->limit_bytes >> LOG_BYTES_IN_PAGE;
    size_t extra_pages = bytes_to_pages_up(extra_bytes(mmtk));
    if (mmtk->plan->reserved_pages) extra_pages += mmtk->plan->reserved_pages(mmtk);
    if (now > limit_pages || limit_pages - now < extra_pages) {
      atomic_fetch_sub_explicit(&t->used_pages, pages, memory_order_relaxed);
      if (mmtk->options.gc_trigger.kind == MMTK_TRIGGER_DYNAMIC)
        atomic_fetch_add_explicit(&t->pending_pages, pages, memory_order_relaxed);
      return false;
    }
  }
  atomic_fetch_add_explicit(&t->acquired_pages, pages, memory_order_relaxed);
  return true;
}

void gc_trigger_uncharge(mmtk_t *mmtk, size_t pages) {
  atomic_fetch_sub_explicit(&mmtk->trigger.used_pages, pages, memory_order_relaxed);
}

void gc_trigger_after_gc(mmtk_t *mmtk, size_t live_bytes) {
  struct gc_trigger *t = &mmtk->trigger;
  if (mmtk->options.gc_trigger.kind != MMTK_TRIGGER_DYNAMIC) return;
  /* Grow or shrink to a few times the live size (copying plans need room for a copy of
   * everything that survives), within [MIN, MAX]. */
  size_t target = live_bytes * (mmtk->plan->moves_objects ? 4 : 2);
  /* Whatever the rule: room for what survived, the copy reserve, the VM's bytes and the
   * requests that failed for lack of budget (without it, a request bigger than the
   * current limit would fail while the heap may still grow). */
  size_t pending = atomic_exchange_explicit(&t->pending_pages, 0, memory_order_relaxed);
  size_t needed = atomic_load_explicit(&t->used_pages, memory_order_relaxed) + pending +
                  bytes_to_pages_up(extra_bytes(mmtk));
  if (mmtk->plan->reserved_pages) needed += mmtk->plan->reserved_pages(mmtk);
  if (target < (needed << LOG_BYTES_IN_PAGE)) target = needed << LOG_BYTES_IN_PAGE;
  target = align_up(target, BYTES_IN_PAGE);
  if (target < t->min_bytes) target = t->min_bytes;
  if (target > t->max_bytes) target = t->max_bytes;
  t->limit_bytes = target;
}
