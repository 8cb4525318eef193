/* The Compressor space (design.policy.compressor). */
#include "mmtk_internal.h"

#include <stdio.h>

#include "policy/compressor/compressor.h"

#define REGION BYTES_IN_COMPRESSOR_REGION
#define REGION_PAGES (REGION >> LOG_BYTES_IN_PAGE)
#define BLOCK ((uintptr_t)1 << LOG_BYTES_IN_COMPRESSOR_BLOCK)
#define WORDS_IN_BLOCK (BLOCK >> LOG_BYTES_IN_WORD) /* 64: one bitmap word */

enum region_state { REGION_FREE, REGION_IN_USE };

struct region {
  _Atomic uintptr_t top; /* [start, top) has been handed out to buffers */
  /* [start, live_top): what the last GC kept (the survivors' first words are marked in
   * `moved`); above it up to top: allocated since. */
  _Atomic uintptr_t live_top;
  _Atomic uint8_t state;
  _Atomic bool pinned; /* a pinning root lies here: this GC leaves the region in place */
};

struct compressor {
  struct space *space;
  struct compressor_meta *meta;
  pthread_mutex_t lock; /* allocation: region states, tops, scan, high */
  struct region *regions;
  size_t capacity; /* regions in the extent */
  size_t high;     /* regions [0, high) have ever been used */
  size_t scan;     /* allocation looks for room from here (back to 0 after a GC) */
  _Atomic int phase;
  _Atomic uint64_t compacted[COMPRESSOR_MAX_WORKERS];
};

static struct compressor *cs(const struct space *s) { return s->policy_data; }

static size_t region_index(const struct space *s, uintptr_t a) {
  return (a - s->start) >> LOG_BYTES_IN_COMPRESSOR_REGION;
}
static uintptr_t region_start(const struct space *s, size_t i) {
  return s->start + (i << LOG_BYTES_IN_COMPRESSOR_REGION);
}

/* ---- The bitmaps --------------------------------------------------------------------- */

/* Set the bit of `addr` in a one-bit-per-word table; true if it was clear. */
static inline bool bit_set(const struct side_metadata_spec *spec, uintptr_t addr) {
  _Atomic uint8_t *p = (_Atomic uint8_t *)side_metadata_unit_address(spec, addr);
  uint8_t mask = (uint8_t)(1u << side_metadata_bit_shift(spec, addr));
  if (atomic_load_explicit(p, memory_order_relaxed) & mask) return false;
  return !(atomic_fetch_or_explicit(p, mask, memory_order_relaxed) & mask);
}

static inline bool bit_get(const struct side_metadata_spec *spec, uintptr_t addr) {
  const _Atomic uint8_t *p = (const _Atomic uint8_t *)side_metadata_unit_address(spec, addr);
  return atomic_load_explicit(p, memory_order_relaxed) >> side_metadata_bit_shift(spec, addr) & 1;
}

/* The 64 bits of a block (bit w: word w of the block), whatever the byte order: bit k of
 * the table byte for address a is the word a + 8k. */
static inline uint64_t block_bits(const struct side_metadata_spec *spec, uintptr_t block) {
  const _Atomic uint8_t *p = (const _Atomic uint8_t *)side_metadata_unit_address(spec, block);
  uint64_t x = 0;
  for (unsigned k = 0; k < 8; k++)
    x |= (uint64_t)atomic_load_explicit(&p[k], memory_order_relaxed) << (8 * k);
  return x;
}

/* The sum of the positions of the set bits of x, by the binary digits of the positions. */
static inline unsigned position_sum(uint64_t x) {
  return (unsigned)__builtin_popcountll(x & 0xaaaaaaaaaaaaaaaaull) +
         2u * (unsigned)__builtin_popcountll(x & 0xccccccccccccccccull) +
         4u * (unsigned)__builtin_popcountll(x & 0xf0f0f0f0f0f0f0f0ull) +
         8u * (unsigned)__builtin_popcountll(x & 0xff00ff00ff00ff00ull) +
         16u * (unsigned)__builtin_popcountll(x & 0xffff0000ffff0000ull) +
         32u * (unsigned)__builtin_popcountll(x & 0xffffffff00000000ull);
}

/* Live words of a block among its words [0, k), when no live object spans word k (k is
 * the first word of a live object, or 64 with none open at the block's end): an object
 * with first word s and last word e adds e + 1 - s; one begun in an earlier block adds
 * e + 1 (its first word is not here). */
static inline int64_t live_words_below(uint64_t first, uint64_t last, unsigned k) {
  uint64_t mask = k >= 64 ? ~0ull : ((1ull << k) - 1);
  first &= mask;
  last &= mask;
  /* Signed: with k = 64, an object open at the block's end has subtracted its first word
   * and not yet added its words (the caller adds them). */
  return (int64_t)position_sum(last) + __builtin_popcountll(last) - (int64_t)position_sum(first);
}

static size_t object_bytes(const mmtk_t *mmtk, uintptr_t object) {
  return align_up(binding_current_size(mmtk, (mmtk_object_t)object), BYTES_IN_WORD);
}

/* ---- Creation ------------------------------------------------------------------------ */

bool compressor_space_create(mmtk_t *mmtk, struct space *s, const char *name, unsigned index,
                             struct compressor_meta *meta) {
  space_init(s, mmtk, name, index, &compressor_space_ops, PR_FREELIST);
  struct compressor *c = calloc(1, sizeof *c);
  if (!c) return false;
  s->policy_data = c;
  c->space = s;
  c->meta = meta;
  pthread_mutex_init(&c->lock, NULL);
  c->capacity = s->extent >> LOG_BYTES_IN_COMPRESSOR_REGION;
  /* Pages of it are touched only as regions are used. */
  c->regions = calloc(c->capacity, sizeof *c->regions);
  if (!c->regions) return false;
  atomic_init(&c->phase, COMPRESSOR_COMPACTED);
  side_metadata_spec_init(&meta->first, "compressor_first_word", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&meta->last, "compressor_last_word", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&meta->moved, "compressor_moved", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&meta->offset, "compressor_offset", 6, LOG_BYTES_IN_COMPRESSOR_BLOCK);
  meta->first.space_index = meta->last.space_index = meta->moved.space_index =
      meta->offset.space_index = (int)index;
  return side_metadata_add(&mmtk->meta, &meta->first) && side_metadata_add(&mmtk->meta, &meta->last) &&
         side_metadata_add(&mmtk->meta, &meta->moved) && side_metadata_add(&mmtk->meta, &meta->offset);
}

void compressor_space_destroy(struct space *s) {
  struct compressor *c = cs(s);
  if (c) {
    pthread_mutex_destroy(&c->lock);
    free(c->regions);
    free(c);
    s->policy_data = NULL;
  }
  space_destroy(s);
}

/* ---- Allocation ---------------------------------------------------------------------- */

/* A buffer for the bump allocator: at least `need` bytes (at most a region), up to
 * BUMP_BUFFER_BYTES, inside one region, so that no object straddles two regions.  The
 * room a GC left at the top of each region is used first, then new regions, each
 * charged to the heap whole. */
static uintptr_t cs_buffer(struct space *s, size_t need, uint32_t opts, enum alloc_status *status,
                           uintptr_t *limit) {
  struct compressor *c = cs(s);
  if (need > REGION) {
    *status = ALLOC_HEAP_FULL; /* the plan sends such objects to the large object space */
    return 0;
  }
  size_t want = need > BUMP_BUFFER_BYTES ? need : BUMP_BUFFER_BYTES;
  pthread_mutex_lock(&c->lock);
  for (size_t i = c->scan; i < c->high; i++) {
    struct region *r = &c->regions[i];
    if (atomic_load_explicit(&r->state, memory_order_relaxed) != REGION_IN_USE) continue;
    uintptr_t top = atomic_load_explicit(&r->top, memory_order_relaxed);
    uintptr_t end = region_start(s, i) + REGION;
    if (end - top < need) {
      /* Nearly full regions are not looked at again before the next GC. */
      if (i == c->scan && end - top < BUMP_BUFFER_BYTES / 8) c->scan++;
      continue;
    }
    uintptr_t give = end - top < want ? end : top + want;
    atomic_store_explicit(&r->top, give, memory_order_relaxed);
    pthread_mutex_unlock(&c->lock);
    *status = ALLOC_OK;
    *limit = give;
    return top;
  }
  pthread_mutex_unlock(&c->lock);
  /* Without the lock: this may find the heap full (the caller then asks for a GC). */
  uintptr_t start = space_acquire(s, REGION_PAGES, opts, status);
  if (!start) return 0;
  if (start & (REGION - 1))
    mmtk_panic(__FILE__, __LINE__, "the %s space got an unaligned region at %p", s->name,
               (void *)start);
  size_t i = region_index(s, start);
  uintptr_t give = start + want;
  pthread_mutex_lock(&c->lock);
  struct region *r = &c->regions[i];
  atomic_store_explicit(&r->live_top, start, memory_order_relaxed);
  atomic_store_explicit(&r->top, give, memory_order_relaxed);
  atomic_store_explicit(&r->pinned, false, memory_order_relaxed);
  atomic_store_explicit(&r->state, REGION_IN_USE, memory_order_release);
  if (i >= c->high) c->high = i + 1;
  pthread_mutex_unlock(&c->lock);
  *limit = give;
  return start;
}

/* ---- Marking ------------------------------------------------------------------------- */

void compressor_prepare(struct space *s) {
  struct compressor *c = cs(s);
  const struct compressor_meta *m = c->meta;
  const struct side_metadata_spec *specs[] = {&m->first, &m->last, &m->moved, &m->offset};
  for (size_t i = 0; i < c->high; i++) {
    struct region *r = &c->regions[i];
    if (atomic_load_explicit(&r->state, memory_order_relaxed) != REGION_IN_USE) continue;
    uintptr_t start = region_start(s, i);
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
      uintptr_t from = side_metadata_unit_address(specs[k], start);
      uintptr_t to = side_metadata_unit_address(specs[k], start + REGION);
      memset((void *)from, 0, to - from);
    }
  }
  c->scan = 0;
  for (size_t i = 0; i < COMPRESSOR_MAX_WORKERS; i++) atomic_store(&c->compacted[i], 0);
}

void compressor_release(struct space *s) {
  struct compressor *c = cs(s);
  for (size_t i = 0; i < c->high; i++)
    atomic_store_explicit(&c->regions[i].pinned, false, memory_order_relaxed);
}

void compressor_set_phase(struct space *s, enum compressor_phase phase) {
  atomic_store(&cs(s)->phase, phase);
}

enum compressor_phase compressor_phase(const struct space *s) {
  return (enum compressor_phase)atomic_load(&cs(s)->phase);
}

static bool is_marked(const struct space *s, uintptr_t object) {
  return bit_get(&cs(s)->meta->first, object);
}

static bool region_pinned(const struct space *s, uintptr_t object) {
  return atomic_load_explicit(&cs(s)->regions[region_index(s, object)].pinned,
                              memory_order_relaxed);
}

uintptr_t compressor_forward(const struct space *s, uintptr_t object) {
  if (region_pinned(s, object)) return object;
  const struct compressor_meta *m = cs(s)->meta;
  uintptr_t block = object & ~(BLOCK - 1);
  uintptr_t base = (uintptr_t)side_metadata_load(&m->offset, block);
  unsigned k = (unsigned)((object - block) >> LOG_BYTES_IN_WORD);
  uint64_t words = (uint64_t)live_words_below(block_bits(&m->first, block), block_bits(&m->last, block), k);
  return base + (words << LOG_BYTES_IN_WORD);
}

static uintptr_t cs_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                          enum trace_kind kind) {
  (void)kind; /* one kind of trace: the phase says what it does */
  switch (compressor_phase(s)) {
  case COMPRESSOR_MARKING:
    if (bit_set(&cs(s)->meta->first, object)) {
      size_t bytes = object_bytes(s->mmtk, object);
      /* A one-word object has its first and last bit in different tables. */
      bit_set(&cs(s)->meta->last, object + bytes - BYTES_IN_WORD);
      w->trace.live_bytes += bytes;
      trace_push(w, object);
    }
    return object;
  case COMPRESSOR_FORWARDED:
    /* The second root scan and the update of objects outside this space.  An unmarked
     * object is a binding's bug (an edge it hid from the closure): left as it is for
     * the sanity verifier to report. */
    return is_marked(s, object) ? compressor_forward(s, object) : object;
  default:
    return object;
  }
}

/* A pinning root: its whole region stays where it is in this GC (the other regions are
 * compacted as usual; the region's dead objects are reclaimed by a later GC). */
static void cs_pin_root(struct space *s, uintptr_t object) {
  if (compressor_phase(s) != COMPRESSOR_MARKING) return; /* the second root scan */
  atomic_store_explicit(&cs(s)->regions[region_index(s, object)].pinned, true,
                        memory_order_relaxed);
}

/* ---- Liveness ------------------------------------------------------------------------ */

static bool cs_reachable(const struct space *s, uintptr_t object) {
  if (compressor_phase(s) == COMPRESSOR_COMPACTED) return bit_get(&cs(s)->meta->moved, object);
  return is_marked(s, object);
}

static uintptr_t cs_forwarded(const struct space *s, uintptr_t object) {
  switch (compressor_phase(s)) {
  case COMPRESSOR_MARKING: return is_marked(s, object) ? object : 0;
  case COMPRESSOR_FORWARDED: return is_marked(s, object) ? compressor_forward(s, object) : 0;
  default: return bit_get(&cs(s)->meta->moved, object) ? object : 0;
  }
}

/* mmtk_is_live_object: below the region's top, a survivor of the last GC or an object
 * allocated since (design.policy.compressor.live). */
static bool cs_live(const struct space *s, uintptr_t object) {
  if (compressor_phase(s) != COMPRESSOR_COMPACTED) return is_marked(s, object);
  const struct compressor *c = cs(s);
  size_t i = region_index(s, object);
  if (i >= c->capacity) return false;
  const struct region *r = &c->regions[i];
  if (atomic_load_explicit(&r->state, memory_order_acquire) != REGION_IN_USE) return false;
  if (object >= atomic_load_explicit(&r->top, memory_order_relaxed)) return false;
  if (object >= atomic_load_explicit(&r->live_top, memory_order_relaxed)) return true;
  return bit_get(&c->meta->moved, object);
}

/* ---- Per-region packets -------------------------------------------------------------- */

struct region_job {
  struct space *space;
  size_t index;
};

static void offsets_run(mmtk_gc_worker_t *w, void *arg);
static void compact_run(mmtk_gc_worker_t *w, void *arg);

void compressor_schedule_regions(mmtk_t *mmtk, struct space *s, int stage) {
  struct compressor *c = cs(s);
  for (size_t i = 0; i < c->high; i++) {
    if (atomic_load_explicit(&c->regions[i].state, memory_order_relaxed) != REGION_IN_USE) continue;
    struct region_job *j = gc_malloc(mmtk, sizeof *j, "a Compressor region packet");
    j->space = s;
    j->index = i;
    if (stage == MMTK_STAGE_COMPACT) gc_add_simple(mmtk, stage, compact_run, j);
    else gc_add_simple(mmtk, stage, offsets_run, j);
  }
}

/* CalculateForwarding: where the live words before each block of region i go. */
static void offsets_run(mmtk_gc_worker_t *w, void *arg) {
  (void)w;
  struct region_job *j = arg;
  struct space *s = j->space;
  size_t i = j->index;
  free(j);
  struct compressor *c = cs(s);
  struct region *r = &c->regions[i];
  if (atomic_load_explicit(&r->pinned, memory_order_relaxed)) return; /* stays in place */
  const struct compressor_meta *m = c->meta;
  uintptr_t start = region_start(s, i), top = atomic_load_explicit(&r->top, memory_order_relaxed);
  int64_t live = 0; /* words */
  int open = 0;      /* an object begun and not yet ended */
  for (uintptr_t b = start; b < top; b += BLOCK) {
    side_metadata_store(&m->offset, b, start + ((uintptr_t)live << LOG_BYTES_IN_WORD));
    uint64_t first = block_bits(&m->first, b), last = block_bits(&m->last, b);
    open += __builtin_popcountll(first) - __builtin_popcountll(last);
    live += live_words_below(first, last, 64) + (open ? (int64_t)WORDS_IN_BLOCK : 0);
  }
}

/* Compact: slide region i's survivors down in address order, update their references
 * (every other region's bitmaps and offsets stay as they were: the forwarding of any
 * reference is computed from them, never from the object it names), and zero or free
 * what is left. */
static void compact_run(mmtk_gc_worker_t *w, void *arg) {
  struct region_job *j = arg;
  struct space *s = j->space;
  size_t i = j->index;
  free(j);
  mmtk_t *mmtk = s->mmtk;
  struct compressor *c = cs(s);
  const struct compressor_meta *m = c->meta;
  struct region *r = &c->regions[i];
  bool pinned = atomic_load_explicit(&r->pinned, memory_order_relaxed);
  uintptr_t start = region_start(s, i), top = atomic_load_explicit(&r->top, memory_order_relaxed);
#if MMTK_HAVE_VO_BIT
  /* The dead objects' bits go; the survivors' are set again where they end up. */
  {
    uintptr_t from = side_metadata_unit_address(&mmtk->vo_bit, start);
    uintptr_t to = side_metadata_unit_address(&mmtk->vo_bit, align_up(top, BLOCK));
    memset((void *)from, 0, to - from);
  }
#endif
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  uintptr_t to = start;
  for (uintptr_t b = start; b < top; b += BLOCK) {
    for (uint64_t first = block_bits(&m->first, b); first; first &= first - 1) {
      uintptr_t o = b + ((uintptr_t)__builtin_ctzll(first) << LOG_BYTES_IN_WORD);
      /* The object is intact: everything moved so far went below `to` <= o. */
      size_t bytes = object_bytes(mmtk, o);
      uintptr_t dest = pinned ? o : to;
      MMTK_XASSERT(pinned || dest == compressor_forward(s, o));
      if (dest != o) {
        if (vm->copy_to) vm->copy_to(mmtk->vm_ctx, (mmtk_object_t)o, (mmtk_object_t)dest, NULL);
        else memmove((void *)dest, (void *)o, bytes);
      }
      bit_set(&m->moved, dest);
#if MMTK_HAVE_VO_BIT
      vo_bit_set(&mmtk->vo_bit, dest);
#endif
      trace_scan_object(w, dest); /* its references, forwarded */
      to = dest + bytes;
    }
  }
  trace_drain(w); /* the slots still batched */
  uintptr_t new_top = pinned ? top : to;
  if (!pinned && new_top == start) {
    /* Nothing survived: the region goes back (zeroed or discarded on the way). */
    pthread_mutex_lock(&c->lock);
    atomic_store_explicit(&r->state, REGION_FREE, memory_order_relaxed);
    atomic_store_explicit(&r->top, start, memory_order_relaxed);
    atomic_store_explicit(&r->live_top, start, memory_order_relaxed);
    pthread_mutex_unlock(&c->lock);
    space_release(s, start, REGION_PAGES);
  } else {
    /* Allocation expects zeroed memory above the top. */
    if (top > new_top) memset((void *)new_top, 0, top - new_top);
    atomic_store_explicit(&r->top, new_top, memory_order_relaxed);
    atomic_store_explicit(&r->live_top, new_top, memory_order_relaxed);
  }
  atomic_fetch_add(&c->compacted[w->id < COMPRESSOR_MAX_WORKERS ? w->id : COMPRESSOR_MAX_WORKERS - 1],
                   1);
}

uint64_t compressor_regions_compacted(const struct space *s, unsigned worker) {
  const struct compressor *c = cs(s);
  if (worker == UINT32_MAX) {
    uint64_t n = 0;
    for (size_t i = 0; i < COMPRESSOR_MAX_WORKERS; i++) n += atomic_load(&c->compacted[i]);
    return n;
  }
  return atomic_load(&c->compacted[worker < COMPRESSOR_MAX_WORKERS ? worker : COMPRESSOR_MAX_WORKERS - 1]);
}

void compressor_log(struct space *s) {
  mmtk_t *mmtk = s->mmtk;
  if (mmtk->options.verbose < 2) return;
  char buf[256];
  size_t used = 0;
  unsigned n = mmtk->sched.nworkers < COMPRESSOR_MAX_WORKERS ? mmtk->sched.nworkers
                                                             : COMPRESSOR_MAX_WORKERS;
  for (unsigned i = 0; i < n && used < sizeof buf; i++)
    used += (size_t)snprintf(buf + used, sizeof buf - used, " %llu",
                             (unsigned long long)compressor_regions_compacted(s, i));
  mmtk_log(mmtk, MMTK_LOG_INFO, "compressor: %llu regions compacted, by worker:%s",
           (unsigned long long)compressor_regions_compacted(s, UINT32_MAX), buf);
}

const struct space_ops compressor_space_ops = {
    .policy = "compressor",
    .is_live = cs_live,
    .is_movable = space_always,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_never,
    .post_alloc = space_no_metadata,
    .trace_object = cs_trace,
    .is_reachable = cs_reachable,
    .get_forwarded = cs_forwarded,
    .pin_root = cs_pin_root,
    .buffer = cs_buffer,
};
