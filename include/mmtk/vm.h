/* libmmtk: the VM binding interface (MMTk's `vm` module, the VM's side).
 *
 * A binding fills one mmtk_vm_binding_t and passes it to mmtk_init().  Every callback
 * receives the `ctx` pointer given to mmtk_init(), so one process can hold several
 * instances.  Zero-initialise the struct, set `size` and `version`, then set the callbacks
 * you implement: a NULL callback means "use libmmtk's default" where one exists (each
 * field says which), and mmtk_init() rejects, naming it, a NULL callback that the chosen
 * plan needs.
 *
 * Groups follow MMTk's traits: ObjectModel, Scanning, Collection, ActivePlan,
 * ReferenceGlue.
 */
#ifndef MMTK_VM_H
#define MMTK_VM_H

#include <mmtk/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMTK_VM_BINDING_VERSION 1

/* Where one piece of per-object GC metadata lives. */
#define MMTK_METADATA_ON_SIDE 0   /* in side tables managed by libmmtk (the default) */
#define MMTK_METADATA_IN_HEADER 1 /* in the object's header, at bit_offset */

typedef struct mmtk_metadata_spec {
  uint8_t location; /* MMTK_METADATA_ON_SIDE or MMTK_METADATA_IN_HEADER */
  uint8_t reserved[3];
  /* In-header only: bit offset from the address that ref_to_header() returns, counting
   * from the least significant bit of that byte (negative reaches earlier bytes).  A
   * field narrower than a byte must not cross a byte; a field of 8/16/32/64 bits must be
   * naturally aligned. */
  int32_t bit_offset;
} mmtk_metadata_spec_t;

/* Flags for mmtk_vm_binding_t.flags. */
#define MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS 0x1u /* reference == object start, always */
#define MMTK_VM_UNIQUE_OBJECT_ENQUEUING 0x2u          /* scan each object at most once per GC */
#define MMTK_VM_NEED_VO_BITS_DURING_TRACING 0x4u      /* object scanning is conservative too */

/* A visitor passed to stop_all_mutators() / iterate_mutators(). */
typedef void (*mmtk_mutator_visitor_fn)(mmtk_mutator_t *mutator, void *arg);

typedef struct mmtk_vm_binding {
  uint32_t size;    /* sizeof(mmtk_vm_binding_t) as the binding was compiled */
  uint32_t version; /* MMTK_VM_BINDING_VERSION */
  uint32_t flags;   /* MMTK_VM_* flags */
  uint32_t reserved0;

  /* ---- ObjectModel ------------------------------------------------------------------ */

  /* Placement of each piece of per-object metadata (zero = on the side).  With
   * --enable-side-metadata every bit is kept on the side whatever is asked here.  The
   * forwarding pointer always overwrites a word of a forwarded (dead) object: the word at
   * the bit offset given here from ref_to_header(), the first one by default. */
  mmtk_metadata_spec_t global_log_bit;           /* 1 bit, 1 = unlogged */
  mmtk_metadata_spec_t local_forwarding_pointer; /* one word */
  mmtk_metadata_spec_t local_forwarding_bits;    /* 2 bits */
  mmtk_metadata_spec_t local_mark_bit;           /* 1 bit */
  mmtk_metadata_spec_t local_los_mark_nursery;   /* 2 bits */
  mmtk_metadata_spec_t local_pinning_bit;        /* 1 bit */

  /* objref >= object_start + object_ref_offset_lower_bound for every object (MMTk's
   * OBJECT_REF_OFFSET_LOWER_BOUND); 0 with the default object model. */
  intptr_t object_ref_offset_lower_bound;

  /* Required by collecting plans: the object's current size in bytes. */
  size_t (*get_current_size)(void *ctx, mmtk_object_t object);
  /* Optional: size, alignment and alignment offset of the copy (defaults: the current
   * size, MMTK_MIN_ALIGNMENT, 0). */
  size_t (*get_size_when_copied)(void *ctx, mmtk_object_t object);
  size_t (*get_align_when_copied)(void *ctx, mmtk_object_t object);
  size_t (*get_align_offset_when_copied)(void *ctx, mmtk_object_t object);
  /* Optional: copy `object` using the mmtk_copy_context_* helpers and return the new
   * reference.  Default: libmmtk allocates the to-space copy and memcpy's the bytes. */
  mmtk_object_t (*copy)(void *ctx, mmtk_object_t object, int copy_semantics,
                        mmtk_copy_context_t *copy_context);
  /* Optional (MarkCompact): copy to a known address, return the end of the copy.
   * Default: memmove of the current size. */
  void *(*copy_to)(void *ctx, mmtk_object_t from, mmtk_object_t to, void *region);
  /* Optional: the reference the object will have once its copy starts at `to`.
   * Default: to + (object - object start). */
  mmtk_object_t (*get_reference_when_copied_to)(void *ctx, mmtk_object_t object, void *to);
  /* Optional: the address allocation returned for the object (default: the reference). */
  void *(*ref_to_object_start)(void *ctx, mmtk_object_t object);
  /* Optional: the base address of in-header metadata (default: the reference). */
  void *(*ref_to_header)(void *ctx, mmtk_object_t object);
  /* Optional: a deep check used by the sanity verifier (default: always sane). */
  bool (*is_object_sane)(void *ctx, mmtk_object_t object);
  /* Optional: print the object for debugging.  Called by the sanity verifier
   * (--enable-sanity) just before it aborts on a violation: for the offending object when
   * it lies in readable heap memory, then for the object holding it (none when a root
   * holds it).  The world is stopped; the call must not allocate. */
  void (*dump_object)(void *ctx, mmtk_object_t object);

  /* ---- Scanning --------------------------------------------------------------------- */

  /* Required by collecting plans: report each reference slot of `object` through
   * `visitor`. */
  void (*scan_object)(void *ctx, void *worker_tls, mmtk_object_t object,
                      mmtk_slot_visitor_t *visitor);
  /* Optional: false makes libmmtk call scan_object_and_trace_edges() for this object
   * instead of scan_object(), in the GC and in the sanity verifier (default: true for
   * every object).  Setting it requires scan_object_and_trace_edges. */
  bool (*support_slot_enqueuing)(void *ctx, void *worker_tls, mmtk_object_t object);
  /* Optional: trace each reference of `object` through `tracer` (mmtk_trace_object())
   * and store the result back; needed when support_slot_enqueuing is set. */
  void (*scan_object_and_trace_edges)(void *ctx, void *worker_tls, mmtk_object_t object,
                                      mmtk_object_tracer_t *tracer);
  /* Optional: report the roots held by one mutator thread (its stack, its registers). */
  void (*scan_roots_in_mutator_thread)(void *ctx, void *worker_tls, mmtk_mutator_t *mutator,
                                       mmtk_roots_factory_t *factory);
  /* Optional: report every other root (globals, handles, boot image). */
  void (*scan_vm_specific_roots)(void *ctx, void *worker_tls, mmtk_roots_factory_t *factory);
  /* Optional: called once per GC when every mutator's roots have been reported. */
  void (*notify_initial_thread_scan_complete)(void *ctx, bool partial_scan, void *worker_tls);
  /* Optional: called before the roots are scanned a second time in one GC. */
  void (*prepare_for_roots_re_scanning)(void *ctx);
  /* Optional: process weak structures the VM keeps itself after the strong closure
   * (MMTk's VMRefClosure stage, the world stopped; one call at a time, each on some GC
   * worker): ask liveness with mmtk_tracer_is_reachable(), update survivors with
   * mmtk_tracer_get_forwarded(), keep objects alive with mmtk_tracer_retain().  It is
   * called again, once everything retained so far is traced, when it returns true or
   * when it retained an object that nothing had reached before. */
  bool (*process_weak_refs)(void *ctx, void *worker_tls, mmtk_tracer_context_t *tracer);
  /* Optional (the compacting plans, MarkCompact and Compressor, which move objects after
   * liveness is known): called once per GC after process_weak_refs, before any object
   * moves, to update the entries that callback kept: mmtk_tracer_get_forwarded() gives
   * their new addresses (in process_weak_refs it gave their current ones under these
   * plans; mmtk_tracer_retain() gives the same for an object the closure reached, and
   * the plan updates the references of every survivor itself).  A binding whose
   * process_weak_refs keeps references needs it on these plans.  Default: nothing. */
  void (*forward_weak_refs)(void *ctx, void *worker_tls, mmtk_tracer_context_t *tracer);

  /* ---- Collection ------------------------------------------------------------------- */

  /* Required by collecting plans: park every mutator and call visit(mutator, arg) for each
   * one as soon as its roots can be scanned; return when all have stopped. */
  void (*stop_all_mutators)(void *ctx, void *worker_tls, mmtk_mutator_visitor_fn visit,
                            void *arg);
  /* Required by collecting plans: restart the mutators stopped above. */
  void (*resume_mutators)(void *ctx, void *worker_tls);
  /* Required by collecting plans: park the calling mutator until the GC it requested has
   * finished. */
  void (*block_for_gc)(void *ctx, void *mutator_tls);
  /* Optional: start a GC thread that calls mmtk_start_worker(mmtk, the thread's own tls,
   * worker); return false on failure.  Called by mmtk_initialize_collection() once per
   * worker (mmtk_num_of_workers()), with the tls given to it.  mmtk_shutdown() waits until
   * every such thread has returned from mmtk_start_worker(); the VM joins its threads
   * after that.  Default: libmmtk starts (and joins) a pthread per worker. */
  bool (*spawn_gc_thread)(void *ctx, void *tls, mmtk_gc_worker_t *worker);
  /* Optional: the heap (MMTK_OOM_HEAP) or the OS (MMTK_OOM_MMAP) cannot satisfy an
   * allocation.  If this returns, the allocation returns NULL.  Never longjmp out of it.
   * Also called on a GC worker (its tls), with MMTK_OOM_MMAP, when a GC cannot get the
   * memory it needs to go on (work packets, the mark stack, to-space pages): a GC cannot
   * stop halfway, so if this returns libmmtk waits a little and tries again, calling it
   * again while the memory stays refused.  A VM that cannot free memory should exit.
   * Default: a message through the log. */
  void (*out_of_memory)(void *ctx, void *tls, int kind);
  /* Optional: objects are ready for finalization (mmtk_get_finalized_object()). */
  void (*schedule_finalization)(void *ctx, void *worker_tls);
  /* Optional: called exactly once per GC, on a GC worker, as a packet of the Release
   * stage: after the closure and every reference stage (process_weak_refs included), so
   * liveness is final, every survivor has moved and every slot reported to libmmtk
   * (roots and fields) holds the new reference; before the sanity verifier and before
   * resume_mutators().  It may run at the same time as the rest of the Release stage (the
   * plan freeing dead objects, enqueue_references): touch only objects that survive, through
   * their new references.  The VM may read and write objects but not allocate. */
  void (*post_forwarding)(void *ctx, void *worker_tls);
  /* Optional: bytes the VM holds off-heap that count towards the heap (default 0). */
  size_t (*vm_live_bytes)(void *ctx);
  /* Optional: false means no GC starts: allocation never triggers one (an allocation
   * the heap cannot satisfy fails, calling out_of_memory), nor do mmtk_gc_poll() and
   * mmtk_handle_user_collection_request().  Asked at each of those points (default:
   * always true). */
  bool (*is_collection_enabled)(void *ctx);
  /* Required with gc_trigger=Delegated (mmtk_init() checks it): should a GC happen now,
   * with used_bytes in use and pending_bytes about to be allocated?  Asked by mutators
   * when an allocation needs new pages (pending_bytes > 0) and by mmtk_gc_poll()
   * (pending_bytes 0); true starts a GC at once. */
  bool (*is_gc_required)(void *ctx, size_t used_bytes, size_t pending_bytes);

  /* ---- ActivePlan (all optional: by default libmmtk tracks bound mutators itself) ----
   *
   * number_of_mutators and iterate_mutators go together: mmtk_init() rejects a binding
   * that sets one without the other.  With them, libmmtk counts and walks the mutators
   * only through them (not through its own registry): iterate_mutators must visit every
   * mutator bound with mmtk_bind_mutator() and not yet destroyed, once each, and
   * number_of_mutators must count the same list.  Both are called by a GC worker while
   * the world is stopped: SemiSpace's release (each mutator gets the new to-space) and
   * the sanity verifier's root scan call iterate_mutators; with
   * --enable-extreme-assertions, number_of_mutators checks stop_all_mutators and
   * iterate_mutators (each must have visited that many).  A visited pointer that is not
   * a live mutator of this instance is a panic.
   *
   * is_mutator and get_mutator are independent, and used only with
   * --enable-extreme-assertions: each API entry point that takes a bound mutator
   * (the allocation slow path, mmtk_post_alloc, mmtk_gc_poll, collection requests,
   * mmtk_flush_mutator, mmtk_harness_begin; not mmtk_destroy_mutator) then panics unless
   * is_mutator(tls) is true and get_mutator(tls) returns that mutator, tls being what
   * was given to mmtk_bind_mutator(). */

  size_t (*number_of_mutators)(void *ctx);
  bool (*is_mutator)(void *ctx, void *tls);
  mmtk_mutator_t *(*get_mutator)(void *ctx, void *tls);
  void (*iterate_mutators)(void *ctx, mmtk_mutator_visitor_fn visit, void *arg);

  /* ---- ReferenceGlue (required only when reference candidates are registered) ------- */
  /* get_referent, set_referent and clear_referent run in the reference stages, on a GC
   * worker, without libmmtk's candidate-list lock: they may register candidates
   * (mmtk_add_*_candidate(), mmtk_add_finalizer()), processed from the next GC on.  The
   * finalizer queries (mmtk_get_finalized_object() and co.) fail if a GC worker calls
   * them during a GC.  With several workers a long list is processed by several at once,
   * each on different references: set_referent and clear_referent never run for one
   * reference on two workers at once (get_referent may, in the soft stage).
   * enqueue_references gets the cleared references in registration order, soft, weak,
   * then phantom ones. */

  mmtk_object_t (*get_referent)(void *ctx, mmtk_object_t reference);
  void (*set_referent)(void *ctx, mmtk_object_t reference, mmtk_object_t referent);
  void (*clear_referent)(void *ctx, mmtk_object_t reference);
  void (*enqueue_references)(void *ctx, const mmtk_object_t *references, size_t count,
                             void *tls);

  /* ---- Diagnostics ------------------------------------------------------------------ */

  /* Optional: receives every message libmmtk prints (MMTK_LOG_* level, one line without
   * the trailing newline).  Default: standard error, prefixed "[mmtk] ". */
  void (*log)(void *ctx, int level, const char *message);
} mmtk_vm_binding_t;

#ifdef __cplusplus
}
#endif

#endif /* MMTK_VM_H */
