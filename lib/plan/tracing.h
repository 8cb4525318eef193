/* The transitive closure (MMTk's ProcessEdgesWork + ScanObjects, design.trace).
 *
 * Each worker keeps a stack of grey objects on the heap (never the C stack, so a list of
 * any length is traced in constant C stack).  A closure packet seeds the stack from its
 * slots or objects and drains it: pop an object, let the binding report its slots into
 * the slot visitor, trace every slot — copying or marking the target, updating the slot,
 * and pushing the target if this worker reached it first.  When the stack grows while
 * other workers are idle, its oldest part is split off into a packet they can steal. */
#ifndef MMTK_PLAN_TRACING_H
#define MMTK_PLAN_TRACING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mmtk.h>

#include "plan/trace_kind.h"
#include "scheduler/work.h"
#include "util/alloc/allocator.h"

struct mmtk;
struct mmtk_gc_worker;

#define TRACE_SLOT_BUFFER 256
#define TRACE_SLOT_BATCH 64 /* copying plans, see visitor_flush */
#define TRACE_PACKET_CAPACITY 4096 /* slots or objects per closure packet */

struct sanity;

struct mmtk_object_tracer {
  struct mmtk_gc_worker *worker;
  struct sanity *sanity; /* set: the sanity verifier's re-trace (util/sanity.c) */
};

struct mmtk_roots_factory {
  struct mmtk *mmtk;
  struct mmtk_gc_worker *worker;
  enum trace_kind kind; /* of the closure packets the roots become */
  bool sanity; /* roots go to the sanity verifier, not to closure packets */
};

/* util/sanity.c (--enable-sanity) */
bool sanity_collect_roots(struct mmtk_roots_factory *f, const void *items, size_t count,
                          bool slots);
void sanity_check(struct mmtk *mmtk, struct mmtk_gc_worker *w);
/* mmtk_trace_object() for the verifier: check and queue `object`, return it unchanged. */
mmtk_object_t sanity_trace_object(struct sanity *s, mmtk_object_t object);
/* The generational invariant (design.sanity.gen), at a nursery GC with the `sanity`
 * option: sanity_gen_begin() (the mutators stopped, their buffers in the remembered set,
 * before remset_schedule() takes them) copies what was remembered and sets a sentinel of
 * the Prepare stage, which traces the heap from the roots this GC scanned (recorded by
 * sanity_gen_roots()) before any closure packet runs, and aborts at the first reference
 * from a mature object to a young one whose source was not remembered.
 * sanity_gen_end() (gc_finish) frees what is left. */
void sanity_gen_begin(struct mmtk *mmtk);
void sanity_gen_roots(struct mmtk_roots_factory *f, const void *items, size_t count, bool slots);
void sanity_gen_end(struct mmtk *mmtk);

struct mmtk_tracer_context {
  struct mmtk_gc_worker *worker;
  bool retained; /* mmtk_tracer_retain() reached an object not reached before */
};

struct mmtk_copy_context {
  struct mmtk_gc_worker *worker;
};

struct tracer {
  struct mmtk_slot_visitor visitor; /* the public part (<mmtk/scanning.h>) */
  mmtk_slot_t slots[TRACE_SLOT_BUFFER];
  struct mmtk_object_tracer object_tracer;
  uintptr_t *stack;
  size_t bottom, depth, capacity; /* live entries: stack[bottom, depth) */
  uint64_t scanned;    /* objects scanned in this GC */
  uint64_t live_bytes; /* bytes of the objects this worker reached first */
  enum trace_kind kind; /* of the packet this worker runs (design.plan.trace-kind) */
  bool prefetch_grey;  /* prefetch objects between the mark stack and their scan */
  size_t slot_batch;   /* scanned slots gathered before they are traced */
  /* The objects outside gc.record_skip this worker scanned, while gc.record_external is
   * set (the Compressor updates their references once it knows the new addresses). */
  uintptr_t *external;
  size_t nexternal, external_cap;
  /* Packets of SHARE_CHUNK objects that ran here, kept for this worker's next share
   * (design.trace.share): a handoff allocates nothing once a few have been made. */
  struct closure_packet *spare;
  unsigned nspare;
};

/* Where each copy semantics (MMTK_COPY_*) puts its copies in this GC (MMTk's
 * CopyConfig, design.copy.config): an allocator kind (MMTK_ALLOCATOR_*, NONE for a
 * semantics the plan never uses), which of a worker's allocators of that kind, and the
 * space it allocates in.  The plan fills it at each GC's Prepare stage. */
#define COPY_SEMANTICS_COUNT 4
struct copy_target {
  uint8_t kind;
  uint8_t index;
  struct space *space;
};
struct copy_config {
  struct copy_target map[COPY_SEMANTICS_COUNT];
};

/* Per-worker copy allocators (MMTk's GCWorkerCopyContext). */
#define MAX_COPY_BUMP 2
#define MAX_COPY_IMMIX 1
struct copy_allocators {
  struct bump_allocator bump[MAX_COPY_BUMP];
  struct immix_allocator immix[MAX_COPY_IMMIX];
  uint64_t bytes_copied;
};

void tracer_init(struct tracer *t, struct mmtk_gc_worker *w);
void tracer_destroy(struct tracer *t);

/* Trace one reference: its new value (moved or not).  Newly reached objects are pushed
 * for scanning. */
uintptr_t trace_object(struct mmtk_gc_worker *w, uintptr_t object);
/* Trace the reference in `slot` and update it (root slots of a remembered range). */
void trace_slot(struct mmtk_gc_worker *w, mmtk_slot_t slot);
/* Push an object reached for the first time (policies call this). */
void trace_push(struct mmtk_gc_worker *w, uintptr_t object);
/* Scan everything pushed, transitively. */
void trace_drain(struct mmtk_gc_worker *w);
/* Scan one object now: trace each of its references (batched: trace_drain() flushes). */
void trace_scan_object(struct mmtk_gc_worker *w, uintptr_t object);

/* After the closure: is `object` alive, and where is it now (0: dead)?  Objects outside
 * the heap count as alive and unmoved. */
bool object_is_reachable(struct mmtk *mmtk, uintptr_t object);
uintptr_t object_get_forwarded(struct mmtk *mmtk, uintptr_t object);

/* Closure packets of trace kind `kind`. */
struct work_packet *slots_packet_new(const mmtk_slot_t *slots, size_t count, enum trace_kind kind);
struct work_packet *nodes_packet_new(const uintptr_t *objects, size_t count, bool pinning_roots,
                                     enum trace_kind kind);

/* Copy `object` into the plan's to-space for `semantics` (default or binding copy). */
uintptr_t copy_object(struct mmtk_gc_worker *w, uintptr_t object, int copy_semantics);
/* Set up a worker's copy allocators (no buffer yet). */
void copy_allocators_init(struct copy_allocators *c);
/* Forget every to-space buffer (end of GC). */
void copy_allocators_reset(struct copy_allocators *c);

#endif /* MMTK_PLAN_TRACING_H */
