/* The heap's virtual address layout (design.heap.layout). */
#include "mmtk_internal.h"

#include <errno.h>

bool layout_init(struct heap_layout *l, uintptr_t start, uintptr_t end) {
  memset(l, 0, sizeof *l);
  l->start = start;
  l->end = end;
  size_t per_space = (end - start) / MAX_SPACES;
  unsigned log = LOG_BYTES_IN_CHUNK;
  while (((size_t)2 << log) <= per_space) log++;
  l->log_space_extent = log;
  l->nchunks = (end - start) >> LOG_BYTES_IN_CHUNK;

  size_t map_bytes = align_up(l->nchunks, BYTES_IN_PAGE);
  uintptr_t map = os_reserve(0, map_bytes, false);
  if (!map || os_commit(map, map_bytes) != 0) {
    int e = errno;
    if (map) os_unreserve(map, map_bytes);
    errno = e;
    return false;
  }
  l->chunk_map = (_Atomic uint8_t *)map;
  return true;
}

void layout_destroy(struct heap_layout *l) {
  if (l->chunk_map) os_unreserve((uintptr_t)l->chunk_map, align_up(l->nchunks, BYTES_IN_PAGE));
  l->chunk_map = NULL;
}
