/* The work-packet scheduler (design.scheduler): buckets, parking and the coordinator
 * role.  Workers and stealing are in worker.c. */
#include "mmtk_internal.h"

#include <errno.h>
#include <stdio.h>

bool scheduler_init(mmtk_t *mmtk, unsigned nworkers) {
  struct scheduler *s = &mmtk->sched;
  memset(s, 0, sizeof *s);
  s->mmtk = mmtk;
  s->nworkers = MMTK_HAVE_SINGLE_WORKER ? 1 : nworkers;
  /* Aligned as the struct asks (calloc() promises only 16 bytes). */
  void *mem = NULL;
  if (posix_memalign(&mem, _Alignof(struct mmtk_gc_worker), s->nworkers * sizeof *s->workers) == 0)
    memset(mem, 0, s->nworkers * sizeof *s->workers);
  s->workers = mem;
  if (!s->workers) {
    mmtk_error(mmtk, "mmtk_init: out of memory for %u GC workers", s->nworkers);
    return false;
  }
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->work_cond, NULL);
  pthread_cond_init(&s->state_cond, NULL);
  for (unsigned i = 0; i < s->nworkers; i++) worker_init(&s->workers[i], mmtk, i);
  return true;
}

static void *worker_thread_main(void *arg) {
  mmtk_gc_worker_t *w = arg;
  /* Named for ps, top, perf and debuggers (at most 15 characters). */
  char name[16];
  snprintf(name, sizeof name, "mmtk-gc-%u", w->id);
  pthread_setname_np(pthread_self(), name);
  mmtk_start_worker(w->mmtk, w, w);
  return NULL;
}

/* One worker's thread: the binding's spawn_gc_thread, given the tls of
 * mmtk_initialize_collection(), or a pthread of libmmtk's own. */
static bool start_one(mmtk_t *mmtk, void *tls, mmtk_gc_worker_t *w, const char *who) {
  if (mmtk->vm.spawn_gc_thread) {
    if (mmtk->vm.spawn_gc_thread(mmtk->vm_ctx, tls, w)) return true;
    mmtk_error(mmtk, "%s: the binding's spawn_gc_thread failed for worker %u", who, w->id);
    return false;
  }
  int err = pthread_create(&w->thread, NULL, worker_thread_main, w);
  if (err) {
    mmtk_error(mmtk, "%s: cannot start GC worker %u: %s", who, w->id, strerror(err));
    return false;
  }
  w->own_thread = true;
  return true;
}

bool scheduler_start(mmtk_t *mmtk, void *tls, const char *who) {
  struct scheduler *s = &mmtk->sched;
  /* After a failure the workers already started keep running: a second call starts only
   * the rest, so that no worker ever gets two threads. */
  while (s->spawned < s->nworkers) {
    /* Counted before the thread exists: it may call mmtk_start_worker() at once, and a
     * refused call is only taken as a thread given up while some started worker is
     * missing (scheduler_worker_enter()). */
    pthread_mutex_lock(&s->lock);
    s->started++;
    pthread_mutex_unlock(&s->lock);
    if (!start_one(mmtk, tls, &s->workers[s->spawned], who)) {
      pthread_mutex_lock(&s->lock);
      s->started--;
      pthread_mutex_unlock(&s->lock);
      return false;
    }
    s->spawned++;
  }
  return true;
}

void scheduler_destroy(mmtk_t *mmtk) {
  struct scheduler *s = &mmtk->sched;
  if (!s->workers) return;
  pthread_mutex_lock(&s->lock);
  s->shutdown = true;
  pthread_cond_broadcast(&s->work_cond);
  /* Every worker handed to a thread leaves mmtk_start_worker() on its own, unless a
   * thread gave it up for a refused one (design.scheduler.worker.check). */
  while (s->running > 0 || s->started > s->refused)
    pthread_cond_wait(&s->state_cond, &s->lock);
  pthread_mutex_unlock(&s->lock);
  for (unsigned i = 0; i < s->nworkers; i++) {
    if (s->workers[i].own_thread) pthread_join(s->workers[i].thread, NULL);
    worker_destroy(&s->workers[i]);
  }
  for (int b = 0; b < MMTK_STAGE_COUNT; b++) {
    struct work_packet *p = s->buckets[b].head;
    while (p) {
      struct work_packet *next = p->next;
      free(p); /* never run: only binding packets can be left over */
      p = next;
    }
  }
  free(s->workers);
  s->workers = NULL;
  pthread_cond_destroy(&s->work_cond);
  pthread_cond_destroy(&s->state_cond);
  pthread_mutex_destroy(&s->lock);
}

/* ---- Buckets (the lock is held) ------------------------------------------------------ */

static void wake_all(struct scheduler *s) { pthread_cond_broadcast(&s->work_cond); }

static void bucket_push_locked(struct scheduler *s, int stage, struct work_packet *p) {
  struct bucket *b = &s->buckets[stage];
  p->next = NULL;
  if (b->tail) b->tail->next = p;
  else b->head = p;
  b->tail = p;
  b->count++;
  if (stage <= s->open_upto) atomic_fetch_add(&s->open_packets, 1);
}

void scheduler_set_sentinel(mmtk_t *mmtk, int stage, struct work_packet *p) {
  struct scheduler *s = &mmtk->sched;
  pthread_mutex_lock(&s->lock);
  MMTK_ASSERT(s->sentinels[stage] == NULL);
  s->sentinels[stage] = p;
  pthread_mutex_unlock(&s->lock);
}

void scheduler_add(mmtk_t *mmtk, int stage, struct work_packet *p) {
  struct scheduler *s = &mmtk->sched;
  pthread_mutex_lock(&s->lock);
  bucket_push_locked(s, stage, p);
  if (stage <= s->open_upto) wake_all(s);
  pthread_mutex_unlock(&s->lock);
}

struct work_packet *scheduler_pop_open(struct scheduler *s) {
  if (atomic_load(&s->open_packets) == 0) return NULL;
  struct work_packet *p = NULL;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i <= s->open_upto; i++) {
    struct bucket *b = &s->buckets[i];
    if (!b->head) continue;
    p = b->head;
    b->head = p->next;
    if (!b->head) b->tail = NULL;
    b->count--;
    atomic_fetch_sub(&s->open_packets, 1);
    break;
  }
  pthread_mutex_unlock(&s->lock);
  return p;
}

/* Open the next non-empty stage; false when every stage has drained. */
static bool open_next_stage(struct scheduler *s) {
  /* A stage's sentinel runs once everything else in it has drained (MMTk's bucket
   * sentinel), and the stage stays open for what it adds. */
  struct work_packet *sentinel = s->sentinels[s->open_upto];
  if (sentinel) {
    s->sentinels[s->open_upto] = NULL;
    bucket_push_locked(s, s->open_upto, sentinel);
    return true;
  }
  uint64_t now = stats_now_ns();
  while (s->open_upto < MMTK_STAGE_COUNT - 1) {
    s->stage_ns[s->open_upto] += now - s->stage_start_ns;
    s->stage_start_ns = now;
    s->open_upto++;
    size_t n = s->buckets[s->open_upto].count;
    if (n) {
      atomic_fetch_add(&s->open_packets, n);
      return true;
    }
  }
  return false;
}

static void start_gc_locked(struct scheduler *s) {
  s->gc_requested = false;
  /* Fixed for this GC before any of its packets runs (they read it). */
  s->mmtk->gc.reason = (enum gc_reason)s->requested_reason;
  s->mmtk->gc.emergency = s->requested_reason == GC_REASON_EMERGENCY;
  s->in_gc = true;
  atomic_store_explicit(&s->tracing, true, memory_order_relaxed);
  s->open_upto = MMTK_STAGE_UNCONSTRAINED;
  s->stage_start_ns = stats_now_ns();
  memset(s->stage_ns, 0, sizeof s->stage_ns);
  /* Packets queued for later stages before this GC (binding packets) now count. */
  bucket_push_locked(s, MMTK_STAGE_UNCONSTRAINED, gc_schedule_collection_packet(s->mmtk));
}

void scheduler_request_gc(mmtk_t *mmtk, int reason) {
  struct scheduler *s = &mmtk->sched;
  pthread_mutex_lock(&s->lock);
  /* During a GC the requester is (or is about to be) stopped and will see this GC end;
   * once the GC is finishing, mutators run again and a request means a new GC. */
  if (s->gc_requested) {
    /* Requests not started yet are one GC, of the strongest reason among them: an
     * emergency, then a user request (which a generational plan may make full-heap). */
    if (reason == GC_REASON_EMERGENCY ||
        (reason == GC_REASON_USER && s->requested_reason != GC_REASON_EMERGENCY))
      s->requested_reason = reason;
  } else if (!s->in_gc || s->finishing) {
    s->gc_requested = true;
    s->requested_reason = reason;
    wake_all(s);
  }
  pthread_mutex_unlock(&s->lock);
}

/* The worker is out of work: park it, or — if it is the last one awake — coordinate.
 * Returns false when the worker must exit (shutdown). */
bool scheduler_park(mmtk_gc_worker_t *w) {
  struct scheduler *s = &w->mmtk->sched;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    if (s->shutdown || s->fork_exit) {
      pthread_mutex_unlock(&s->lock);
      return false;
    }
    unsigned parked = atomic_fetch_add(&s->parked, 1) + 1;
    if (atomic_load(&s->open_packets) > 0 || scheduler_any_deque_work(s)) {
      atomic_fetch_sub(&s->parked, 1);
      pthread_mutex_unlock(&s->lock);
      return true;
    }
    /* Workers that never came (design.scheduler.worker.check) hold no work. */
    if (parked == s->running && !s->finishing) {
      /* Everyone is idle: this worker coordinates. */
      if (s->in_gc) {
        if (open_next_stage(s)) {
          atomic_fetch_sub(&s->parked, 1);
          wake_all(s);
          pthread_mutex_unlock(&s->lock);
          return true;
        }
        s->finishing = true;
        atomic_store_explicit(&s->tracing, false, memory_order_relaxed);
        /* Every running worker is parked and the lock is held: nobody steals
         * (design.deque.retire). */
        scheduler_free_retired(s);
        /* Mutators run again from here: packets they add wait for the next GC
         * (Unconstrained ones excepted). */
        s->stage_ns[s->open_upto] += stats_now_ns() - s->stage_start_ns;
        s->open_upto = MMTK_STAGE_UNCONSTRAINED;
        atomic_fetch_sub(&s->parked, 1);
        pthread_mutex_unlock(&s->lock);
        gc_finish(w->mmtk, w); /* resumes the mutators; may not take the lock before */
        pthread_mutex_lock(&s->lock);
        s->finishing = false;
        s->in_gc = false;
        s->open_upto = MMTK_STAGE_UNCONSTRAINED;
        pthread_cond_broadcast(&s->state_cond); /* mmtk_prepare_to_fork() waits for this */
        continue;
      }
      if (s->gc_requested) {
        start_gc_locked(s);
        atomic_fetch_sub(&s->parked, 1);
        wake_all(s);
        pthread_mutex_unlock(&s->lock);
        return true;
      }
    }
    pthread_cond_wait(&s->work_cond, &s->lock);
    atomic_fetch_sub(&s->parked, 1);
  }
}

bool scheduler_worker_enter(mmtk_t *mmtk, mmtk_gc_worker_t *w) {
  const char *who = "mmtk_start_worker";
  if (!mmtk->plan->collects_garbage) {
    mmtk_error(mmtk, "%s: plan %s has no GC workers", who, mmtk_plan_name(mmtk->plan->kind));
    return false;
  }
  struct scheduler *s = &mmtk->sched;
  /* One of ours by its address alone: never read through a pointer that may be
   * anything (a worker of a shut-down instance is freed memory). */
  uintptr_t off = (uintptr_t)w - (uintptr_t)s->workers;
  bool ours = w && off / sizeof *w < s->nworkers && off % sizeof *w == 0 &&
              handle_sig(&w->sig) == WORKER_SIG;
  pthread_mutex_lock(&s->lock);
  bool taken = ours && !w->running;
  if (taken) {
    w->running = true;
    w->running_on = pthread_self();
    s->running++;
  } else if (s->started > s->running + s->refused) {
    /* Probably a thread that will not run the worker it was meant for: shutdown must
     * not wait for that worker (and a GC does not: it waits for the running ones).
     * When no started worker is missing, the caller was given none: nothing to excuse. */
    s->refused++;
  }
  pthread_cond_broadcast(&s->state_cond);
  pthread_mutex_unlock(&s->lock);
  if (taken) return true;
  if (!w)
    mmtk_error(mmtk, "%s: the worker is NULL (pass the worker that spawn_gc_thread received)",
               who);
  else if (!ours)
    mmtk_error(mmtk, "%s: %p is not a worker of this instance (pass the worker that "
               "spawn_gc_thread received)", who, (void *)w);
  else
    mmtk_error(mmtk, "%s: worker %u (%p) is already running on another thread (pass the "
               "worker that spawn_gc_thread received)", who, w->id, (void *)w);
  return false;
}

void scheduler_worker_exit(mmtk_gc_worker_t *w) {
  struct scheduler *s = &w->mmtk->sched;
  pthread_mutex_lock(&s->lock);
  w->running = false;
  s->running--;
  s->started--;
  pthread_cond_broadcast(&s->state_cond);
  pthread_mutex_unlock(&s->lock);
}

/* ---- Public: the binding's own packets ------------------------------------------------ */

struct binding_packet {
  struct work_packet base;
  mmtk_work_fn fn;
  void *data;
};

static void binding_run(struct work_packet *self, mmtk_gc_worker_t *w) {
  struct binding_packet *p = container_of(self, struct binding_packet, base);
  mmtk_work_fn fn = p->fn;
  void *data = p->data;
  free(p);
  fn(w->mmtk, w->tls, data);
}

bool mmtk_add_work_packets(mmtk_t *mmtk, int stage, mmtk_work_fn fn, void *const *data,
                           size_t count) {
  const char *who = count == 1 && data ? "mmtk_add_work_packet" : "mmtk_add_work_packets";
  if (!instance_check(mmtk, who)) return false;
  if (!mmtk->plan->collects_garbage) {
    mmtk_error(mmtk, "%s: plan %s has no GC workers to run packets", who,
               mmtk_plan_name(mmtk->plan->kind));
    return false;
  }
  if (stage < 0 || stage >= MMTK_STAGE_COUNT) {
    mmtk_error(mmtk, "%s: stage %d is not one of MMTK_STAGE_UNCONSTRAINED (0) .. "
               "MMTK_STAGE_FINAL (%d)", who, stage, MMTK_STAGE_COUNT - 1);
    return false;
  }
  if (!fn || (!data && count)) {
    mmtk_error(mmtk, "%s: the %s is NULL", who, fn ? "data array" : "function");
    return false;
  }
  struct scheduler *s = &mmtk->sched;
  pthread_mutex_lock(&s->lock);
  for (size_t i = 0; i < count; i++) {
    struct binding_packet *p = malloc(sizeof *p);
    if (!p) {
      pthread_mutex_unlock(&s->lock);
      mmtk_error(mmtk, "%s: out of memory (%zu of %zu packets added)", who, i, count);
      return false;
    }
    p->base.run = binding_run;
    work_set_kind(&p->base, WORK_KIND("binding"));
    p->fn = fn;
    p->data = data[i];
    bucket_push_locked(s, stage, &p->base);
  }
  if (stage <= s->open_upto) wake_all(s);
  pthread_mutex_unlock(&s->lock);
  return true;
}

bool mmtk_add_work_packet(mmtk_t *mmtk, int stage, mmtk_work_fn fn, void *data) {
  return mmtk_add_work_packets(mmtk, stage, fn, &data, 1);
}
