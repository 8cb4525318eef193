/* The reference and finalization stages (design.refs.stages).
 *
 * After the strong closure, in MMTk's stages: soft referents are kept alive unless the
 * GC is an emergency one (SoftRefClosure); weak and soft references whose referent died
 * are cleared and queued for the binding, the others are updated to the referent's new
 * address (WeakRefClosure); finalizable objects that died are revived, traced, and moved
 * to the ready list (FinalRefClosure); phantom references are treated like weak ones
 * after that (PhantomRefClosure); and the binding's own weak structures are processed
 * until it has nothing more to keep (VMRefClosure).  A reference object that itself died
 * is cleared and dropped from its list (a later stage may revive it).
 *
 * A long list is cut into slices of about REFS_SLICE entries, a packet each, which the
 * workers run at once; the last slice to finish merges their results in list order
 * (design.refs.split), so that every stage decides and orders exactly as one walk of
 * the list in order does. */
#include "mmtk_internal.h"
#include "scheduler/split.h"

#define REFS_SLICE 1024 /* entries per packet (design.refs.split.size) */
/* WeakRefClosure and PhantomRefClosure hand out references by the 64 KiB region they
 * are in (design.refs.split.scan). */
#define REFS_REGION_LOG 16

/* What the first pass found for an entry that was not reachable (objects are aligned:
 * never an object). */
#define DEAD ((mmtk_object_t)(uintptr_t)1)

enum job_kind {
  JOB_SOFT,  /* SoftRefClosure: check (slices), then trace the referents */
  JOB_SCAN,  /* WeakRefClosure, PhantomRefClosure: clear or forward (slices) */
  JOB_FINAL, /* FinalRefClosure: check (slices), then revive in order */
};

struct ref_job;

struct slice {
  struct ref_job *job;
  unsigned list;     /* in job->lists (JOB_SCAN: all of them) */
  size_t begin, end; /* the entries [begin, end) of that list; JOB_SCAN: of job->order */
};

/* What JOB_SCAN decided for an entry (job->outcome). */
enum { OUT_DROP, OUT_KEEP, OUT_CLEAR, OUT_DEAD };

struct job_list {
  struct object_list *home; /* the candidate list, in mmtk->refs */
  struct object_list l;     /* what was taken out of it (design.refs.lists.detach) */
  const char *what;
  /* Per entry, from the first pass.  JOB_SOFT: DEAD, or the referent (NULL: none);
   * JOB_FINAL: DEAD, or NULL for an entry kept (already at its new address). */
  mmtk_object_t *aux;
};

struct ref_job {
  mmtk_t *mmtk;
  enum job_kind kind;
  int stage;
  const char *name; /* the stage, for the log */
  bool tracing;     /* JOB_SOFT: the slices now trace the referents (second pass) */
  unsigned nlists;
  struct job_list lists[2];
  size_t entries, nslices;
  /* JOB_SCAN, over the lists one after the other (entry g: list 0's first): the entries
   * by slice, each slice's in list order (design.refs.split.scan), and their outcome. */
  size_t *order;
  uint8_t *outcome;
  struct split split; /* the slices of the current pass (design.scheduler.split) */
  struct slice slices[];
};

static mmtk_object_t *scan_entry(struct ref_job *job, size_t g) {
  if (g < job->lists[0].l.count) return &job->lists[0].l.items[g];
  return &job->lists[1].l.items[g - job->lists[0].l.count];
}

/* JOB_SCAN's slices: each entry goes to the slice its reference's 64 KiB region hashes
 * to, so that a reference registered twice (or both soft and weak) is seen by one
 * slice, in list order, as one walk sees it (the binding's callbacks never run on one
 * reference in two workers at once), and references allocated together are processed
 * together.  A counting sort keeps each slice's entries in list order; a slice may be
 * larger or smaller than REFS_SLICE, or empty. */
static void scan_partition(struct ref_job *job) {
  mmtk_t *mmtk = job->mmtk;
  size_t n = job->entries, k = job->nslices;
  job->order = gc_malloc(mmtk, n * sizeof *job->order, "a reference stage");
  uint32_t *to = gc_malloc(mmtk, n * sizeof *to, "a reference stage");
  size_t *start = gc_malloc(mmtk, (k + 1) * sizeof *start, "a reference stage");
  memset(start, 0, (k + 1) * sizeof *start);
  for (size_t g = 0; g < n; g++) {
    uint64_t h = ((uint64_t)(uintptr_t)*scan_entry(job, g) >> REFS_REGION_LOG) * 0x9e3779b97f4a7c15u;
    to[g] = (uint32_t)((h >> 32) % k);
    start[to[g] + 1]++;
  }
  for (size_t i = 0; i < k; i++) start[i + 1] += start[i];
  for (size_t i = 0; i < k; i++)
    job->slices[i] = (struct slice){.job = job, .begin = start[i], .end = start[i + 1]};
  for (size_t g = 0; g < n; g++) job->order[start[to[g]]++] = g;
  free(start);
  free(to);
}

/* Take the lists out and cut them into slices. */
static struct ref_job *job_new(mmtk_t *mmtk, enum job_kind kind, int stage, const char *name,
                               struct object_list *const *lists, const char *const *what,
                               unsigned nlists) {
  struct object_list taken[2];
  size_t nslices = 0, entries = 0;
  for (unsigned k = 0; k < nlists; k++) {
    taken[k] = refs_detach(&mmtk->refs, lists[k]);
    nslices += (taken[k].count + REFS_SLICE - 1) / REFS_SLICE;
    entries += taken[k].count;
  }
  /* One worker: the single walk, in one slice (design.refs.split.size). */
  size_t slice = mmtk->sched.nworkers > 1 ? REFS_SLICE : SIZE_MAX;
  if (slice == SIZE_MAX) nslices = entries ? nlists : 0;
  struct ref_job *job =
      gc_malloc(mmtk, sizeof *job + nslices * sizeof *job->slices, "a reference stage");
  memset(job, 0, sizeof *job + nslices * sizeof *job->slices);
  *job = (struct ref_job){.mmtk = mmtk, .kind = kind, .stage = stage, .name = name,
                          .nlists = nlists, .entries = entries, .nslices = nslices};
  size_t n = 0;
  for (unsigned k = 0; k < nlists; k++) {
    struct job_list *jl = &job->lists[k];
    *jl = (struct job_list){.home = lists[k], .l = taken[k], .what = what[k]};
    if (kind != JOB_SCAN && jl->l.count)
      jl->aux = gc_malloc(mmtk, jl->l.count * sizeof *jl->aux, "a reference stage");
    if (kind == JOB_SCAN) continue;
    for (size_t b = 0; b < jl->l.count; b += slice > jl->l.count - b ? jl->l.count - b : slice)
      job->slices[n++] = (struct slice){.job = job, .list = k, .begin = b,
                                        .end = slice < jl->l.count - b ? b + slice : jl->l.count};
  }
  job->nslices = n;
  if (kind == JOB_SCAN && entries) {
    /* At most as many slices as the lists' own would be: (a + b) / 1024 rounded up. */
    job->nslices = slice == SIZE_MAX ? 1 : (entries + REFS_SLICE - 1) / REFS_SLICE;
    job->slices[0] = (struct slice){.job = job, .begin = 0, .end = entries};
    if (job->nslices > 1) {
      job->outcome = gc_malloc(mmtk, entries, "a reference stage");
      scan_partition(job);
    }
  }
  return job;
}

static void job_free(struct ref_job *job) {
  mmtk_t *mmtk = job->mmtk;
  if (job->nslices > 1 && mmtk->options.verbose >= 2)
    mmtk_log(mmtk, MMTK_LOG_DEBUG, "%s: %zu entries in %zu packets, on %d workers", job->name,
             job->entries, job->nslices, split_workers(&job->split));
  for (unsigned k = 0; k < job->nlists; k++) free(job->lists[k].aux);
  free(job->order);
  free(job->outcome);
  free(job);
}

/* ---- The slices ----------------------------------------------------------------------- */

/* SoftRefClosure, first pass: which references are reachable, and their referents. */
static void soft_check(mmtk_t *mmtk, struct slice *sl) {
  struct job_list *jl = &sl->job->lists[sl->list];
  for (size_t i = sl->begin; i < sl->end; i++) {
    uintptr_t r = (uintptr_t)jl->l.items[i];
    /* A dead reference object may yet be revived: its fate is decided by WeakRefClosure. */
    if (!object_is_reachable(mmtk, r)) {
      jl->aux[i] = DEAD;
      continue;
    }
    jl->aux[i] = mmtk->vm.get_referent(mmtk->vm_ctx, (void *)object_get_forwarded(mmtk, r));
  }
}

/* SoftRefClosure, second pass (every reference was reachable): keep the referents. */
static void soft_trace(mmtk_gc_worker_t *w, struct slice *sl) {
  const struct job_list *jl = &sl->job->lists[sl->list];
  for (size_t i = sl->begin; i < sl->end; i++)
    if (jl->aux[i]) trace_object(w, (uintptr_t)jl->aux[i]);
  trace_drain(w);
}

/* WeakRefClosure and PhantomRefClosure: clear or forward one reference, `*entry`, which
 * becomes its new address (unless it died).
 *
 * A reference object that is dead here is cleared before it is dropped, as MMTk does
 * (design.refs.weak.dead): a later stage may still revive it (a finalizable object or the
 * binding's weak processing reaching it), and its referent, which nothing updates from
 * now on, would then be the referent's old copy (a moving plan) or a freed cell. */
static int decide(mmtk_t *mmtk, mmtk_object_t *entry) {
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  uintptr_t r = (uintptr_t)*entry;
  if (!object_is_reachable(mmtk, r)) {
    vm->clear_referent(mmtk->vm_ctx, (void *)r);
    return OUT_DEAD;
  }
  void *nr = (void *)object_get_forwarded(mmtk, r);
  *entry = nr;
  mmtk_object_t referent = vm->get_referent(mmtk->vm_ctx, nr);
  if (!referent) return OUT_DROP;
  if (object_is_reachable(mmtk, (uintptr_t)referent)) {
    /* Unless it moves later: then RefForwarding sets it (references_forward()). */
    if (!mmtk->plan->forwards_after_liveness)
      vm->set_referent(mmtk->vm_ctx, nr, (void *)object_get_forwarded(mmtk, (uintptr_t)referent));
    return OUT_KEEP;
  }
  vm->clear_referent(mmtk->vm_ctx, nr);
  return OUT_CLEAR;
}

/* An entry's outcome in the lists: kept (moved down to `*kept`), queued for the binding,
 * or (sanity) noted as dead. */
static void apply(mmtk_t *mmtk, struct object_list *l, size_t i, int outcome, size_t *kept) {
  switch (outcome) {
  case OUT_KEEP:
    l->items[(*kept)++] = l->items[i];
    break;
  case OUT_CLEAR:
    /* Only the workers of the reference stages touch `cleared`, one stage at a time. */
    refs_list_push(mmtk, &mmtk->refs.cleared, l->items[i], "the list of cleared references");
    break;
  case OUT_DEAD:
#if MMTK_HAVE_SANITY
    if (mmtk->options.sanity)
      refs_list_push(mmtk, &mmtk->refs.dropped, l->items[i], "the sanity list of dead references");
#endif
    break;
  default:
    break;
  }
}

/* A slice of a split stage: the outcomes, merged later (scan_merge). */
static void scan(mmtk_t *mmtk, struct slice *sl) {
  struct ref_job *job = sl->job;
  for (size_t j = sl->begin; j < sl->end; j++) {
    size_t g = job->order[j];
    job->outcome[g] = (uint8_t)decide(mmtk, scan_entry(job, g));
  }
}

/* A stage of one slice: one walk of the lists, applied as it goes. */
static void scan_whole(mmtk_t *mmtk, struct ref_job *job) {
  for (unsigned k = 0; k < job->nlists; k++) {
    struct object_list *l = &job->lists[k].l;
    size_t kept = 0;
    for (size_t i = 0; i < l->count; i++) apply(mmtk, l, i, decide(mmtk, &l->items[i]), &kept);
    l->count = kept;
  }
}

/* FinalRefClosure, first pass: the reachable objects stay, at their new addresses. */
static void final_check(mmtk_t *mmtk, struct slice *sl) {
  struct job_list *jl = &sl->job->lists[sl->list];
  for (size_t i = sl->begin; i < sl->end; i++) {
    uintptr_t o = (uintptr_t)jl->l.items[i];
    if (object_is_reachable(mmtk, o)) {
      jl->l.items[i] = (void *)object_get_forwarded(mmtk, o);
      jl->aux[i] = NULL;
    } else {
      jl->aux[i] = DEAD;
    }
  }
}

/* ---- Merging, by the last slice of a pass --------------------------------------------- */

/* The lists in order: the kept entries stay, the cleared references are queued for
 * the binding (soft ones before weak ones, each in list order), the dead reference
 * objects are noted for the verifier (sanity builds). */
static void scan_merge(mmtk_t *mmtk, struct ref_job *job) {
  size_t g = 0, cleared = 0;
  for (size_t i = 0; i < job->entries; i++) cleared += job->outcome[i] == OUT_CLEAR;
  refs_list_reserve(mmtk, NULL, &mmtk->refs.cleared, cleared, "the list of cleared references");
  for (unsigned k = 0; k < job->nlists; k++) {
    struct object_list *l = &job->lists[k].l;
    size_t kept = 0;
    for (size_t i = 0; i < l->count; i++, g++) apply(mmtk, l, i, job->outcome[g], &kept);
    l->count = kept;
  }
  for (unsigned k = 0; k < job->nlists; k++)
    refs_reattach(mmtk, job->lists[k].home, &job->lists[k].l, job->lists[k].what);
}

static void slice_packet(mmtk_gc_worker_t *w, void *arg);

/* Queue slices 1.. of the current pass and run slice 0 here (until it has run, the
 * job cannot be finished and freed by another worker). */
static void job_run(mmtk_gc_worker_t *w, struct ref_job *job) {
  split_begin(&job->split, job->nslices);
  for (size_t i = 1; i < job->nslices; i++)
    gc_add_simple(job->mmtk, job->stage, slice_packet, &job->slices[i]);
  slice_packet(w, &job->slices[0]);
}

/* The soft references in list order, as one walk would: trace the referent of each
 * reachable one.  The first pass found the references that were reachable then; one it
 * found dead may have become reachable since, as the referent of an earlier entry, and
 * is then looked at again here, exactly when a single walk would have found it so. */
static void soft_in_order(mmtk_gc_worker_t *w, struct ref_job *job) {
  mmtk_t *mmtk = job->mmtk;
  struct job_list *jl = &job->lists[0];
  for (size_t i = 0; i < jl->l.count; i++) {
    mmtk_object_t ref = jl->aux[i];
    if (ref == DEAD) {
      uintptr_t r = (uintptr_t)jl->l.items[i];
      if (!object_is_reachable(mmtk, r)) continue;
      ref = mmtk->vm.get_referent(mmtk->vm_ctx, (void *)object_get_forwarded(mmtk, r));
    }
    if (ref) trace_object(w, (uintptr_t)ref);
  }
}

/* The dead finalizable objects in list order, as one walk would: each is revived and
 * goes to `ready`; one revived already (registered twice) is reachable now and stays. */
static void final_merge(mmtk_gc_worker_t *w, struct ref_job *job) {
  mmtk_t *mmtk = job->mmtk;
  struct references *refs = &mmtk->refs;
  struct job_list *jl = &job->lists[0];
  struct object_list revived = {0};
  size_t kept = 0;
  for (size_t i = 0; i < jl->l.count; i++) {
    uintptr_t o = (uintptr_t)jl->l.items[i];
    if (jl->aux[i] != DEAD) {
      jl->l.items[kept++] = (void *)o;
    } else if (object_is_reachable(mmtk, o)) {
      jl->l.items[kept++] = (void *)object_get_forwarded(mmtk, o);
    } else { /* dead: revive it (and what it reaches) for its finalizer */
      refs_list_push(mmtk, &revived, (void *)trace_object(w, o),
                     "the finalizable objects found dead");
    }
  }
  jl->l.count = kept;
  pthread_mutex_lock(&refs->lock);
  /* Only this stage adds to `ready` during a GC (the queries wait, design.refs.busy). */
  refs_list_reserve(mmtk, &refs->lock, &refs->ready, revived.count,
                    "the ready-for-finalization list");
  if (revived.count)
    memcpy(refs->ready.items + refs->ready.count, revived.items,
           revived.count * sizeof *revived.items);
  refs->ready.count += revived.count;
  refs_reattach_locked(mmtk, &refs->finalizable, &jl->l, "the finalizable objects");
  pthread_mutex_unlock(&refs->lock);
  free(revived.items);
}

static bool soft_any_dead(const struct ref_job *job) {
  const struct job_list *jl = &job->lists[0];
  for (size_t i = 0; i < jl->l.count; i++)
    if (jl->aux[i] == DEAD) return true;
  return false;
}

/* The last slice of a pass has finished: every slice's work is visible here (the
 * count's read-modify-write orders it). */
static void job_done(mmtk_gc_worker_t *w, struct ref_job *job) {
  mmtk_t *mmtk = job->mmtk;
  switch (job->kind) {
  case JOB_SCAN:
    if (job->nslices > 1) scan_merge(mmtk, job);
    else
      for (unsigned k = 0; k < job->nlists; k++)
        refs_reattach(mmtk, job->lists[k].home, &job->lists[k].l, job->lists[k].what);
    job_free(job);
    return;
  case JOB_FINAL:
    final_merge(w, job);
    job_free(job);
    trace_drain(w);
    return;
  case JOB_SOFT:
    if (job->tracing) { /* the second pass is over */
      job_free(job);
      return;
    }
    if (job->nslices > 1 && !soft_any_dead(job)) {
      /* Nothing is checked any more: the referents may be traced in any order. */
      refs_reattach(mmtk, job->lists[0].home, &job->lists[0].l, job->lists[0].what);
      job->tracing = true;
      job_run(w, job);
      return;
    }
    soft_in_order(w, job);
    refs_reattach(mmtk, job->lists[0].home, &job->lists[0].l, job->lists[0].what);
    job_free(job);
    trace_drain(w);
    return;
  }
}

static void slice_packet(mmtk_gc_worker_t *w, void *arg) {
  struct slice *sl = arg;
  struct ref_job *job = sl->job;
  mmtk_t *mmtk = job->mmtk;
  switch (job->kind) {
  case JOB_SOFT:
    if (job->tracing) soft_trace(w, sl);
    else soft_check(mmtk, sl);
    break;
  case JOB_SCAN:
    if (job->nslices > 1) scan(mmtk, sl);
    else scan_whole(mmtk, job);
    break;
  case JOB_FINAL:
    final_check(mmtk, sl);
    break;
  }
  if (split_done(&job->split, w)) job_done(w, job);
}

/* A stage: its lists taken out, sliced, run. */
static void stage_run(mmtk_gc_worker_t *w, enum job_kind kind, int stage, const char *name,
                      struct object_list *const *lists, const char *const *what,
                      unsigned nlists) {
  struct ref_job *job = job_new(w->mmtk, kind, stage, name, lists, what, nlists);
  if (job->nslices) job_run(w, job);
  else job_done(w, job); /* nothing to do but put the lists back */
}

/* ---- The stages' packets ------------------------------------------------------------- */

static void retain_soft(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  if (mmtk->gc.emergency) return;
  struct object_list *const lists[] = {&mmtk->refs.soft};
  static const char *const what[] = {"soft reference candidates"};
  stage_run(w, JOB_SOFT, MMTK_STAGE_SOFT_REF_CLOSURE, "SoftRefClosure", lists, what, 1);
}

static void process_weak(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  struct object_list *const lists[] = {&mmtk->refs.soft, &mmtk->refs.weak};
  static const char *const what[] = {"soft reference candidates", "weak reference candidates"};
  stage_run(w, JOB_SCAN, MMTK_STAGE_WEAK_REF_CLOSURE, "WeakRefClosure", lists, what, 2);
}

static void process_phantom(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  struct object_list *const lists[] = {&mmtk->refs.phantom};
  static const char *const what[] = {"phantom reference candidates"};
  stage_run(w, JOB_SCAN, MMTK_STAGE_PHANTOM_REF_CLOSURE, "PhantomRefClosure", lists, what, 1);
}

static void process_finalizable(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  struct object_list *const lists[] = {&mmtk->refs.finalizable};
  static const char *const what[] = {"the finalizable objects"};
  stage_run(w, JOB_FINAL, MMTK_STAGE_FINAL_REF_CLOSURE, "FinalRefClosure", lists, what, 1);
}

/* The binding's own weak structures.  It is called again when it asks to be, or when it
 * retained an object that nothing had reached yet (what that object reaches may make
 * more of its entries live; each such round reaches new objects, so this ends).  The
 * next call waits until the stage has drained: the objects retained may be traced by
 * other workers too (this worker shares its stack when they are idle), and liveness is
 * final only once all of that is done. */
static void process_vm_weak(mmtk_gc_worker_t *w, void *arg) {
  (void)arg;
  mmtk_t *mmtk = w->mmtk;
  mmtk_tracer_context_t tc = {.worker = w};
  bool again = mmtk->vm.process_weak_refs(mmtk->vm_ctx, w->tls, &tc);
  trace_drain(w);
  if (again || tc.retained)
    scheduler_set_sentinel(mmtk, MMTK_STAGE_VM_REF_CLOSURE,
                           gc_simple_packet_new(process_vm_weak, NULL));
}

/* Only the stages with work are queued: each one that runs costs a round of parking
 * and waking every worker (about half a millisecond of a MarkSweep GCBench pause when
 * all four ran every GC).  What a thread the VM does not stop registers during a GC
 * after this point waits for the next GC; such a thread must not register an object
 * that this GC may move (mmtk_add_weak_candidate(3)). */
void references_schedule(mmtk_t *mmtk) {
  struct references *r = &mmtk->refs;
  pthread_mutex_lock(&r->lock);
  bool soft = r->soft.count > 0, weak = soft || r->weak.count > 0;
  bool final = r->finalizable.count > 0, phantom = r->phantom.count > 0;
  pthread_mutex_unlock(&r->lock);
  if (soft) gc_add_simple(mmtk, MMTK_STAGE_SOFT_REF_CLOSURE, retain_soft, NULL);
  if (weak) gc_add_simple(mmtk, MMTK_STAGE_WEAK_REF_CLOSURE, process_weak, NULL);
  if (final) gc_add_simple(mmtk, MMTK_STAGE_FINAL_REF_CLOSURE, process_finalizable, NULL);
  if (phantom) gc_add_simple(mmtk, MMTK_STAGE_PHANTOM_REF_CLOSURE, process_phantom, NULL);
  if (mmtk->vm.process_weak_refs)
    gc_add_simple(mmtk, MMTK_STAGE_VM_REF_CLOSURE, process_vm_weak, NULL);
}
