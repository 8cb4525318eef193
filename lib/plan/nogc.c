/* NoGC (MMTk's plan::nogc): allocation without collection.  Three spaces, all immortal:
 * the NoGC space for ordinary objects (lock-free with --enable-nogc-lock-free), the
 * immortal space for MMTK_ALLOC_IMMORTAL, and the large object space. */
#include "mmtk_internal.h"

enum { NOGC_SPACE, IMMORTAL_SPACE, LOS_SPACE };

struct nogc {
  struct space nogc, immortal, los;
};

static bool nogc_create(mmtk_t *mmtk) {
  struct nogc *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the NoGC plan");
    return false;
  }
  space_init(&p->nogc, mmtk, "nogc", NOGC_SPACE,
             MMTK_HAVE_NOGC_LOCK_FREE ? &lockfree_immortal_space_ops : &immortal_space_ops,
             PR_MONOTONE);
  space_init(&p->immortal, mmtk, "immortal", IMMORTAL_SPACE, &immortal_space_ops, PR_MONOTONE);
  space_init(&p->los, mmtk, "los", LOS_SPACE, &large_object_space_ops, PR_FREELIST);
  mmtk->plan_data = p;
  return true;
}

static void nogc_destroy(mmtk_t *mmtk) {
  struct nogc *p = mmtk->plan_data;
  if (!p) return;
  space_destroy(&p->nogc);
  space_destroy(&p->immortal);
  space_destroy(&p->los);
  free(p);
  mmtk->plan_data = NULL;
}

static void nogc_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct nogc *p = mmtk->plan_data;
  m->bump[0].bp = &m->head.default_bump;
  m->bump[0].space = &p->nogc;
  m->bump[1].space = &p->immortal;
  m->los[0].space = &p->los;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  mutator_map(m, MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  mutator_map(m, MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_BUMP_POINTER, 0);
  mutator_map(m, MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
}

const struct plan_ops nogc_plan_ops = {
    .kind = MMTK_PLAN_NOGC,
    .collects_garbage = false,
    .moves_objects = false,
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = nogc_create,
    .destroy = nogc_destroy,
    .mutator_init = nogc_mutator_init,
};
