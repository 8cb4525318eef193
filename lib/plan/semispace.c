/* SemiSpace (MMTk's plan::semispace, design.plan.semispace): two copy spaces; mutators
 * bump-allocate in one, and each GC copies the survivors into the other.  Plus the
 * common plan's spaces (plan/common.h): immortal, large objects, non-moving. */
#include "mmtk_internal.h"

enum { COPY0, COPY1, COMMON };

struct semispace {
  struct space copy[2];
  unsigned current; /* the copy space mutators allocate in */
  struct common_plan common;
};

static struct semispace *ss(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool ss_create(mmtk_t *mmtk) {
  struct semispace *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the SemiSpace plan");
    return false;
  }
  mmtk->plan_data = p;
  space_init(&p->copy[0], mmtk, "copyspace0", COPY0, &copy_space_ops, PR_MONOTONE);
  space_init(&p->copy[1], mmtk, "copyspace1", COPY1, &copy_space_ops, PR_MONOTONE);
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void ss_destroy(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  if (!p) return;
  common_plan_destroy(&p->common);
  space_destroy(&p->copy[0]);
  space_destroy(&p->copy[1]);
  free(p);
  mmtk->plan_data = NULL;
}

static void ss_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct semispace *p = ss(mmtk);
  m->bump[0].bp = &m->head.default_bump;
  m->bump[0].space = &p->copy[p->current];
  common_plan_mutator_init(&p->common, m);
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0);
}

static void ss_prepare(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  p->copy[p->current].from_space = true;
  p->current ^= 1;
  p->copy[p->current].from_space = false;
  common_plan_prepare(&p->common, true);
}

static void retarget_mutator(mmtk_mutator_t *m, void *to_space) { m->bump[0].space = to_space; }

static void ss_release(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  struct space *from = &p->copy[p->current ^ 1];
  space_reset(from);
  from->from_space = false;
  common_plan_release(&p->common, true);
  /* Mutators allocate in the new to-space from now on (their buffers are already gone). */
  active_plan_iterate_mutators(mmtk, "SemiSpace release", retarget_mutator, &p->copy[p->current]);
}

static void ss_end_of_gc(mmtk_t *mmtk) { common_plan_end_of_gc(&ss(mmtk)->common); }

/* Room for a copy of everything in the current space. */
static size_t ss_reserved_pages(const mmtk_t *mmtk) {
  const struct semispace *p = ss(mmtk);
  return pr_pages(&p->copy[p->current].pr);
}

/* Every copy goes to the to-space, through a worker's first bump allocator. */
static void ss_copy_config(mmtk_t *mmtk, struct copy_config *c) {
  struct semispace *p = ss(mmtk);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    c->map[i] = (struct copy_target){MMTK_ALLOCATOR_BUMP_POINTER, 0, &p->copy[p->current]};
}

const struct plan_ops semispace_plan_ops = {
    .kind = MMTK_PLAN_SEMISPACE,
    .collects_garbage = true,
    .moves_objects = true,
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = ss_create,
    .destroy = ss_destroy,
    .mutator_init = ss_mutator_init,
    .prepare = ss_prepare,
    .release = ss_release,
    .end_of_gc = ss_end_of_gc,
    .reserved_pages = ss_reserved_pages,
    .copy_config = ss_copy_config,
};
