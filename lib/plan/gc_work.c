/* One collection, stage by stage (MMTk's scheduler::gc_work, design.gc).
 *
 *   Unconstrained  ScheduleCollection: stop the mutators (the binding visits each one as it
 *                  stops: its buffers are taken back and its roots are scheduled), then
 *                  queue the packets of every later stage.
 *   Prepare        the plan's prepare (flip spaces, clear marks); root scanning, whose
 *                  slots become closure packets.
 *   Closure        the transitive closure.
 *   *RefClosure    soft, weak, finalizable and phantom references; the binding's own weak
 *                  structures (VMRefClosure).
 *   Release        the plan's release (free from-space, sweep), cleared references
 *                  handed back; the binding's post_forwarding (MMTk's VMPostForwarding).
 *   then the coordinating worker finishes: statistics, heap size, resume the mutators.
 */
#include "mmtk_internal.h"

#include <stdio.h>

struct simple_packet {
  struct work_packet base;
  void (*fn)(mmtk_gc_worker_t *w, void *arg);
  void *arg;
};

static void simple_run(struct work_packet *self, mmtk_gc_worker_t *w) {
  struct simple_packet *p = container_of(self, struct simple_packet, base);
  void (*fn)(mmtk_gc_worker_t *, void *) = p->fn;
  void *arg = p->arg;
  free(p);
  fn(w, arg);
}

struct work_packet *gc_simple_packet_kind(void (*fn)(mmtk_gc_worker_t *, void *), void *arg,
                                          const char *kind) {
  struct simple_packet *p = gc_malloc(NULL, sizeof *p, "a work packet");
  p->base.run = simple_run;
  work_set_kind(&p->base, kind);
  p->fn = fn;
  p->arg = arg;
  return &p->base;
}

void gc_add_simple_kind(mmtk_t *mmtk, int stage, void (*fn)(mmtk_gc_worker_t *, void *), void *arg,
                        const char *kind) {
  scheduler_add(mmtk, stage, gc_simple_packet_kind(fn, arg, kind));
}
#define add gc_add_simple

/* ---- Roots -------------------------------------------------------------------------- */

static void roots_scanned(mmtk_gc_worker_t *w) {
  mmtk_t *mmtk = w->mmtk;
  if (atomic_fetch_sub(&mmtk->gc.pending_root_scans, 1) == 1 &&
      mmtk->vm.notify_initial_thread_scan_complete)
    mmtk->vm.notify_initial_thread_scan_complete(mmtk->vm_ctx, false, w->tls);
}

static void scan_mutator_roots(mmtk_gc_worker_t *w, void *arg) {
  mmtk_t *mmtk = w->mmtk;
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = mmtk->gc.kind};
  if (mmtk->vm.scan_roots_in_mutator_thread)
    mmtk->vm.scan_roots_in_mutator_thread(mmtk->vm_ctx, w->tls, arg, &f);
  roots_scanned(w);
}

static void scan_vm_roots(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk_roots_factory_t f = {.mmtk = mmtk, .worker = w, .kind = mmtk->gc.kind};
  if (mmtk->vm.scan_vm_specific_roots) mmtk->vm.scan_vm_specific_roots(mmtk->vm_ctx, w->tls, &f);
  finalizers_scan_ready(mmtk, &f); /* objects waiting for finalization are roots */
  roots_scanned(w);
}

/* ---- Stopping the world ------------------------------------------------------------- */

static void visit_stopped(mmtk_mutator_t *m, void *arg) {
  mmtk_gc_worker_t *w = arg;
  if (!mutator_check(m, "stop_all_mutators visitor"))
    mmtk_panic(__FILE__, __LINE__, "the binding's stop_all_mutators visited a bad mutator %p",
               (void *)m);
  mutator_reset_buffers(m);
  atomic_fetch_add(&w->mmtk->gc.stopped_mutators, 1);
  atomic_fetch_add(&w->mmtk->gc.pending_root_scans, 1);
  add(w->mmtk, MMTK_STAGE_PREPARE, scan_mutator_roots, m);
}

static void prepare(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk->plan->prepare(mmtk);
  /* A nursery GC leaves the VM space's marks as the last full-heap GC set them. */
  if (mmtk->vm_space.collected) vm_space_prepare(mmtk);
  /* Before the Closure stage opens: no copy is made before this. */
  memset(&mmtk->gc.copy, 0, sizeof mmtk->gc.copy);
  for (unsigned i = 0; i < COPY_SEMANTICS_COUNT; i++)
    mmtk->gc.copy.map[i].kind = MMTK_ALLOCATOR_NONE;
  if (mmtk->plan->copy_config) mmtk->plan->copy_config(mmtk, &mmtk->gc.copy);
}

static void release(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
#if MMTK_HAVE_SANITY
  /* While the forwarding state is still there (the plan's release frees from-space). */
  if (mmtk->options.sanity) references_forward_dropped(mmtk);
#endif
  mmtk->plan->release(mmtk);
  references_enqueue(mmtk, w);
}

/* MMTk's VMPostForwarding: a packet of the Release stage.  Every earlier stage has
 * drained (the closure, the reference stages, the binding's weak processing), so liveness
 * is final, every survivor has its new address and every reported slot holds it.  It may
 * run beside the plan's release, which frees what died; resume_mutators comes later, in
 * gc_finish(). */
static void post_forwarding(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk->vm.post_forwarding(mmtk->vm_ctx, w->tls);
}

/* stop_all_mutators must visit every mutator: one left out keeps its allocation buffers
 * and its roots go unscanned. */
static void check_stopped(mmtk_t *mmtk) {
#if MMTK_HAVE_EXTREME_ASSERTIONS
  size_t stopped = atomic_load(&mmtk->gc.stopped_mutators);
  size_t bound = active_plan_number_of_mutators(mmtk);
  if (stopped != bound)
    mmtk_panic(__FILE__, __LINE__, "extreme assertion failed: the binding's stop_all_mutators "
               "visited %zu mutators, but %s says %zu are bound", stopped,
               mmtk->vm.number_of_mutators ? "its number_of_mutators" : "libmmtk's registry",
               bound);
#else
  (void)mmtk;
#endif
}

void gc_schedule_default(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct gc_state *g = &mmtk->gc;
  g->used_before = gc_trigger_used_bytes(mmtk);
  atomic_store(&g->stopped_mutators, 0);
  /* +1: the VM roots packet also counts down. */
  atomic_store(&g->pending_root_scans, 1);

  /* Each visited mutator adds one (visit_stopped); no root scan runs before the
   * Prepare stage opens, after stop_all_mutators has returned. */
  mmtk->vm.stop_all_mutators(mmtk->vm_ctx, w->tls, visit_stopped, w);
  g->stopped_ns = stats_now_ns();
  check_stopped(mmtk);
  /* Before any root is scanned: the ready list becomes root slots (design.refs.busy). */
  references_gc_begin(mmtk);

  add(mmtk, MMTK_STAGE_PREPARE, prepare, NULL);
  add(mmtk, MMTK_STAGE_PREPARE, scan_vm_roots, NULL);
  references_schedule(mmtk);
  add(mmtk, MMTK_STAGE_RELEASE, release, NULL);
  if (mmtk->vm.post_forwarding) add(mmtk, MMTK_STAGE_RELEASE, post_forwarding, NULL);
}

/* MMTk's ScheduleCollection packet: the plan picks the GC's trace kind, then queues its
 * packets (design.plan.hooks). */
static void schedule_collection(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  struct gc_state *g = &mmtk->gc;
  g->start_ns = stats_now_ns();
  perf_counters_phase(mmtk, true);
  g->kind = mmtk->plan->select_gc ? mmtk->plan->select_gc(mmtk, g->reason) : TRACE_FAST;
  /* Every packet of this GC that is not a closure packet (reference stages, the binding's
   * packets) traces with this kind; closure packets set their own.  The other workers
   * are parked: they see this through the scheduler's lock. */
  struct scheduler *s = &mmtk->sched;
  for (unsigned i = 0; i < s->nworkers; i++) s->workers[i].trace.kind = g->kind;
  if (mmtk->plan->schedule_collection) mmtk->plan->schedule_collection(mmtk, w);
  else gc_schedule_default(mmtk, w);
}

static void schedule_collection_run(struct work_packet *self, mmtk_gc_worker_t *w) {
  (void)self; /* the instance's own: not freed */
  schedule_collection(w, NULL);
}

struct work_packet *gc_schedule_collection_packet(mmtk_t *mmtk) {
  mmtk->sched.schedule_packet.run = schedule_collection_run;
  work_set_kind(&mmtk->sched.schedule_packet, WORK_KIND("schedule_collection"));
  return &mmtk->sched.schedule_packet;
}

/* ---- The end ------------------------------------------------------------------------ */

static const char *const reason_names[] = {
    [GC_REASON_HEAP_FULL] = "HeapFull",   [GC_REASON_USER] = "UserRequest",
    [GC_REASON_STRESS] = "Stress",        [GC_REASON_EMERGENCY] = "Emergency",
    [GC_REASON_POLL] = "Poll",
};

static void human(char *buf, size_t n, size_t bytes) {
  if (bytes >= ((size_t)10 << 20)) snprintf(buf, n, "%zuM", bytes >> 20);
  else snprintf(buf, n, "%zuK", bytes >> 10);
}

void gc_finish(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  struct gc_state *g = &mmtk->gc;
  struct scheduler *s = &mmtk->sched;
  size_t live = 0;
  for (unsigned i = 0; i < s->nworkers; i++) {
    live += s->workers[i].trace.live_bytes;
    s->workers[i].trace.live_bytes = 0;
    g->bytes_copied += s->workers[i].copy.bytes_copied;
    s->workers[i].copy.bytes_copied = 0;
    copy_allocators_reset(&s->workers[i].copy);
    s->workers[i].trace.scanned = 0;
  }
#if MMTK_HAVE_SANITY
  /* Before end_of_gc: MarkSweep's eager sweep there clears the marks it checks. */
  if (mmtk->options.sanity) sanity_check(mmtk, w);
  sanity_gen_end(mmtk);
#endif
  if (mmtk->plan->end_of_gc) mmtk->plan->end_of_gc(mmtk);
  /* A nursery GC traced only the young survivors: the live size is what the heap now
   * holds (the mature spaces were not traced). */
  if (g->kind == TRACE_NURSERY) live = gc_trigger_used_bytes(mmtk);
  /* Live: the bytes of every object this GC reached (cells for mark-sweep, whole pages
   * for large objects). */
  g->live_bytes = live;
  gc_trigger_after_gc(mmtk, live);

  uint64_t end = stats_now_ns(), pause = end - g->start_ns;
  perf_counters_phase(mmtk, false);
  mmtk->stats.gc_count++;
  if (g->kind == TRACE_NURSERY) {
    mmtk->stats.nursery_gc_count++;
    mmtk->stats.nursery_gc_ns += pause;
  }
  if (g->kind == TRACE_DEFRAG) mmtk->stats.defrag_gc_count++;
  mmtk->stats.gc_ns += pause;
  if (pause > mmtk->stats.max_pause_ns) mmtk->stats.max_pause_ns = pause;
  for (int i = 0; i < MMTK_STAGE_COUNT; i++) mmtk->stats.stage_ns[i] += s->stage_ns[i];
  if (mmtk->options.verbose) {
    char before[32], after[32], limit[32];
    human(before, sizeof before, g->used_before);
    human(after, sizeof after, live);
    human(limit, sizeof limit, mmtk->trigger.limit_bytes);
    /* The kind only when it is not the plan's usual one: "GC(7) Immix Defrag Pause". */
    mmtk_log(mmtk, MMTK_LOG_INFO, "GC(%llu) %s%s%s Pause (%s) %s->%s(%s) %.3fms",
             (unsigned long long)mmtk->stats.gc_count, mmtk_plan_name(mmtk->plan->kind),
             g->kind == TRACE_FAST ? "" : " ", g->kind == TRACE_FAST ? "" : trace_kind_name(g->kind),
             reason_names[g->reason], before, after, limit, (double)pause / 1e6);
  }
  g->stress_bytes = 0;
  bool finalize = finalizers_ready(mmtk);
  references_gc_end(mmtk); /* before the mutators may ask for their finalizers */
  mmtk->vm.resume_mutators(mmtk->vm_ctx, w->tls);
  if (finalize && mmtk->vm.schedule_finalization)
    mmtk->vm.schedule_finalization(mmtk->vm_ctx, w->tls);
}
