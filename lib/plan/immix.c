/* Immix (MMTk's plan::immix, design.plan.immix): a mark-region plan.  Objects live in the
 * Immix space (lib/policy/immix/); large, immortal and non-moving objects in the common
 * plan's spaces (plan/common.h).  Most GCs mark in place (TRACE_FAST); a defrag GC
 * (TRACE_DEFRAG) also evacuates the most fragmented blocks (immix.h). */
#include "mmtk_internal.h"

enum { IMMIX_SPACE, COMMON };

struct immix_plan {
  struct space immix;
  struct side_metadata_spec meta[3]; /* the space's line marks, block states, own marks */
  struct common_plan common;
};

static struct immix_plan *ix(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool ix_create(mmtk_t *mmtk) {
  struct immix_plan *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!immix_space_create(mmtk, &p->immix, "immix", IMMIX_SPACE, p->meta)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix space");
    return false;
  }
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void ix_destroy(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  if (!p) return;
  immix_space_destroy(&p->immix);
  common_plan_destroy(&p->common);
  free(p);
  mmtk->plan_data = NULL;
}

void immix_mutator_default(struct space *immix, struct mmtk_mutator *m) {
  m->immix[0].bp = &m->head.default_bump;
  m->immix[0].space = immix;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_IMMIX, 0);
  /* Header marks: new objects take the space's mark state (immixspace.c). */
  if (immix_needs_post_alloc(immix)) m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

static void ix_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct immix_plan *p = ix(mmtk);
  common_plan_mutator_init(&p->common, m);
  immix_mutator_default(&p->immix, m);
}

/* As MMTk decides (immix_decide_defrag): an emergency GC, immix_always_defrag, a user
 * request with full_heap_system_gc, or fragmentation (holes were left when the GC was
 * needed).  StickyImmix's full-heap GCs decide alike. */
static enum trace_kind ix_select_gc(mmtk_t *mmtk, int reason) {
  return immix_decide_defrag(&ix(mmtk)->immix, reason) ? TRACE_DEFRAG : TRACE_FAST;
}

static void ix_prepare(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  immix_prepare(&p->immix, mmtk->gc.kind == TRACE_DEFRAG);
  common_plan_prepare(&p->common, true);
}

static void ix_release(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  immix_release(&p->immix);
  common_plan_release(&p->common, true);
}

static void ix_end_of_gc(mmtk_t *mmtk) {
  immix_end_of_gc(&ix(mmtk)->immix);
  common_plan_end_of_gc(&ix(mmtk)->common);
}

/* The copy reserve of defrag GCs. */
static size_t ix_reserved_pages(const mmtk_t *mmtk) {
  return immix_defrag_headroom_pages(&ix(mmtk)->immix);
}

/* Defrag copies go back into the Immix space, through a worker's Immix allocator. */
static void ix_copy_config(mmtk_t *mmtk, struct copy_config *c) {
  struct immix_plan *p = ix(mmtk);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    c->map[i] = (struct copy_target){MMTK_ALLOCATOR_IMMIX, 0, &p->immix};
}

const struct plan_ops immix_plan_ops = {
    .kind = MMTK_PLAN_IMMIX,
    .collects_garbage = true,
    .moves_objects = true,
    .max_non_los_default_alloc_bytes = IMMIX_MAX_OBJECT_BYTES,
    .create = ix_create,
    .destroy = ix_destroy,
    .mutator_init = ix_mutator_init,
    .select_gc = ix_select_gc,
    .prepare = ix_prepare,
    .release = ix_release,
    .end_of_gc = ix_end_of_gc,
    .reserved_pages = ix_reserved_pages,
    .copy_config = ix_copy_config,
};
