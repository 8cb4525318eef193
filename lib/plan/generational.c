/* What the generational plans share (design.plan.generational). */
#include "mmtk_internal.h"

void gen_init(mmtk_t *mmtk, struct gen_plan *g, struct common_plan *common) {
  g->common = common;
  g->full_heap = true;
  common_plan_set_unlog(common);
  mmtk->stats.generational = true; /* the harness table splits nursery and full GCs */
}

void gen_create(mmtk_t *mmtk, struct gen_plan *g, struct common_plan *common, unsigned index) {
  space_init(&g->nursery, mmtk, "nursery", index, &copy_space_ops, PR_MONOTONE);
  g->nursery.nursery = true;
  gen_init(mmtk, g, common);
}

void gen_destroy(struct gen_plan *g) { space_destroy(&g->nursery); }

void gen_mutator_init(struct gen_plan *g, struct mmtk_mutator *m) {
  m->bump[0].bp = &m->head.default_bump;
  m->bump[0].space = &g->nursery;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  gen_mutator_barrier(g->nursery.mmtk, m);
}

void gen_mutator_barrier(const mmtk_t *mmtk, struct mmtk_mutator *m) {
  m->barrier = BARRIER_OBJECT;
  m->head.flags |= MMTK_MUTATOR_WRITE_BARRIER;
  /* Inline code tests the unlog bit itself: on the side, where the head's layout (a bit
   * per word) holds; in the header, when the header starts at the object reference (no
   * ref_to_header callback to call). */
  const struct obj_meta *lb = &mmtk->om.log;
  if (!lb->in_header && lb->side.log_bits == 0 && lb->side.log_region == 3) {
    m->head.log_bit_base = lb->side.base;
  } else if (lb->in_header && lb->log_bits == 0 && !mmtk->vm.ref_to_header) {
    m->head.log_bit_offset = lb->byte_offset;
    m->head.log_bit_shift = lb->shift;
    m->head.flags |= MMTK_MUTATOR_LOG_BIT_IN_HEADER;
  }
}

static size_t nursery_pages(const mmtk_t *mmtk, bool max) {
  const struct mmtk_options *o = &mmtk->options;
  size_t bytes;
  switch (o->nursery.kind) {
  case MMTK_NURSERY_PROPORTIONAL:
    bytes = (size_t)((double)mmtk->trigger.limit_bytes * (max ? o->nursery.max_frac : o->nursery.min_frac));
    break;
  default: /* Bounded, Fixed (min == max) */
    bytes = max ? o->nursery.max : o->nursery.min;
    break;
  }
  size_t pages = bytes >> LOG_BYTES_IN_PAGE;
  return pages ? pages : 1;
}

size_t gen_max_nursery_pages(const mmtk_t *mmtk) { return nursery_pages(mmtk, true); }
size_t gen_min_nursery_pages(const mmtk_t *mmtk) { return nursery_pages(mmtk, false); }

bool gen_nursery_full(const mmtk_t *mmtk, size_t young_pages) {
  return young_pages > gen_max_nursery_pages(mmtk);
}

bool gen_collection_required(mmtk_t *mmtk, struct gen_plan *g, struct space *s, size_t pages) {
  size_t more = s == &g->nursery ? pages : 0;
  return gen_nursery_full(mmtk, pr_pages(&g->nursery.pr) + more);
}

/* MMTk's requires_full_heap_collection: a user request when full_heap_system_gc says
 * so, an emergency (the last GC freed too little), or too little room left for a
 * nursery after the last GC. */
enum trace_kind gen_select_gc(mmtk_t *mmtk, struct gen_plan *g, int reason) {
  bool full = g->next_full_heap || reason == GC_REASON_EMERGENCY ||
              (reason == GC_REASON_USER && mmtk->options.full_heap_system_gc);
  g->full_heap = full;
  return full ? TRACE_FAST : TRACE_NURSERY;
}

void gen_schedule_collection(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  gc_schedule_default(mmtk, w); /* stops the mutators: their barrier buffers are handed over */
#if MMTK_HAVE_SANITY
  /* Before the remembered set goes into packets: the check reads it. */
  if (mmtk->options.sanity && mmtk->gc.kind == TRACE_NURSERY) sanity_gen_begin(mmtk);
#endif
  remset_schedule(mmtk, mmtk->gc.kind == TRACE_NURSERY);
}

void gen_prepare_mature(mmtk_t *mmtk, struct gen_plan *g) {
  /* The VM space is mature too: its objects are remembered when written. */
  mmtk->vm_space.collected = g->full_heap;
  common_plan_prepare(g->common, g->full_heap);
}

void gen_prepare(mmtk_t *mmtk, struct gen_plan *g) {
  g->nursery.from_space = true;
  gen_prepare_mature(mmtk, g);
}

void gen_release(mmtk_t *mmtk, struct gen_plan *g) {
  (void)mmtk;
  space_reset(&g->nursery);
  g->nursery.from_space = false;
  common_plan_release(g->common, g->full_heap);
}

/* MMTk's should_next_gc_be_full_heap: fewer free pages than the smallest nursery. */
void gen_end_of_gc(mmtk_t *mmtk, struct gen_plan *g) {
  size_t limit = mmtk->trigger.limit_bytes >> LOG_BYTES_IN_PAGE;
  size_t used = atomic_load(&mmtk->trigger.used_pages);
  size_t reserve = mmtk->plan->reserved_pages ? mmtk->plan->reserved_pages(mmtk) : 0;
  size_t available = limit > used + reserve ? limit - used - reserve : 0;
  g->next_full_heap = available < gen_min_nursery_pages(mmtk);
  common_plan_end_of_gc(g->common);
}
