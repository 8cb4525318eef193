/* The work-stealing deque (design.deque).  Indices grow without bound (int64_t: no
 * wrap-around in practice); a slot is index & mask.  Where the PPoPP 2013 version puts a
 * seq_cst fence between a relaxed store and a relaxed load, this one makes the store and
 * the load themselves seq_cst (design.deque.orderings): the same guarantee, and one
 * that ThreadSanitizer, which does not model standalone fences, understands. */
#include "scheduler/deque.h"

#include <stdlib.h>
#include <string.h>

static struct deque_array *array_new(int64_t capacity) {
  struct deque_array *a = malloc(sizeof *a + (size_t)capacity * sizeof a->slot[0]);
  if (!a) return NULL;
  a->retired = NULL;
  a->mask = capacity - 1;
  for (int64_t i = 0; i < capacity; i++) atomic_init(&a->slot[i], NULL);
  return a;
}

static inline struct work_packet *slot_get(struct deque_array *a, int64_t i) {
  return atomic_load_explicit(&a->slot[i & a->mask], memory_order_relaxed);
}

static inline void slot_put(struct deque_array *a, int64_t i, struct work_packet *p) {
  atomic_store_explicit(&a->slot[i & a->mask], p, memory_order_relaxed);
}

void deque_init(struct work_deque *d) {
  atomic_init(&d->bottom, 0);
  atomic_init(&d->top, 0);
  atomic_init(&d->array, NULL);
  d->retired = NULL;
}

void deque_free_retired(struct work_deque *d) {
  struct deque_array *a = d->retired;
  while (a) {
    struct deque_array *next = a->retired;
    free(a);
    a = next;
  }
  d->retired = NULL;
}

void deque_destroy(struct work_deque *d) {
  deque_free_retired(d);
  free(atomic_load_explicit(&d->array, memory_order_relaxed));
  atomic_store_explicit(&d->array, NULL, memory_order_relaxed);
}

/* design.deque.grow: a copy of the live slots [t, b) in an array twice the size, published
 * with a release store; the old one is retired, not freed, as a thief that loaded it may
 * still read a slot (its CAS on top then tells it whether what it read was current). */
static struct deque_array *grow(struct work_deque *d, struct deque_array *old, int64_t t,
                                int64_t b) {
  struct deque_array *a = array_new(old ? 2 * (old->mask + 1) : DEQUE_INITIAL);
  if (!a) return NULL;
  for (int64_t i = t; i < b; i++) slot_put(a, i, slot_get(old, i));
  atomic_store_explicit(&d->array, a, memory_order_release);
  if (old) {
    old->retired = d->retired;
    d->retired = old;
  }
  return a;
}

bool deque_push(struct work_deque *d, struct work_packet *p) {
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
  int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
  struct deque_array *a = atomic_load_explicit(&d->array, memory_order_relaxed);
  if (!a || b - t > a->mask) {
    a = grow(d, a, t, b);
    if (!a) return false;
  }
  slot_put(a, b, p);
  /* The release store publishes the slot (and the packet's contents, and a new array)
   * to a thief that reads this bottom (the paper: a release fence, then relaxed). */
  atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
  return true;
}

struct work_packet *deque_pop(struct work_deque *d) {
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
  /* Seen empty: it is (only the owner adds, and top only grows), so no claim is made
   * (design.deque.orderings.empty).  A worker out of work asks often. */
  if (atomic_load_explicit(&d->top, memory_order_relaxed) > b) return NULL;
  struct deque_array *a = atomic_load_explicit(&d->array, memory_order_relaxed);
  /* Claim slot b before looking at top: seq_cst store, then seq_cst load (the paper: a
   * seq_cst fence between them).  A thief reads top and then bottom, both seq_cst, so
   * that of the two sides at least one sees the other's claim. */
  atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
  int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
  /* The restores of bottom are release stores (the paper: relaxed), so that a thief that
   * reads one has every push before it in view (design.deque.orderings). */
  if (t > b) { /* empty */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
    return NULL;
  }
  struct work_packet *p = slot_get(a, b);
  if (t == b) {
    /* The last packet: thieves may be after it too; whoever moves top has it. */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
      p = NULL;
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
  }
  return p;
}

struct work_packet *deque_steal(struct work_deque *d) {
  for (;;) {
    int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
    if (t >= b) return NULL;
    /* Acquire (the paper: consume): the array the owner published before this bottom,
     * or a newer one; either holds slot t while top is t. */
    struct deque_array *a = atomic_load_explicit(&d->array, memory_order_acquire);
    struct work_packet *p = slot_get(a, t);
    if (atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                memory_order_relaxed))
      return p;
    /* Another thread took slot t (a thief, or the owner its last packet): the deque has
     * changed, try again (lock-free: each failure is another's success). */
  }
}

size_t deque_size(struct work_deque *d) {
  /* top first: it only grows, so bottom - top overestimates the size at the time bottom
   * is read, rather than under. */
  int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
  return b > t ? (size_t)(b - t) : 0;
}
