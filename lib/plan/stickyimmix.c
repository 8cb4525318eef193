/* StickyImmix (MMTk's plan::sticky::immix, design.plan.sticky): one Immix space holds
 * both generations.  Marks are sticky: a nursery GC keeps the marks and line marks of
 * the last GCs, so a marked object is mature and counts as live without being traced;
 * the GC traces from the roots and the remembered set, and marks (or copies out of its
 * block) each young object it reaches, which makes it mature.  A full-heap GC is an
 * ordinary Immix GC, defragmenting when Immix would. */
#include "mmtk_internal.h"

enum { IMMIX_SPACE, COMMON };

struct sticky_immix {
  struct gen_plan gen; /* the nursery/full-heap choice; its nursery space is not used */
  struct space immix;
  struct side_metadata_spec meta[3]; /* the Immix space's line marks, block states, marks */
  struct common_plan common;
};

static struct sticky_immix *sx(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool sx_create(mmtk_t *mmtk) {
  struct sticky_immix *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the StickyImmix plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!immix_space_create(mmtk, &p->immix, "immix", IMMIX_SPACE, p->meta)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix space");
    return false;
  }
  /* Survivors (marked in place or copied) are unlogged; new objects are not remembered:
   * the nursery GC traces the young objects it reaches (design.plan.sticky.trace.log). */
  p->immix.unlog = true;
  p->immix.young_traced = true;
  if (!common_plan_create(mmtk, &p->common, COMMON)) return false;
  gen_init(mmtk, &p->gen, &p->common);
  return true;
}

static void sx_destroy(mmtk_t *mmtk) {
  struct sticky_immix *p = sx(mmtk);
  if (!p) return;
  immix_space_destroy(&p->immix);
  common_plan_destroy(&p->common);
  free(p);
  mmtk->plan_data = NULL;
}

static void sx_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct sticky_immix *p = sx(mmtk);
  common_plan_mutator_init(&p->common, m);
  immix_mutator_default(&p->immix, m);
  gen_mutator_barrier(mmtk, m);
}

/* The nursery is what mutators took from the Immix space since the last GC: its free
 * blocks and the lines of its holes (MMTk counts lines consumed). */
static bool sx_collection_required(mmtk_t *mmtk, struct space *s, size_t pages) {
  struct sticky_immix *p = sx(mmtk);
  return gen_nursery_full(mmtk, immix_young_pages(&p->immix) + (s == &p->immix ? pages : 0));
}

/* The generational base decides nursery or full heap; a full-heap GC is Immix's. */
static enum trace_kind sx_select_gc(mmtk_t *mmtk, int reason) {
  struct sticky_immix *p = sx(mmtk);
  if (gen_select_gc(mmtk, &p->gen, reason) == TRACE_NURSERY) return TRACE_NURSERY;
  return immix_decide_defrag(&p->immix, reason) ? TRACE_DEFRAG : TRACE_FAST;
}

static void sx_prepare(mmtk_t *mmtk) {
  struct sticky_immix *p = sx(mmtk);
  gen_prepare_mature(mmtk, &p->gen);
  if (p->gen.full_heap) immix_prepare(&p->immix, mmtk->gc.kind == TRACE_DEFRAG);
  else immix_prepare_nursery(&p->immix, STICKY_IMMIX_NURSERY_COPY);
}

static void sx_release(mmtk_t *mmtk) {
  struct sticky_immix *p = sx(mmtk);
  immix_release(&p->immix); /* the same sweep: unmarked lines are free either way */
  common_plan_release(&p->common, p->gen.full_heap);
}

static void sx_end_of_gc(mmtk_t *mmtk) {
  struct sticky_immix *p = sx(mmtk);
  immix_end_of_gc(&p->immix);
  gen_end_of_gc(mmtk, &p->gen);
}

/* The copy reserve of defrag GCs (nursery copies take what is free, as far as it goes). */
static size_t sx_reserved_pages(const mmtk_t *mmtk) {
  return immix_defrag_headroom_pages(&sx(mmtk)->immix);
}

/* Every copy, a young survivor's or a defrag GC's, goes back into the Immix space. */
static void sx_copy_config(mmtk_t *mmtk, struct copy_config *c) {
  struct sticky_immix *p = sx(mmtk);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    c->map[i] = (struct copy_target){MMTK_ALLOCATOR_IMMIX, 0, &p->immix};
}

const struct plan_ops stickyimmix_plan_ops = {
    .kind = MMTK_PLAN_STICKYIMMIX,
    .collects_garbage = true,
    .moves_objects = !IMMIX_NON_MOVING,
    .max_non_los_default_alloc_bytes = IMMIX_MAX_OBJECT_BYTES,
    .create = sx_create,
    .destroy = sx_destroy,
    .mutator_init = sx_mutator_init,
    .collection_required = sx_collection_required,
    .select_gc = sx_select_gc,
    .schedule_collection = gen_schedule_collection,
    .prepare = sx_prepare,
    .release = sx_release,
    .end_of_gc = sx_end_of_gc,
    .reserved_pages = sx_reserved_pages,
    .copy_config = sx_copy_config,
};
