/* Plans (MMTk's plan module, design.plan): a plan composes spaces and tells each mutator
 * which allocator serves which allocation semantics. */
#ifndef MMTK_PLAN_PLAN_H
#define MMTK_PLAN_PLAN_H

#include <mmtk.h>

#include "plan/trace_kind.h"
#include "util/options.h"

struct mmtk_mutator;
struct mmtk_gc_worker;
struct copy_config;
struct space;

/* A plan's hooks (MMTk's Plan trait, design.plan.hooks).  NULL hooks take the default
 * that the comment gives. */
struct plan_ops {
  enum mmtk_plan_kind kind;
  bool collects_garbage;
  bool moves_objects;
  /* MMTk's needs_forward_after_liveness: objects move after the closure and the
   * reference stages (the Compressor), so those stages leave references and referents
   * as they are, and the plan forwards them in RefForwarding (references_forward()). */
  bool forwards_after_liveness;
  /* MMTK_ALLOC_DEFAULT requests above this go to the large object space. */
  size_t max_non_los_default_alloc_bytes;
  /* Create the spaces and register their side-metadata specs (side_metadata_add; any
   * number, global or a space's own), before the tables are reserved; false with a
   * message on failure. */
  bool (*create)(mmtk_t *mmtk);
  void (*destroy)(mmtk_t *mmtk);
  /* MMTk's MutatorConfig: point a new mutator's allocators at their spaces and map each
   * allocation semantics to one of them (mutator_map); set the barrier flag the plan
   * needs in the mutator head. */
  void (*mutator_init)(mmtk_t *mmtk, struct mmtk_mutator *mutator);

  /* ---- Collecting plans (design.gc) ---- */
  /* Before `pages` more pages of space `s` are used: must a GC run first, beyond the
   * heap limit (which is always checked)?  NULL: no. */
  bool (*collection_required)(mmtk_t *mmtk, struct space *s, size_t pages);
  /* The trace kind of the GC about to start, asked for `reason` (enum gc_reason).
   * NULL: TRACE_FAST. */
  enum trace_kind (*select_gc)(mmtk_t *mmtk, int reason);
  /* Queue the GC's packets once the mutators are stopped (MMTk's schedule_collection).
   * NULL: gc_schedule_default(), which a plan's own hook usually calls first. */
  void (*schedule_collection)(mmtk_t *mmtk, struct mmtk_gc_worker *w);
  void (*prepare)(mmtk_t *mmtk);    /* Prepare stage: flip spaces, start a mark epoch */
  void (*release)(mmtk_t *mmtk);    /* Release stage: free what died */
  void (*end_of_gc)(mmtk_t *mmtk);  /* after every stage, before mutators resume; may be NULL */
  /* Pages kept free for the next GC's copies (counted against the heap limit). */
  size_t (*reserved_pages)(const mmtk_t *mmtk);
  /* This GC's copy destinations (at Prepare, after prepare): MMTk's CopyConfig.  NULL
   * for plans that never copy. */
  void (*copy_config)(mmtk_t *mmtk, struct copy_config *config);
};

/* The plan for `kind`, or NULL if this version does not have it. */
const struct plan_ops *plan_lookup(enum mmtk_plan_kind kind);
/* "NoGC SemiSpace ...": the plans this version has, space separated. */
void plan_available_names(char *buf, size_t size);

extern const struct plan_ops nogc_plan_ops;
extern const struct plan_ops semispace_plan_ops;
extern const struct plan_ops marksweep_plan_ops;
extern const struct plan_ops gencopy_plan_ops;
extern const struct plan_ops genimmix_plan_ops;
extern const struct plan_ops immix_plan_ops;
/* The Immix plan's mutator setup, shared by StickyImmix: default allocations go to the
 * Immix allocator of space `immix`, through the head's bump pointer. */
struct mmtk_mutator;
void immix_mutator_default(struct space *immix, struct mmtk_mutator *m);
extern const struct plan_ops stickyimmix_plan_ops;
extern const struct plan_ops compressor_plan_ops;
extern const struct plan_ops pageprotect_plan_ops;
extern const struct plan_ops markcompact_plan_ops;


#endif /* MMTK_PLAN_PLAN_H */
