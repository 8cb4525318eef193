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

/* ---- SecondRoots ---------------------------------------------------------------------- */

static void rescan_mutator_roots(mmtk_gc_worker_t *w, void *arg) {
  mmtk_t *mmtk = w->mmtk;
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = mmtk->gc.kind};
  mmtk->vm.scan_roots_in_mutator_thread(mmtk->vm_ctx, w->tls, arg, &f);
}

static void rescan_vm_roots(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = mmtk->gc.kind};
  if (mmtk->vm.scan_vm_specific_roots) mmtk->vm.scan_vm_specific_roots(mmtk->vm_ctx, w->tls, &f);
  finalizers_scan_ready(mmtk, &f);
}

static void queue_mutator_rescan(mmtk_mutator_t *m, void *arg) {
  gc_add_simple(arg, MMTK_STAGE_SECOND_ROOTS, rescan_mutator_roots, m);
}

struct external_job {
  const uintptr_t *objects;
  size_t count;
};

#define EXTERNAL_PACKET 4096 /* objects per packet */

/* Forward the references of objects outside the Compressor space (scanned again: every
 * reference into the space now traces to its new address, the others to themselves). */
static void update_external(mmtk_gc_worker_t *w, void *arg) {
  struct external_job *j = arg;
  for (size_t i = 0; i < j->count; i++) trace_scan_object(w, j->objects[i]);
  free(j);
  trace_drain(w);
}

/* The first packet of SecondRoots: every offset is known. */
static void update_references(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  compressor_set_phase(&cp(mmtk)->space, COMPRESSOR_FORWARDED);
  if (mmtk->vm.prepare_for_roots_re_scanning)
    mmtk->vm.prepare_for_roots_re_scanning(mmtk->vm_ctx);
  if (mmtk->vm.scan_roots_in_mutator_thread)
    active_plan_iterate_mutators(mmtk, "Compressor root rescan", queue_mutator_rescan, mmtk);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, rescan_vm_roots, NULL);
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) {
    const struct tracer *t = &s->workers[i].trace;
    for (size_t k = 0; k < t->nexternal; k += EXTERNAL_PACKET) {
      struct external_job *j = gc_malloc(mmtk, sizeof *j, "a Compressor update packet");
      j->objects = t->external + k;
      j->count = t->nexternal - k < EXTERNAL_PACKET ? t->nexternal - k : EXTERNAL_PACKET;
      gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, update_external, j);
    }
  }
}

/* ---- The other stages ------------------------------------------------------------------ */

static void offsets(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk->gc.record_external = false; /* liveness is final: no object is scanned any more */
  compressor_schedule_regions(mmtk, &cp(mmtk)->space, MMTK_STAGE_CALCULATE_FORWARDING);
}

static void forward_refs(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  references_forward(mmtk);
  if (mmtk->vm.forward_weak_refs) {
    mmtk_tracer_context_t tc = {.worker = w};
    mmtk->vm.forward_weak_refs(mmtk->vm_ctx, w->tls, &tc);
  }
}

static void forward_finalizable(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  finalizers_forward(w->mmtk);
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
  gc_add_simple(mmtk, MMTK_STAGE_REF_FORWARDING, forward_refs, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_FINALIZABLE_FORWARDING, forward_finalizable, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_COMPACT, compact, NULL);
  scheduler_set_sentinel(mmtk, MMTK_STAGE_COMPACT, gc_simple_packet_new(compacted, NULL));
}

static void cp_prepare(mmtk_t *mmtk) {
  struct compressor_plan *p = cp(mmtk);
  compressor_prepare(&p->space);
  common_plan_prepare(&p->common, true);
  /* Before the Closure stage opens (the Prepare stage's packets do not scan objects). */
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) s->workers[i].trace.nexternal = 0;
  mmtk->gc.record_skip = &p->space;
  mmtk->gc.record_external = true;
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
