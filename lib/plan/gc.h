/* A collection's state and how mutators ask for one (design.gc). */
#ifndef MMTK_PLAN_GC_H
#define MMTK_PLAN_GC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mmtk.h>

#include "plan/tracing.h"
#include "plan/trace_kind.h"

struct mmtk;
struct mmtk_mutator;
struct mmtk_gc_worker;
struct work_packet;

enum gc_reason {
  GC_REASON_HEAP_FULL,
  GC_REASON_USER,
  GC_REASON_STRESS,
  GC_REASON_EMERGENCY,
  GC_REASON_POLL,
};

struct gc_state {
  enum gc_reason reason;
  enum trace_kind kind;      /* this GC's trace kind (plan_ops.select_gc) */
  struct copy_config copy;   /* this GC's copy destinations (plan_ops.copy_config) */
  bool emergency; /* soft references are not kept alive */
  /* Workers list the objects they scan outside this space (tracer.external). */
  bool record_external;
  struct space *record_skip;
  uint64_t start_ns, stopped_ns;
  size_t used_before, live_bytes;
  uint64_t bytes_copied;
  _Atomic size_t pending_root_scans, stopped_mutators;
  _Atomic size_t stress_bytes; /* allocated since the last GC, for stress_factor */
#if MMTK_HAVE_SANITY
  struct sanity_gen *sanity_gen; /* this nursery GC's generational check (util/sanity.c) */
#endif
};

/* gc_work.c */
/* The first packet of a GC, made without allocating (the scheduler's lock is held). */
struct work_packet *gc_schedule_collection_packet(struct mmtk *mmtk);
/* The schedule every plan starts from (design.gc): with the mutators stopped, queue the
 * Prepare stage (the plan's prepare, the root scans), the reference stages and the
 * Release stage (the plan's release, reference enqueueing, post_forwarding). */
void gc_schedule_default(struct mmtk *mmtk, struct mmtk_gc_worker *w);
void gc_finish(struct mmtk *mmtk, struct mmtk_gc_worker *w);
/* A packet that calls fn(worker, arg) once; its kind (WORK_KIND) is the function's name. */
struct work_packet *gc_simple_packet_kind(void (*fn)(struct mmtk_gc_worker *, void *), void *arg,
                                          const char *kind);
#define gc_simple_packet_new(fn, arg) gc_simple_packet_kind(fn, arg, WORK_KIND(#fn))
/* Queue fn(worker, arg) as a packet of `stage`. */
void gc_add_simple_kind(struct mmtk *mmtk, int stage,
                        void (*fn)(struct mmtk_gc_worker *, void *), void *arg, const char *kind);
#define gc_add_simple(mmtk, stage, fn, arg) \
  gc_add_simple_kind(mmtk, stage, fn, arg, WORK_KIND(#fn))

/* gc_memory.c: what a GC allocates (design.gc.memory).  They return only with the
 * memory: on failure they call out_of_memory(MMTK_OOM_MMAP), wait and retry.  mmtk NULL:
 * the instance of the GC worker this thread runs. */
void *gc_malloc(struct mmtk *mmtk, size_t bytes, const char *what);
void *gc_realloc(struct mmtk *mmtk, void *old, size_t bytes, const char *what);
/* The loop of both: report (out_of_memory) and wait; the caller then tries again. */
void gc_wait_for_memory(struct mmtk *mmtk, const char *what, size_t bytes, unsigned attempt);

/* collection.c */
/* Ask for a GC and wait (in the binding's block_for_gc) until it is over. */
void gc_collect(struct mmtk_mutator *m, enum gc_reason reason);
/* Does the heap need a GC before `pages` more pages can be used?  The heap limit (or
 * the binding's is_gc_required), and the plan's collection_required for space `s`
 * (NULL: a poll, no particular space). */
bool gc_required(struct mmtk *mmtk, struct space *s, size_t pages);
/* Can this mutator's allocation wait for a GC now? */
bool gc_can_collect(struct mmtk *mmtk, uint32_t alloc_opts);

#endif /* MMTK_PLAN_GC_H */
