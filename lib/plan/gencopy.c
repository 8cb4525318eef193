/* GenCopy (MMTk's plan::generational::copying, design.plan.gencopy): a copying nursery
 * promoted into a mature semispace pair.  A nursery GC copies the nursery's survivors
 * into the current mature space; a full-heap GC flips the mature spaces and copies every
 * survivor, young or old, into the new one. */
#include "mmtk_internal.h"

enum { NURSERY, MATURE0, MATURE1, COMMON };

struct gencopy {
  struct gen_plan gen;
  struct space mature[2];
  unsigned current; /* the mature space that holds the old objects and takes promotions */
  struct common_plan common;
};

static struct gencopy *gcp(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool gencopy_create(mmtk_t *mmtk) {
  struct gencopy *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the GenCopy plan");
    return false;
  }
  mmtk->plan_data = p;
  space_init(&p->mature[0], mmtk, "copyspace0", MATURE0, &copy_space_ops, PR_MONOTONE);
  space_init(&p->mature[1], mmtk, "copyspace1", MATURE1, &copy_space_ops, PR_MONOTONE);
  p->mature[0].unlog = p->mature[1].unlog = true;
  if (!common_plan_create(mmtk, &p->common, COMMON)) return false;
  gen_create(mmtk, &p->gen, &p->common, NURSERY);
  return true;
}

static void gencopy_destroy(mmtk_t *mmtk) {
  struct gencopy *p = gcp(mmtk);
  if (!p) return;
  common_plan_destroy(&p->common);
  gen_destroy(&p->gen);
  space_destroy(&p->mature[0]);
  space_destroy(&p->mature[1]);
  free(p);
  mmtk->plan_data = NULL;
}

static void gencopy_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct gencopy *p = gcp(mmtk);
  common_plan_mutator_init(&p->common, m);
  gen_mutator_init(&p->gen, m);
}

static bool gencopy_collection_required(mmtk_t *mmtk, struct space *s, size_t pages) {
  return gen_collection_required(mmtk, &gcp(mmtk)->gen, s, pages);
}

static enum trace_kind gencopy_select_gc(mmtk_t *mmtk, int reason) {
  return gen_select_gc(mmtk, &gcp(mmtk)->gen, reason);
}

static void gencopy_prepare(mmtk_t *mmtk) {
  struct gencopy *p = gcp(mmtk);
  gen_prepare(mmtk, &p->gen);
  bool full = p->gen.full_heap;
  if (full) {
    p->mature[p->current].from_space = true;
    p->current ^= 1;
  }
  p->mature[0].collected = p->mature[1].collected = full;
}

static void gencopy_release(mmtk_t *mmtk) {
  struct gencopy *p = gcp(mmtk);
  if (p->gen.full_heap) {
    struct space *from = &p->mature[p->current ^ 1];
    space_reset(from); /* its side log bits go with it */
    from->from_space = false;
  }
  gen_release(mmtk, &p->gen);
}

static void gencopy_end_of_gc(mmtk_t *mmtk) { gen_end_of_gc(mmtk, &gcp(mmtk)->gen); }

/* Room for the copies of the next GC: the nursery's survivors (all of it, at worst),
 * and for a full-heap GC the current mature space too. */
static size_t gencopy_reserved_pages(const mmtk_t *mmtk) {
  const struct gencopy *p = gcp(mmtk);
  return pr_pages(&p->gen.nursery.pr) + pr_pages(&p->mature[p->current].pr);
}

/* Every copy (a promotion or a mature copy) goes to the current mature space. */
static void gencopy_copy_config(mmtk_t *mmtk, struct copy_config *c) {
  struct gencopy *p = gcp(mmtk);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    c->map[i] = (struct copy_target){MMTK_ALLOCATOR_BUMP_POINTER, 0, &p->mature[p->current]};
}

const struct plan_ops gencopy_plan_ops = {
    .kind = MMTK_PLAN_GENCOPY,
    .collects_garbage = true,
    .moves_objects = true,
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = gencopy_create,
    .destroy = gencopy_destroy,
    .mutator_init = gencopy_mutator_init,
    .collection_required = gencopy_collection_required,
    .select_gc = gencopy_select_gc,
    .schedule_collection = gen_schedule_collection,
    .prepare = gencopy_prepare,
    .release = gencopy_release,
    .end_of_gc = gencopy_end_of_gc,
    .reserved_pages = gencopy_reserved_pages,
    .copy_config = gencopy_copy_config,
};
