/* The plan registry (design.plan). */
#include "mmtk_internal.h"

#include <stdio.h>

static const struct plan_ops *const plans[] = {
    &nogc_plan_ops,
    &semispace_plan_ops,
    &marksweep_plan_ops,
    &gencopy_plan_ops,
    &genimmix_plan_ops,
    &immix_plan_ops,
    &stickyimmix_plan_ops,
    &compressor_plan_ops,
    &pageprotect_plan_ops,
    &markcompact_plan_ops,
};
#define NPLANS (sizeof plans / sizeof plans[0])

const struct plan_ops *plan_lookup(enum mmtk_plan_kind kind) {
  for (size_t i = 0; i < NPLANS; i++)
    if (plans[i]->kind == kind) return plans[i];
  return NULL;
}

void plan_available_names(char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < NPLANS && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
                             mmtk_plan_name(plans[i]->kind));
}

const char *trace_kind_name(enum trace_kind kind) {
  static const char *const names[TRACE_KIND_COUNT] = {
      [TRACE_FAST] = "Fast", [TRACE_DEFRAG] = "Defrag", [TRACE_NURSERY] = "Nursery"};
  return (unsigned)kind < TRACE_KIND_COUNT ? names[kind] : "?";
}
