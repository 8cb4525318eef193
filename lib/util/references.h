/* Reference and finalization processing (MMTk's util::reference_processor and
 * util::finalizable_processor, design.refs). */
#ifndef MMTK_UTIL_REFERENCES_H
#define MMTK_UTIL_REFERENCES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <mmtk.h>

struct mmtk;
struct mmtk_gc_worker;

struct object_list {
  mmtk_object_t *items;
  size_t count, capacity;
};

struct references {
  pthread_mutex_t lock; /* everything below but `cleared` and `dropped` */
  pthread_cond_t gc_done; /* broadcast when gc_busy falls */
  /* From the moment the world is stopped to its resumption: the lists are being processed
   * and the objects they hold may move; the finalizer queries wait (design.refs.busy). */
  bool gc_busy;
  /* The candidates.  A stage takes a list out while it processes it
   * (design.refs.lists.detach): registrations meanwhile go to the emptied list and are
   * merged back. */
  struct object_list soft, weak, phantom;
  struct object_list finalizable, ready;
  /* GC workers only, one stage at a time. */
  struct object_list cleared; /* references cleared by this GC, handed to the binding */
  struct object_list dropped; /* sanity: reference objects found dead by this GC */
};

/* Shared by references.c and reference_stages.c (design.refs.lists). */
/* Room in `l` for `extra` more entries, never failing (`lock`: the lock guarding `l`, held,
 * released while memory is sought; NULL for a list only the caller sees). */
void refs_list_reserve(struct mmtk *mmtk, pthread_mutex_t *lock, struct object_list *l,
                       size_t extra, const char *what);
void refs_list_push(struct mmtk *mmtk, struct object_list *l, mmtk_object_t o, const char *what);
/* Take list `l` out, leaving it empty; put it back, followed by what was registered
 * meanwhile (design.refs.lists.detach).  refs_reattach_locked(): refs.lock held. */
struct object_list refs_detach(struct references *r, struct object_list *l);
void refs_reattach(struct mmtk *mmtk, struct object_list *l, struct object_list *d,
                   const char *what);
void refs_reattach_locked(struct mmtk *mmtk, struct object_list *l, struct object_list *d,
                          const char *what);

void references_init(struct references *r);
void references_destroy(struct references *r);
/* Queue this GC's reference and finalization packets (in their stages;
 * reference_stages.c, design.refs.stages). */
void references_schedule(struct mmtk *mmtk);
/* Release stage: give the cleared references to the binding. */
void references_enqueue(struct mmtk *mmtk, struct mmtk_gc_worker *w);
/* Objects ready for finalization stay alive: report them as root slots. */
void finalizers_scan_ready(struct mmtk *mmtk, mmtk_roots_factory_t *factory);
bool finalizers_ready(struct mmtk *mmtk);
/* The world is stopped / about to resume: the finalizer queries wait in between. */
void references_gc_begin(struct mmtk *mmtk);
void references_gc_end(struct mmtk *mmtk);
/* Release stage, before the plan's release: keep the dead reference objects that a later
 * stage revived, at their new addresses, for the verifier (sanity builds). */
void references_forward_dropped(struct mmtk *mmtk);
/* Plans that move objects after liveness is known (plan_ops.forwards_after_liveness:
 * MarkCompact and the Compressor, design.trace.forwarding): the reference stages kept the
 * references and referents where they were; once every survivor has its new address
 * (object_get_forwarded(), from its space's get_forwarded) and before any object moves
 * (RefForwarding), forward the soft, weak and phantom references, their referents, the
 * cleared and (sanity) dropped ones.  FinalizableForwarding: the finalizable objects
 * (the ready ones are root slots, updated by the second root scan). */
void references_forward(struct mmtk *mmtk);
void finalizers_forward(struct mmtk *mmtk);

#endif /* MMTK_UTIL_REFERENCES_H */
