/* The mark-sweep space (MMTk's MarkSweepSpace, native flavour; design.policy.marksweep).
 *
 * The space is made of 64 KiB blocks.  A block serves one size class: after a 64-byte
 * block header come equal cells, free ones linked through their first word.  A mutator's
 * free-list allocator owns one block per size class and pops cells from its list.  A GC
 * marks cells: a side bit at each cell's start, or, when the binding keeps the mark bit in
 * the object header (local_mark_bit), that bit; afterwards blocks are swept lazily — by
 * the allocator that next takes them — or all at once with eager_complete_sweep.  A block
 * whose cells are all free goes back to the page resource. */
#ifndef MMTK_POLICY_MARKSWEEPSPACE_H
#define MMTK_POLICY_MARKSWEEPSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/metadata/side_metadata.h"

struct space;
struct mmtk;

#define MS_LOG_BLOCK 16
#define MS_BLOCK_BYTES ((size_t)1 << MS_LOG_BLOCK)
#define MS_HEADER_BYTES 64
#define MS_MAX_CELL ((size_t)16 << 10)
#define MS_CLASSES 40

struct ms_block {
  uintptr_t free;        /* first free cell, 0 if none (while not owned by an allocator) */
  struct ms_block *next; /* in an available or unswept list */
  uint32_t cell_size;
  uint16_t ncells, nfree;
  uint8_t cls;
  uint8_t where; /* MS_AVAILABLE, MS_UNSWEPT, MS_OWNED, MS_FULL, MS_NEW */
  uint8_t reserved[2];
  uint32_t cell_magic; /* ceil(2^32 / cell_size): offset / cell_size without a divide */
  size_t index;        /* in the space's array of blocks */
  /* Header marks only: each cell's object offset from the cell start, for blocks where
   * an aligned allocation moved an object off its cell start (else NULL: all at 0). */
  uint16_t *disp;
  /* A fresh block's first cell not yet on its free list (this and every later cell are
   * free), 0 when every free cell is on the list (design.policy.marksweep.carve). */
  uintptr_t carve;
};
_Static_assert(sizeof(struct ms_block) <= MS_HEADER_BYTES, "the block header fits");

/* The cell size of each class, and the class of a request. */
extern const uint32_t ms_class_size[MS_CLASSES];
unsigned ms_size_class(size_t bytes);

/* Whether mark-sweep spaces mark in the object header: when the binding keeps the mark
 * bit there and a cell's reference can be known (the allocation address: no
 * ref_to_object_start, or references unified with object starts).  Otherwise a side
 * table, marked at each live cell's start. */
bool ms_uses_header_marks(const struct mmtk *mmtk);
/* space_init() plus the policy state, with `mark` (storage the caller keeps) registered
 * as the space's own side mark table unless marks are in the header; false when out of
 * memory. */
bool ms_space_create(struct mmtk *mmtk, struct space *s, const char *name, unsigned index,
                     struct side_metadata_spec *mark);
/* Create the policy state.  `mark`: the side mark table (registered with the instance's
 * side metadata), or NULL to use the binding's in-header mark bit (mmtk->om.mark). */
bool ms_space_init(struct space *s, struct side_metadata_spec *mark);
/* The allocator placed an object at `object`, not at its cell's start `cell`; false when
 * there is no memory to note it (the cell must then not be used). */
bool ms_note_displacement(struct space *s, struct ms_block *b, uintptr_t cell, uintptr_t object);
void ms_space_destroy(struct space *s);
/* For a mutator: a block of class `cls` with free cells (its free list handed over), or
 * NULL with *status.  */
struct ms_block *ms_take_block(struct space *s, unsigned cls, uint32_t opts, int *status);
/* The owner of a fresh block links its next cells, about a page of them, into a free
 * list in address order and gets the first: 0 when no cell is left to link
 * (design.policy.marksweep.carve). */
uintptr_t ms_carve(struct ms_block *b);
/* A mutator gives a block back with what is left of its free list (the cells not yet
 * carved are added to it). */
void ms_return_block(struct space *s, struct ms_block *b, uintptr_t free);
/* GC phases. */
void ms_prepare(struct space *s);
/* Every block becomes unswept: in packets of the Release stage when there are many
 * (design.policy.marksweep.release), so the space is released once that stage is over. */
void ms_release(struct space *s);
/* Sweep every block not swept yet. */
void ms_sweep_all(struct space *s);

extern const struct space_ops mark_sweep_space_ops;

#endif /* MMTK_POLICY_MARKSWEEPSPACE_H */
