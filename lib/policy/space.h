/* Spaces (MMTk's policy::space, design.policy.space).  A space owns one extent of the heap
 * range and a page resource over it; its policy (the ops table) answers per-object
 * questions.  mmtk->spaces[] indexed by extent number is MMTk's SFT: the space of an
 * address is found with a subtraction, a shift and a load. */
#ifndef MMTK_POLICY_SPACE_H
#define MMTK_POLICY_SPACE_H

#include "util/heap/page_resource.h"

struct mmtk;
struct space;

/* Why an allocation request could not be met. */
enum alloc_status {
  ALLOC_OK,
  ALLOC_HEAP_FULL,     /* the heap limit or the space's extent is reached */
  ALLOC_MMAP_FAILED,   /* the OS refused memory */
};

struct space_ops {
  const char *policy;
  bool (*is_live)(const struct space *s, uintptr_t object);
  bool (*is_movable)(const struct space *s, uintptr_t object);
  /* Pinning: true if the state changed. */
  bool (*pin)(struct space *s, uintptr_t object);
  bool (*unpin)(struct space *s, uintptr_t object);
  bool (*is_pinned)(const struct space *s, uintptr_t object);
  /* Per-object metadata after allocation (the VO bit is set by the caller). */
  void (*post_alloc)(struct space *s, uintptr_t object, size_t bytes);
  /* Spaces that allocate without thread-local buffers (NULL for the others). */
  uintptr_t (*alloc)(struct space *s, size_t bytes, size_t align, size_t offset, uint32_t opts,
                     enum alloc_status *status);
};

struct space {
  const struct space_ops *ops;
  const char *name;
  struct mmtk *mmtk;
  unsigned index;
  uintptr_t start, extent;
  struct page_resource pr;
  _Atomic uintptr_t cursor; /* lock-free spaces only */
};

void space_init(struct space *s, struct mmtk *mmtk, const char *name, unsigned index,
                const struct space_ops *ops, enum pr_kind pr_kind);
void space_destroy(struct space *s);
/* Pages for an allocator, charged to the heap budget: their start, or 0 and *status. */
uintptr_t space_acquire(struct space *s, size_t pages, uint32_t opts, enum alloc_status *status);
/* Give back pages of a free-list space. */
void space_release(struct space *s, uintptr_t start, size_t pages);

/* Ready-made answers for policies whose objects never move and never die. */
bool space_always(const struct space *s, uintptr_t object);
bool space_never(const struct space *s, uintptr_t object);
bool space_no_change(struct space *s, uintptr_t object);
void space_no_metadata(struct space *s, uintptr_t object, size_t bytes);

/* Policies. */
extern const struct space_ops immortal_space_ops;
extern const struct space_ops large_object_space_ops;
extern const struct space_ops lockfree_immortal_space_ops;

#endif /* MMTK_POLICY_SPACE_H */
