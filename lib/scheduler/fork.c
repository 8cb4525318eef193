/* fork() support (MMTk's MMTK::prepare_to_fork / after_fork, design.scheduler.threads.fork).
 *
 * fork() copies only the calling thread: a GC worker's thread would be missing from the
 * child, holding whatever it held.  So before fork() every worker leaves
 * mmtk_start_worker() as at shutdown, but keeps its state (deque, buffers, id), and after
 * fork() each process starts a new thread for every worker, as mmtk_initialize_collection()
 * did.  Between the two calls no GC can start (gc_can_collect() says no). */
#include "mmtk_internal.h"

/* What each call needs: an initialized instance, and the state it expects. */
static bool fork_check(mmtk_t *mmtk, bool want_stopped, const char *who) {
  if (!instance_check(mmtk, who)) return false;
  if (!mmtk->collection_initialized) {
    mmtk_error(mmtk, "%s: collection is not initialized (call mmtk_initialize_collection "
               "first)", who);
    return false;
  }
  bool stopped = atomic_load(&mmtk->sched.stopped_for_fork);
  if (stopped != want_stopped) {
    mmtk_error(mmtk, want_stopped ? "%s: mmtk_prepare_to_fork was not called (or "
                                    "mmtk_after_fork already ran for it)"
                                  : "%s: mmtk_prepare_to_fork was already called; call "
                                    "mmtk_after_fork before preparing again", who);
    return false;
  }
  return true;
}

bool mmtk_prepare_to_fork(mmtk_t *mmtk) {
  if (!fork_check(mmtk, false, "mmtk_prepare_to_fork")) return false;
  struct scheduler *s = &mmtk->sched;
  if (!mmtk->plan->collects_garbage) {
    atomic_store(&s->stopped_for_fork, true); /* NoGC: no worker, nothing to stop */
    return true;
  }
  pthread_mutex_lock(&s->lock);
  if (atomic_load(&s->stopped_for_fork)) { /* another thread's call won the race */
    pthread_mutex_unlock(&s->lock);
    return fork_check(mmtk, false, "mmtk_prepare_to_fork");
  }
  for (unsigned i = 0; i < s->nworkers; i++) {
    if (s->workers[i].running && pthread_equal(s->workers[i].running_on, pthread_self())) {
      pthread_mutex_unlock(&s->lock);
      mmtk_error(mmtk, "mmtk_prepare_to_fork: called on GC worker %u (from a work packet or "
                 "a callback of a GC); call it from a mutator, between GCs", i);
      return false;
    }
  }
  /* The mutators resume before the last worker has left the GC: that tail is short and
   * needs no mutator, so wait for it. */
  while (s->in_gc && s->finishing) pthread_cond_wait(&s->state_cond, &s->lock);
  /* A GC under way or asked for would wait for the caller, a running mutator, to stop:
   * waiting for it here would deadlock, so say no. */
  if (s->in_gc || s->gc_requested) {
    pthread_mutex_unlock(&s->lock);
    mmtk_error(mmtk, "mmtk_prepare_to_fork: a GC is under way or requested; call it between "
               "GCs, from a mutator");
    return false;
  }
  atomic_store(&s->stopped_for_fork, true);
  s->fork_exit = true;
  pthread_cond_broadcast(&s->work_cond);
  /* Each worker leaves mmtk_start_worker() at its next park (scheduler_park()), after
   * the binding packets already open, if any. */
  while (s->running > 0 || s->started > s->refused)
    pthread_cond_wait(&s->state_cond, &s->lock);
  /* A worker excused for a refused mmtk_start_worker() never came: scheduler_start()
   * hands every worker to a new thread, that one too (design.scheduler.worker.check). */
  s->started = 0;
  s->refused = 0;
  pthread_mutex_unlock(&s->lock);
  for (unsigned i = 0; i < s->nworkers; i++) {
    mmtk_gc_worker_t *w = &s->workers[i];
    if (w->own_thread) pthread_join(w->thread, NULL);
    w->own_thread = false;
  }
  /* scheduler_start() hands every worker to a new thread again. */
  s->spawned = 0;
  return true;
}

bool mmtk_after_fork(mmtk_t *mmtk, void *tls) {
  if (!fork_check(mmtk, true, "mmtk_after_fork")) return false;
  struct scheduler *s = &mmtk->sched;
  if (mmtk->plan->collects_garbage) {
    pthread_mutex_lock(&s->lock);
    s->fork_exit = false;
    pthread_mutex_unlock(&s->lock);
    /* As mmtk_initialize_collection(): spawn_gc_thread (given `tls`) or pthreads.  After
     * a failure the workers started keep running, GCs stay off, and a second call starts
     * only the rest. */
    if (!scheduler_start(mmtk, tls, "mmtk_after_fork")) return false;
  }
  atomic_store(&s->stopped_for_fork, false);
  return true;
}
