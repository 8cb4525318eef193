/* Trace kinds (MMTk's TraceKind, design.plan.trace-kind): what one GC's closure does to
 * the objects it reaches.  The plan picks a kind for each GC (plan_ops.select_gc); the
 * closure packets carry it, and every space's trace_object takes it. */
#ifndef MMTK_PLAN_TRACE_KIND_H
#define MMTK_PLAN_TRACE_KIND_H

enum trace_kind {
  TRACE_FAST,    /* mark (or copy, in a copying space) without choosing what to evacuate */
  TRACE_DEFRAG,  /* Immix: evacuate the objects of the blocks chosen as defrag sources */
  TRACE_NURSERY, /* generational plans: trace only what the nursery collection frees */
  TRACE_KIND_COUNT
};

/* "Fast", "Defrag", "Nursery": for logs. */
const char *trace_kind_name(enum trace_kind kind);

#endif /* MMTK_PLAN_TRACE_KIND_H */
