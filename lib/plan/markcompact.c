/* MarkCompact (MMTk's plan::markcompact, design.markcompact): a Lisp-2 sliding compactor.
 * Default allocations bump through the mark-compact space with a forwarding word before
 * each object (policy/markcompactspace.h); large, immortal and non-moving objects go to
 * the common plan's spaces (plan/common.h).  A GC marks, computes the new addresses,
 * updates every reference (as the Compressor does, plan/forwarding.h, with a walk of the
 * marks for the space's own survivors), and slides the survivors down: no copy reserve,
 * so the smallest heap of the moving plans. */
#include "mmtk_internal.h"

#include "plan/forwarding.h"
#include "policy/markcompactspace.h"

enum { MC_SPACE, COMMON };

struct markcompact {
  struct space mc;
  struct mc_state mc_state;
  struct common_plan common;
};

static struct markcompact *mc(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool mc_create(mmtk_t *mmtk) {
  struct markcompact *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the MarkCompact plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!mc_space_create(mmtk, &p->mc, "markcompact", MC_SPACE, &p->mc_state)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the mark-compact space");
    return false;
  }
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void mc_destroy(mmtk_t *mmtk) {
  struct markcompact *p = mc(mmtk);
  if (!p) return;
  common_plan_destroy(&p->common);
  mc_space_destroy(&p->mc);
  free(p);
  mmtk->plan_data = NULL;
}

static void mc_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct markcompact *p = mc(mmtk);
  m->bump[0].space = &p->mc;
  common_plan_mutator_init(&p->common, m);
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_MARK_COMPACT, 0);
  /* Every default allocation needs its forwarding word, which the head's inline bump
   * does not reserve, and every new object its bit in the object map: both out of line. */
  m->head.max_inline_size = 0;
  m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

/* ---- The stages after the reference closures (MMTk's MarkCompact schedule) ---------- */

static void calculate_forwarding(mmtk_gc_worker_t *w, void *arg) {
  forwarding_liveness_done(w->mmtk);
  mc_calculate_forwarding(arg);
}

/* MMTk's UpdateReferences: the roots and the objects scanned outside the space, then the
 * space's own survivors (design.trace.forwarding). */
static void update_references(mmtk_gc_worker_t *w, void *arg) {
  forwarding_update_roots(w->mmtk);
  mc_schedule_update(arg, MMTK_STAGE_SECOND_ROOTS);
}

static void compact(mmtk_gc_worker_t *w, void *arg) {
  (void)w;
  mc_compact(arg);
}

static void mc_schedule_collection(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct markcompact *p = mc(mmtk);
  gc_schedule_default(mmtk, w);
  /* The mutators are stopped and no root is reported before the Prepare stage: pinning
   * roots tag their words while marking. */
  mc_prepare(&p->mc);
  gc_add_simple(mmtk, MMTK_STAGE_CALCULATE_FORWARDING, calculate_forwarding, &p->mc);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, update_references, &p->mc);
  forwarding_schedule_lists(mmtk);
  gc_add_simple(mmtk, MMTK_STAGE_COMPACT, compact, &p->mc);
}

static void mc_prepare_plan(mmtk_t *mmtk) {
  struct markcompact *p = mc(mmtk);
  common_plan_prepare(&p->common, true);
  /* Before the Closure stage opens (the Prepare stage's packets do not scan objects). */
  forwarding_prepare(mmtk, &p->mc);
}

static void mc_release(mmtk_t *mmtk) { common_plan_release(&mc(mmtk)->common, true); }

static void mc_end_of_gc(mmtk_t *mmtk) { common_plan_end_of_gc(&mc(mmtk)->common); }

const struct plan_ops markcompact_plan_ops = {
    .kind = MMTK_PLAN_MARKCOMPACT,
    .collects_garbage = true,
    .moves_objects = true,
    .forwards_after_liveness = true,
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = mc_create,
    .destroy = mc_destroy,
    .mutator_init = mc_mutator_init,
    .schedule_collection = mc_schedule_collection,
    .prepare = mc_prepare_plan,
    .release = mc_release,
    .end_of_gc = mc_end_of_gc,
};
