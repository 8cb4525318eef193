/* Plans (MMTk's plan module, design.plan): a plan composes spaces and tells each mutator
 * which allocator serves which allocation semantics. */
#ifndef MMTK_PLAN_PLAN_H
#define MMTK_PLAN_PLAN_H

#include <mmtk.h>

#include "util/options.h"

struct mmtk_mutator;

struct plan_ops {
  enum mmtk_plan_kind kind;
  bool collects_garbage;
  bool moves_objects;
  /* MMTK_ALLOC_DEFAULT requests above this go to the large object space. */
  size_t max_non_los_default_alloc_bytes;
  /* Register the plan's side-metadata specs (before the tables are reserved); may be
   * NULL. */
  void (*add_metadata)(mmtk_t *mmtk);
  /* Create the spaces; false with a message on failure. */
  bool (*create)(mmtk_t *mmtk);
  void (*destroy)(mmtk_t *mmtk);
  /* Set up a new mutator's allocators and its semantics -> allocator mapping. */
  void (*mutator_init)(mmtk_t *mmtk, struct mmtk_mutator *mutator);

  /* Collecting plans (design.gc). */
  void (*prepare)(mmtk_t *mmtk);    /* Prepare stage: flip spaces, start a mark epoch */
  void (*release)(mmtk_t *mmtk);    /* Release stage: free what died */
  void (*end_of_gc)(mmtk_t *mmtk);  /* after every stage, before mutators resume; may be NULL */
  /* Pages kept free for the next GC's copies (counted against the heap limit). */
  size_t (*reserved_pages)(const mmtk_t *mmtk);
  /* Where copies of objects go, and which of a worker's copy buffers serves it. */
  struct space *(*copy_target)(mmtk_t *mmtk, int copy_semantics, unsigned *index);
};

/* The plan for `kind`, or NULL if this version does not have it. */
const struct plan_ops *plan_lookup(enum mmtk_plan_kind kind);
/* "NoGC SemiSpace ...": the plans this version has, space separated. */
void plan_available_names(char *buf, size_t size);

extern const struct plan_ops nogc_plan_ops;
extern const struct plan_ops semispace_plan_ops;
extern const struct plan_ops marksweep_plan_ops;
extern const struct plan_ops immix_plan_ops;

#endif /* MMTK_PLAN_PLAN_H */
