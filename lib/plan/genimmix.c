/* GenImmix (MMTk's plan::generational::immix, design.plan.genimmix): a copying nursery
 * promoted into an Immix mature space.  A nursery GC copies the nursery's survivors into
 * the Immix space (into the holes the last full-heap GC left, then into free blocks) and
 * leaves the mature objects alone; a full-heap GC is an Immix GC of the mature space,
 * defragmenting as the Immix plan would, which also promotes every young survivor. */
#include "mmtk_internal.h"

enum { NURSERY, MATURE, COMMON };

struct genimmix {
  struct gen_plan gen;
  struct space immix;
  struct side_metadata_spec meta[3]; /* the Immix space's tables (immix_space_create) */
  struct common_plan common;
};

static struct genimmix *gip(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool genimmix_create(mmtk_t *mmtk) {
  struct genimmix *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the GenImmix plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!immix_space_create(mmtk, &p->immix, "immix_mature", MATURE, p->meta)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Immix space");
    return false;
  }
  p->immix.unlog = true;
  if (!common_plan_create(mmtk, &p->common, COMMON)) return false;
  gen_create(mmtk, &p->gen, &p->common, NURSERY);
  return true;
}

static void genimmix_destroy(mmtk_t *mmtk) {
  struct genimmix *p = gip(mmtk);
  if (!p) return;
  common_plan_destroy(&p->common);
  gen_destroy(&p->gen);
  immix_space_destroy(&p->immix);
  free(p);
  mmtk->plan_data = NULL;
}

/* Mutators allocate in the nursery only: the Immix space takes copies. */
static void genimmix_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct genimmix *p = gip(mmtk);
  common_plan_mutator_init(&p->common, m);
  gen_mutator_init(&p->gen, m);
}

static bool genimmix_collection_required(mmtk_t *mmtk, struct space *s, size_t pages) {
  return gen_collection_required(mmtk, &gip(mmtk)->gen, s, pages);
}

/* A nursery GC, or a full-heap one (gen_select_gc) that defragments when the Immix plan
 * would (immix_decide_defrag; design.plan.genimmix.select). */
static enum trace_kind genimmix_select_gc(mmtk_t *mmtk, int reason) {
  struct genimmix *p = gip(mmtk);
  if (gen_select_gc(mmtk, &p->gen, reason) == TRACE_NURSERY) return TRACE_NURSERY;
  return immix_decide_defrag(&p->immix, reason) ? TRACE_DEFRAG : TRACE_FAST;
}

/* A nursery GC leaves the Immix space as the last full-heap GC swept it: its marks and
 * line marks still say what that GC kept, and a promoted object gets both (post_copy),
 * so it reads as kept by that GC too.  Its objects count as reachable (collected false,
 * design.plan.trace-kind.liveness; design.plan.genimmix.nursery-gc).  A full-heap GC is
 * an Immix GC (design.plan.genimmix.full-gc). */
static void genimmix_prepare(mmtk_t *mmtk) {
  struct genimmix *p = gip(mmtk);
  gen_prepare(mmtk, &p->gen);
  bool full = p->gen.full_heap;
  p->immix.collected = full;
  if (full) immix_prepare(&p->immix, mmtk->gc.kind == TRACE_DEFRAG);
}

static void genimmix_release(mmtk_t *mmtk) {
  struct genimmix *p = gip(mmtk);
  if (p->gen.full_heap) immix_release(&p->immix);
  gen_release(mmtk, &p->gen);
}

static void genimmix_end_of_gc(mmtk_t *mmtk) {
  struct genimmix *p = gip(mmtk);
  immix_end_of_gc(&p->immix);
  gen_end_of_gc(mmtk, &p->gen);
}

/* Room for the next GC's copies: the nursery's survivors (all of it, at worst), and the
 * defrag headroom of the Immix space, as MMTk's get_collection_reserved_pages
 * (design.plan.genimmix.reserve). */
static size_t genimmix_reserved_pages(const mmtk_t *mmtk) {
  const struct genimmix *p = gip(mmtk);
  return pr_pages(&p->gen.nursery.pr) + immix_defrag_headroom_pages(&p->immix);
}

/* Promotions and defrag copies alike go into the Immix space, through a worker's Immix
 * allocator; promotions never fail (design.plan.genimmix.promotion). */
static void genimmix_copy_config(mmtk_t *mmtk, struct copy_config *c) {
  struct genimmix *p = gip(mmtk);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    c->map[i] = (struct copy_target){MMTK_ALLOCATOR_IMMIX, 0, &p->immix};
}

const struct plan_ops genimmix_plan_ops = {
    .kind = MMTK_PLAN_GENIMMIX,
    .collects_garbage = true,
    .moves_objects = true,
    /* Every young object is promoted into the Immix space: none may be bigger than it
     * takes (MMTk's GENIMMIX_CONSTRAINTS, design.plan.genimmix.size). */
    .max_non_los_default_alloc_bytes =
        IMMIX_MAX_OBJECT_BYTES < ((size_t)16 << 10) ? IMMIX_MAX_OBJECT_BYTES : (size_t)16 << 10,
    .create = genimmix_create,
    .destroy = genimmix_destroy,
    .mutator_init = genimmix_mutator_init,
    .collection_required = genimmix_collection_required,
    .select_gc = genimmix_select_gc,
    .schedule_collection = gen_schedule_collection,
    .prepare = genimmix_prepare,
    .release = genimmix_release,
    .end_of_gc = genimmix_end_of_gc,
    .reserved_pages = genimmix_reserved_pages,
    .copy_config = genimmix_copy_config,
};
