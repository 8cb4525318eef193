/* SemiSpace (MMTk's plan::semispace, design.plan.semispace): two copy spaces; mutators
 * bump-allocate in one, and each GC copies the survivors into the other.  Plus an
 * immortal space and a large object space, both non-moving. */
#include "mmtk_internal.h"

enum { COPY0, COPY1, IMMORTAL, LOS };

struct semispace {
  struct space copy[2], immortal, los;
  unsigned current; /* the copy space mutators allocate in */
};

static struct semispace *ss(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool ss_create(mmtk_t *mmtk) {
  struct semispace *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the SemiSpace plan");
    return false;
  }
  space_init(&p->copy[0], mmtk, "copyspace0", COPY0, &copy_space_ops, PR_MONOTONE);
  space_init(&p->copy[1], mmtk, "copyspace1", COPY1, &copy_space_ops, PR_MONOTONE);
  space_init(&p->immortal, mmtk, "immortal", IMMORTAL, &immortal_space_gc_ops, PR_MONOTONE);
  space_init(&p->los, mmtk, "los", LOS, &large_object_space_gc_ops, PR_FREELIST);
  mmtk->plan_data = p;
  if (!los_init(&p->los)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the large object space");
    return false;
  }
  return true;
}

static void ss_destroy(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  if (!p) return;
  los_destroy(&p->los);
  space_destroy(&p->copy[0]);
  space_destroy(&p->copy[1]);
  space_destroy(&p->immortal);
  space_destroy(&p->los);
  free(p);
  mmtk->plan_data = NULL;
}

static void ss_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct semispace *p = ss(mmtk);
  m->bump[0].bp = &m->head.default_bump;
  m->bump[0].space = &p->copy[p->current];
  m->bump[1].space = &p->immortal;
  m->los[0].space = &p->los;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  mutator_map(m, MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
}

static void ss_prepare(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  p->copy[p->current].from_space = true;
  p->current ^= 1;
  p->copy[p->current].from_space = false;
  space_flip_mark_state(&p->immortal);
  los_prepare(&p->los);
}

static void retarget_mutator(mmtk_mutator_t *m, void *to_space) { m->bump[0].space = to_space; }

static void ss_release(mmtk_t *mmtk) {
  struct semispace *p = ss(mmtk);
  struct space *from = &p->copy[p->current ^ 1];
  space_reset(from);
  from->from_space = false;
  los_sweep(&p->los);
  /* Mutators allocate in the new to-space from now on (their buffers are already gone). */
  active_plan_iterate_mutators(mmtk, "SemiSpace release", retarget_mutator, &p->copy[p->current]);
}

/* Room for a copy of everything in the current space. */
static size_t ss_reserved_pages(const mmtk_t *mmtk) {
  const struct semispace *p = ss(mmtk);
  return pr_pages(&p->copy[p->current].pr);
}

static struct space *ss_copy_target(mmtk_t *mmtk, int semantics, unsigned *index) {
  (void)semantics;
  *index = 0;
  return &ss(mmtk)->copy[ss(mmtk)->current];
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
    .reserved_pages = ss_reserved_pages,
    .copy_target = ss_copy_target,
};
