/* Updating every reference once the new addresses are known, for the plans that move
 * objects after liveness (MarkCompact and the Compressor, design.trace.forwarding).
 *
 * The plan's moving space forwards in its own trace_object from CalculateForwarding on
 * (it returns the object's new address without pushing).  The references to update:
 *   - root slots: the roots are scanned again (SecondRoots);
 *   - fields of objects outside the moving space: the closure lists the objects it scans
 *     there (tracer.external) and SecondRoots scans them again;
 *   - fields of objects in the moving space: the plan's own pass (MarkCompact walks its
 *     marks before compacting; the Compressor scans each object as it slides it);
 *   - the reference and finalizer lists and the binding's weak structures
 *     (RefForwarding and FinalizableForwarding), through the spaces' get_forwarded. */
#ifndef MMTK_PLAN_FORWARDING_H
#define MMTK_PLAN_FORWARDING_H

struct mmtk;
struct space;

/* Prepare stage, before the Closure stage opens: the closure lists the objects it scans
 * outside `moving`. */
void forwarding_prepare(struct mmtk *mmtk, struct space *moving);
/* CalculateForwarding: liveness is final, no object is scanned for marking any more. */
void forwarding_liveness_done(struct mmtk *mmtk);
/* The first packet of SecondRoots, once every survivor has its new address: the
 * binding's prepare_for_roots_re_scanning, then packets of this stage that scan the
 * roots again and the listed objects, updating their slots. */
void forwarding_update_roots(struct mmtk *mmtk);
/* Queue RefForwarding (the reference lists, then the binding's forward_weak_refs) and
 * FinalizableForwarding (the finalizable list). */
void forwarding_schedule_lists(struct mmtk *mmtk);

#endif /* MMTK_PLAN_FORWARDING_H */
