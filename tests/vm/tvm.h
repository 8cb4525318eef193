/* tvm: the test VM, a small but real language VM bound to libmmtk.
 *
 * Objects.  Every field is an 8-byte word:
 *
 *   word 0   header: bits 0-7 type, 8-15 VM flags, 16-39 number of reference fields;
 *            bits 40-55 are zero; bits 56-63 belong to libmmtk (in-header GC metadata
 *            when the header layout is chosen, see TVM_HDR_* below)
 *   word 1   total size in bytes (24 + 8 * nrefs + data bytes, not rounded)
 *   word 2   the data word (an id or value chosen by the allocating code)
 *   word 3.. the reference fields (NULL or another object)
 *   then     the data bytes, a pattern derived from the data word (tvm_pattern_ok())
 *
 * Types: NODE (refs + data), ARRAY (a wide array of refs), BYTES (data only), WEAKREF
 * (reference field 0 is the referent, held weakly: scan_object does not report it; the
 * object is registered with mmtk_add_weak_candidate() at allocation; further fields are
 * strong) and FINALIZABLE (a node registered with mmtk_add_finalizer() at allocation).
 * As with Java's Reference, the referent is stored only right after allocation (before
 * the next safepoint); afterwards only the GC changes it (a reference found with a NULL
 * referent is dropped from libmmtk's candidates, as in MMTk).
 *
 * Roots are precise: every thread has a shadow stack of object slots, and the VM has a
 * table of global slots.  Tests hold live objects ONLY there: any raw tvm_obj_t is
 * invalid after the next safepoint (an allocation, tvm_safepoint(), tvm_gc(), leaving
 * native state), because collectors move objects.
 *
 * Threads.  A thread attaches (binds a mutator) and then runs; it polls for a pending
 * stop at every allocation and at tvm_safepoint().  stop_all_mutators() raises the stop
 * flag and waits until every attached thread is parked at a safepoint, blocked inside
 * libmmtk (block_for_gc) or in native state (tvm_enter_native(): it must not touch the
 * heap or its shadow stack until tvm_leave_native()).  resume_mutators() counts the GC
 * and wakes everyone.
 */
#ifndef TVM_H
#define TVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mmtk.h>

typedef void *tvm_obj_t;
typedef struct tvm tvm_t;
typedef struct tvm_thread tvm_thread_t;

/* ---- Object model ------------------------------------------------------------------ */

enum tvm_type {
  TVM_NODE = 1,
  TVM_ARRAY = 2,
  TVM_BYTES = 3,
  TVM_WEAKREF = 4,
  TVM_FINALIZABLE = 5,
};
#define TVM_TYPE_MIN 1
#define TVM_TYPE_MAX 5

#define TVM_HEADER_WORDS 3
#define TVM_HEADER_BYTES (TVM_HEADER_WORDS * 8)
#define TVM_MAX_REFS ((1u << 24) - 1)

/* Header layout (word 0). */
#define TVM_TYPE_SHIFT 0
#define TVM_FLAGS_SHIFT 8
#define TVM_NREFS_SHIFT 16
#define TVM_VM_BITS_MASK ((UINT64_C(1) << 40) - 1)        /* what the VM writes */
#define TVM_SPARE_MASK (((UINT64_C(1) << 56) - 1) & ~TVM_VM_BITS_MASK) /* always zero */

/* Bit offsets (from the object reference) of libmmtk's metadata in the header layout:
 * the high byte of word 0, and word 1 (the size) for the forwarding pointer, which only
 * ever overwrites an object that has already been copied. */
#define TVM_HDR_FORWARDING_BITS 56 /* 2 bits */
#define TVM_HDR_MARK_BIT 58
#define TVM_HDR_LOS_BITS 60 /* 2 bits */
#define TVM_HDR_LOG_BIT 62
#define TVM_HDR_PINNING_BIT 63
#define TVM_HDR_FORWARDING_POINTER 64 /* word 1 */

/* VM flags (header bits 8-15). */
#define TVM_FLAG_FINALIZER 0x1u /* registered with mmtk_add_finalizer */
#define TVM_FLAG_WEAK 0x2u      /* registered with mmtk_add_weak_candidate */
/* Flags a test's own binding callbacks may use (an identity-hash state, say).  The GC may
 * change them, so the graph checker leaves them out of its checksum. */
#define TVM_FLAG_BINDING_MASK 0xf0u

static inline uint64_t *tvm_words(tvm_obj_t o) { return (uint64_t *)o; }
static inline unsigned tvm_type(tvm_obj_t o) { return (unsigned)(tvm_words(o)[0] & 0xff); }
static inline unsigned tvm_flags(tvm_obj_t o) { return (unsigned)((tvm_words(o)[0] >> 8) & 0xff); }
static inline size_t tvm_nrefs(tvm_obj_t o) {
  return (size_t)((tvm_words(o)[0] >> TVM_NREFS_SHIFT) & TVM_MAX_REFS);
}
static inline size_t tvm_size(tvm_obj_t o) { return (size_t)tvm_words(o)[1]; }
static inline uint64_t tvm_data(tvm_obj_t o) { return tvm_words(o)[2]; }
static inline tvm_obj_t *tvm_refs(tvm_obj_t o) { return (tvm_obj_t *)(tvm_words(o) + TVM_HEADER_WORDS); }
static inline tvm_obj_t tvm_ref(tvm_obj_t o, size_t i) { return tvm_refs(o)[i]; }
static inline size_t tvm_data_bytes(tvm_obj_t o) {
  return tvm_size(o) - TVM_HEADER_BYTES - 8 * tvm_nrefs(o);
}
static inline unsigned char *tvm_bytes(tvm_obj_t o) {
  return (unsigned char *)(tvm_refs(o) + tvm_nrefs(o));
}
/* Total size of an object with this shape. */
static inline size_t tvm_object_size(size_t nrefs, size_t data_bytes) {
  return TVM_HEADER_BYTES + 8 * nrefs + data_bytes;
}

/* Fill / check the data bytes against the pattern of the data word. */
void tvm_fill_pattern(tvm_obj_t o);
bool tvm_pattern_ok(tvm_obj_t o);
/* A description of what is wrong with the header, or NULL when it is sane. */
const char *tvm_header_problem(tvm_obj_t o);

/* ---- Instances --------------------------------------------------------------------- */

typedef struct tvm_options {
  const char *plan;          /* "NoGC", "SemiSpace", "MarkSweep" (default NoGC) */
  bool header_metadata;      /* ask for in-header metadata (TVM_HDR_*) */
  unsigned workers;          /* option threads (0: 1) */
  const char *heap;          /* option gc_trigger (default "FixedHeapSize:64M") */
  const char *stress_factor; /* option stress_factor, NULL = off */
  bool sanity;               /* option sanity=true (honoured only when MMTK_HAVE_SANITY) */
  const char *extra;         /* more options for mmtk_process_bulk(), or NULL */
  /* Called by tvm_new() with tvm's complete binding just before mmtk_init(): a test may
   * replace or add callbacks (their ctx is the tvm_t; tvm_mmtk() is NULL until mmtk_init
   * returns).  NULL: tvm's binding as it is. */
  void (*customize)(tvm_t *vm, mmtk_vm_binding_t *binding, void *arg);
  void *customize_arg;
  void *init_tls;        /* the tls given to mmtk_initialize_collection() */
  bool defer_collection; /* the test calls mmtk_initialize_collection() itself */
  bool strong_referents;     /* scan_object reports a WEAKREF's referent too (a VM that
                              * treats references as strong, for no_reference_types) */
  bool vm_live_bytes;        /* give libmmtk a vm_live_bytes callback answering what
                              * tvm_set_vm_live_bytes() last set (0 at first) */
} tvm_options_t;

/* mmtk_init() + mmtk_initialize_collection() (unless defer_collection); aborts the test
 * on failure. */
tvm_t *tvm_new(const tvm_options_t *options);
/* The same, but a failure of mmtk_init() or mmtk_initialize_collection() returns NULL
 * (mmtk_last_error() says why) with nothing left allocated. */
tvm_t *tvm_try_new(const tvm_options_t *options);
/* Every thread must have detached; then mmtk_shutdown(). */
void tvm_destroy(tvm_t *vm);
mmtk_t *tvm_mmtk(tvm_t *vm);
const tvm_options_t *tvm_options(tvm_t *vm);
bool tvm_collects(tvm_t *vm);   /* the plan collects garbage */
bool tvm_moves(tvm_t *vm);      /* the plan moves objects (SemiSpace) */
/* The binding handed to mmtk_init() and its context (to call callbacks directly). */
const mmtk_vm_binding_t *tvm_binding(tvm_t *vm);

/* ---- Threads ----------------------------------------------------------------------- */

/* The calling OS thread becomes a mutator (waits while a GC is stopping the world). */
tvm_thread_t *tvm_attach(tvm_t *vm);
/* The same, but NULL when mmtk_bind_mutator() fails (mmtk_last_error() says why). */
tvm_thread_t *tvm_try_attach(tvm_t *vm);
void tvm_detach(tvm_thread_t *th);
tvm_t *tvm_vm(tvm_thread_t *th);
mmtk_mutator_t *tvm_mutator(tvm_thread_t *th);
/* The calling thread's tvm_thread_t (NULL when not attached). */
tvm_thread_t *tvm_current(void);
/* The attached threads in attach order, at most `max` of them into `out`; returns how
 * many are attached.  Takes the VM's lock: not from inside stop_all_mutators. */
size_t tvm_threads(tvm_t *vm, tvm_thread_t **out, size_t max);

/* Park here if a GC is stopping the world. */
void tvm_safepoint(tvm_thread_t *th);
void tvm_enter_native(tvm_thread_t *th);
void tvm_leave_native(tvm_thread_t *th);
/* How often this thread parked at a safepoint / blocked for a GC. */
uint64_t tvm_thread_parks(tvm_thread_t *th);

/* ---- Roots ------------------------------------------------------------------------- */

/* The shadow stack: slots are numbered from 0; tvm_push() returns the new slot's index. */
size_t tvm_push(tvm_thread_t *th, tvm_obj_t o);
tvm_obj_t tvm_root(tvm_thread_t *th, size_t slot);
void tvm_set_root(tvm_thread_t *th, size_t slot, tvm_obj_t o);
size_t tvm_depth(tvm_thread_t *th);
void tvm_pop_to(tvm_thread_t *th, size_t depth);

#define TVM_GLOBALS 64
tvm_obj_t tvm_global(tvm_t *vm, size_t i);
void tvm_set_global(tvm_t *vm, size_t i, tvm_obj_t o);

/* ---- Allocation and fields --------------------------------------------------------- */

/* A safepoint, then an object of `type` with `nrefs` NULL reference fields and
 * `data_bytes` bytes of pattern; NULL when the heap is exhausted (out_of_memory was
 * called).  The result is valid until the next safepoint. */
tvm_obj_t tvm_alloc(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                    uint64_t data);
tvm_obj_t tvm_alloc_sem(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                        uint64_t data, mmtk_alloc_semantics_t semantics);
/* The same at an address aligned to `align` (a power of two, at least 8): libmmtk's
 * alignment argument, checked on the result. */
tvm_obj_t tvm_alloc_aligned(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                            uint64_t data, mmtk_alloc_semantics_t semantics, size_t align);
/* A store into a reference field, through libmmtk's write barrier. */
void tvm_set_ref(tvm_thread_t *th, tvm_obj_t o, size_t i, tvm_obj_t v);
/* The same store WITHOUT the barrier: allowed into an object allocated since the last
 * safepoint; into any other object of a generational plan it is the bug of a binding
 * that forgot its barrier (what the sanity verifier must catch). */
static inline void tvm_set_ref_raw(tvm_obj_t o, size_t i, tvm_obj_t v) { tvm_refs(o)[i] = v; }
/* Change the data word and refill the data bytes. */
void tvm_set_data(tvm_obj_t o, uint64_t data);

/* ---- Collection -------------------------------------------------------------------- */

/* mmtk_handle_user_collection_request(); true when a GC ran. */
bool tvm_gc(tvm_thread_t *th);

typedef struct tvm_counters {
  uint64_t gcs;                 /* resume_mutators calls (GCs finished) */
  uint64_t stops;               /* stop_all_mutators calls */
  uint64_t mutator_root_scans;  /* scan_roots_in_mutator_thread, first scans only */
  uint64_t vm_root_scans;       /* scan_vm_specific_roots, first scans only */
  uint64_t root_rescans;        /* prepare_for_roots_re_scanning calls (the verifier) */
  uint64_t thread_scan_complete; /* notify_initial_thread_scan_complete */
  uint64_t scan_complete_early;  /* ... before every stopped thread's roots were scanned */
  uint64_t scan_complete_missed; /* GCs that ended without it */
  uint64_t oom_calls;           /* out_of_memory */
  int oom_last_kind;
  void *oom_last_tls;
  uint64_t oom_heap, oom_mmap;
  uint64_t schedule_finalization; /* schedule_finalization calls */
  uint64_t finalized;           /* objects finalized by tvm_run_finalizers() */
  uint64_t finalize_errors;     /* finalized twice, or finalized object broken */
  uint64_t enqueued_refs;       /* references handed to enqueue_references */
  uint64_t enqueue_errors;      /* an enqueued reference was not a cleared WEAKREF */
  uint64_t weak_glue_errors;    /* get/set/clear_referent on a non-weakref */
  uint64_t referent_gets, referent_sets, referent_clears; /* get/set/clear_referent calls */
  uint64_t insane_objects;      /* is_object_sane said no */
  uint64_t log_errors, log_warnings;
  uint64_t handshake_errors;    /* a mutator ran while the world was stopped, etc. */
} tvm_counters_t;

void tvm_counters(tvm_t *vm, tvm_counters_t *out);
/* Assert that no error counter is set (finalize, enqueue, weak glue, insane objects,
 * handshake, log errors). */
void tvm_assert_clean(tvm_t *vm);
uint64_t tvm_gc_count(tvm_t *vm);
/* What the vm_live_bytes callback answers (tvm_options_t.vm_live_bytes): off-heap bytes
 * the VM says it holds. */
void tvm_set_vm_live_bytes(tvm_t *vm, size_t bytes);
/* True between stop_all_mutators() and resume_mutators(). */
bool tvm_world_stopped(tvm_t *vm);

/* Called from scan_vm_specific_roots() in each GC (not in the verifier's re-scan), on a
 * GC worker, with the world stopped: e.g. to add binding work packets. */
typedef void (*tvm_roots_hook_fn)(tvm_t *vm, void *worker_tls, void *arg);
void tvm_set_roots_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg);
/* Called from the schedule_finalization callback (on the GC worker that finishes a GC,
 * after resume_mutators). */
void tvm_set_finalization_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg);
/* Called at the start of stop_all_mutators(), before the VM raises its stop flag (the
 * mutators still run; a thread may attach or detach meanwhile). */
void tvm_set_stop_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg);

/* ---- Finalization ------------------------------------------------------------------ */

/* Drain mmtk_get_finalized_object(): check each object (a FINALIZABLE with an intact
 * pattern, whose reference fields reach intact objects), count its finalization by its
 * data word (a second finalization of the same data word is an error), then call
 * fn(th, object, arg) if fn is set (it may store the object in a root: resurrection; it
 * must not allocate).  Returns how many objects were finalized. */
typedef void (*tvm_finalizer_fn)(tvm_thread_t *th, tvm_obj_t o, void *arg);
size_t tvm_run_finalizers(tvm_thread_t *th, tvm_finalizer_fn fn, void *arg);
/* How often the object with this data word was finalized. */
unsigned tvm_finalized(tvm_t *vm, uint64_t data);

/* ---- The graph checker ------------------------------------------------------------- */

typedef struct tvm_snapshot {
  uint64_t checksum;    /* shape and contents, independent of addresses */
  size_t objects;       /* strongly reachable objects */
  size_t bytes;         /* their sizes */
  size_t edges;         /* non-NULL strong reference fields */
  size_t weakrefs;      /* reachable WEAKREF objects */
  size_t weak_live;     /* ... whose referent is strongly reachable */
  size_t weak_null;     /* ... whose referent is NULL */
  size_t weak_dangling; /* ... whose referent is not strongly reachable (dies in a GC) */
  size_t by_type[TVM_TYPE_MAX + 1];
} tvm_snapshot_t;

/* Walk everything reachable from every thread's shadow stack (in attach order) and then
 * the globals: depth first with an explicit stack, numbering the objects in visit order;
 * the checksum folds, per object, the type, flags (but TVM_FLAG_BINDING_MASK), field
 * count, size, data word, data bytes and the numbers of the objects its fields hold.
 * Every object is checked (aborting the test with a description): word aligned,
 * mmtk_is_in_mmtk_spaces(), mmtk_is_live_object(), mmtk_is_mmtk_object() (VO-bit
 * builds), a sane header, intact data bytes.  The other threads must not be mutating
 * the heap. */
void tvm_snapshot(tvm_t *vm, tvm_snapshot_t *out);
/* The same from one thread's shadow stack only (the other threads may run). */
void tvm_snapshot_thread(tvm_thread_t *th, tvm_snapshot_t *out);
/* Assert that `after` (taken after a GC) shows the graph of `before`: same checksum,
 * counts and bytes; every weak referent that was dangling is now NULL (cleared), every
 * other one is kept. */
void tvm_assert_preserved(const tvm_snapshot_t *before, const tvm_snapshot_t *after);
/* Assert that the two snapshots are identical (same graph, same weak states). */
void tvm_assert_same(const tvm_snapshot_t *a, const tvm_snapshot_t *b);
/* tvm_assert_preserved() for GCs that were all partial (a generational plan's nursery
 * GCs): a dead weak referent may still be there, intact, until a full-heap GC. */
void tvm_assert_preserved_partial(const tvm_snapshot_t *before, const tvm_snapshot_t *after);

#endif /* TVM_H */
