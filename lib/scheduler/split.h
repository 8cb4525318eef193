/* Work split into packets that any workers run, the last one to finish going on with
 * the whole (design.scheduler.split): the count of packets not finished yet, and which
 * workers ran them, for the log. */
#ifndef MMTK_SCHEDULER_SPLIT_H
#define MMTK_SCHEDULER_SPLIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/scheduler.h"

struct split {
  _Atomic size_t pending;   /* packets not finished */
  _Atomic uint64_t workers; /* bit (id % 64) of each worker that ran one */
};

/* Before anything is queued: `packets` to run, no worker seen. */
static inline void split_init(struct split *sp, size_t packets) {
  atomic_init(&sp->pending, packets);
  atomic_init(&sp->workers, 0);
}

/* Another round of `packets` (the workers seen so far stay counted). */
static inline void split_begin(struct split *sp, size_t packets) {
  atomic_store(&sp->pending, packets);
}

/* Worker `w` (NULL: a packet run inline, outside the workers' loop) finished one packet;
 * true for the last one, which then sees every other packet's writes (the count's
 * read-modify-writes order them) and carries on alone. */
static inline bool split_done(struct split *sp, const struct mmtk_gc_worker *w) {
  if (w) atomic_fetch_or(&sp->workers, (uint64_t)1 << (w->id % 64));
  return atomic_fetch_sub(&sp->pending, 1) == 1;
}

/* How many workers ran a packet. */
static inline int split_workers(struct split *sp) {
  return __builtin_popcountll(atomic_load(&sp->workers));
}

#endif /* MMTK_SCHEDULER_SPLIT_H */
