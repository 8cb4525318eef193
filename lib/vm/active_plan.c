/* The VM's mutators (MMTk's ActivePlan, design.vm.active_plan): the binding's ActivePlan
 * callbacks when it has them, libmmtk's registry of bound mutators otherwise.
 *
 * binding_install() accepts number_of_mutators and iterate_mutators only together, so
 * the count and the walk always come from the same source.  is_mutator and get_mutator
 * are independent: each is only ever a check (extreme assertions). */
#include "mmtk_internal.h"

size_t active_plan_number_of_mutators(mmtk_t *mmtk) {
  if (mmtk->vm.number_of_mutators) return mmtk->vm.number_of_mutators(mmtk->vm_ctx);
  pthread_mutex_lock(&mmtk->mutators_lock);
  size_t n = mmtk->nmutators;
  pthread_mutex_unlock(&mmtk->mutators_lock);
  return n;
}

/* Between the binding's iterate_mutators and libmmtk's visitor: a mutator the binding
 * made up (or one of another instance) would corrupt this heap, so it stops here. */
struct checked_visit {
  mmtk_t *mmtk;
  const char *who;
  mmtk_mutator_visitor_fn visit;
  void *arg;
  size_t count;
};

static void visit_checked(mmtk_mutator_t *m, void *arg) {
  struct checked_visit *c = arg;
  if (!mutator_check(m, c->who) || m->head.mmtk != c->mmtk)
    mmtk_panic(__FILE__, __LINE__, "%s: the binding's iterate_mutators visited %p, which is not "
               "a live mutator of this instance", c->who, (void *)m);
  c->count++;
  c->visit(m, c->arg);
}

void active_plan_iterate_mutators(mmtk_t *mmtk, const char *who, mmtk_mutator_visitor_fn visit,
                                  void *arg) {
  if (!mmtk->vm.iterate_mutators) {
    pthread_mutex_lock(&mmtk->mutators_lock);
    for (struct mmtk_mutator *m = mmtk->mutators; m; m = m->next) visit(m, arg);
    pthread_mutex_unlock(&mmtk->mutators_lock);
    return;
  }
  struct checked_visit c = {.mmtk = mmtk, .who = who, .visit = visit, .arg = arg};
  mmtk->vm.iterate_mutators(mmtk->vm_ctx, visit_checked, &c);
#if MMTK_HAVE_EXTREME_ASSERTIONS
  /* The walk and the count are one list: a mutator left out of the walk keeps stale
   * buffers (SemiSpace would hand it a freed from-space). */
  size_t n = mmtk->vm.number_of_mutators(mmtk->vm_ctx);
  if (c.count != n)
    mmtk_panic(__FILE__, __LINE__, "%s: extreme assertion failed: the binding's "
               "iterate_mutators visited %zu mutators but its number_of_mutators says %zu",
               who, c.count, n);
#endif
}

#if MMTK_HAVE_EXTREME_ASSERTIONS
void active_plan_assert_mutator(const mmtk_t *mmtk, const struct mmtk_mutator *m, const char *who) {
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  void *tls = m->head.tls;
  if (vm->is_mutator && !vm->is_mutator(mmtk->vm_ctx, tls))
    mmtk_panic(__FILE__, __LINE__, "%s: extreme assertion failed: the binding's is_mutator says "
               "tls %p of mutator %p is not a mutator thread", who, tls, (const void *)m);
  if (vm->get_mutator) {
    mmtk_mutator_t *got = vm->get_mutator(mmtk->vm_ctx, tls);
    if (got != m)
      mmtk_panic(__FILE__, __LINE__, "%s: extreme assertion failed: the binding's get_mutator "
                 "returns %p for tls %p, not the mutator %p it was bound to", who, (void *)got,
                 tls, (const void *)m);
  }
}
#endif
