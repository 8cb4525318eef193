/* The work-packet scheduler (MMTk's scheduler, design.scheduler).
 *
 * GC workers run packets from stage buckets (MMTK_STAGE_*, MMTk's WorkBucketStage).
 * Buckets open in order: a stage opens when every earlier one has drained and no worker
 * holds work.  Packets a worker creates while tracing go to its own deque, from which
 * idle workers steal.  There is no separate coordinator thread: the worker that parks
 * last acts as coordinator — it opens the next stage, starts a requested GC, or finishes
 * the current one (MMTk does the same since it dropped its controller thread). */
#ifndef MMTK_SCHEDULER_SCHEDULER_H
#define MMTK_SCHEDULER_SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mmtk.h>

#include "plan/tracing.h"
#include "scheduler/deque.h"
#include "scheduler/packet_stats.h"
#include "scheduler/work.h"

struct mmtk;

#define WORKER_SIG 0x57524b52u /* "WRKR" */

struct mmtk_gc_worker {
  uint32_t sig; /* WORKER_SIG from worker_init() to worker_destroy() */
  bool running; /* a thread is in mmtk_start_worker() with it (the scheduler's lock) */
  struct mmtk *mmtk;
  unsigned id;
  void *tls; /* what mmtk_start_worker() was given */
  pthread_t thread;
  bool own_thread; /* started by libmmtk (joined at shutdown) */
  /* The thread inside mmtk_start_worker(), while `running` (under the scheduler's lock):
   * mmtk_prepare_to_fork() must not run on a worker. */
  pthread_t running_on;
  /* Thieves read and update the deque; only its owner touches the tracer and the copy
   * buffers, every object: each starts a cache line of its own, and so does every
   * worker (scheduler_init), so that no other thread's write evicts them. */
  _Alignas(64) struct work_deque deque;
  _Alignas(64) struct tracer trace; /* the closure machinery (plan/tracing.h) */
  _Alignas(64) struct copy_allocators copy; /* to-space buffers */
  uint64_t packets_run;
#if MMTK_HAVE_WORK_PACKET_STATS
  _Alignas(64) struct packet_stats packet_stats; /* design.scheduler.stats */
#endif
};

struct bucket {
  struct work_packet *head, *tail;
  size_t count;
};

struct scheduler {
  struct mmtk *mmtk;
  unsigned nworkers;
  struct mmtk_gc_worker *workers;
  pthread_mutex_t lock; /* everything below */
  pthread_cond_t work_cond;  /* workers wait here for work */
  pthread_cond_t state_cond; /* worker start/exit */
  struct bucket buckets[MMTK_STAGE_COUNT];
  struct work_packet *sentinels[MMTK_STAGE_COUNT]; /* see scheduler_set_sentinel() */
  int open_upto;              /* buckets[0..open_upto] are open */
  _Atomic size_t open_packets; /* packets in open buckets */
  _Atomic unsigned parked;
  _Atomic unsigned searching; /* workers looking for work before they park */
  _Atomic bool tracing;       /* a GC is under way: idle workers search before parking */
  unsigned running; /* workers inside mmtk_start_worker() */
  unsigned started; /* workers handed to threads and not yet returned */
  unsigned refused; /* refused mmtk_start_worker() calls taken as GC threads given up */
  unsigned spawned; /* workers handed to threads, ever (scheduler_start() only) */
  bool gc_requested, in_gc, finishing, shutdown;
  bool fork_exit; /* workers leave mmtk_start_worker() at their next park (fork.c) */
  /* From mmtk_prepare_to_fork() until mmtk_after_fork() has restarted every worker: no
   * GC may start.  Written under the lock (NoGC: by the forking thread alone), read
   * without it by gc_can_collect(). */
  _Atomic bool stopped_for_fork;
  int requested_reason; /* of the pending request (enum gc_reason) */
  uint64_t stage_start_ns, stage_ns[MMTK_STAGE_COUNT];
  struct work_packet schedule_packet; /* gc_schedule_collection_packet() */
};

/* Set up (no threads yet) and tear down. */
bool scheduler_init(struct mmtk *mmtk, unsigned nworkers);
/* Start the worker threads not started yet (through the binding's spawn_gc_thread, which
 * gets `tls`, or pthreads); errors name `who`. */
bool scheduler_start(struct mmtk *mmtk, void *tls, const char *who);
/* Stop and join the workers, free everything. */
void scheduler_destroy(struct mmtk *mmtk);

/* Add a packet to a stage bucket (any thread). */
void scheduler_add(struct mmtk *mmtk, int stage, struct work_packet *p);
/* Run `p` in `stage` once every other packet of that stage, and all the work they made,
 * is done; one per stage at a time (workers only, during the stage). */
void scheduler_set_sentinel(struct mmtk *mmtk, int stage, struct work_packet *p);
/* Add a packet to the calling worker's deque (workers only, during a GC). */
void worker_add(struct mmtk_gc_worker *w, struct work_packet *p);
/* Ask the workers for a collection, for `reason` (enum gc_reason); ignored while one is
 * under way.  Requests that meet before the GC starts make one GC, an emergency one if
 * any of them was. */
void scheduler_request_gc(struct mmtk *mmtk, int reason);
/* The GC worker the calling thread is running (inside mmtk_start_worker()), or NULL. */
struct mmtk_gc_worker *scheduler_current_worker(void);
/* Workers that are idle (parked or searching), for the tracer's decision to share work. */
static inline unsigned scheduler_idle_workers(struct scheduler *s) {
  return atomic_load_explicit(&s->parked, memory_order_relaxed) +
         atomic_load_explicit(&s->searching, memory_order_relaxed);
}

/* Internal to the scheduler (scheduler.c, worker.c). */
void worker_init(struct mmtk_gc_worker *w, struct mmtk *mmtk, unsigned id);
void worker_destroy(struct mmtk_gc_worker *w);
struct work_packet *scheduler_pop_open(struct scheduler *s);
bool scheduler_park(struct mmtk_gc_worker *w);
bool scheduler_any_deque_work(struct scheduler *s);
/* Free the deques' retired arrays: only while no worker can steal (every running worker
 * parked, the scheduler's lock held). */
void scheduler_free_retired(struct scheduler *s);
/* Check and take the worker a GC thread passed to mmtk_start_worker(); false (reported,
 * and counted as a thread given up) if it is not one of mmtk's idle workers. */
bool scheduler_worker_enter(struct mmtk *mmtk, struct mmtk_gc_worker *w);
void scheduler_worker_exit(struct mmtk_gc_worker *w);

#endif /* MMTK_SCHEDULER_SCHEDULER_H */
