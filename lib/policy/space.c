/* Spaces (design.policy.space). */
#include "mmtk_internal.h"

void space_init(struct space *s, mmtk_t *mmtk, const char *name, unsigned index,
                const struct space_ops *ops, enum pr_kind pr_kind) {
  MMTK_ASSERT(index < MAX_SPACES && mmtk->spaces[index] == NULL);
  memset(s, 0, sizeof *s);
  s->ops = ops;
  s->name = name;
  s->mmtk = mmtk;
  s->index = index;
  s->start = layout_space_start(&mmtk->layout, index);
  s->extent = layout_space_extent(&mmtk->layout);
  atomic_init(&s->cursor, s->start);
  s->collected = true;
  pr_init(&s->pr, pr_kind, mmtk, index, s->start, s->start + s->extent);
  mmtk->spaces[index] = s;
}

void space_destroy(struct space *s) {
  if (s->mmtk && s->mmtk->spaces[s->index] == s) s->mmtk->spaces[s->index] = NULL;
  pr_destroy(&s->pr);
}

uintptr_t space_acquire(struct space *s, size_t pages, uint32_t opts, enum alloc_status *status) {
  mmtk_t *mmtk = s->mmtk;
  bool overcommit = opts & MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT;
  if (mmtk->plan->collects_garbage && !overcommit && mmtk->collection_initialized) {
    if (mmtk->options.stress_factor != SIZE_MAX && !mmtk->stress_precise &&
        atomic_fetch_add(&mmtk->gc.stress_bytes, pages << LOG_BYTES_IN_PAGE) >=
            mmtk->options.stress_factor && gc_can_collect(mmtk, opts)) {
      *status = ALLOC_GC_STRESS;
      return 0;
    }
    /* Not ALLOC_HEAP_FULL: a space that retries a full heap (MarkSweep sweeps first)
     * would ask the binding again and lose its answer. */
    if (mmtk->options.gc_trigger.kind == MMTK_TRIGGER_DELEGATED && gc_can_collect(mmtk, opts) &&
        gc_required(mmtk, s, pages)) {
      *status = ALLOC_GC_REQUIRED;
      return 0;
    }
    /* The plan's own rule (a full nursery, say), on top of the heap limit below. */
    if (mmtk->plan->collection_required && gc_can_collect(mmtk, opts) &&
        mmtk->plan->collection_required(mmtk, s, pages)) {
      *status = ALLOC_GC_REQUIRED;
      return 0;
    }
  }
  if (!gc_trigger_charge(mmtk, pages, overcommit)) {
    *status = ALLOC_HEAP_FULL;
    return 0;
  }
  enum pr_status prs;
  uintptr_t start = pr_acquire(&s->pr, pages, !(opts & ALLOC_OPT_UNZEROED), &prs);
  if (!start) {
    gc_trigger_uncharge(mmtk, pages);
    *status = prs == PR_EXHAUSTED ? ALLOC_HEAP_FULL : ALLOC_MMAP_FAILED;
    return 0;
  }
  *status = ALLOC_OK;
  return start;
}

void space_release(struct space *s, uintptr_t start, size_t pages) {
  pr_release(&s->pr, start, pages);
  gc_trigger_uncharge(s->mmtk, pages);
}

bool space_always(const struct space *s, uintptr_t object) { return true; }
bool space_never(const struct space *s, uintptr_t object) { return false; }
bool space_no_change(struct space *s, uintptr_t object) { return false; }
void space_no_metadata(struct space *s, struct mmtk_mutator *m, uintptr_t object, size_t bytes) {}

/* A piece of a reset space whose side metadata a Release packet clears
 * (design.plan.release.parallel). */
#define RESET_PIECE ((uintptr_t)8 << 20)

struct reset_piece {
  struct space *s;
  uintptr_t start, end;
};

static void clear_piece(mmtk_gc_worker_t *w, void *arg) {
  (void)w;
  struct reset_piece *p = arg;
  side_metadata_clear_space(&p->s->mmtk->meta, (int)p->s->index, p->start, p->end - p->start);
  free(p);
}

void space_reset(struct space *s) {
  mmtk_t *mmtk = s->mmtk;
  uintptr_t end = s->pr.cursor;
  size_t pages = pr_pages(&s->pr);
  /* A packet per RESET_PIECE bytes of the space (pieces start at multiples of it, so
   * no two share a byte of any table); the pages are handed out again only once the
   * mutators run, after the Release stage. */
  for (uintptr_t a = s->start; a < end;) {
    uintptr_t next = align_down(a, RESET_PIECE) + RESET_PIECE;
    if (next > end) next = end;
    if (a == s->start && next == end) {
      side_metadata_clear_space(&mmtk->meta, (int)s->index, a, end - a); /* one piece */
      break;
    }
    struct reset_piece *p = gc_malloc(mmtk, sizeof *p, "a work packet");
    *p = (struct reset_piece){s, a, next};
    gc_add_simple(mmtk, MMTK_STAGE_RELEASE, clear_piece, p);
    a = next;
  }
  pr_reset(&s->pr);
  gc_trigger_uncharge(mmtk, pages);
}

void space_flip_mark_state(struct space *s) { s->mark_state ^= 1; }
