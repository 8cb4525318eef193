/* A worker's deque of work packets (design.deque): a lock-free work-stealing deque in
 * the manner of Chase and Lev (SPAA 2005), with the memory orderings of Lê, Pop, Cohen
 * and Zappa Nardelli (PPoPP 2013).
 *
 * One owner pushes and pops at the bottom (the newest packet); any number of thieves
 * steal from the top (the oldest) with a compare-and-swap on `top`.  The circular array
 * doubles when full (the owner alone); an array it replaces stays allocated, on the
 * owner's retired list, until deque_free_retired() is called at a time when no thief
 * runs (design.deque.retire). */
#ifndef MMTK_SCHEDULER_DEQUE_H
#define MMTK_SCHEDULER_DEQUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scheduler/work.h"

struct deque_array {
  struct deque_array *retired; /* the next older array on the owner's retired list */
  int64_t mask;                /* capacity - 1 (a power of two) */
  _Atomic(struct work_packet *) slot[];
};

struct work_deque {
  /* The owner's end: written by the owner only, read by thieves. */
  _Atomic int64_t bottom;
  _Atomic(struct deque_array *) array; /* NULL until the first push */
  struct deque_array *retired;         /* owner only */
  /* The thieves' end, on a cache line of its own: thieves write it (by CAS) as the
   * owner pushes and pops at the other end (design.deque.layout). */
  _Alignas(64) _Atomic int64_t top;
};

#define DEQUE_INITIAL 64 /* slots of the first array */

void deque_init(struct work_deque *d);
/* Frees every array (no thread may use the deque any more). */
void deque_destroy(struct work_deque *d);
/* Owner only.  False, and nothing pushed, if the array is full and cannot grow. */
bool deque_push(struct work_deque *d, struct work_packet *p);
/* Owner only: the newest packet, or NULL. */
struct work_packet *deque_pop(struct work_deque *d);
/* Any thread but the owner: the oldest packet, or NULL when the deque is empty. */
struct work_packet *deque_steal(struct work_deque *d);
/* How many packets the deque holds, as seen by a caller that is not the owner: never
 * less than the count at the moment of the call's last load, except while the owner is
 * inside deque_pop() (design.deque.size).  The loads are seq_cst: a worker about to park
 * pairs them with its increment of the scheduler's `parked`. */
size_t deque_size(struct work_deque *d);
/* Free the arrays growth replaced.  Only while no thief can be inside deque_steal() on
 * this deque (and the owner is not in deque_push()). */
void deque_free_retired(struct work_deque *d);

#endif /* MMTK_SCHEDULER_DEQUE_H */
