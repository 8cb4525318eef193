/* MarkSweep (MMTk's plan::marksweep, native flavour; design.plan.marksweep): a
 * non-moving plan.  Objects live in size-class cells of the mark-sweep space; large
 * objects in the large object space; immortal ones in the immortal space. */
#include "mmtk_internal.h"

enum { MS_SPACE, IMMORTAL, LOS };

struct marksweep {
  struct space ms, immortal, los;
};

static struct marksweep *msp(const mmtk_t *mmtk) { return mmtk->plan_data; }

/* Cells are swept by their objects' header marks when the binding keeps the mark bit in
 * the header and a cell's reference can be known: the allocation address (no
 * ref_to_object_start, or references unified with object starts).  Otherwise a side
 * table, marked at each live cell's start. */
static bool header_marks(const mmtk_t *mmtk) {
  return mmtk->om.mark.in_header &&
         (!mmtk->vm.ref_to_object_start || (mmtk->vm.flags & MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS));
}

static void ms_add_metadata(mmtk_t *mmtk) {
  if (header_marks(mmtk)) return; /* no table: ms_space_init gets NULL */
  /* The mark bits: one per 8-byte granule, set at each live cell's start. */
  side_metadata_spec_init(&mmtk->plan_meta[0], "ms_mark", 0, LOG_BYTES_IN_WORD);
  side_metadata_add(&mmtk->meta, &mmtk->plan_meta[0]);
}

static bool ms_create(mmtk_t *mmtk) {
  struct marksweep *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the MarkSweep plan");
    return false;
  }
  space_init(&p->ms, mmtk, "marksweep", MS_SPACE, &mark_sweep_space_ops, PR_FREELIST);
  space_init(&p->immortal, mmtk, "immortal", IMMORTAL, &immortal_space_gc_ops, PR_MONOTONE);
  space_init(&p->los, mmtk, "los", LOS, &large_object_space_gc_ops, PR_FREELIST);
  mmtk->plan_data = p;
  if (!los_init(&p->los)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the large object space");
    return false;
  }
  if (!ms_space_init(&p->ms, header_marks(mmtk) ? NULL : &mmtk->plan_meta[0])) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the mark-sweep space");
    return false;
  }
  return true;
}

static void ms_destroy(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  if (!p) return;
  ms_space_destroy(&p->ms);
  los_destroy(&p->los);
  space_destroy(&p->ms);
  space_destroy(&p->immortal);
  space_destroy(&p->los);
  free(p);
  mmtk->plan_data = NULL;
}

static void ms_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct marksweep *p = msp(mmtk);
  m->freelist[0].space = &p->ms;
  m->freelist[0].large = &m->los[0];
  m->bump[1].space = &p->immortal;
  m->los[0].space = &p->los;
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_FREE_LIST, 0);
  mutator_map(m, MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_FREE_LIST, 0);
  mutator_map(m, MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 1);
  mutator_map(m, MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  mutator_map(m, MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0);
  /* Header marks take the space's mark state at post_alloc (marksweepspace.c). */
  if (header_marks(mmtk)) m->head.flags |= MMTK_MUTATOR_POST_ALLOC_SLOW;
}

static void ms_plan_prepare(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  ms_prepare(&p->ms);
  space_flip_mark_state(&p->immortal);
  los_prepare(&p->los);
}

static void ms_plan_release(mmtk_t *mmtk) {
  struct marksweep *p = msp(mmtk);
  ms_release(&p->ms, false);
  los_sweep(&p->los);
}

/* eager_complete_sweep: sweep every block now (after the sanity verifier has used the
 * marks). */
static void ms_end_of_gc(mmtk_t *mmtk) {
  if (mmtk->options.eager_complete_sweep) ms_sweep_all(&msp(mmtk)->ms);
}

static struct space *ms_copy_target(mmtk_t *mmtk, int semantics, unsigned *index) {
  (void)semantics;
  *index = 0;
  mmtk_panic(__FILE__, __LINE__, "MarkSweep never copies");
  return &msp(mmtk)->ms;
}

const struct plan_ops marksweep_plan_ops = {
    .kind = MMTK_PLAN_MARKSWEEP,
    .collects_garbage = true,
    .moves_objects = false,
    .max_non_los_default_alloc_bytes = MS_MAX_CELL,
    .add_metadata = ms_add_metadata,
    .create = ms_create,
    .destroy = ms_destroy,
    .mutator_init = ms_mutator_init,
    .prepare = ms_plan_prepare,
    .release = ms_plan_release,
    .end_of_gc = ms_end_of_gc,
    .reserved_pages = NULL,
    .copy_target = ms_copy_target,
};
