/* Mutators (MMTk's plan::mutator_context, design.mutator): a thread's allocation context.
 * The public mmtk_mutator_head_t comes first so the inline fast path can reach it. */
#ifndef MMTK_PLAN_MUTATOR_H
#define MMTK_PLAN_MUTATOR_H

#include "plan/barrier.h"
#include "util/alloc/allocator.h"

#define MUTATOR_SIG 0x4d555441u /* "MUTA" */
#define MUTATOR_BUMP_ALLOCATORS 4
#define MUTATOR_LOS_ALLOCATORS 2
#define MUTATOR_FREE_LIST_ALLOCATORS 2

struct mmtk_mutator {
  mmtk_mutator_head_t head; /* must stay first: <mmtk/inline.h> */
  uint32_t sig;
  struct mmtk_mutator *prev, *next; /* the instance's list of bound mutators */
  struct bump_allocator bump[MUTATOR_BUMP_ALLOCATORS];
  struct large_object_allocator los[MUTATOR_LOS_ALLOCATORS];
  struct free_list_allocator freelist[MUTATOR_FREE_LIST_ALLOCATORS];
  struct immix_allocator immix[1];
  mmtk_allocator_selector_t mapping[MMTK_ALLOC_SEMANTICS_COUNT];
  enum barrier_kind barrier; /* the plan's (mutator_init), design.barrier */
  struct barrier_buffers barrier_buf;
};

_Static_assert(offsetof(struct mmtk_mutator, head) == 0, "the head is the mutator's start");
_Static_assert(offsetof(mmtk_mutator_head_t, default_bump) == 0, "ABI: default_bump at 0");
_Static_assert(offsetof(mmtk_mutator_head_t, vo_bit_base) == 16, "ABI: vo_bit_base at 16");
_Static_assert(offsetof(mmtk_mutator_head_t, flags) == 24, "ABI: flags at 24");
_Static_assert(offsetof(mmtk_mutator_head_t, max_inline_size) == 28, "ABI: max_inline_size at 28");
_Static_assert(offsetof(mmtk_mutator_head_t, mmtk) == 32, "ABI: mmtk at 32");
_Static_assert(offsetof(mmtk_mutator_head_t, free_lists) == 48, "ABI: free_lists at 48");
_Static_assert(offsetof(mmtk_mutator_head_t, log_bit_base) == 56, "ABI: log_bit_base at 56");
_Static_assert(offsetof(mmtk_mutator_head_t, log_bit_offset) == 64, "ABI: log_bit_offset at 64");
_Static_assert(offsetof(mmtk_mutator_head_t, log_bit_shift) == 68, "ABI: log_bit_shift at 68");
_Static_assert(offsetof(mmtk_mutator_head_t, room_start) == 72, "ABI: room_start at 72");
_Static_assert(offsetof(mmtk_mutator_head_t, room_bytes) == 80, "ABI: room_bytes at 80");
_Static_assert(sizeof(mmtk_mutator_head_t) == 88, "ABI: the head is 88 bytes");

/* Allocate `size` bytes per the public contract (design.memory_manager.alloc): validates,
 * picks the allocator, reports failure.  `who` names the public function for messages. */
/* The common request of a free-list plan (default semantics, word alignment, no offset,
 * not large), served straight from the mutator's cells; NULL when it needs more (a new
 * block, a GC, a stricter check): then call mutator_alloc(). */
void *mutator_alloc_free_list_fast(struct mmtk_mutator *m, size_t size, size_t align,
                                   size_t offset, mmtk_alloc_semantics_t semantics);
void *mutator_alloc(struct mmtk_mutator *m, size_t size, size_t align, size_t offset,
                    mmtk_alloc_semantics_t semantics, uint32_t opts, const char *who);
/* Give back every allocation buffer a GC invalidates (the spaces keep the pages); those
 * over spaces that keep buffers (space_ops.keeps_buffers) stay. */
void mutator_reset_buffers(struct mmtk_mutator *m);
/* Check a public mutator handle; false with a message naming `who`. */
bool mutator_check(const struct mmtk_mutator *m, const char *who);
/* mutator_check() for the API entry points a bound mutator's own thread calls; with
 * --enable-extreme-assertions it also asks the binding's is_mutator()/get_mutator()
 * (active_plan_assert_mutator()). */
bool mutator_check_bound(const struct mmtk_mutator *m, const char *who);

/* Helpers for plans' mutator_init. */
void mutator_map(struct mmtk_mutator *m, mmtk_alloc_semantics_t semantics, uint8_t kind,
                 uint8_t index);

#endif /* MMTK_PLAN_MUTATOR_H */
