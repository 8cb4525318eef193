/* The spaces every collecting plan has (design.plan.common). */
#include "mmtk_internal.h"

bool common_plan_create(mmtk_t *mmtk, struct common_plan *c, unsigned first_index) {
  space_init(&c->immortal, mmtk, "immortal", first_index, &immortal_space_gc_ops, PR_MONOTONE);
  space_init(&c->los, mmtk, "los", first_index + 1, &large_object_space_gc_ops, PR_FREELIST);
  if (!los_init(&c->los)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the large object space");
    return false;
  }
  if (!ms_space_create(mmtk, &c->nonmoving, "nonmoving", first_index + 2, &c->nonmoving_mark)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the non-moving space");
    return false;
  }
  return true;
}

void common_plan_destroy(struct common_plan *c) {
  ms_space_destroy(&c->nonmoving);
  los_destroy(&c->los);
  space_destroy(&c->immortal);
  space_destroy(&c->los);
  space_destroy(&c->nonmoving);
}

void common_plan_mutator_init(struct common_plan *c, struct mmtk_mutator *m) {
  m->bump[COMMON_BUMP_IMMORTAL].space = &c->immortal;
  m->los[COMMON_LOS].space = &c->los;
  m->freelist[COMMON_FREE_LIST].space = &c->nonmoving;
  m->freelist[COMMON_FREE_LIST].large = &m->los[COMMON_LOS];
  mutator_map(m, MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, COMMON_BUMP_IMMORTAL);
  mutator_map(m, MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, COMMON_BUMP_IMMORTAL);
  mutator_map(m, MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, COMMON_BUMP_IMMORTAL);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, COMMON_LOS);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, COMMON_LOS);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_FREE_LIST, COMMON_FREE_LIST);
}

void common_plan_prepare(struct common_plan *c, bool full_heap) {
  /* A nursery GC leaves the immortal and non-moving spaces alone (their objects count as
   * reachable, design.plan.trace-kind.liveness) and sweeps only young large objects. */
  c->immortal.collected = c->nonmoving.collected = full_heap;
  if (full_heap) {
    space_flip_mark_state(&c->immortal);
    ms_prepare(&c->nonmoving);
  }
  los_prepare(&c->los, !full_heap);
}

void common_plan_release(struct common_plan *c, bool full_heap) {
  if (full_heap) ms_release(&c->nonmoving);
  los_release(&c->los, !full_heap);
}

void common_plan_set_unlog(struct common_plan *c) {
  c->immortal.unlog = c->los.unlog = c->nonmoving.unlog = true;
  c->los.young_traced = true;
}

/* eager_complete_sweep: after the sanity verifier has used the marks. */
void common_plan_end_of_gc(struct common_plan *c) {
  if (c->nonmoving.mmtk->options.eager_complete_sweep) ms_sweep_all(&c->nonmoving);
}
