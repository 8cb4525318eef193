/* Updating the references once the new addresses are known (design.trace.forwarding):
 * what MarkCompact and the Compressor share. */
#include "mmtk_internal.h"

#include "plan/forwarding.h"

void forwarding_prepare(mmtk_t *mmtk, struct space *moving) {
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) s->workers[i].trace.nexternal = 0;
  mmtk->gc.record_skip = moving;
  mmtk->gc.record_external = true;
}

void forwarding_liveness_done(mmtk_t *mmtk) { mmtk->gc.record_external = false; }

/* ---- SecondRoots ------------------------------------------------------------------------ */

/* The roots again, with the factory of the marking trace: the moving space now forwards,
 * so each root slot gets its new address, and what a pinning root pins was pinned by the
 * first scan (the spaces' pin_root do nothing after marking). */
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
  finalizers_scan_ready(mmtk, &f); /* the ready list's entries are root slots */
}

static void queue_mutator_rescan(mmtk_mutator_t *m, void *arg) {
  gc_add_simple(arg, MMTK_STAGE_SECOND_ROOTS, rescan_mutator_roots, m);
}

struct external_job {
  const uintptr_t *objects;
  size_t count;
};

#define EXTERNAL_PACKET 4096 /* objects per packet */

/* Scan the listed objects again: every reference into the moving space now traces to its
 * new address, the others (marked already) to themselves. */
static void update_external(mmtk_gc_worker_t *w, void *arg) {
  struct external_job *j = arg;
  for (size_t i = 0; i < j->count; i++) trace_scan_object(w, j->objects[i]);
  free(j);
  trace_drain(w);
}

void forwarding_update_roots(mmtk_t *mmtk) {
  if (mmtk->vm.prepare_for_roots_re_scanning)
    mmtk->vm.prepare_for_roots_re_scanning(mmtk->vm_ctx);
  if (mmtk->vm.scan_roots_in_mutator_thread)
    active_plan_iterate_mutators(mmtk, "the second root scan", queue_mutator_rescan, mmtk);
  gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, rescan_vm_roots, NULL);
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) {
    const struct tracer *t = &s->workers[i].trace;
    for (size_t k = 0; k < t->nexternal; k += EXTERNAL_PACKET) {
      struct external_job *j = gc_malloc(mmtk, sizeof *j, "a packet of objects to update");
      j->objects = t->external + k;
      j->count = t->nexternal - k < EXTERNAL_PACKET ? t->nexternal - k : EXTERNAL_PACKET;
      gc_add_simple(mmtk, MMTK_STAGE_SECOND_ROOTS, update_external, j);
    }
  }
}

/* ---- RefForwarding and FinalizableForwarding ---------------------------------------- */

static void forward_refs(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  references_forward(mmtk);
  if (mmtk->vm.forward_weak_refs) {
    mmtk_tracer_context_t tc = {.worker = w};
    mmtk->vm.forward_weak_refs(mmtk->vm_ctx, w->tls, &tc);
    trace_drain(w); /* nothing, unless the binding retained a dead object */
  }
}

static void forward_finalizable(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  finalizers_forward(w->mmtk);
}

void forwarding_schedule_lists(mmtk_t *mmtk) {
  gc_add_simple(mmtk, MMTK_STAGE_REF_FORWARDING, forward_refs, NULL);
  gc_add_simple(mmtk, MMTK_STAGE_FINALIZABLE_FORWARDING, forward_finalizable, NULL);
}
