/* Compressor (MMTk's plan::compressor, design.plan.compressor): Kermany and Petrank's
 * compactor.  Mutators bump-allocate in the Compressor space (policy/compressor/), large,
 * immortal and non-moving objects go to the common plan's spaces (plan/common.h).  A GC:
 *
 *   Closure ... VMRefClosure   mark (the first and last word of each object in a bitmap);
 *                              the objects scanned outside the Compressor space are listed
 *   CalculateForwarding        the offset vector, one packet per region
 *   SecondRoots                the roots again, each slot forwarded; the listed objects'
 *                              references forwarded
 *   RefForwarding              references and referents; the binding's forward_weak_refs
 *   FinalizableForwarding      the finalizable objects
 *   Compact                    slide each region's survivors down, one packet per region,
 *                              and forward their references
 *   Release                    as every plan */
#include "mmtk_internal.h"

#include "plan/forwarding.h"
#include "policy/compressor/compressor.h"

enum { COMPRESSOR_SPACE, COMMON };

struct compressor_plan {
  struct space space;
  struct compressor_meta meta;
  struct common_plan common;
};

static struct compressor_plan *cp(const mmtk_t *mmtk) { return mmtk->plan_data; }

static bool cp_create(mmtk_t *mmtk) {
  /* The bitmap marks the words of an object's start and end; the reference must be the
   * start (MMTk's Compressor asks the same). */
  if (!(mmtk->vm.flags & MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS)) {
    mmtk_error(mmtk, "mmtk_init: plan Compressor needs the binding flag "
               "MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS (an object's reference is its start)");
    return false;
  }
  struct compressor_plan *p = calloc(1, sizeof *p);
  if (!p) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Compressor plan");
    return false;
  }
  mmtk->plan_data = p;
  if (!compressor_space_create(mmtk, &p->space, "compressor", COMPRESSOR_SPACE, &p->meta)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the Compressor space");
    return false;
  }
  return common_plan_create(mmtk, &p->common, COMMON);
}

static void cp_destroy(mmtk_t *mmtk) {
  struct compressor_plan *p = cp(mmtk);
  if (!p) return;
  common_plan_destroy(&p->common);
  if (p->space.mmtk) compressor_space_destroy(&p->space);
  free(p);
  mmtk->plan_data = NULL;
}

static void cp_mutator_init(mmtk_t *mmtk, struct mmtk_mutator *m) {
  struct compressor_plan *p = cp(mmtk);
  m->bump[0].bp = &m->head.default_bump;
  m->bump[0].space = &p->space;
  common_plan_mutator_init(&p->common, m);
  mutator_map(m, MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0);
}

/* ---- The stages after the reference closures ------------------------------------------ */

static void offsets(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  forwarding_liveness_done(mmtk);
  compressor_schedule_regions(mmtk, &cp(mmtk)->space, MMTK_STAGE_CALCULATE_FORWARDING);
}

/* The first packet of SecondRoots: every offset is known. */
static void update_references(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  compressor_set_phase(&cp(mmtk)->space, COMPRESSOR_FORWARDED);
  forwarding_update_roots(mmtk);
}

static void compact(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  compressor_schedule_regions(w->mmtk, &cp(w->mmtk)->space, MMTK_STAGE_COMPACT);
}

/* The Compact stage's sentinel: every region is compacted. */
static void compacted(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  struct space *s = &cp(w->mmtk)->space;
  compressor_set_phase(s, COMPRESSOR_COMPACTED);
  compressor_log(s);
}

static void cp_schedule_collection(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  gc_schedule_default(mmtk, w);
  /* The mutators are stopped (mmtk_is_live_object() no longer asked), and no root is
   * reported before the Prepare stage: pinning roots pin their regions while marking. */
  compressor_set_phase(&cp(mmtk)->space, COMPRESSOR_MARKING);
  gc_add_simple(mmtk, MMTK_STAGE_CALCULATE_FORWARDING, offsets, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, update_references, NULL);
  forwarding_schedule_lists(mmtk);
  gc_add_simple(mmtk, MMTK_STAGE_COMPACT, compact, NULL);
  scheduler_set_sentinel(mmtk, MMTK_STAGE_COMPACT, gc_simple_packet_new(compacted, NULL));
}

static void cp_prepare(mmtk_t *mmtk) {
  struct compressor_plan *p = cp(mmtk);
  compressor_prepare(&p->space);
  common_plan_prepare(&p->common, true);
  /* Before the Closure stage opens (the Prepare stage's packets do not scan objects). */
  forwarding_prepare(mmtk, &p->space);
}

static void cp_release(mmtk_t *mmtk) {
  struct compressor_plan *p = cp(mmtk);
  compressor_release(&p->space);
  common_plan_release(&p->common, true);
}

static void cp_end_of_gc(mmtk_t *mmtk) { common_plan_end_of_gc(&cp(mmtk)->common); }

const struct plan_ops compressor_plan_ops = {
    .kind = MMTK_PLAN_COMPRESSOR,
    .collects_garbage = true,
    .moves_objects = true,
    .forwards_after_liveness = true,
    /* MMTk's limit for copying plans: a region holds many such objects. */
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = cp_create,
    .destroy = cp_destroy,
    .mutator_init = cp_mutator_init,
    .schedule_collection = cp_schedule_collection,
    .prepare = cp_prepare,
    .release = cp_release,
    .end_of_gc = cp_end_of_gc,
};
