/* libmmtk: what a binding's callbacks use while libmmtk collects.
 *
 * The scanning callbacks of mmtk_vm_binding_t receive the objects declared here:
 * a slot visitor (scan_object), an object tracer (scan_object_and_trace_edges), a roots
 * factory (scan_roots_in_mutator_thread, scan_vm_specific_roots), a tracer context
 * (process_weak_refs, forward_weak_refs) and a copy context (copy).  They are valid only
 * during the callback that received them.
 */
#ifndef MMTK_SCANNING_H
#define MMTK_SCANNING_H

#include <mmtk/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The slot visitor: scan_object() reports each reference slot of an object with
 * mmtk_visit_slot().  Slots are buffered in [cursor, limit); libmmtk empties the buffer
 * through flush().  The fields are ABI (a JIT-compiled scanner may fill the buffer
 * itself); never keep the visitor after scan_object() returns. */
struct mmtk_slot_visitor {
  mmtk_slot_t *cursor;
  mmtk_slot_t *limit;
  void (*flush)(struct mmtk_slot_visitor *self); /* afterwards cursor < limit */
};

/* Report one slot: the address of a field holding an mmtk_object_t or NULL.  libmmtk
 * may update the field (objects move) before the GC ends. */
static inline MMTK_ALWAYS_INLINE void mmtk_visit_slot(mmtk_slot_visitor_t *visitor,
                                                      mmtk_slot_t slot) {
  if (MMTK_UNLIKELY(visitor->cursor == visitor->limit)) visitor->flush(visitor);
  *visitor->cursor++ = slot;
}

/* scan_object_and_trace_edges(): trace one referenced object; store the result back in
 * the field that held `object`. */
MMTK_EXTERN mmtk_object_t mmtk_trace_object(mmtk_object_tracer_t *tracer, mmtk_object_t object);

/* Roots.  Slots may be updated when their objects move.  Pinning roots are objects kept
 * alive and in place for this GC (for example found conservatively on a stack); only
 * plans that can pin accept them in moving spaces. */
MMTK_EXTERN void mmtk_roots_add_slots(mmtk_roots_factory_t *factory, const mmtk_slot_t *slots,
                                      size_t count);
MMTK_EXTERN void mmtk_roots_add_pinning(mmtk_roots_factory_t *factory,
                                        const mmtk_object_t *objects, size_t count);

/* process_weak_refs() and forward_weak_refs(): liveness and new addresses of objects
 * once the strong closure is complete. */
MMTK_EXTERN bool mmtk_tracer_is_reachable(mmtk_tracer_context_t *tracer, mmtk_object_t object);
/* The object's reference after this GC if it is reachable, NULL if it is dead. */
MMTK_EXTERN mmtk_object_t mmtk_tracer_get_forwarded(mmtk_tracer_context_t *tracer,
                                                    mmtk_object_t object);
/* Keep `object` (and what it reaches) alive; returns its new reference.  A hook that
 * retains an object nothing had reached yet is called again once those objects are
 * traced, whatever it returns. */
MMTK_EXTERN mmtk_object_t mmtk_tracer_retain(mmtk_tracer_context_t *tracer, mmtk_object_t object);

/* A binding's own copy callback: space for the copy, then the metadata of the copy. */
MMTK_EXTERN void *mmtk_copy_context_alloc(mmtk_copy_context_t *context, size_t bytes,
                                          size_t align, size_t offset, int copy_semantics);
MMTK_EXTERN void mmtk_copy_context_post_copy(mmtk_copy_context_t *context, mmtk_object_t object,
                                             size_t bytes, int copy_semantics);

#ifdef __cplusplus
}
#endif

#endif /* MMTK_SCANNING_H */
