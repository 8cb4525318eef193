/* Mapping memory: reserve address ranges, commit and decommit pages, and map heap chunks
 * (with their side metadata) on first use.  design.heap.map */
#ifndef MMTK_UTIL_HEAP_MMAPPER_H
#define MMTK_UTIL_HEAP_MMAPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmtk;

/* Reserve [addr, addr+len) exactly (fixed = true) or anywhere (addr = 0), inaccessible and
 * without swap reservation.  Returns the start, or 0 with errno set. */
uintptr_t os_reserve(uintptr_t addr, size_t len, bool fixed);
void os_unreserve(uintptr_t addr, size_t len);
/* Make reserved pages readable and writable (they read as zero until written);
 * idempotent: committed pages keep their contents.  0 or an errno value. */
int os_commit(uintptr_t addr, size_t len);
/* Give pages back to the OS and make them inaccessible again. */
void os_decommit(uintptr_t addr, size_t len);
/* Give pages back to the OS but keep them accessible: they read as zero afterwards. */
void os_discard(uintptr_t addr, size_t len);

/* Map every chunk of [start, start+bytes) that is not mapped yet, with its side metadata,
 * and record `space_index` as its owner in the chunk map.  0 or an errno value. */
int mmapper_ensure_mapped(struct mmtk *mmtk, uintptr_t start, size_t bytes, unsigned space_index);

/* Page-level protection inside chunks already mapped (design.heap.protect): the chunk map
 * still says "mapped", but these pages fault on any access until unprotected.
 * mmapper_protect() also gives the pages' memory back, so that they read as zero once
 * unprotected.  0 or an errno value (ENOMEM: the process has too many mappings, see
 * vm.max_map_count); when protecting fails the pages stay accessible and read as zero. */
int mmapper_protect(struct mmtk *mmtk, uintptr_t start, size_t bytes);
int mmapper_unprotect(struct mmtk *mmtk, uintptr_t start, size_t bytes);

#endif /* MMTK_UTIL_HEAP_MMAPPER_H */
