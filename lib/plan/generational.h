/* What the generational plans share (MMTk's CommonGenPlan, design.plan.generational): a
 * copying nursery that mutators bump-allocate into, the object barrier, and the choice
 * between a nursery GC (TRACE_NURSERY: only the nursery and young large objects are
 * collected; the remembered set supplies the mature-to-young references) and a
 * full-heap GC. */
#ifndef MMTK_PLAN_GENERATIONAL_H
#define MMTK_PLAN_GENERATIONAL_H

#include <stdbool.h>
#include <stddef.h>

#include "plan/common.h"
#include "plan/trace_kind.h"
#include "policy/space.h"

struct mmtk;
struct mmtk_mutator;
struct mmtk_gc_worker;

struct gen_plan {
  struct space nursery; /* unused by StickyImmix, whose nursery is in place */
  bool full_heap;      /* the current (or last) GC is a full-heap one */
  bool next_full_heap; /* the next GC must be (too little room for a nursery) */
  struct common_plan *common;
};

/* The nursery (a copy space) with extent `index`; the common spaces are mature. */
void gen_create(struct mmtk *mmtk, struct gen_plan *g, struct common_plan *common,
                unsigned index);
void gen_destroy(struct gen_plan *g);
/* The generational state without a nursery space (StickyImmix: young objects live in
 * the mature space, design.plan.sticky): the common spaces are mature. */
void gen_init(mmtk_t *mmtk, struct gen_plan *g, struct common_plan *common);
/* Mutators bump-allocate default objects in the nursery (bump[0], the head's buffer)
 * and use the object barrier. */
void gen_mutator_init(struct gen_plan *g, struct mmtk_mutator *m);
/* The object barrier alone (the head's flag and, for a side unlog bit, its base). */
void gen_mutator_barrier(const struct mmtk *mmtk, struct mmtk_mutator *m);
/* plan_ops.collection_required: the nursery reached its largest size. */
bool gen_collection_required(struct mmtk *mmtk, struct gen_plan *g, struct space *s,
                             size_t pages);
/* Would `young_pages` pages of young objects exceed the nursery's largest size? */
bool gen_nursery_full(const struct mmtk *mmtk, size_t young_pages);
/* plan_ops.select_gc: TRACE_NURSERY, or TRACE_FAST for a full-heap GC. */
enum trace_kind gen_select_gc(struct mmtk *mmtk, struct gen_plan *g, int reason);
/* The default schedule plus the remembered set's packets. */
void gen_schedule_collection(struct mmtk *mmtk, struct mmtk_gc_worker *w);
void gen_prepare(struct mmtk *mmtk, struct gen_plan *g);
/* gen_prepare without the nursery space: the VM and common spaces only. */
void gen_prepare_mature(struct mmtk *mmtk, struct gen_plan *g);
void gen_release(struct mmtk *mmtk, struct gen_plan *g);
void gen_end_of_gc(struct mmtk *mmtk, struct gen_plan *g);
/* The nursery's bounds in pages, from the nursery option and the heap limit. */
size_t gen_max_nursery_pages(const struct mmtk *mmtk);
size_t gen_min_nursery_pages(const struct mmtk *mmtk);

#endif /* MMTK_PLAN_GENERATIONAL_H */
