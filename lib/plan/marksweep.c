/* MarkSweep (MMTk's plan::marksweep, native flavour; design.plan.marksweep): a
 * non-moving plan.  Objects live in size-class cells of the mark-sweep space; large
 * objects, immortal and non-moving ones in the common plan's spaces (plan/common.h). */
#include "mmtk_internal.h"

enum { MS_SPACE, COMMON };

struct marksweep {
  struct space ms;
  struct side_metadata_spec mark; /* the space's side mark bits (unless in the header) */
  struct common_plan common;
};

static struct marksweep *msp(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool ms_create(mmtk_t *mmtk) {
  struct marksweep *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the MarkSweep plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!ms_space_create(mmtk, &p->ms, "marksweep", MS_SPACE, &p->mark)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the mark-sweep space");
    return false;
  }
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void ms_destroy(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  if (!p) return;
  ms_space_destroy(&p->ms);
  common_plan_destroy(&p->common);
  space_destroy(&p->ms);
  free(p);
  mmtk->plan_data = NULL;
}

static void ms_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct marksweep *p = msp(mmtk);
  common_plan_mutator_init(&p->common, m);
  m->freelist[0].space = &p->ms;
  m->freelist[0].large = &m->los[COMMON_LOS];
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_FREE_LIST, 0);
  /* Header marks take the space's mark state at post_alloc (marksweepspace.c). */
  if (ms_uses_header_marks(mmtk)) m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

static void ms_plan_prepare(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  ms_prepare(&p->ms);
  common_plan_prepare(&p->common, true);
}

static void ms_plan_release(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  ms_release(&p->ms);
  common_plan_release(&p->common, true);
}

/* eager_complete_sweep: sweep every block now (after the sanity verifier has used the
 * marks). */
static void ms_end_of_gc(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  if (mmtk->options.eager_complete_sweep) ms_sweep_all(&p->ms);
  common_plan_end_of_gc(&p->common);
}

const struct plan_ops marksweep_plan_ops = {
    .kind = MMTK_PLAN_MARKSWEEP,
    .collects_garbage = true,
    .moves_objects = false,
    .max_non_los_default_alloc_bytes = MS_MAX_CELL,
    .create = ms_create,
    .destroy = ms_destroy,
    .mutator_init = ms_mutator_init,
    .prepare = ms_plan_prepare,
    .release = ms_plan_release,
    .end_of_gc = ms_end_of_gc,
    .reserved_pages = NULL,
    .copy_config = NULL,
};
