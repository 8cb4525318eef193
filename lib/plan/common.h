/* The spaces every collecting plan has (MMTk's BasePlan and CommonPlan,
 * design.plan.common): an immortal space (MMTK_ALLOC_IMMORTAL, CODE, READ_ONLY), a large
 * object space (LOS, LARGE_CODE and default requests too big for the plan's own space)
 * and a non-moving space (MMTK_ALLOC_NON_MOVING).  A plan embeds a struct common_plan,
 * creates its own spaces first and the common ones after them, and calls the common
 * prepare, release and end_of_gc from its own. */
#ifndef MMTK_PLAN_COMMON_H
#define MMTK_PLAN_COMMON_H

#include <stdbool.h>

#include "policy/space.h"
#include "util/metadata/side_metadata.h"

struct mmtk;
struct mmtk_mutator;

/* The mutator allocators the common spaces use (plans use the others). */
#define COMMON_BUMP_IMMORTAL 1 /* bump[1] */
#define COMMON_LOS 0           /* los[0] */
#define COMMON_FREE_LIST 1     /* freelist[1]: the non-moving space */

struct common_plan {
  struct space immortal, los, nonmoving;
  /* The non-moving space is a mark-sweep space (MMTk's marksweep_as_nonmoving); its mark
   * bits on the side unless the binding keeps them in the header. */
  struct side_metadata_spec nonmoving_mark;
};

/* Create the common spaces with extent numbers first_index .. first_index + 2; false
 * with a message on failure (the caller's destroy cleans up). */
bool common_plan_create(struct mmtk *mmtk, struct common_plan *c, unsigned first_index);
void common_plan_destroy(struct common_plan *c);
/* Point a new mutator's common allocators at the spaces and map the semantics they
 * serve. */
void common_plan_mutator_init(struct common_plan *c, struct mmtk_mutator *m);
/* full_heap false: a generational plan's nursery GC. */
void common_plan_prepare(struct common_plan *c, bool full_heap);
void common_plan_release(struct common_plan *c, bool full_heap);
/* Generational plans: the common spaces are mature (their objects are unlogged). */
void common_plan_set_unlog(struct common_plan *c);
void common_plan_end_of_gc(struct common_plan *c);

#endif /* MMTK_PLAN_COMMON_H */
