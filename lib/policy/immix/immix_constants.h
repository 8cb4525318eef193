/* The shape of an Immix space, fixed at configure time (design.immix.layout,
 * design.immix.config).  Everything here follows from the three --enable-immix-*
 * switches of <mmtk/config.h>; the Immix space, its allocator and its plan read these
 * names rather than the MMTK_HAVE_IMMIX_* macros, so that a switch has one meaning. */
#ifndef MMTK_POLICY_IMMIX_CONSTANTS_H
#define MMTK_POLICY_IMMIX_CONSTANTS_H

#include <mmtk/config.h>

#include "util/constants.h"

/* A block is the unit the space takes from and gives back to its page resource, and the
 * unit defragmentation chooses (design.immix.defrag).  32 KiB as in the Immix paper and
 * MMTk: big enough that taking a block is rare next to bumping through it, small enough
 * that a few survivors do not pin down much memory.  --enable-immix-smaller-block makes
 * it 8 KiB, for builds without defragmentation (non-moving), where a block with one
 * survivor stays allocated and smaller blocks strand less. */
#if MMTK_HAVE_IMMIX_SMALLER_BLOCK
#define LOG_BYTES_IN_IMMIX_BLOCK 13
#else
#define LOG_BYTES_IN_IMMIX_BLOCK 15
#endif
#define IMMIX_BLOCK_BYTES ((size_t)1 << LOG_BYTES_IN_IMMIX_BLOCK)
#define IMMIX_PAGES_PER_BLOCK (IMMIX_BLOCK_BYTES >> LOG_BYTES_IN_PAGE)

/* A line is the unit of liveness the sweep sees and of the holes the allocator fills
 * (design.immix.layout).  256 bytes: a few typical objects, so that one mark byte per
 * line stays cheap, and small enough that a dead line next to live ones is reused.  The
 * same whatever the block size. */
#define LOG_BYTES_IN_IMMIX_LINE 8
#define IMMIX_LINE_BYTES ((size_t)1 << LOG_BYTES_IN_IMMIX_LINE)
#define LOG_IMMIX_LINES_PER_BLOCK (LOG_BYTES_IN_IMMIX_BLOCK - LOG_BYTES_IN_IMMIX_LINE)
#define IMMIX_LINES_PER_BLOCK ((size_t)1 << LOG_IMMIX_LINES_PER_BLOCK)

/* The largest object the Immix space takes; bigger ones go to the large object space
 * (the plan's max_non_los_default_alloc_bytes).  Half a block, as MMTk's
 * MAX_IMMIX_OBJECT_SIZE: objects never span blocks, so a medium object that fits no hole
 * goes to the overflow allocator's empty block (design.immix.alloc), and a limit of half
 * a block bounds what that costs: a block is never abandoned with more than half of it
 * unused because the next object did not fit, and a block filled from empty always holds
 * at least two such objects.  Past that size the large object space, which rounds each
 * object up to whole pages, wastes less than a page per object: little for objects
 * that big. */
#define IMMIX_MAX_OBJECT_BYTES (IMMIX_BLOCK_BYTES >> 1)

/* --enable-immix-non-moving: the space never moves an object.  No GC is a defrag GC
 * (design.immix.defrag), every survivor is marked in place as if pinned, and the space
 * answers that it cannot move objects.  As a 0/1 constant, so that `if` tests compile in
 * every build and the dead branch folds away. */
#define IMMIX_NON_MOVING (MMTK_HAVE_IMMIX_NON_MOVING != 0)

/* --enable-immix-zero-on-release: the sweep zeroes each line it finds free (a debugging
 * aid: an object the trace missed reads as zeros at once, rather than looking intact
 * until its line is reused).  It does not replace the zeroing of allocation: mutators
 * get zeroed memory either way (mmtk_alloc(3)). */
#define IMMIX_ZERO_ON_RELEASE (MMTK_HAVE_IMMIX_ZERO_ON_RELEASE != 0)

/* StickyImmix's nursery GCs copy young survivors out of their blocks (MMTk's
 * prefer_copy_on_nursery_gc), unless --enable-sticky-immix-non-moving-nursery (or
 * --enable-immix-non-moving) has them marked in place (design.plan.sticky.copy). */
#define STICKY_IMMIX_NURSERY_COPY \
  (!IMMIX_NON_MOVING && MMTK_HAVE_STICKY_IMMIX_NON_MOVING_NURSERY == 0)

/* A block is whole pages, so that the page resource can hand it out; a line fits in
 * every object the space takes. */
_Static_assert(IMMIX_BLOCK_BYTES % BYTES_IN_PAGE == 0, "an Immix block is whole pages");
_Static_assert(IMMIX_MAX_OBJECT_BYTES >= IMMIX_LINE_BYTES,
               "an Immix object of a line must fit in the space");

#endif /* MMTK_POLICY_IMMIX_CONSTANTS_H */
