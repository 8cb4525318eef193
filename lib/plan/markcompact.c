/* MarkCompact (MMTk's plan::markcompact, design.markcompact): a Lisp-2 sliding compactor.
 * Default allocations bump through the mark-compact space with a forwarding word before
 * each object (policy/markcompactspace.h); large, immortal and non-moving objects go to
 * the common plan's spaces (plan/common.h).  A GC marks, computes the new addresses,
 * traces again from the roots to update every reference, and slides the survivors
 * down: no copy reserve, so the smallest heap of the moving plans. */
#include "mmtk_internal.h"

#include "policy/markcompactspace.h"

enum { MC_SPACE, COMMON };

struct markcompact {
  struct space mc;
  struct mc_state mc_state;
  struct common_plan common;
  uint64_t first_live; /* the live bytes of the marking trace (the second counts again) */
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
  (void)w;
  mc_calculate_forwarding(arg);
}

static void scan_mutator_forward(mmtk_t *mmtk, mmtk_gc_worker_t *w, mmtk_mutator_t *m) {
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = TRACE_FORWARD};
  mmtk->vm.scan_roots_in_mutator_thread(mmtk->vm_ctx, w->tls, m, &f);
}

static void mutator_roots_packet(mmtk_gc_worker_t *w, void *arg) {
  scan_mutator_forward(w->mmtk, w, arg);
}

static void queue_mutator(mmtk_mutator_t *m, void *arg) {
  gc_add_simple(arg, MMTK_STAGE_SECOND_ROOTS, mutator_roots_packet, m);
}

static void vm_roots_packet(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = TRACE_FORWARD};
  if (mmtk->vm.scan_vm_specific_roots) mmtk->vm.scan_vm_specific_roots(mmtk->vm_ctx, w->tls, &f);
  finalizers_scan_ready(mmtk, &f); /* the ready list's entries are root slots */
}

/* MMTk's UpdateReferences: the roots once more, as TRACE_FORWARD closure packets of this
 * stage.  The common spaces and the VM space start a new mark epoch, so that the second
 * trace scans their objects again (and updates their fields); what died in them is
 * swept first, as the release would. */
static void second_roots(mmtk_gc_worker_t *w, void *arg) {
  mmtk_t *mmtk = w->mmtk;
  struct markcompact *p = arg;
  if (mmtk->vm.prepare_for_roots_re_scanning) mmtk->vm.prepare_for_roots_re_scanning(mmtk->vm_ctx);
  /* The other workers are parked: this is the stage's only packet so far. */
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) {
    p->first_live += s->workers[i].trace.live_bytes;
    s->workers[i].trace.live_bytes = 0;
  }
  common_plan_release(&p->common, true);
  common_plan_prepare(&p->common, true);
  if (mmtk->vm_space.collected) vm_space_prepare(mmtk);
  if (mmtk->vm.scan_roots_in_mutator_thread)
    active_plan_iterate_mutators(mmtk, "MarkCompact's second root scan", queue_mutator, mmtk);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, vm_roots_packet, NULL);
}

static void ref_forwarding(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  w->trace.kind = TRACE_FORWARD;
  references_forward_traced(w->mmtk, w);
}

static void finalizable_forwarding(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  w->trace.kind = TRACE_FORWARD;
  finalizers_forward_traced(w->mmtk, w);
}

/* MMTk's VMForwardWeakRefs: the binding's own weak structures, through a tracer whose
 * mmtk_tracer_get_forwarded() gives the new addresses (and mmtk_tracer_retain() too,
 * scanning what only the structure keeps alive). */
static void vm_forward_weak(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  w->trace.kind = TRACE_FORWARD;
  mmtk_tracer_context_t tc = {.worker = w};
  mmtk->vm.forward_weak_refs(mmtk->vm_ctx, w->tls, &tc);
  trace_drain(w);
}

static void compact(mmtk_gc_worker_t *w, void *arg) {
  struct markcompact *p = arg;
  mmtk_t *mmtk = w->mmtk;
  mc_compact(&p->mc);
  /* The live size is what the marking trace found. */
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) s->workers[i].trace.live_bytes = 0;
  w->trace.live_bytes = p->first_live;
  p->first_live = 0;
}

static void mc_schedule_collection(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct markcompact *p = mc(mmtk);
  gc_schedule_default(mmtk, w);
  gc_add_simple(mmtk, MMTK_STAGE_CALCULATE_FORWARDING, calculate_forwarding, &p->mc);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, second_roots, p);
  /* The binding's structures a stage before the reference lists: what they alone keep
   * alive is traced again before the sanity check of the dropped references asks the
   * common spaces (marked again by now) for liveness. */
  if (mmtk->vm.forward_weak_refs) gc_add_simple(mmtk, MMTK_STAGE_REF_FORWARDING, vm_forward_weak, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_FINALIZABLE_FORWARDING, ref_forwarding, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_FINALIZABLE_FORWARDING, finalizable_forwarding, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_COMPACT, compact, p);
}

static void mc_prepare_plan(mmtk_t *mmtk) {
  struct markcompact *p = mc(mmtk);
  mc_prepare(&p->mc);
  common_plan_prepare(&p->common, true);
}

static void mc_release(mmtk_t *mmtk) { common_plan_release(&mc(mmtk)->common, true); }

static void mc_end_of_gc(mmtk_t *mmtk) { common_plan_end_of_gc(&mc(mmtk)->common); }

const struct plan_ops markcompact_plan_ops = {
    .kind = MMTK_PLAN_MARKCOMPACT,
    .collects_garbage = true,
    .moves_objects = true,
    .max_non_los_default_alloc_bytes = (size_t)16 << 10,
    .create = mc_create,
    .destroy = mc_destroy,
    .mutator_init = mc_mutator_init,
    .schedule_collection = mc_schedule_collection,
    .prepare = mc_prepare_plan,
    .release = mc_release,
    .end_of_gc = mc_end_of_gc,
};
