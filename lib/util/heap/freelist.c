/* A free list of page runs (design.heap.freelist). */
#include "util/heap/freelist.h"

#include <stdlib.h>
#include <string.h>

#include "util/constants.h"

void freelist_init(struct freelist *f) { memset(f, 0, sizeof *f); }

void freelist_destroy(struct freelist *f) {
  free(f->runs);
  memset(f, 0, sizeof *f);
}

uintptr_t freelist_take(struct freelist *f, size_t pages) {
  for (size_t i = 0; i < f->count; i++) {
    struct page_run *r = &f->runs[i];
    if (r->pages < pages) continue;
    uintptr_t start = r->start;
    r->start += pages << LOG_BYTES_IN_PAGE;
    r->pages -= pages;
    if (r->pages == 0) {
      memmove(r, r + 1, (f->count - i - 1) * sizeof *r);
      f->count--;
    }
    return start;
  }
  return 0;
}

/* Index of the first run that starts above `start`. */
static size_t upper_bound(const struct freelist *f, uintptr_t start) {
  size_t lo = 0, hi = f->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (f->runs[mid].start <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

bool freelist_give(struct freelist *f, uintptr_t start, size_t pages) {
  size_t i = upper_bound(f, start);
  uintptr_t end = start + (pages << LOG_BYTES_IN_PAGE);
  bool joins_prev = i > 0 && f->runs[i - 1].start + (f->runs[i - 1].pages << LOG_BYTES_IN_PAGE) == start;
  bool joins_next = i < f->count && f->runs[i].start == end;
  if (joins_prev && joins_next) {
    f->runs[i - 1].pages += pages + f->runs[i].pages;
    memmove(&f->runs[i], &f->runs[i + 1], (f->count - i - 1) * sizeof *f->runs);
    f->count--;
    return true;
  }
  if (joins_prev) {
    f->runs[i - 1].pages += pages;
    return true;
  }
  if (joins_next) {
    f->runs[i].start = start;
    f->runs[i].pages += pages;
    return true;
  }
  if (f->count == f->capacity) {
    size_t cap = f->capacity ? f->capacity * 2 : 16;
    struct page_run *nr = realloc(f->runs, cap * sizeof *nr);
    if (!nr) return false;
    f->runs = nr;
    f->capacity = cap;
  }
  memmove(&f->runs[i + 1], &f->runs[i], (f->count - i) * sizeof *f->runs);
  f->runs[i] = (struct page_run){start, pages};
  f->count++;
  return true;
}

size_t freelist_free_pages(const struct freelist *f) {
  size_t n = 0;
  for (size_t i = 0; i < f->count; i++) n += f->runs[i].pages;
  return n;
}
