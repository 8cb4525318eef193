/* Spaces (MMTk's policy::space, design.policy.space).  A space owns one extent of the heap
 * range and a page resource over it; its policy (the ops table) answers per-object
 * questions.  mmtk->spaces[] indexed by extent number is MMTk's SFT: the space of an
 * address is found with a subtraction, a shift and a load. */
#ifndef MMTK_POLICY_SPACE_H
#define MMTK_POLICY_SPACE_H

#include "plan/trace_kind.h"
#include "util/heap/page_resource.h"

struct mmtk;
struct space;
struct mmtk_gc_worker;
struct mmtk_mutator;

/* Why an allocation request could not be met. */
enum alloc_status {
  ALLOC_OK,
  ALLOC_HEAP_FULL,     /* the heap limit or the space's extent is reached */
  ALLOC_MMAP_FAILED,   /* the OS refused memory */
  ALLOC_GC_STRESS,     /* stress_factor bytes since the last GC: collect first */
  ALLOC_GC_REQUIRED,   /* gc_trigger=Delegated: the binding's is_gc_required said yes */
};

/* Internal allocation option (beside the public MMTK_ALLOC_OPT_* bits, which
 * mutator_alloc() checks so that callers cannot pass it): the memory need not read as
 * zero, because the caller writes all of it (GC copying). */
#define ALLOC_OPT_UNZEROED 0x80000000u

struct space_ops {
  const char *policy;
  bool (*is_live)(const struct space *s, uintptr_t object);
  bool (*is_movable)(const struct space *s, uintptr_t object);
  /* Pinning: true if the state changed. */
  bool (*pin)(struct space *s, uintptr_t object);
  bool (*unpin)(struct space *s, uintptr_t object);
  bool (*is_pinned)(const struct space *s, uintptr_t object);
  /* Per-object metadata after allocation (the VO bit is set by the caller); `m` is the
   * mutator mmtk_post_alloc() was given. */
  void (*post_alloc)(struct space *s, struct mmtk_mutator *m, uintptr_t object, size_t bytes);
  /* Collecting plans: trace a reference into this space with the GC's trace kind
   * (returns its new value; pushes the object when this call reached it first), and
   * during or after the closure, whether an object survived and where it is now (0 if it
   * died).  A space that the current trace does not collect (s->collected false: the
   * mature spaces of a nursery GC) is never asked: its objects count as reachable. */
  uintptr_t (*trace_object)(struct space *s, struct mmtk_gc_worker *w, uintptr_t object,
                            enum trace_kind kind);
  bool (*is_reachable)(const struct space *s, uintptr_t object);
  uintptr_t (*get_forwarded)(const struct space *s, uintptr_t object);
  /* A GC copied an object into this space (the forwarding bits and the VO bit are
   * already done): set what the policy keeps per object, such as marks.  May be NULL. */
  void (*post_copy)(struct space *s, uintptr_t object, size_t bytes);
  /* A pinning root was reported (while roots are scanned, before the closure): a space
   * that may move objects keeps this one where it is.  NULL: the space must not move it
   * (closure packets check is_movable). */
  void (*pin_root)(struct space *s, uintptr_t object);
  /* True when a GC neither moves nor frees anything here and leaves the pages alone (the
   * immortal spaces): a mutator's bump buffer over the space stays valid across GCs, and
   * keeping it saves the buffer's unused rest, which the space could never reuse. */
  bool keeps_buffers;
  /* Spaces that allocate without thread-local buffers (NULL for the others). */
  uintptr_t (*alloc)(struct space *s, size_t bytes, size_t align, size_t offset, uint32_t opts,
                     enum alloc_status *status);
  /* Spaces that hand out bump buffers themselves (the Compressor, whose buffers must not
   * cross a region): a buffer of at least `bytes`, its start and *limit, or 0 and
   * *status.  NULL: buffers are BUMP_BUFFER_BYTES of pages from space_acquire(). */
  uintptr_t (*buffer)(struct space *s, size_t bytes, uint32_t opts, enum alloc_status *status,
                      uintptr_t *limit);
};

struct space {
  const struct space_ops *ops;
  const char *name;
  struct mmtk *mmtk;
  unsigned index;
  uintptr_t start, extent;
  struct page_resource pr;
  _Atomic uintptr_t cursor; /* lock-free spaces only */
  uint8_t mark_state;       /* marking spaces: the mark value of this (or the last) GC */
  bool from_space;          /* copy spaces: being evacuated by the current GC */
  bool collected;           /* the current (or last) GC traces this space; set by the plan */
  bool nursery;             /* generational plans: the young space */
  /* Generational plans: objects that land here (allocated, copied, or reached by a
   * full-heap trace) are unlogged: the object barrier watches them (design.barrier). */
  bool unlog;
  /* Generational plans: a nursery GC traces this space's new objects like young ones
   * (the large object space), so they are not remembered at allocation: the trace
   * scans those it reaches, and a remembered copy would be scanned twice at once. */
  bool young_traced;
  void *policy_data;        /* the policy's own state */
};

void space_init(struct space *s, struct mmtk *mmtk, const char *name, unsigned index,
                const struct space_ops *ops, enum pr_kind pr_kind);
void space_destroy(struct space *s);
/* Pages for an allocator, charged to the heap budget: their start, or 0 and *status. */
uintptr_t space_acquire(struct space *s, size_t pages, uint32_t opts, enum alloc_status *status);
/* Give back pages of a free-list space. */
void space_release(struct space *s, uintptr_t start, size_t pages);

/* Give back every page of a monotone space, and clear its side metadata: in packets of
 * the Release stage when it spans several RESET_PIECEs (design.plan.release.parallel),
 * so only from a plan's release. */
void space_reset(struct space *s);

/* Ready-made answers for policies whose objects never move and never die. */
bool space_always(const struct space *s, uintptr_t object);
bool space_never(const struct space *s, uintptr_t object);
bool space_no_change(struct space *s, uintptr_t object);
void space_no_metadata(struct space *s, struct mmtk_mutator *m, uintptr_t object, size_t bytes);

/* Policies. */
extern const struct space_ops immortal_space_ops;
extern const struct space_ops large_object_space_ops;
extern const struct space_ops lockfree_immortal_space_ops;
/* The same spaces in a collecting plan: traced and (the LOS) swept. */
extern const struct space_ops immortal_space_gc_ops;
extern const struct space_ops large_object_space_gc_ops;
extern const struct space_ops copy_space_ops;

/* The VM space (vmspace.c): register the VM's region, clear its marks for a GC, free. */
bool vm_space_set(struct mmtk *mmtk, uintptr_t start, size_t size, const char *who);
void vm_space_prepare(struct mmtk *mmtk);
void vm_space_destroy(struct mmtk *mmtk);

/* Marking (immortal, mark-sweep) spaces: start a new mark epoch. */
void space_flip_mark_state(struct space *s);
/* The large object space: make its state (with the space, false if out of memory);
 * record an object's pages (its record, NULL if out of memory); forget unmarked
 * objects. */
bool los_init(struct space *s);
struct los_node *los_record(struct space *s, uintptr_t start, size_t pages, uintptr_t object);
void los_prepare(struct space *s, bool nursery_only);
void los_sweep(struct space *s, bool nursery_only);
/* The sweep as a packet of the Release stage, beside the plan's other release work
 * (design.plan.release.parallel). */
void los_release(struct space *s, bool nursery_only);
void los_destroy(struct space *s);
/* After los_init(): keep this space's object states in a side table of its own, one per
 * page (`bits` describes it and lives as long as the space), instead of the binding's
 * los_mark_nursery bits, which may be in the header: a freed object's protected pages
 * must never be read (the PageProtect plan).  Before the side tables are reserved;
 * false if out of memory. */
struct obj_meta;
bool los_use_side_states(struct space *s, struct obj_meta *bits, const char *name);

#endif /* MMTK_POLICY_SPACE_H */
