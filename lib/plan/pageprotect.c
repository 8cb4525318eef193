/* PageProtect (MMTk's plan::pageprotect; design.plan.pageprotect): a debugging plan.
 * Every object that can die gets whole pages of its own in a large object space, and the
 * pages of an object the GC frees stay PROT_NONE until they are handed out again
 * (design.heap.protect), so that a dangling reference faults at its first use instead
 * of reading whatever was allocated there since.  Immortal objects live in the common
 * immortal space (they never die); nothing moves. */
#include "mmtk_internal.h"

enum { PP_SPACE, COMMON };

/* The mutator's large-object allocator for the protected space (los[COMMON_LOS] is the
 * common plan's). */
#define PP_LOS 1

struct pageprotect {
  struct space pp;
  /* The objects' states, on the side whatever the binding's layout (los_use_side_states). */
  struct obj_meta states;
  struct common_plan common;
};

static struct pageprotect *ppp(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool pp_create(mmtk_t *mmtk) {
  struct pageprotect *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the PageProtect plan");
    return false;
  }
  mmtk->plan_data = p;
  space_init(&p->pp, mmtk, "pageprotect", PP_SPACE, &large_object_space_gc_ops, PR_FREELIST);
  if (!los_init(&p->pp) || !los_use_side_states(&p->pp, &p->states, "pageprotect_state")) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the page-protect space");
    return false;
  }
  pr_set_protect_on_release(&p->pp.pr);
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void pp_destroy(mmtk_t *mmtk) {
  struct pageprotect *p = ppp(mmtk);
  if (!p) return;
  los_destroy(&p->pp);
  space_destroy(&p->pp);
  common_plan_destroy(&p->common);
  free(p);
  mmtk->plan_data = NULL;
}

static void pp_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct pageprotect *p = ppp(mmtk);
  common_plan_mutator_init(&p->common, m);
  m->los[PP_LOS].space = &p->pp;
  /* Every semantics whose objects can die: the immortal ones stay in the common
   * immortal space. */
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_LARGE_OBJECT, PP_LOS);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, PP_LOS);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, PP_LOS);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_LARGE_OBJECT, PP_LOS);
  /* The space records each object's reference at post_alloc (it may not be the address
   * allocation returned), which the inline post_alloc would skip. */
  m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

static void pp_prepare(mmtk_t *mmtk) {
  struct pageprotect *p = ppp(mmtk);
  common_plan_prepare(&p->common, true);
  los_prepare(&p->pp, false);
}

static void pp_release(mmtk_t *mmtk) {
  struct pageprotect *p = ppp(mmtk);
  common_plan_release(&p->common, true);
  los_release(&p->pp, false);
}

static void pp_end_of_gc(mmtk_t *mmtk) { common_plan_end_of_gc(&ppp(mmtk)->common); }

const struct plan_ops pageprotect_plan_ops = {
    .kind = MMTK_PLAN_PAGEPROTECT,
    .collects_garbage = true,
    .moves_objects = false,
    /* Bigger default requests take MMTK_ALLOC_LOS's allocator: the same space.  So the
     * inline paths stop at 16 KiB, as on the other plans. */
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = pp_create,
    .destroy = pp_destroy,
    .mutator_init = pp_mutator_init,
    .prepare = pp_prepare,
    .release = pp_release,
    .end_of_gc = pp_end_of_gc,
    .reserved_pages = NULL,
    .copy_config = NULL,
};
