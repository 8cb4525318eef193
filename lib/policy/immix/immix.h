/* The Immix space (MMTk's policy::immix, design.policy.immix; Blackburn and McKinley,
 * "Immix: a mark-region garbage collector with space efficiency, fast collection, and
 * mutator performance", PLDI 2008).
 *
 * The space is made of blocks (32 KiB, or 8 KiB with --enable-immix-smaller-block) of
 * 256-byte lines (immix_constants.h).  Mutators bump-allocate into
 * whole free blocks and into the holes (runs of free lines) of blocks the last GC left
 * partly used.  A GC marks objects and, for each live object, the lines it covers: a
 * line mark byte holds the GC's line epoch, so old marks never need clearing.  An object
 * smaller than a line may end in the line after its first one without marking it; that
 * line is therefore never counted as free (the conservative line rule).  At Release
 * every block is swept by its line marks: empty ones go back to the page resource,
 * partly used ones become "reusable", queued with their hole counts for the allocators.
 *
 * Defragmentation: some GCs pick the most fragmented blocks (most holes) as defrag
 * sources, as many as the copy reserve (immix_defrag_headroom_percent of the heap) can
 * take, and evacuate their live objects into free blocks.  Objects that are pinned, that
 * a pinning root reaches, or for which the reserve is spent stay and are marked in place.
 *
 * Side metadata: a byte per line (the epoch of the last GC that marked it), a byte per
 * block (its state), and a mark bit per word cleared at each Prepare: the binding's side
 * mark table, or one of the space's own when the binding offers a header bit
 * (immixspace.c, "Marks"). */
#ifndef MMTK_POLICY_IMMIX_IMMIX_H
#define MMTK_POLICY_IMMIX_IMMIX_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/immix/immix_constants.h"
#include "util/metadata/side_metadata.h"

struct space;
struct mmtk;
struct mmtk_gc_worker;

/* The most holes a block can have: free and marked lines alternate. */
#define IMMIX_MAX_HOLES (IMMIX_LINES_PER_BLOCK / 2)

/* A block's state byte (side metadata). */
enum immix_block_state {
  IMMIX_BLOCK_UNALLOCATED = 0, /* the page resource's */
  IMMIX_BLOCK_UNMARKED = 1,    /* taken whole since the last GC */
  IMMIX_BLOCK_MARKED = 2,      /* the last GC left no hole */
  IMMIX_BLOCK_DEFRAG = 3,      /* this GC evacuates it */
  IMMIX_BLOCK_REUSABLE = 4,    /* + holes (1..IMMIX_MAX_HOLES) the last GC left */
};

static inline uintptr_t immix_block_of(uintptr_t a) { return a & ~(uintptr_t)(IMMIX_BLOCK_BYTES - 1); }
static inline unsigned immix_line_index(uintptr_t a) {
  return (unsigned)((a & (IMMIX_BLOCK_BYTES - 1)) >> LOG_BYTES_IN_IMMIX_LINE);
}

/* Make the space (extent `index`) with its policy state, and register its side tables
 * (their specs live in `meta[0..2]`, which must outlive the instance); false if out of
 * memory. */
bool immix_space_create(struct mmtk *mmtk, struct space *s, const char *name, unsigned index,
                        struct side_metadata_spec *meta);
/* The policy state, then the space itself (space_destroy()). */
void immix_space_destroy(struct space *s);

/* Who asks for a clean block. */
enum immix_block_use {
  IMMIX_FOR_MUTATOR, /* counted against the heap limit, may ask for a GC */
  /* GC-time copies; neither waits for a GC.  A defrag evacuation asks before it copies
   * (immix_copy_reserve) and is refused (0) once the copy reserve is spent; a copy the
   * plan has already made room for (a generational plan's promotion) takes the block
   * anyway, and spends the reserve while it lasts. */
  IMMIX_FOR_COPY_RESERVE,
  IMMIX_FOR_COPY,
};

/* For allocators.  A free block (zeroed unless `opts` has ALLOC_OPT_UNZEROED), or 0 and
 * *status. */
uintptr_t immix_get_clean_block(struct space *s, enum immix_block_use use, uint32_t opts,
                                int *status);
/* A block the last GC left with holes, or 0 when none is left. */
uintptr_t immix_get_reusable_block(struct space *s);
/* The next hole of `block` at or after line `from`: true with [*start, *end) (its free
 * memory made ready for new objects: zeroed, stale object metadata cleared). */
bool immix_next_hole(struct space *s, uintptr_t block, unsigned from, uintptr_t *start,
                     uintptr_t *end);
/* Before a copy of `bytes` (aligned as given) is made by this worker: can its copy
 * allocator take it?  False: the object is marked in place instead. */
bool immix_copy_reserve(struct mmtk_gc_worker *w, size_t bytes, size_t align, size_t offset);

/* GC phases.  Should the GC about to start defragment, for fragmentation's sake? */
bool immix_fragmented(const struct space *s);
/* Should a GC of this space asked for `reason` (enum gc_reason) defragment?  As MMTk's
 * decide_whether_to_defrag: immix_always_defrag, an emergency, a user request with
 * full_heap_system_gc, or fragmentation (never with --enable-immix-non-moving). */
bool immix_decide_defrag(const struct space *s, int reason);
/* A new epoch; with `defrag`, choose the defrag sources. */
void immix_prepare(struct space *s, bool defrag);
void immix_release(struct space *s);
/* StickyImmix (design.plan.sticky): Prepare for a nursery GC, which keeps the marks and
 * the epoch (sticky marks: marked objects are mature); `copy`: young objects are copied
 * out of their blocks.  And the pages of lines mutators took since the last GC. */
void immix_prepare_nursery(struct space *s, bool copy);
size_t immix_young_pages(const struct space *s);
/* After every Release packet (the sweep): liveness reads the marks again. */
void immix_end_of_gc(struct space *s);
/* Was the last (or current) GC a defrag GC? */
bool immix_in_defrag(const struct space *s);
/* Must mutators call post_alloc (MMTK_MUTATOR_POST_ALLOC_SLOW)?  Only with header marks. */
bool immix_needs_post_alloc(const struct space *s);
/* Pages kept for defrag copies (the plan's reserved pages). */
size_t immix_defrag_headroom_pages(const struct space *s);

extern const struct space_ops immix_space_ops;

#endif /* MMTK_POLICY_IMMIX_IMMIX_H */
