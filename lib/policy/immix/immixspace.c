/* The Immix space (design.policy.immix; see immix.h for the scheme). */
#include "mmtk_internal.h"

#define PAGES_PER_BLOCK (IMMIX_BLOCK_BYTES >> LOG_BYTES_IN_PAGE)
#define BLOCKS_PER_CHUNK (BYTES_IN_CHUNK / IMMIX_BLOCK_BYTES)

struct immix_state {
  struct side_metadata_spec *line;  /* a byte per line: the epoch of the GC that marked it */
  struct side_metadata_spec *block; /* a byte per block: enum immix_block_state (+ holes) */
  uint8_t line_epoch;               /* 1..127: the current (or last) GC's line mark */
  struct side_metadata_spec *mark;  /* the object marks, a bit per word (see "Marks") */
  _Atomic bool tracing;             /* from Prepare to the end of the GC (immix_is_live) */
  /* Pinning roots reported before Prepare chose the defrag sources (root scans run
   * beside it): their blocks, kept out of the sources when they are chosen. */
  bool sources_chosen;
  uintptr_t *pinned;
  size_t npinned, pinned_cap;
  bool defrag;                      /* the current (or last) GC evacuates defrag sources */
  _Atomic size_t copy_blocks;       /* free blocks the copy reserve still allows */
  pthread_mutex_t lock;             /* the reusable queue and the histogram */
  uintptr_t *reusable;              /* blocks with holes, for allocators */
  size_t nreusable, reusable_cap;
  /* Marked lines of the last GC's blocks, by their number of holes: what evacuating
   * the blocks with at least h holes would copy (MMTk's defrag histogram). */
  size_t marked_lines[IMMIX_MAX_HOLES + 1];
  /* StickyImmix (design.plan.sticky): the current (or last) GC is a nursery GC, which
   * keeps the marks and the line epoch of the last full-heap GC; and the lines handed to
   * mutators since the last GC (the nursery's size). */
  bool nursery;
  _Atomic size_t young_lines;
};

static struct immix_state *state(const struct space *s) { return s->policy_data; }

bool immix_space_create(mmtk_t *mmtk, struct space *s, const char *name, unsigned index,
                        struct side_metadata_spec *meta) {
  space_init(s, mmtk, name, index, &immix_space_ops, PR_FREELIST);
  /* Most of the space is freed at every GC: zeroed when a mutator takes it again, not in
   * the pause (design.immix.zeroing). */
  pr_set_zero_on_acquire(&s->pr);
  side_metadata_spec_init(&meta[0], "immix_line_mark", 3, LOG_BYTES_IN_IMMIX_LINE);
  side_metadata_spec_init(&meta[1], "immix_block_state", 3, LOG_BYTES_IN_IMMIX_BLOCK);
  side_metadata_spec_init(&meta[2], "immix_mark", 0, LOG_BYTES_IN_WORD);
  meta[0].space_index = meta[1].space_index = meta[2].space_index = (int)index;
  /* The binding's side mark table when it has one; a table of the space's own when it
   * offers a header bit (see "Marks"). */
  bool own_marks = mmtk->om.mark.in_header;
  if (!side_metadata_add(&mmtk->meta, &meta[0]) || !side_metadata_add(&mmtk->meta, &meta[1]) ||
      (own_marks && !side_metadata_add(&mmtk->meta, &meta[2])))
    return false;
  struct immix_state *st = calloc(1, sizeof *st);
  if (!st) return false;
  st->line = &meta[0];
  st->block = &meta[1];
  st->line_epoch = 1;
  st->mark = own_marks ? &meta[2] : &mmtk->om.mark.side;
  pthread_mutex_init(&st->lock, NULL);
  s->policy_data = st;
  return true;
}

void immix_space_destroy(struct space *s) {
  struct immix_state *st = state(s);
  if (st) {
    free(st->reusable);
    free(st->pinned);
    pthread_mutex_destroy(&st->lock);
    free(st);
    s->policy_data = NULL;
  }
  space_destroy(s);
}

/* ---- Marks ---------------------------------------------------------------------------
 * Object marks are a side bit per word, cleared at Prepare block by block: a set bit is
 * a mark.  A new object finds its bit clear (allocators clear the metadata of what they
 * take), so post_alloc has nothing to do.  When the binding offers a header mark bit the
 * space still keeps a side table of its own: header bits cannot be cleared in bulk, and
 * with a mark state flipped at every GC instead, a dead object next to a live one keeps
 * its old bit, which reads as marked again two GCs later (mmtk_is_live_object).  To tell
 * an object allocated since the last GC from a dead one, the allocator writes
 * ALLOCATED(epoch) into the line bytes of each hole it takes (never equal to an epoch, so
 * the line still reads as unmarked), and a block taken whole is UNMARKED until the next
 * sweep. */
#define ALLOCATED(epoch) ((uint8_t)((epoch) | 0x80))

static inline uint8_t block_state(const struct immix_state *st, uintptr_t a) {
  return (uint8_t)side_metadata_load(st->block, a);
}
static inline void set_block_state(const struct immix_state *st, uintptr_t block, uint8_t v) {
  side_metadata_store(st->block, block, v);
}
static inline const uint8_t *line_marks(const struct immix_state *st, uintptr_t block) {
  return (const uint8_t *)side_metadata_unit_address(st->line, block);
}

/* Memory handed out again may still carry a dead object's side metadata: forwarding
 * bits, a mark, a pin, a valid-object bit.  A new object there must start clean. */
static void clear_object_metadata(const struct space *s, uintptr_t start, size_t bytes) {
  const mmtk_t *mmtk = s->mmtk;
  const struct obj_meta *specs[] = {&mmtk->om.fwd_bits, &mmtk->om.pin, &mmtk->om.log};
  for (unsigned i = 0; i < sizeof specs / sizeof specs[0]; i++)
    if (!specs[i]->in_header) side_metadata_bzero(&specs[i]->side, start, bytes);
  side_metadata_bzero(state(s)->mark, start, bytes);
#if MMTK_HAVE_VO_BIT
  side_metadata_bzero(&mmtk->vo_bit, start, bytes);
#endif
}

/* ---- Blocks for allocators ---------------------------------------------------------- */

uintptr_t immix_get_clean_block(struct space *s, enum immix_block_use use, uint32_t opts,
                                int *status) {
  struct immix_state *st = state(s);
  bool spent = false; /* a block taken from the copy reserve */
  if (use != IMMIX_FOR_MUTATOR) {
    /* The copy reserve: the trace asked for the block first (immix_copy_reserve), and
     * marks in place when there is none left.  A promotion must be made: it takes the
     * block beyond the reserve (the plan counted the nursery in its reserved pages). */
    size_t left = atomic_load(&st->copy_blocks);
    do {
      if (left == 0) {
        if (use == IMMIX_FOR_COPY) break;
        *status = ALLOC_HEAP_FULL;
        return 0;
      }
    } while (!atomic_compare_exchange_weak(&st->copy_blocks, &left, left - 1));
    spent = left != 0;
    opts |= MMTK_ALLOC_OPT_ALLOW_OVERCOMMIT;
  }
  enum alloc_status as;
  uintptr_t b = space_acquire(s, PAGES_PER_BLOCK, opts, &as);
  if (!b) {
    if (spent) atomic_fetch_add(&st->copy_blocks, 1);
    *status = as;
    return 0;
  }
  if (use == IMMIX_FOR_MUTATOR)
    atomic_fetch_add_explicit(&st->young_lines, IMMIX_LINES_PER_BLOCK, memory_order_relaxed);
  /* Every request is one block, and the extent starts chunk aligned: runs stay aligned. */
  MMTK_ASSERT(b % IMMIX_BLOCK_BYTES == 0);
  clear_object_metadata(s, b, IMMIX_BLOCK_BYTES);
  set_block_state(st, b, IMMIX_BLOCK_UNMARKED);
  *status = ALLOC_OK;
  return b;
}

uintptr_t immix_get_reusable_block(struct space *s) {
  struct immix_state *st = state(s);
  uintptr_t b = 0;
  pthread_mutex_lock(&st->lock);
  if (st->nreusable) b = st->reusable[--st->nreusable];
  pthread_mutex_unlock(&st->lock);
  return b;
}

/* A line the last GC left free: unmarked, and not right after a marked line (a small
 * object marks only its first line but may end in the next). */
static inline bool line_free(const uint8_t *marks, unsigned i, uint8_t epoch) {
  return marks[i] != epoch && (i == 0 || marks[i - 1] != epoch);
}

bool immix_next_hole(struct space *s, uintptr_t block, unsigned from, uintptr_t *start,
                     uintptr_t *end) {
  struct immix_state *st = state(s);
  const uint8_t *marks = line_marks(st, block);
  uint8_t epoch = st->line_epoch;
  unsigned i = from;
  while (i < IMMIX_LINES_PER_BLOCK && !line_free(marks, i, epoch)) i++;
  if (i >= IMMIX_LINES_PER_BLOCK) return false;
  unsigned j = i + 1;
  while (j < IMMIX_LINES_PER_BLOCK && marks[j] != epoch) j++;
  *start = block + ((uintptr_t)i << LOG_BYTES_IN_IMMIX_LINE);
  *end = block + ((uintptr_t)j << LOG_BYTES_IN_IMMIX_LINE);
  for (uintptr_t a = *start; a < *end; a += IMMIX_LINE_BYTES)
    side_metadata_store(st->line, a, ALLOCATED(epoch));
  atomic_fetch_add_explicit(&st->young_lines, (size_t)(j - i), memory_order_relaxed);
  memset((void *)*start, 0, *end - *start);
  clear_object_metadata(s, *start, *end - *start);
  return true;
}

/* ---- Marking -------------------------------------------------------------------------- */

static inline uintptr_t object_start(const mmtk_t *mmtk, uintptr_t o) {
  return mmtk->vm.ref_to_object_start
             ? (uintptr_t)mmtk->vm.ref_to_object_start(mmtk->vm_ctx, (mmtk_object_t)o)
             : o;
}

/* Mark the lines of a live object: its first line only if it is no bigger than a line
 * (the line after it is never counted free, see line_free), else every line it covers.
 * Returns its size. */
static size_t mark_lines(struct space *s, uintptr_t o) {
  const mmtk_t *mmtk = s->mmtk;
  struct immix_state *st = state(s);
  size_t size = mmtk->vm.get_current_size(mmtk->vm_ctx, (mmtk_object_t)o);
  uintptr_t start = object_start(mmtk, o);
  uint8_t epoch = st->line_epoch;
  uintptr_t last = size > IMMIX_LINE_BYTES ? start + size - 1 : start;
  for (uintptr_t a = start & ~(uintptr_t)(IMMIX_LINE_BYTES - 1); a <= last; a += IMMIX_LINE_BYTES)
    side_metadata_store(st->line, a, epoch);
  return size;
}

static void mark_in_place(struct space *s, mmtk_gc_worker_t *w, uintptr_t o) {
  /* A generational plan's mature space: a full-heap GC leaves every survivor unlogged
   * (the remembered set it dropped had logged some, design.plan.genimmix.full-gc); in
   * StickyImmix a survivor is mature, watched by the object barrier (design.barrier). */
  if (s->unlog) om_store(s->mmtk, &s->mmtk->om.log, o, 1);
  w->trace.live_bytes += mark_lines(s, o);
  trace_push(w, o);
}

static inline bool is_pinned(const struct space *s, uintptr_t o) {
  return om_load(s->mmtk, &s->mmtk->om.pin, o) == 1;
}

/* The sizes copy_object() will ask the copy allocator for. */
static bool reserve_copy(mmtk_gc_worker_t *w, struct space *s, uintptr_t o) {
  const mmtk_t *mmtk = s->mmtk;
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  mmtk_object_t obj = (mmtk_object_t)o;
  size_t bytes = vm->get_size_when_copied ? vm->get_size_when_copied(mmtk->vm_ctx, obj)
                                          : vm->get_current_size(mmtk->vm_ctx, obj);
  size_t align = vm->get_align_when_copied ? vm->get_align_when_copied(mmtk->vm_ctx, obj)
                                           : MMTK_MIN_ALIGNMENT;
  size_t offset = vm->get_align_offset_when_copied
                      ? vm->get_align_offset_when_copied(mmtk->vm_ctx, obj) : 0;
  if (align < MMTK_MIN_ALIGNMENT) align = MMTK_MIN_ALIGNMENT;
  size_t need = bytes ? align_up(bytes, MMTK_MIN_ALIGNMENT) : MMTK_MIN_ALIGNMENT;
  struct immix_allocator *a = &w->copy.immix[0];
  if (a->space != s) {
    immix_alloc_reset(a);
    a->space = s;
    a->copy = true;
  }
  return immix_alloc_reserve(a, need, align, offset % align);
}

/* An object of a defrag source block: copy it out, unless it is pinned or the copy
 * reserve is spent; then it stays and is marked where it is.  The forwarding claim
 * decides between workers either way. */
static uintptr_t evacuate(struct space *s, mmtk_gc_worker_t *w, uintptr_t o) {
  const mmtk_t *mmtk = s->mmtk;
  unsigned fs = fwd_claim(mmtk, o);
  if (fs == FWD_FORWARDED) return fwd_pointer(mmtk, o);
  if (fs == FWD_BEING_FORWARDED) return fwd_wait(mmtk, o);
  const struct side_metadata_spec *mark = state(s)->mark;
  if (side_metadata_load(mark, o)) { /* stayed, marked by another worker */
    fwd_cancel(mmtk, o);
    return o;
  }
  if (!is_pinned(s, o) && reserve_copy(w, s, o)) {
    uint64_t before = w->copy.bytes_copied;
    uintptr_t copy = copy_object(w, o, MMTK_COPY_DEFAULT);
    w->trace.live_bytes += w->copy.bytes_copied - before;
    fwd_publish(mmtk, o, copy);
    trace_push(w, copy);
    return copy;
  }
  /* Marked before the claim is given up: a worker that waited sees it marked. */
  side_metadata_store(mark, o, 1);
  fwd_cancel(mmtk, o);
  mark_in_place(s, w, o);
  return o;
}

/* A StickyImmix nursery GC (design.plan.sticky.trace): a marked object is mature (or
 * reached already) and is left alone; a young one is copied out of its block when the
 * nursery moves (its block is then a source, unless a pinning root is in it), else
 * marked where it is. */
static uintptr_t nursery_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t o) {
  struct immix_state *st = state(s);
  if (side_metadata_load(st->mark, o)) return o;
  if (block_state(st, o) == IMMIX_BLOCK_DEFRAG) return evacuate(s, w, o);
  if (!side_metadata_test_and_set_bit(st->mark, o)) return o;
  mark_in_place(s, w, o);
  return o;
}

static uintptr_t immix_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t o,
                             enum trace_kind kind) {
  struct immix_state *st = state(s);
  /* A nursery GC: StickyImmix's space holds the young objects and traces them
   * (young_traced); GenImmix's mature space is live, not traced (the remembered set
   * supplies its references to young objects). */
  if (kind == TRACE_NURSERY) return s->young_traced ? nursery_trace(s, w, o) : o;
  if (kind == TRACE_DEFRAG && block_state(st, o) == IMMIX_BLOCK_DEFRAG) return evacuate(s, w, o);
  if (!side_metadata_test_and_set_bit(st->mark, o)) return o;
  mark_in_place(s, w, o);
  return o;
}

/* A copy made into this space by this GC: marked, and its lines. */
static void immix_post_copy(struct space *s, uintptr_t object, size_t bytes) {
  (void)bytes;
  side_metadata_store(state(s)->mark, object, 1);
  mark_lines(s, object);
}

static bool immix_reachable(const struct space *s, uintptr_t o) {
  const mmtk_t *mmtk = s->mmtk;
  if (state(s)->defrag && fwd_state(mmtk, o) == FWD_FORWARDED) return true;
  return side_metadata_load(state(s)->mark, o) != 0;
}

static uintptr_t immix_forwarded(const struct space *s, uintptr_t o) {
  const mmtk_t *mmtk = s->mmtk;
  if (state(s)->defrag && fwd_state(mmtk, o) == FWD_FORWARDED) return fwd_pointer(mmtk, o);
  return side_metadata_load(state(s)->mark, o) ? o : 0;
}

/* mmtk_is_live_object (design.policy.immix.live): during a GC, whether this GC reached
 * the object (marked, or copied away); otherwise, whether the last GC marked it (its
 * mark, and its first line marked by that GC: a freed block or a zeroed line may read
 * as a mark) or it was allocated since (see "Marks"). */
static bool immix_is_live(const struct space *s, uintptr_t o) {
  const struct immix_state *st = state(s);
  if (atomic_load(&st->tracing)) return immix_reachable(s, o);
  if (fwd_state(s->mmtk, o) == FWD_FORWARDED) return false; /* copied away */
  uint8_t bs = block_state(st, o);
  if (bs == IMMIX_BLOCK_UNMARKED) return true;
  if (bs == IMMIX_BLOCK_UNALLOCATED) return false;
  uint8_t line = (uint8_t)side_metadata_load(st->line, object_start(s->mmtk, o));
  if (line == ALLOCATED(st->line_epoch)) return true;
  return line == st->line_epoch && side_metadata_load(st->mark, o) != 0;
}

static void immix_post_alloc(struct space *s, struct mmtk_mutator *m, uintptr_t object,
                             size_t bytes) {
  (void)m;
  (void)bytes;
  /* Header marks: zeroed memory reads as state 0, and the object is this thread's. */
  (void)s;
  (void)object; /* new objects find their mark clear (see "Marks") */
}

bool immix_needs_post_alloc(const struct space *s) {
  (void)s;
  return false;
}

static bool immix_pin(struct space *s, uintptr_t o) {
  return om_cas(s->mmtk, &s->mmtk->om.pin, o, 0, 1);
}
static bool immix_unpin(struct space *s, uintptr_t o) {
  return om_cas(s->mmtk, &s->mmtk->om.pin, o, 1, 0);
}
static bool immix_is_pinned(const struct space *s, uintptr_t o) { return is_pinned(s, o); }
static bool immix_is_movable(const struct space *s, uintptr_t o) {
  return !IMMIX_NON_MOVING && !is_pinned(s, o);
}

/* A pinning root (reported while roots are scanned, before the closure starts): its
 * block is no longer a defrag source in this GC, so nothing there moves. */
static void immix_pin_root(struct space *s, uintptr_t o) {
  struct immix_state *st = state(s);
  uintptr_t b = immix_block_of(o);
  pthread_mutex_lock(&st->lock);
  if (st->sources_chosen) {
    if (block_state(st, b) == IMMIX_BLOCK_DEFRAG) set_block_state(st, b, IMMIX_BLOCK_UNMARKED);
  } else {
    /* Root scans run beside Prepare: remember the block for when it chooses. */
    if (st->npinned == st->pinned_cap) {
      st->pinned_cap = st->pinned_cap ? 2 * st->pinned_cap : 64;
      st->pinned = gc_realloc(s->mmtk, st->pinned, st->pinned_cap * sizeof *st->pinned,
                              "the Immix pinned-root blocks");
    }
    st->pinned[st->npinned++] = b;
  }
  pthread_mutex_unlock(&st->lock);
}

/* The sources are chosen: keep the blocks of the pinning roots seen so far out. */
static void sources_chosen(struct immix_state *st) {
  pthread_mutex_lock(&st->lock);
  for (size_t i = 0; i < st->npinned; i++)
    if (block_state(st, st->pinned[i]) == IMMIX_BLOCK_DEFRAG)
      set_block_state(st, st->pinned[i], IMMIX_BLOCK_UNMARKED);
  st->npinned = 0;
  st->sources_chosen = true;
  pthread_mutex_unlock(&st->lock);
}

/* ---- Prepare: a new epoch, and the defrag sources ----------------------------------- */

static uintptr_t used_end(const struct space *s) {
  pthread_mutex_lock((pthread_mutex_t *)&s->pr.lock);
  uintptr_t end = s->pr.cursor;
  pthread_mutex_unlock((pthread_mutex_t *)&s->pr.lock);
  return end;
}

/* A share of the space itself, as MMTk: a share of the heap limit would grow with a
 * growing limit, and the limit would never catch up with it (DynamicHeapSize). */
size_t immix_defrag_headroom_pages(const struct space *s) {
  return pr_pages(&s->pr) * s->mmtk->options.immix_defrag_headroom_percent / 100;
}

static unsigned block_holes(uint8_t bs) {
  return bs >= IMMIX_BLOCK_REUSABLE ? (unsigned)(bs - IMMIX_BLOCK_REUSABLE) : 0;
}

/* The fewest holes that make a block a defrag source: from the most fragmented blocks
 * down, as many as the copy reserve can take the live lines of. */
static unsigned defrag_threshold(const struct immix_state *st, size_t reserve_blocks) {
  size_t available = reserve_blocks * IMMIX_LINES_PER_BLOCK, needed = 0;
  unsigned h;
  for (h = IMMIX_MAX_HOLES; h > 0; h--) {
    needed += st->marked_lines[h];
    if (needed > available) break;
  }
  return h + 1;
}

bool immix_in_defrag(const struct space *s) { return state(s)->defrag; }

/* Reusable blocks still queued: the mutators needed a GC though holes were left, too
 * small or too scattered for what they asked (MMTk's fragmentation trigger). */
bool immix_fragmented(const struct space *s) {
  struct immix_state *st = state(s);
  pthread_mutex_lock(&st->lock);
  bool left = st->nreusable > 0;
  pthread_mutex_unlock(&st->lock);
  return left;
}

bool immix_decide_defrag(const struct space *s, int reason) {
  if (IMMIX_NON_MOVING) return false; /* --enable-immix-non-moving */
  const struct mmtk_options *o = &s->mmtk->options;
  return o->immix_always_defrag || reason == GC_REASON_EMERGENCY ||
         (reason == GC_REASON_USER && o->full_heap_system_gc) || immix_fragmented(s);
}

void immix_end_of_gc(struct space *s) {
  struct immix_state *st = state(s);
  atomic_store(&st->tracing, false);
  pthread_mutex_lock(&st->lock);
  st->sources_chosen = false;
  st->npinned = 0;
  pthread_mutex_unlock(&st->lock);
}

void immix_prepare(struct space *s, bool defrag) {
  struct immix_state *st = state(s);
  atomic_store(&st->tracing, true);
  st->nursery = false;
  const mmtk_t *mmtk = s->mmtk;
  uintptr_t end = used_end(s);
  for (uintptr_t b = s->start; b < end; b += IMMIX_BLOCK_BYTES)
    if (block_state(st, b) != IMMIX_BLOCK_UNALLOCATED)
      side_metadata_bzero(st->mark, b, IMMIX_BLOCK_BYTES);
  if (++st->line_epoch == 0x80) {
    /* Old epochs would come round again: forget every line mark. */
    if (end > s->start) side_metadata_bzero(st->line, s->start, end - s->start);
    st->line_epoch = 1;
  }
  /* The queue is rebuilt by this GC's sweep; copies take only free blocks. */
  pthread_mutex_lock(&st->lock);
  st->nreusable = 0;
  pthread_mutex_unlock(&st->lock);
  st->defrag = defrag;
  /* The copy reserve: what the heap limit leaves free, which the headroom kept from the
   * mutators (reserved_pages), as MMTk counts it. */
  size_t used = gc_trigger_used_bytes(s->mmtk), limit = mmtk->trigger.limit_bytes;
  size_t reserve = defrag && limit > used ? (limit - used) / IMMIX_BLOCK_BYTES : 0;
  atomic_store(&st->copy_blocks, reserve);
  if (!defrag) {
    sources_chosen(st);
    return;
  }
  bool every = mmtk->options.immix_defrag_every_block;
  unsigned threshold = defrag_threshold(st, reserve);
  size_t sources = 0;
  for (uintptr_t b = s->start; b < end; b += IMMIX_BLOCK_BYTES) {
    uint8_t bs = block_state(st, b);
    if (bs == IMMIX_BLOCK_UNALLOCATED) continue;
    unsigned holes = block_holes(bs);
    if (every || (holes && holes >= threshold)) {
      set_block_state(st, b, IMMIX_BLOCK_DEFRAG);
      sources++;
    }
  }
  sources_chosen(st);
  if (mmtk->options.verbose >= 2)
    mmtk_log(mmtk, MMTK_LOG_DEBUG, "Immix defrag: %zu source blocks (holes >= %u), copy "
             "reserve %zu blocks", sources, every ? 0u : threshold, reserve);
}

/* StickyImmix's nursery GC (design.plan.sticky.prepare): the marks and the line epoch
 * stay, so that every object the last GCs marked counts as live and keeps its lines.
 * With `copy`, every block in use is a source: its young objects are evacuated as far as
 * the free room goes (mature ones are marked and never looked at). */
void immix_prepare_nursery(struct space *s, bool copy) {
  struct immix_state *st = state(s);
  atomic_store(&st->tracing, true);
  st->nursery = true;
  pthread_mutex_lock(&st->lock);
  st->nreusable = 0;
  pthread_mutex_unlock(&st->lock);
  st->defrag = copy;
  size_t used = gc_trigger_used_bytes(s->mmtk), limit = s->mmtk->trigger.limit_bytes;
  atomic_store(&st->copy_blocks, copy && limit > used ? (limit - used) / IMMIX_BLOCK_BYTES : 0);
  if (copy) {
    uintptr_t end = used_end(s);
    for (uintptr_t b = s->start; b < end; b += IMMIX_BLOCK_BYTES)
      if (block_state(st, b) != IMMIX_BLOCK_UNALLOCATED) set_block_state(st, b, IMMIX_BLOCK_DEFRAG);
  }
  sources_chosen(st);
}

size_t immix_young_pages(const struct space *s) {
  size_t lines = atomic_load_explicit(&state(s)->young_lines, memory_order_relaxed);
  return lines >> (LOG_BYTES_IN_PAGE - LOG_BYTES_IN_IMMIX_LINE);
}

/* After a nursery GC the epoch is still the one the mutators' holes were stamped with
 * (ALLOCATED): a line left free must lose that stamp, or the dead objects on it would
 * read as allocated since the GC (immix_is_live). */
static void forget_young_lines(const struct immix_state *st, uintptr_t block, uint8_t epoch) {
  uint8_t *marks = (uint8_t *)side_metadata_unit_address(st->line, block);
  for (unsigned i = 0; i < IMMIX_LINES_PER_BLOCK; i++)
    if (marks[i] == ALLOCATED(epoch)) marks[i] = 0;
}

/* ---- Release: sweep lines and blocks, a packet per chunk ---------------------------- */

#if MMTK_HAVE_VO_BIT
/* The valid-object bits of the block's dead objects (unmarked, or copied away). */
static void clear_dead_vo_bits(struct space *s, uintptr_t block) {
  const mmtk_t *mmtk = s->mmtk;
  const struct side_metadata_spec *vo = &mmtk->vo_bit;
  for (uintptr_t a = block; a < block + IMMIX_BLOCK_BYTES; a += 64 * BYTES_IN_WORD) {
    _Atomic uint8_t *bytes = (_Atomic uint8_t *)side_metadata_unit_address(vo, a);
    bool any = false;
    for (unsigned k = 0; k < 8; k++) any |= atomic_load_explicit(&bytes[k], memory_order_relaxed) != 0;
    if (!any) continue;
    for (uintptr_t o = a; o < a + 64 * BYTES_IN_WORD; o += BYTES_IN_WORD)
      if (vo_bit_is_set(vo, o) && !immix_reachable(s, o)) vo_bit_clear(vo, o);
  }
}
#endif

static void sweep_chunk(mmtk_gc_worker_t *w, void *arg) {
  uintptr_t chunk = (uintptr_t)arg;
  struct space *s = heap_space_of(w->mmtk, chunk);
  struct immix_state *st = state(s);
  uint8_t epoch = st->line_epoch;
  uintptr_t found[BLOCKS_PER_CHUNK];
  size_t nfound = 0, hist[IMMIX_MAX_HOLES + 1] = {0};
  /* Free blocks go back in runs, a page resource call per run.  The page resource keeps
   * them as they are (pr_set_zero_on_acquire): the pause neither zeroes them nor lets
   * the OS discard them (discarded pages fault in again, one by one, when a mutator
   * reuses them, which once made GCBench four times slower). */
  uintptr_t run = 0;
  for (uintptr_t b = chunk; b < chunk + BYTES_IN_CHUNK; b += IMMIX_BLOCK_BYTES) {
    if (block_state(st, b) == IMMIX_BLOCK_UNALLOCATED) { /* free already: ends a run */
      if (run) space_release(s, run, (b - run) >> LOG_BYTES_IN_PAGE);
      run = 0;
      continue;
    }
    if (st->nursery) forget_young_lines(st, b, epoch);
    const uint8_t *marks = line_marks(st, b);
    unsigned marked = 0, holes = 0;
    bool in_hole = false;
    for (unsigned i = 0; i < IMMIX_LINES_PER_BLOCK; i++) {
      if (marks[i] == epoch) {
        marked++;
        in_hole = false;
      } else if (line_free(marks, i, epoch) && !in_hole) {
        holes++;
        in_hole = true;
      }
    }
    if (marked == 0) {
#if MMTK_HAVE_VO_BIT
      side_metadata_bzero(&s->mmtk->vo_bit, b, IMMIX_BLOCK_BYTES);
#endif
      set_block_state(st, b, IMMIX_BLOCK_UNALLOCATED);
      if (IMMIX_ZERO_ON_RELEASE) memset((void *)b, 0, IMMIX_BLOCK_BYTES);
      if (!run) run = b;
      continue;
    }
#if MMTK_HAVE_VO_BIT
    clear_dead_vo_bits(s, b);
#endif
    if (run) space_release(s, run, (b - run) >> LOG_BYTES_IN_PAGE);
    run = 0;
    if (IMMIX_ZERO_ON_RELEASE) /* a missed object reads as zeros at once */
      for (unsigned i = 0; i < IMMIX_LINES_PER_BLOCK; i++)
        if (line_free(marks, i, epoch))
          memset((void *)(b + ((uintptr_t)i << LOG_BYTES_IN_IMMIX_LINE)), 0, IMMIX_LINE_BYTES);
    hist[holes] += marked;
    if (holes == 0) {
      set_block_state(st, b, IMMIX_BLOCK_MARKED);
      continue;
    }
    set_block_state(st, b, (uint8_t)(IMMIX_BLOCK_REUSABLE + holes));
    found[nfound++] = b;
  }
  if (run) space_release(s, run, (chunk + BYTES_IN_CHUNK - run) >> LOG_BYTES_IN_PAGE);
  pthread_mutex_lock(&st->lock);
  for (unsigned h = 0; h <= IMMIX_MAX_HOLES; h++) st->marked_lines[h] += hist[h];
  if (st->nreusable + nfound > st->reusable_cap) {
    size_t cap = st->reusable_cap ? st->reusable_cap : 256;
    while (cap < st->nreusable + nfound) cap *= 2;
    st->reusable = gc_realloc(s->mmtk, st->reusable, cap * sizeof *st->reusable,
                              "the Immix reusable block queue");
    st->reusable_cap = cap;
  }
  if (nfound) { /* the queue may not exist yet (memcpy from or to NULL is undefined) */
    memcpy(st->reusable + st->nreusable, found, nfound * sizeof *found);
    st->nreusable += nfound;
  }
  pthread_mutex_unlock(&st->lock);
}

void immix_release(struct space *s) {
  struct immix_state *st = state(s);
  uintptr_t end = used_end(s);
  atomic_store(&st->young_lines, 0);
  pthread_mutex_lock(&st->lock);
  st->nreusable = 0;
  memset(st->marked_lines, 0, sizeof st->marked_lines);
  pthread_mutex_unlock(&st->lock);
  for (uintptr_t c = s->start; c < end; c += BYTES_IN_CHUNK)
    if (layout_chunk_owner(&s->mmtk->layout, c)) gc_add_simple(s->mmtk, MMTK_STAGE_RELEASE, sweep_chunk, (void *)c);
}

const struct space_ops immix_space_ops = {
    .policy = "immix",
    .is_live = immix_is_live,
    .is_movable = immix_is_movable,
    .pin = immix_pin,
    .unpin = immix_unpin,
    .is_pinned = immix_is_pinned,
    .post_alloc = immix_post_alloc,
    .trace_object = immix_trace,
    .is_reachable = immix_reachable,
    .get_forwarded = immix_forwarded,
    .post_copy = immix_post_copy,
    .pin_root = immix_pin_root,
    .alloc = NULL,
};
