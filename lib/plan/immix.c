/* Immix (MMTk's plan::immix, design.plan.immix): a mark-region plan.  Objects live in the
 * Immix space (lib/policy/immix/); large objects in the large object space; immortal
 * and non-moving ones in the immortal space.  Most GCs mark in place; a defrag GC also
 * evacuates the most fragmented blocks (immix.h). */
#include "mmtk_internal.h"

enum { IMMIX_SPACE, IMMORTAL, LOS };

struct immix_plan {
  struct space immix, immortal, los;
};

static struct immix_plan *ix(const mmtk_t *mmtk) { return mmtk->plan_data; }

/* The line marks and block states: mmtk->plan_meta[0] and [1]. */
static void ix_add_metadata(mmtk_t *mmtk) { immix_add_metadata(mmtk, mmtk->plan_meta); }

static bool ix_create(mmtk_t *mmtk) {
  struct immix_plan *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix plan");
    return false;
  }
  space_init(&p->immix, mmtk, "immix", IMMIX_SPACE, &immix_space_ops, PR_FREELIST);
  space_init(&p->immortal, mmtk, "immortal", IMMORTAL, &immortal_space_gc_ops, PR_MONOTONE);
  space_init(&p->los, mmtk, "los", LOS, &large_object_space_gc_ops, PR_FREELIST);
  mmtk->plan_data = p;
  if (!los_init(&p->los) || !immix_space_init(&p->immix, mmtk->plan_meta)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix plan's spaces");
    return false;
  }
  return true;
}

static void ix_destroy(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  if (!p) return;
  immix_space_destroy(&p->immix);
  los_destroy(&p->los);
  space_destroy(&p->immix);
  space_destroy(&p->immortal);
  space_destroy(&p->los);
  free(p);
  mmtk->plan_data = NULL;
}

static void ix_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct immix_plan *p = ix(mmtk);
  m->immix[0].bp = &m->head.default_bump;
  m->immix[0].space = &p->immix;
  m->bump[1].space = &p->immortal;
  m->los[0].space = &p->los;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_IMMIX, 0);
  mutator_map(m, MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  /* New objects take the space's mark state (immix.h). */
  m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

/* Defrag when asked to (immix_always_defrag), when the last GC did not free enough
 * (emergency), and for a user request that wants the whole heap (full_heap_system_gc),
 * as MMTk does. */
static bool want_defrag(const mmtk_t *mmtk) {
  const struct gc_state *g = &mmtk->gc;
  return mmtk->options.immix_always_defrag || g->reason == GC_REASON_EMERGENCY ||
         (g->reason == GC_REASON_USER && mmtk->options.full_heap_system_gc);
}

static void ix_prepare(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  immix_prepare(&p->immix, want_defrag(mmtk));
  space_flip_mark_state(&p->immortal);
  los_prepare(&p->los);
}

static void ix_release(mmtk_t *mmtk) {
  struct immix_plan *p = ix(mmtk);
  immix_release(&p->immix);
  los_sweep(&p->los);
}

/* The copy reserve of defrag GCs. */
static size_t ix_reserved_pages(const mmtk_t *mmtk) {
  return immix_defrag_headroom_pages(&ix(mmtk)->immix);
}

static struct space *ix_copy_target(mmtk_t *mmtk, int semantics, unsigned *index) {
  (void)semantics;
  *index = 0;
  return &ix(mmtk)->immix;
}

const struct plan_ops immix_plan_ops = {
    .kind = MMTK_PLAN_IMMIX,
    .collects_garbage = true,
    .moves_objects = true,
    .max_non_los_default_alloc_bytes = IMMIX_MAX_OBJECT_BYTES,
    .add_metadata = ix_add_metadata,
    .create = ix_create,
    .destroy = ix_destroy,
    .mutator_init = ix_mutator_init,
    .prepare = ix_prepare,
    .release = ix_release,
    .reserved_pages = ix_reserved_pages,
    .copy_target = ix_copy_target,
};
