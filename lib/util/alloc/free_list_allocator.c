/* The free-list allocator (MMTk's FreeListAllocator, design.alloc.freelist): per size
 * class, the cells of one block owned by this mutator. */
#include "mmtk_internal.h"

uintptr_t free_list_alloc(struct free_list_allocator *a, size_t bytes, size_t align, size_t offset,
                          uint32_t opts, enum alloc_status *status) {
  /* Cells are 8-byte aligned: a stricter alignment or an offset needs room to move. */
  size_t need = bytes + (align > MMTK_MIN_ALIGNMENT || offset ? align : 0);
  if (need > MS_MAX_CELL) return large_object_alloc(a->large, bytes, align, offset, opts, status);
  unsigned cls = ms_size_class(need);
  struct free_list_class *fc = &a->cls[cls];
  uintptr_t cell = fc->free;
  /* The next cells of a fresh block (design.policy.marksweep.carve). */
  if (MMTK_UNLIKELY(!cell) && fc->block) fc->free = cell = ms_carve(fc->block);
  if (MMTK_UNLIKELY(!cell)) {
    if (fc->block) ms_return_block(a->space, fc->block, 0);
    fc->block = NULL;
    int st = ALLOC_OK;
    struct ms_block *b = ms_take_block(a->space, cls, opts, &st);
    if (!b) {
      *status = (enum alloc_status)st;
      return 0;
    }
    fc->block = b;
    fc->free = b->free;
    b->free = 0;
    cell = fc->free;
  }
  fc->free = *(uintptr_t *)cell;
  memset((void *)cell, 0, ms_class_size[cls]);
  *status = ALLOC_OK;
  uintptr_t object = align_up(cell + offset, align) - offset;
  if (MMTK_UNLIKELY(object != cell) && !ms_note_displacement(a->space, fc->block, cell, object)) {
    /* No memory for the block's offsets: the cell goes back, the allocation fails. */
    *(uintptr_t *)cell = fc->free;
    fc->free = cell;
    *status = ALLOC_MMAP_FAILED;
    return 0;
  }
  return object;
}

void free_list_reset(struct free_list_allocator *a) {
  if (!a->space) return;
  for (unsigned c = 0; c < MS_CLASSES; c++) {
    struct free_list_class *fc = &a->cls[c];
    if (fc->block) ms_return_block(a->space, fc->block, fc->free);
    fc->block = NULL;
    fc->free = 0;
  }
}
