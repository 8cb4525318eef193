/* A mutator-side model of a random object graph (RELIABILITY R3).
 *
 * A model owns a band of root slots on one thread's shadow stack and mirrors, outside
 * the heap, every object reachable from them: type, field count, data word and size of
 * each object, and which object each field holds.  model_step() makes one random change
 * to the heap and to the model (allocate, store a field, drop or copy a root, change a
 * data word); model_verify() walks the heap and the model side by side from the roots and
 * fails the test at the first difference: a field that holds another object, or NULL, or
 * an object that is two objects in the model (or the reverse), a wrong header or data,
 * a live weak referent cleared, or (after a GC) a dead weak referent not cleared.
 */
#ifndef TVM_MODEL_H
#define TVM_MODEL_H

#include <glib.h>

#include "tvm.h"

typedef struct model model_t;

typedef struct model_config {
  size_t roots;          /* root slots (default 32) */
  unsigned max_refs;     /* reference fields of an ordinary node (default 4) */
  unsigned max_data;     /* data bytes of an ordinary object (default 64) */
  unsigned large_permille; /* chance of a large (> 16 KiB) object per allocation */
  unsigned weak_percent; /* chance that an allocation is a weak reference (default 10) */
} model_config_t;

model_t *model_new(tvm_thread_t *th, const model_config_t *config, guint32 seed);
/* Where the model's choices come from: by default the GRand seeded by model_new(); a
 * fuzzer hands its input instead, so that the bytes decide every step.  fn(ctx, n)
 * returns a number below n (0 when n is 0). */
typedef unsigned (*model_choice_fn)(void *ctx, unsigned n);
void model_set_choices(model_t *m, model_choice_fn fn, void *ctx);
/* Pops the model's roots (they must be the top of the shadow stack). */
void model_free(model_t *m);
/* One random operation; returns false if an allocation failed (heap exhausted). */
bool model_step(model_t *m);
/* Compare heap and model; `after_gc`: a GC ran since the last change, so every weak
 * referent that is unreachable in the model must have been cleared. */
void model_verify(model_t *m, bool after_gc);
/* Objects reachable in the model after the last model_verify(). */
size_t model_live(const model_t *m);
/* Add to `set` (a GHashTable of pointers) every heap object model_verify() last found
 * reachable, as found then (valid until the next safepoint). */
void model_live_objects(const model_t *m, GHashTable *set);
/* Weak referents the heap had cleared, found by model_verify() so far. */
size_t model_cleared(const model_t *m);
/* Bytes allocated by model_step() so far. */
size_t model_allocated_bytes(const model_t *m);
/* Objects allocated by model_step() so far. */
size_t model_allocations(const model_t *m);

#endif /* TVM_MODEL_H */
