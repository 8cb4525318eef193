/* GC workers (MMTk's scheduler::worker, design.scheduler.worker): the packet loop, each
 * worker's deque, and stealing. */
#include "mmtk_internal.h"

#include <sched.h>

/* thread_affinity=Spread, the default (design.scheduler.worker.spread): each worker of
 * an instance with several gets a CPU of its own among those its thread may use, taken
 * in turn by every worker of the process, so that instances spread too.  Workers woken
 * together at the start of a GC are otherwise often placed on one CPU by the kernel
 * (the waker's), and a GC of a few milliseconds ends before the load balancer moves
 * one away: on binarytrees, half the GCs of two MarkSweep workers ran no faster than
 * one.  Best effort: a thread that may use only one CPU, or a refusal, leaves it be. */
static atomic_uint spread_next;

static void spread(mmtk_gc_worker_t *w) {
  if (w->mmtk->sched.nworkers < 2) return;
  cpu_set_t allowed;
  if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0) return;
  int n = CPU_COUNT(&allowed);
  if (n < 2) return;
  int k = (int)(atomic_fetch_add_explicit(&spread_next, 1, memory_order_relaxed) % (unsigned)n);
  for (int c = 0; c < CPU_SETSIZE; c++) {
    if (!CPU_ISSET(c, &allowed) || k-- > 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(c, &one);
    (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    return;
  }
}

/* Option thread_affinity (MMTk's AffinityKind): pin the calling worker thread.  A CPU the
 * kernel refuses (offline, outside the process's cpuset) is reported, not fatal. */
static void apply_affinity(mmtk_gc_worker_t *w) {
  const struct mmtk_options *o = &w->mmtk->options;
  size_t n = o->thread_affinity.ncpus;
  if (o->thread_affinity.kind == MMTK_AFFINITY_SPREAD) {
    spread(w);
    return;
  }
  if (o->thread_affinity.kind == MMTK_AFFINITY_OS_DEFAULT || n == 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (o->thread_affinity.kind == MMTK_AFFINITY_ROUND_ROBIN) {
    CPU_SET(o->thread_affinity.cpus[w->id % n], &set);
  } else {
    for (size_t i = 0; i < n; i++) CPU_SET(o->thread_affinity.cpus[i], &set);
  }
  int err = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (err)
    mmtk_log(w->mmtk, MMTK_LOG_WARN, "GC worker %u: option 'thread_affinity' not applied: %s",
             w->id, strerror(err));
}

void worker_init(mmtk_gc_worker_t *w, mmtk_t *mmtk, unsigned id) {
  memset(w, 0, sizeof *w);
  w->mmtk = mmtk;
  w->id = id;
  deque_init(&w->deque);
  tracer_init(&w->trace, w);
  copy_allocators_init(&w->copy);
  w->sig = WORKER_SIG;
}

void worker_destroy(mmtk_gc_worker_t *w) {
  handle_set_sig(&w->sig, 0);
  tracer_destroy(&w->trace);
  deque_destroy(&w->deque);
}

/* ---- Each worker's deque (design.deque): the owner uses the bottom, thieves the top --- */

bool scheduler_any_deque_work(struct scheduler *s) {
  for (unsigned i = 0; i < s->nworkers; i++)
    if (deque_size(&s->workers[i].deque)) return true;
  return false;
}

void scheduler_free_retired(struct scheduler *s) {
  for (unsigned i = 0; i < s->nworkers; i++) deque_free_retired(&s->workers[i].deque);
}

void worker_add(mmtk_gc_worker_t *w, struct work_packet *p) {
  struct scheduler *s = &w->mmtk->sched;
  if (!deque_push(&w->deque, p)) {
    /* Out of memory for the deque: the open bucket takes it. */
    scheduler_add(w->mmtk, s->open_upto, p);
    return;
  }
#if !MMTK_HAVE_SINGLE_WORKER
  /* Pairs with the parking worker's increment of `parked` and re-check of the deques. */
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load(&s->parked) > 0) {
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->work_cond);
    pthread_mutex_unlock(&s->lock);
  }
#endif
}

static struct work_packet *steal(mmtk_gc_worker_t *w) {
#if MMTK_HAVE_SINGLE_WORKER
  (void)w;
  return NULL;
#else
  struct scheduler *s = &w->mmtk->sched;
  for (unsigned k = 1; k < s->nworkers; k++) {
    struct work_packet *p = deque_steal(&s->workers[(w->id + k) % s->nworkers].deque);
    if (p) return p;
  }
  return NULL;
#endif
}

static struct work_packet *next_packet(mmtk_gc_worker_t *w) {
  struct work_packet *p = deque_pop(&w->deque);
  if (p) return p;
  p = scheduler_pop_open(&w->mmtk->sched);
  if (p) return p;
  return steal(w);
}

/* Out of work during a GC: look again for a while (2,048 pause instructions, some tens of
 * microseconds) before parking.  A worker
 * searching counts as idle, so busy workers share with it (tracing.c), and it takes what
 * they share without the futex round trip of parking and being woken: tracing a deep
 * structure shares often, a few hundred objects at a time. */
#define SEARCH_ROUNDS 64
#define SEARCH_PAUSES 32

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static struct work_packet *search(mmtk_gc_worker_t *w) {
#if MMTK_HAVE_SINGLE_WORKER
  (void)w;
  return NULL;
#else
  struct scheduler *s = &w->mmtk->sched;
  if (s->nworkers < 2 || !atomic_load_explicit(&s->tracing, memory_order_relaxed)) return NULL;
  atomic_fetch_add(&s->searching, 1);
  struct work_packet *p = NULL;
  for (int r = 0; r < SEARCH_ROUNDS && !p; r++) {
    /* Nobody busy, nobody to share: park now, so that the stage can end at once. */
    if (scheduler_idle_workers(s) >= s->nworkers) break;
    for (int i = 0; i < SEARCH_PAUSES; i++) cpu_relax();
    p = next_packet(w);
  }
  atomic_fetch_sub(&s->searching, 1);
  return p;
#endif
}

/* The worker the calling thread runs, while it is inside mmtk_start_worker(): lets an
 * API call made from a binding callback during a GC know it must not wait for that GC. */
static _Thread_local mmtk_gc_worker_t *current_worker;

mmtk_gc_worker_t *scheduler_current_worker(void) { return current_worker; }

void mmtk_start_worker(mmtk_t *mmtk, void *tls, mmtk_gc_worker_t *worker) {
  /* A shutting-down instance still lets its GC threads in, to return at once
   * (design.scheduler.threads.shutdown). */
  if (mmtk == NULL || handle_sig(&mmtk->sig) != MMTK_SIG_CLOSING)
    if (!instance_check(mmtk, "mmtk_start_worker")) return;
  if (!scheduler_worker_enter(mmtk, worker)) return;
  worker->tls = tls;
  mmtk_gc_worker_t *outer = current_worker;
  current_worker = worker;
  apply_affinity(worker);
  for (;;) {
    struct work_packet *p = next_packet(worker);
    if (!p) p = search(worker);
    if (p) {
      worker->packets_run++;
#if MMTK_HAVE_WORK_PACKET_STATS
      const char *kind = p->kind; /* run() may free the packet */
      uint64_t t0 = stats_now_ns();
      p->run(p, worker);
      packet_stats_record(&worker->packet_stats, kind, stats_now_ns() - t0);
#else
      p->run(p, worker);
#endif
      continue;
    }
    if (!scheduler_park(worker)) break;
  }
  current_worker = outer; /* the binding's thread may outlive the instance */
  scheduler_worker_exit(worker);
}
