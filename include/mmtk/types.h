/* libmmtk: basic public types.
 *
 * The ABI rule for this header: integer constants are macros (no enum types cross the
 * ABI), handles are opaque, and every struct that a caller fills carries a size field so
 * that it can grow in later versions.
 */
#ifndef MMTK_TYPES_H
#define MMTK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MMTK_BUILDING_LIBRARY) && defined(__GNUC__)
#define MMTK_EXTERN extern __attribute__((visibility("default")))
#else
#define MMTK_EXTERN extern
#endif

#if defined(__GNUC__)
#define MMTK_LIKELY(x) __builtin_expect(!!(x), 1)
#define MMTK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MMTK_ALWAYS_INLINE __attribute__((always_inline))
#else
#define MMTK_LIKELY(x) (x)
#define MMTK_UNLIKELY(x) (x)
#define MMTK_ALWAYS_INLINE
#endif

/* Opaque handles. */
typedef struct mmtk mmtk_t;                 /* one MMTk instance (a heap) */
typedef struct mmtk_builder mmtk_builder_t; /* options collected before mmtk_init() */
typedef struct mmtk_mutator mmtk_mutator_t; /* per-thread allocation context */

/* Types that the collector (not NoGC) hands to the binding's callbacks.  They are
 * declared here so that the binding interface is complete; the functions that operate
 * on them belong to the collector API. */
typedef struct mmtk_slot_visitor mmtk_slot_visitor_t;
typedef struct mmtk_object_tracer mmtk_object_tracer_t;
typedef struct mmtk_roots_factory mmtk_roots_factory_t;
typedef struct mmtk_tracer_context mmtk_tracer_context_t;
typedef struct mmtk_copy_context mmtk_copy_context_t;
typedef struct mmtk_gc_worker mmtk_gc_worker_t;

/* An object reference: non-null, word aligned, and pointing into the object (MMTk's
 * ObjectReference).  With the default object model it is the address that allocation
 * returned. */
typedef void *mmtk_object_t;

/* A slot: the address of a word-sized field that holds an mmtk_object_t (or NULL). */
typedef void *mmtk_slot_t;

/* Allocation semantics (MMTk's AllocationSemantics, same numbering). */
typedef int mmtk_alloc_semantics_t;
#define MMTK_ALLOC_DEFAULT 0
#define MMTK_ALLOC_IMMORTAL 1
#define MMTK_ALLOC_LOS 2
#define MMTK_ALLOC_CODE 3
#define MMTK_ALLOC_READ_ONLY 4
#define MMTK_ALLOC_LARGE_CODE 5
#define MMTK_ALLOC_NON_MOVING 6
#define MMTK_ALLOC_SEMANTICS_COUNT 7

/* Flags for mmtk_alloc_with_options() and mmtk_alloc_slow_with_options()
 * (MMTk's AllocationOptions).  0 is the default behaviour of mmtk_alloc(). */
#define MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT 0x1u /* may go beyond the heap limit */
#define MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT 0x2u /* never block for GC: return NULL instead */
#define MMTK_ALLOC_OPT_NO_OOM_CALL 0x4u      /* return NULL instead of calling out_of_memory */
#define MMTK_ALLOC_OPT_RETURN_FAILURE (MMTK_ALLOC_OPT_NOT_AT_SAFEPOINT | MMTK_ALLOC_OPT_NO_OOM_CALL)

/* Alignment limits of mmtk_alloc(): align must be a power of two in
 * [1, MMTK_MAX_ALIGNMENT]; sizes are rounded up to MMTK_MIN_ALIGNMENT. */
#define MMTK_MIN_ALIGNMENT 8
#define MMTK_MAX_ALIGNMENT 4096
/* Requests larger than this are rejected at once (never wrap around). */
#define MMTK_MAX_ALLOC_SIZE ((size_t)1 << 46)

/* Allocator kinds reported by mmtk_get_allocator_mapping() (MMTk's AllocatorSelector). */
#define MMTK_ALLOCATOR_BUMP_POINTER 0
#define MMTK_ALLOCATOR_LARGE_OBJECT 1
#define MMTK_ALLOCATOR_MALLOC 2
#define MMTK_ALLOCATOR_IMMIX 3
#define MMTK_ALLOCATOR_MARK_COMPACT 4
#define MMTK_ALLOCATOR_FREE_LIST 5
#define MMTK_ALLOCATOR_NONE 6

typedef struct mmtk_allocator_selector {
  uint8_t kind;  /* MMTK_ALLOCATOR_* */
  uint8_t index; /* which allocator of that kind in the mutator */
  uint16_t reserved;
  /* For bump-pointer-like kinds whose bump pointer an inline fast path may use: byte
   * offset of the mmtk_bump_pointer_t from the start of the mutator; otherwise -1. */
  int32_t bump_pointer_offset;
} mmtk_allocator_selector_t;

/* Kinds passed to the binding's out_of_memory callback (MMTk's AllocationError). */
#define MMTK_OOM_HEAP 0 /* the heap is too small for the request; the VM may continue */
#define MMTK_OOM_MMAP 1 /* the operating system refused memory */

/* Copy semantics passed to the binding's copy callback. */
#define MMTK_COPY_DEFAULT 0
#define MMTK_COPY_NURSERY 1
#define MMTK_COPY_PROMOTE_TO_MATURE 2
#define MMTK_COPY_MATURE 3

/* GC stages (MMTk's WorkBucketStage, in MMTk's order): a binding's work packet runs in
 * the stage it names, after every packet of the earlier stages has finished. */
#define MMTK_STAGE_UNCONSTRAINED 0
#define MMTK_STAGE_PREPARE 1
#define MMTK_STAGE_CLOSURE 2
#define MMTK_STAGE_SOFT_REF_CLOSURE 3
#define MMTK_STAGE_WEAK_REF_CLOSURE 4
#define MMTK_STAGE_FINAL_REF_CLOSURE 5
#define MMTK_STAGE_PHANTOM_REF_CLOSURE 6
#define MMTK_STAGE_VM_REF_CLOSURE 7
#define MMTK_STAGE_CALCULATE_FORWARDING 8
#define MMTK_STAGE_SECOND_ROOTS 9
#define MMTK_STAGE_REF_FORWARDING 10
#define MMTK_STAGE_FINALIZABLE_FORWARDING 11
#define MMTK_STAGE_COMPACT 12
#define MMTK_STAGE_RELEASE 13
#define MMTK_STAGE_FINAL 14
#define MMTK_STAGE_COUNT 15

/* A binding's work packet: runs once on a GC worker (worker_tls as given to
 * mmtk_start_worker(), or the worker itself when libmmtk spawned the thread). */
typedef void (*mmtk_work_fn)(mmtk_t *mmtk, void *worker_tls, void *data);

/* What mmtk_enumerate_objects() calls for each object, with the caller's data. */
typedef void (*mmtk_object_visitor_fn)(mmtk_object_t object, void *data);

/* Counters kept for every instance (mmtk_get_stats()).  Set `size` before the call;
 * fields are only ever appended. */
typedef struct mmtk_stats {
  size_t size;             /* sizeof(mmtk_stats_t) as the caller was compiled */
  uint64_t gc_count;       /* collections finished */
  uint64_t gc_time_ns;     /* total time mutators were stopped for GC */
  uint64_t max_pause_ns;   /* the longest of those pauses */
  uint64_t bytes_allocated; /* bytes handed to mutators since mmtk_init (page granularity) */
  uint64_t live_bytes;     /* bytes in use after the last GC */
  uint64_t heap_bytes;     /* the current heap limit */
  /* Appended after 0.1.0 (a caller compiled against 0.1.0 passes a smaller size): */
  uint64_t defrag_gc_count;  /* those of gc_count that defragmented (Immix) */
  uint64_t nursery_gc_count; /* those of gc_count that were nursery GCs (generational plans) */
  uint64_t nursery_gc_time_ns; /* the part of gc_time_ns spent in those nursery GCs */
} mmtk_stats_t;

/* Log levels passed to the binding's log callback. */
#define MMTK_LOG_ERROR 0
#define MMTK_LOG_WARN 1
#define MMTK_LOG_INFO 2
#define MMTK_LOG_DEBUG 3

#ifdef __cplusplus
}
#endif

#endif /* MMTK_TYPES_H */
