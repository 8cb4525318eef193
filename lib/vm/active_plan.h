/* The VM's mutators (MMTk's ActivePlan, design.vm.active_plan): the one way libmmtk counts
 * and walks the bound mutators.  The binding's ActivePlan callbacks answer when it sets
 * them; otherwise libmmtk's own registry of bound mutators (mmtk->mutators) does. */
#ifndef MMTK_VM_ACTIVE_PLAN_H
#define MMTK_VM_ACTIVE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <mmtk.h>

/* How many mutators are bound: number_of_mutators(), or the registry's count. */
size_t active_plan_number_of_mutators(mmtk_t *mmtk);
/* Call visit(mutator, arg) once per bound mutator: iterate_mutators(), or a walk of the
 * registry with its lock held (so `visit` must not bind or destroy mutators).  Every
 * mutator the binding reports is checked; a bad one is a panic naming `who`. */
void active_plan_iterate_mutators(mmtk_t *mmtk, const char *who, mmtk_mutator_visitor_fn visit,
                                  void *arg);
/* With --enable-extreme-assertions: panic, naming `who`, unless the binding's is_mutator()
 * and get_mutator() (those it sets) agree that `m` is the mutator of its thread.  Nothing
 * at all otherwise (it sits on allocation paths). */
#if MMTK_HAVE_EXTREME_ASSERTIONS
void active_plan_assert_mutator(const mmtk_t *mmtk, const struct mmtk_mutator *m, const char *who);
#else
static inline void active_plan_assert_mutator(const mmtk_t *mmtk, const struct mmtk_mutator *m,
                                              const char *who) {
  (void)mmtk, (void)m, (void)who;
}
#endif

#endif /* MMTK_VM_ACTIVE_PLAN_H */
