/* Write barriers (MMTk's plan::barriers, design.barrier): what a mutator does around a
 * reference store, chosen by the plan for each mutator (plan_ops.mutator_init).
 *
 * The object barrier (MMTk's ObjectBarrier, for the generational plans) remembers each
 * mature object the first time a reference is stored into it after a GC: the object's
 * unlog bit (mmtk->om.log, 1 = unlogged) is cleared and the object goes into the
 * mutator's modification buffer.  A full buffer, and every buffer when the mutator
 * stops for a GC, goes to the instance's remembered set; a nursery GC then traces the
 * fields of every remembered object as roots and sets their unlog bits again.  Region
 * copies (mmtk_memory_region_copy) remember the destination range instead. */
#ifndef MMTK_PLAN_BARRIER_H
#define MMTK_PLAN_BARRIER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmtk;
struct mmtk_mutator;
struct space;

enum barrier_kind {
  BARRIER_NONE,   /* a plain store */
  BARRIER_OBJECT, /* remember mature objects written to (design.barrier.object) */
};

#define MODBUF_CAPACITY 256 /* entries a mutator gathers before it hands them over */

/* A mutator's buffers: objects, and [start, start + bytes) ranges of copied slots. */
struct barrier_buffers {
  size_t nobjects, nregions;
  uintptr_t objects[MODBUF_CAPACITY];
  struct { uintptr_t start; size_t bytes; } regions[MODBUF_CAPACITY / 4];
};

/* A chunk of the remembered set: a mutator's buffer, handed over whole. */
struct remset_chunk {
  struct remset_chunk *next;
  size_t nobjects, nregions;
  struct barrier_buffers buf;
};

/* The instance's remembered set (design.barrier.remset). */
struct remset {
  pthread_mutex_t lock;
  struct remset_chunk *chunks; /* handed over since the last GC */
};

/* Mutator side. */
void barrier_object_post(struct mmtk_mutator *m, uintptr_t src);
void barrier_region_post(struct mmtk_mutator *m, uintptr_t dst, size_t bytes);
/* A new object of a mature space: remembered at once (it stays logged), so that stores a
 * VM makes into a fresh object without the barrier are still seen by the next nursery
 * GC (design.barrier.new-objects). */
void barrier_remember_new(struct mmtk_mutator *m, uintptr_t object);
/* Hand the mutator's buffers to the remembered set (at a GC's stop, a flush, a
 * destroy). */
void barrier_flush(struct mmtk_mutator *m);

/* GC side. */
void remset_init(struct remset *r);
void remset_destroy(struct remset *r);
/* A nursery GC: queue Closure packets that trace the remembered objects' fields and
 * ranges and unlog the objects again.  A full-heap GC: drop the set (its trace visits
 * every live object, and sets the unlog bits of the mature ones itself). */
void remset_schedule(struct mmtk *mmtk, bool nursery);

#endif /* MMTK_PLAN_BARRIER_H */
