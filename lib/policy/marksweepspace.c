/* The mark-sweep space (design.policy.marksweep). */
#include "mmtk_internal.h"
#include "scheduler/split.h"

enum { MS_AVAILABLE, MS_UNSWEPT, MS_OWNED, MS_FULL, MS_NEW /* not yet in the space's list */ };

/* 8-byte steps to 64, then four classes per power of two (mimalloc's bins, as MMTk). */
const uint32_t ms_class_size[MS_CLASSES] = {
    8,    16,   24,   32,   40,   48,   56,   64,   80,    96,    112,   128,   160,   192,
    224,  256,  320,  384,  448,  512,  640,  768,  896,   1024,  1280,  1536,  1792,  2048,
    2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192, 10240, 12288, 14336, 16384,
};

unsigned ms_size_class(size_t bytes) {
  if (bytes <= 64) return bytes ? (unsigned)((bytes - 1) >> 3) : 0;
  /* Above 64: with 2^p < bytes <= 2^(p+1), the quarter of that range holding `bytes`
   * (no search: this runs for every allocation the inline path does not take). */
  size_t b = bytes - 1;
  unsigned p = (unsigned)(63 - __builtin_clzll((unsigned long long)b));
  return 8 + 4 * (p - 6) + (unsigned)((b >> (p - 2)) & 3);
}

struct ms_state {
  pthread_mutex_t lock; /* guards the lists, `all`, and every block's free, where, index */
  struct side_metadata_spec *mark; /* NULL: the mark is in the header (mmtk->om.mark) */
  struct ms_block *available[MS_CLASSES], *unswept[MS_CLASSES];
  struct ms_block **all;
  size_t nall, cap;
  _Atomic bool tracing; /* from Prepare to Release: the marks are this GC's (ms_live) */
};

static struct ms_state *state(const struct space *s) { return s->policy_data; }

bool ms_space_init(struct space *s, struct side_metadata_spec *mark) {
  struct ms_state *st = calloc(1, sizeof *st);
  if (!st) return false;
  pthread_mutex_init(&st->lock, NULL);
  /* Side marks are a bit per word: ms_trace's test-and-set and sweep() read them so. */
  MMTK_ASSERT(!mark || (mark->log_bits == 0 && mark->log_region == LOG_BYTES_IN_WORD));
  st->mark = mark;
  s->policy_data = st;
  return true;
}

bool ms_uses_header_marks(const mmtk_t *mmtk) {
  return mmtk->om.mark.in_header &&
         (!mmtk->vm.ref_to_object_start || (mmtk->vm.flags & MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS));
}

bool ms_space_create(mmtk_t *mmtk, struct space *s, const char *name, unsigned index,
                     struct side_metadata_spec *mark) {
  space_init(s, mmtk, name, index, &mark_sweep_space_ops, PR_FREELIST);
  /* A block is zeroed once per cycle, cell by cell as it is allocated (the allocators,
   * inline ones too, zero each cell they hand out): its pages are neither zeroed when
   * an empty block is released nor when it is taken again (new_block), new_block
   * writes every header field, and its cells are linked as they are carved
   * (design.policy.marksweep.sweep, design.policy.marksweep.carve). */
  pr_set_zero_on_acquire(&s->pr);
  if (ms_uses_header_marks(mmtk)) return ms_space_init(s, NULL);
  /* The mark bits: one per 8-byte granule, set at each live cell's start; committed
   * only for this space's chunks. */
  side_metadata_spec_init(mark, "ms_mark", 0, LOG_BYTES_IN_WORD);
  mark->space_index = (int)index;
  return side_metadata_add(&mmtk->meta, mark) && ms_space_init(s, mark);
}

void ms_space_destroy(struct space *s) {
  struct ms_state *st = state(s);
  if (!st) return;
  /* The blocks go with the heap's mappings; their side arrays are ours to free. */
  for (size_t i = 0; i < st->nall; i++) free(st->all[i]->disp);
  free(st->all);
  pthread_mutex_destroy(&st->lock);
  free(st);
  s->policy_data = NULL;
}

static inline uintptr_t cells_start(const struct ms_block *b) {
  return (uintptr_t)b + MS_HEADER_BYTES;
}

/* ---- Header marks --------------------------------------------------------------------
 * With the mark bit in the object header the sweep must find each cell's object: at the
 * cell start unless b->disp says otherwise.  Cells that were free before the GC hold a
 * free-list link, not an object, so they are excluded by walking the block's free list
 * (complete at sweep time: allocators hand their blocks back at every GC, with the
 * cells never carved linked then, ms_return_block()).
 *
 * Header marks are never cleared: a lazy sweep runs beside the mutators, and writing
 * into live objects' headers there would race with the VM's own header updates (a
 * ThreadSanitizer report; with a VM's read-modify-write of its header word, a lost
 * update).  The mark is the space's mark state instead, flipped at each GC's Prepare,
 * after the last sweep of the old marks: an object is marked when its bit equals the
 * state.  A new object must read as unmarked at the next GC, so ms_post_alloc() gives it
 * the current state (zero-filled memory already holds state 0); mutators of such a plan
 * therefore take mmtk_post_alloc()'s out-of-line path. */

#define MAX_CELLS ((MS_BLOCK_BYTES - MS_HEADER_BYTES) / 8)
#define BITMAP_WORDS ((MAX_CELLS + 63) / 64)

static inline uintptr_t cell_object(const struct ms_block *b, unsigned i, uintptr_t c) {
  return b->disp ? c + b->disp[i] : c;
}

/* Bit i of `live`: cell i holds a marked object. */
static void header_live_cells(struct space *s, struct ms_block *b, uint64_t *live) {
  const mmtk_t *mmtk = s->mmtk;
  const struct obj_meta *mark = &mmtk->om.mark;
  uint8_t marked = s->mark_state;
  uint64_t was_free[BITMAP_WORDS] = {0};
  uintptr_t first = cells_start(b);
  for (uintptr_t f = b->free; f; f = *(uintptr_t *)f) {
    size_t i = (f - first) / b->cell_size;
    was_free[i / 64] |= (uint64_t)1 << (i % 64);
  }
  memset(live, 0, BITMAP_WORDS * sizeof *live);
  uintptr_t c = first;
  for (unsigned i = 0; i < b->ncells; i++, c += b->cell_size) {
    if (was_free[i / 64] >> (i % 64) & 1) continue;
    uintptr_t o = cell_object(b, i, c);
    if (om_load(mmtk, mark, o) != marked) continue;
    live[i / 64] |= (uint64_t)1 << (i % 64);
  }
}

bool ms_note_displacement(struct space *s, struct ms_block *b, uintptr_t cell, uintptr_t object) {
  if (state(s)->mark) return true; /* side marks are per cell: nothing to remember */
  if (!b->disp) {
    b->disp = calloc(b->ncells, sizeof *b->disp);
    if (!b->disp) return false;
  }
  b->disp[(cell - cells_start(b)) / b->cell_size] = (uint16_t)(object - cell);
  return true;
}

static inline struct ms_block *block_of(uintptr_t a) {
  return (struct ms_block *)align_down(a, MS_BLOCK_BYTES);
}

/* The start of the cell holding `a` (an object may start after its cell's start). */
static inline uintptr_t cell_of(uintptr_t a) {
  struct ms_block *b = block_of(a);
  uintptr_t first = cells_start(b);
  /* Exact for offsets and cell sizes below 2^16: the block is 64 KiB. */
  uintptr_t index = (uintptr_t)(((uint64_t)(a - first) * b->cell_magic) >> 32);
  return first + index * b->cell_size;
}

/* ---- Blocks (the lock is held) ------------------------------------------------------ */

static void push(struct ms_block **list, struct ms_block *b, int where) {
  b->next = *list;
  *list = b;
  b->where = (uint8_t)where;
}

/* An empty block leaves the space's array (the lock is held); its pages go back with
 * release_blocks(), after the lock is dropped (design.policy.marksweep.sweep). */
static void forget_block(struct space *s, struct ms_block *b, struct ms_block **freed) {
  struct ms_state *st = state(s);
  size_t i = b->index;
  st->all[i] = st->all[--st->nall];
  st->all[i]->index = i;
  free(b->disp);
  b->disp = NULL;
  b->next = *freed;
  *freed = b;
}

/* Give the pages of forgotten blocks back, without the space's lock (the page resource
 * has its own). */
static void release_blocks(struct space *s, struct ms_block *freed) {
  while (freed) {
    struct ms_block *next = freed->next;
    space_release(s, (uintptr_t)freed, MS_BLOCK_BYTES >> LOG_BYTES_IN_PAGE);
    freed = next;
  }
}

/* Rebuild the block's free list from the marks; true if no cell is live.  Touches only
 * the block and its marks: the caller owns the block, with or without the lock. */
static bool sweep(struct space *s, struct ms_block *b) {
  struct ms_state *st = state(s);
  mmtk_t *mmtk = s->mmtk;
  uintptr_t c = cells_start(b), free = 0;
  uintptr_t *link = &free;
  unsigned nfree = 0;
  uint64_t live[BITMAP_WORDS];
  /* Side marks: a bit per word, the block's bits from this byte on (the block is aligned
   * far beyond a byte's 64 bytes of heap), read here without a call per cell. */
  const uint8_t *marks = NULL;
  if (st->mark) marks = (const uint8_t *)side_metadata_unit_address(st->mark, (uintptr_t)b);
  else header_live_cells(s, b, live);
  for (unsigned i = 0; i < b->ncells; i++, c += b->cell_size) {
    uintptr_t off = c - (uintptr_t)b;
    if (marks ? (marks[off >> 6] >> ((off >> 3) & 7) & 1) : (live[i / 64] >> (i % 64) & 1)) continue;
    *link = c;
    link = (uintptr_t *)c;
    nfree++;
    if (b->disp) b->disp[i] = 0;
  }
  *link = 0;
  (void)mmtk; /* the dead cells' VO bits went at ms_release() */
  if (st->mark) side_metadata_bzero(st->mark, cells_start(b), (size_t)b->ncells * b->cell_size);
  b->free = free;
  b->nfree = (uint16_t)nfree;
  return nfree == b->ncells;
}

/* A fresh block of class `cls`, not yet known to the space (NULL and *status when the
 * pages cannot be had).  Called without the space's lock: taking pages may call the
 * binding (vm_live_bytes, is_gc_required), which may take locks of its own that it also
 * holds when it calls libmmtk (ThreadSanitizer found that lock-order inversion). */
static struct ms_block *new_block(struct space *s, unsigned cls, uint32_t opts, int *status) {
  enum alloc_status as;
  uintptr_t start =
      space_acquire(s, MS_BLOCK_BYTES >> LOG_BYTES_IN_PAGE, opts | ALLOC_OPT_UNZEROED, &as);
  if (!start) {
    *status = as;
    return NULL;
  }
  MMTK_ASSERT(start % MS_BLOCK_BYTES == 0);
  struct ms_block *b = (struct ms_block *)start;
  b->cell_size = ms_class_size[cls];
  b->cell_magic = (uint32_t)((((uint64_t)1 << 32) + b->cell_size - 1) / b->cell_size);
  b->cls = (uint8_t)cls;
  b->ncells = (uint16_t)((MS_BLOCK_BYTES - MS_HEADER_BYTES) / b->cell_size);
  b->nfree = b->ncells;
  /* No cell is linked yet: the allocator carves them a page at a time (ms_carve). */
  b->free = 0;
  b->carve = cells_start(b);
  b->disp = NULL;
  b->where = MS_NEW;
  return b;
}

/* design.policy.marksweep.carve: a fresh block's free list is built a page of cells at a
 * time, just before the allocator hands them out, instead of all at once when the block
 * is taken.  Linking all 64 KiB up front wrote every cell once more than needed and,
 * the block being larger than a first-level cache, evicted the cells before they were
 * allocated: each was missed twice.  A page's cells are still in the cache when they
 * are popped, zeroed and initialised. */
#define CARVE_BYTES ((uintptr_t)4096)

uintptr_t ms_carve(struct ms_block *b) {
  uintptr_t c = b->carve;
  if (!c) return 0;
  uintptr_t size = b->cell_size, end = cells_start(b) + (uintptr_t)b->ncells * size;
  uintptr_t stop = c + CARVE_BYTES;
  if (stop > end) stop = end;
  uintptr_t last = c;
  /* At least one cell; then every cell that ends before `stop`. */
  for (uintptr_t n = c + size; n + size <= stop; n += size) {
    *(uintptr_t *)last = n;
    last = n;
  }
  *(uintptr_t *)last = 0;
  b->carve = last + size < end ? last + size : 0;
  /* The next page's lines, asked for now (design.policy.marksweep.carve): the cells just
   * linked keep the mutator busy while they come. */
  if (b->carve) {
    uintptr_t next = b->carve + CARVE_BYTES < end ? b->carve + CARVE_BYTES : end;
    for (uintptr_t p = b->carve & ~(uintptr_t)63; p < next; p += 64) __builtin_prefetch((void *)p, 1, 3);
  }
  return c;
}

/* Link every cell not carved yet after the list `free` (in address order, all before
 * them); the new list. */
static uintptr_t carve_rest(struct ms_block *b, uintptr_t free) {
  uintptr_t c = b->carve;
  if (!c) return free;
  b->carve = 0;
  uintptr_t size = b->cell_size, end = cells_start(b) + (uintptr_t)b->ncells * size;
  uintptr_t *link = &free;
  while (*link) link = (uintptr_t *)*link;
  for (; c < end; c += size) {
    *link = c;
    link = (uintptr_t *)c;
  }
  *link = 0;
  return free;
}

/* Make a new block known to the space (the lock is held); false if out of memory. */
static bool register_block(struct space *s, struct ms_block *b) {
  struct ms_state *st = state(s);
  if (st->nall == st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 256;
    struct ms_block **all = realloc(st->all, cap * sizeof *all);
    if (!all) return false;
    st->all = all;
    st->cap = cap;
  }
  b->index = st->nall;
  st->all[st->nall++] = b;
  return true;
}

/* Sweep every unswept block (the lock is held); the empty ones join *freed. */
static void sweep_all_unswept(struct space *s, struct ms_block **freed) {
  struct ms_state *st = state(s);
  for (unsigned c = 0; c < MS_CLASSES; c++) {
    struct ms_block *b = st->unswept[c];
    st->unswept[c] = NULL;
    while (b) {
      struct ms_block *next = b->next;
      if (sweep(s, b)) forget_block(s, b, freed);
      else if (b->nfree) push(&st->available[c], b, MS_AVAILABLE);
      else b->where = MS_FULL;
      b = next;
    }
  }
}

/* A block of class `cls` that has a free cell, taken with the lock dropped: an available
 * one, or one swept now (lazy sweeping: the allocator sweeps the blocks it takes).  An
 * unswept block is owned (MS_OWNED) before the lock is dropped, so that it is swept
 * outside the lock by its taker alone (design.policy.marksweep.sweep); ms_live() does
 * not read an owned block's marks or free list. */
static struct ms_block *reuse_block(struct space *s, unsigned cls) {
  struct ms_state *st = state(s);
  for (;;) {
    pthread_mutex_lock(&st->lock);
    struct ms_block *b = st->available[cls];
    bool unswept = false;
    if (b) {
      st->available[cls] = b->next;
    } else if ((b = st->unswept[cls])) {
      st->unswept[cls] = b->next;
      unswept = true;
    }
    if (b) b->where = MS_OWNED;
    pthread_mutex_unlock(&st->lock);
    if (!b || !unswept) return b;
    bool empty = sweep(s, b);
    if (!empty && b->nfree) return b;
    struct ms_block *freed = NULL;
    pthread_mutex_lock(&st->lock);
    if (empty) forget_block(s, b, &freed);
    else b->where = MS_FULL;
    pthread_mutex_unlock(&st->lock);
    release_blocks(s, freed); /* empty: its pages go back; try the next */
  }
}

/* Sweep every unswept block now. */
void ms_sweep_all(struct space *s) {
  struct ms_state *st = state(s);
  struct ms_block *freed = NULL;
  pthread_mutex_lock(&st->lock);
  sweep_all_unswept(s, &freed);
  pthread_mutex_unlock(&st->lock);
  release_blocks(s, freed);
}

struct ms_block *ms_take_block(struct space *s, unsigned cls, uint32_t opts, int *status) {
  struct ms_state *st = state(s);
  struct ms_block *b = reuse_block(s, cls);
  bool fresh = false;
  if (!b) {
    b = new_block(s, cls, opts, status);
    if (!b && *status == ALLOC_HEAP_FULL) {
      /* Empty blocks may still wait to be swept: free them before asking for a GC. */
      ms_sweep_all(s);
      b = reuse_block(s, cls);
      if (!b) b = new_block(s, cls, opts, status);
    }
    fresh = b && b->where == MS_NEW;
  }
  if (!b) return NULL;
  pthread_mutex_lock(&st->lock);
  bool ok = !fresh || register_block(s, b);
  if (ok) b->where = MS_OWNED;
  pthread_mutex_unlock(&st->lock);
  if (!ok) {
    space_release(s, (uintptr_t)b, MS_BLOCK_BYTES >> LOG_BYTES_IN_PAGE);
    *status = ALLOC_MMAP_FAILED;
    return NULL;
  }
  /* A fresh block's first page of cells (design.policy.marksweep.carve). */
  if (fresh) b->free = ms_carve(b);
  return b;
}

void ms_return_block(struct space *s, struct ms_block *b, uintptr_t free) {
  struct ms_state *st = state(s);
  free = carve_rest(b, free);
  unsigned n = 0;
  for (uintptr_t c = free; c; c = *(uintptr_t *)c) {
    /* Still in address order (ms_live's on_free_list() relies on it). */
    MMTK_XASSERT(*(uintptr_t *)c == 0 || *(uintptr_t *)c > c);
    n++;
  }
  pthread_mutex_lock(&st->lock);
  b->free = free;
  b->nfree = (uint16_t)n;
  if (n) push(&st->available[b->cls], b, MS_AVAILABLE);
  else b->where = MS_FULL;
  pthread_mutex_unlock(&st->lock);
}

/* ---- Split work: Prepare's sweep and Release, MS_SLICE blocks a packet ----------------
 * (design.policy.marksweep.release, design.policy.marksweep.prepare) */

#define MS_SLICE 512 /* blocks (32 MiB) per packet */

struct ms_job {
  struct space *s;
  const char *what; /* for the log */
  struct split split; /* design.scheduler.split */
  size_t nblocks, nslices;
  struct ms_block **blocks; /* Prepare: the blocks to sweep (Release: the space's array) */
};

struct ms_slice {
  struct ms_job *job;
  size_t begin, end; /* in the job's blocks */
};

/* A job and its slices over `n` blocks (n > 0), in one allocation. */
static struct ms_slice *job_new(struct space *s, const char *what, size_t n) {
  size_t nslices = (n + MS_SLICE - 1) / MS_SLICE;
  struct ms_job *job = gc_malloc(s->mmtk, sizeof *job + nslices * sizeof(struct ms_slice),
                                 "a mark-sweep work packet");
  struct ms_slice *slices = (struct ms_slice *)(job + 1);
  job->s = s;
  job->what = what;
  split_init(&job->split, nslices);
  job->nblocks = n;
  job->nslices = nslices;
  job->blocks = NULL;
  for (size_t i = 0; i < nslices; i++)
    slices[i] = (struct ms_slice){job, i * MS_SLICE, i + 1 < nslices ? (i + 1) * MS_SLICE : n};
  return slices;
}

/* Run one slice inline, or queue them all in `stage`. */
static void job_start(struct ms_slice *slices, int stage,
                      void (*run)(mmtk_gc_worker_t *w, void *arg)) {
  struct ms_job *job = slices[0].job;
  /* Read before the first packet is queued: the last slice frees the job. */
  size_t n = job->nslices;
  mmtk_t *mmtk = job->s->mmtk;
  if (n == 1) {
    run(NULL, &slices[0]); /* not worth a packet */
    return;
  }
  for (size_t i = 0; i < n; i++) gc_add_simple(mmtk, stage, run, &slices[i]);
}

/* The slice is done; true for the last one, which then finishes the job (every other
 * slice's writes are visible to it: the count's read-modify-write orders them). */
static bool slice_done(mmtk_gc_worker_t *w, struct ms_slice *sl) {
  struct ms_job *job = sl->job;
  if (!split_done(&job->split, w)) return false;
  mmtk_t *mmtk = job->s->mmtk;
  if (job->nslices > 1 && mmtk->options.verbose >= 2)
    mmtk_log(mmtk, MMTK_LOG_DEBUG, "%s %s: %zu blocks in %zu packets, on %d workers",
             job->s->name, job->what, job->nblocks, job->nslices,
             split_workers(&job->split));
  return true;
}

/* Prepare: the blocks no mutator swept since the last GC are swept now, while their
 * marks are still that GC's, each as a lazy sweep does it (reuse_block): owned
 * (MS_OWNED, taken off its list under the lock), swept without the lock, put back. */
static void prepare_slice(mmtk_gc_worker_t *w, void *arg) {
  struct ms_slice *sl = arg;
  struct ms_job *job = sl->job;
  struct space *s = job->s;
  struct ms_state *st = state(s);
  struct ms_block *freed = NULL;
  for (size_t i = sl->begin; i < sl->end; i++) {
    struct ms_block *b = job->blocks[i];
    bool empty = sweep(s, b);
    pthread_mutex_lock(&st->lock);
    if (empty) forget_block(s, b, &freed);
    else if (b->nfree) push(&st->available[b->cls], b, MS_AVAILABLE);
    else b->where = MS_FULL;
    pthread_mutex_unlock(&st->lock);
  }
  release_blocks(s, freed);
  if (!slice_done(w, sl)) return;
  /* The last one: every block is swept; this GC's marks start. */
  if (!st->mark) space_flip_mark_state(s); /* header marks: see "Header marks" above */
  atomic_store_explicit(&st->tracing, true, memory_order_release);
  free(job->blocks);
  free(job);
}

void ms_prepare(struct space *s) {
  struct ms_state *st = state(s);
  /* The marks of the last GC are still needed by the blocks not swept yet.  With more
   * than one worker and more than MS_SLICE blocks in the space, the unswept ones are
   * taken off their lists (one walk of them) for Prepare packets; else, and for any
   * left, they are swept here. */
  struct ms_block **blocks = NULL;
  size_t n = 0;
  pthread_mutex_lock(&st->lock);
  size_t cap = st->nall;
  pthread_mutex_unlock(&st->lock);
  if (s->mmtk->sched.nworkers > 1 && cap > MS_SLICE) {
    blocks = gc_malloc(s->mmtk, cap * sizeof *blocks, "a mark-sweep work packet");
    pthread_mutex_lock(&st->lock); /* no mutator runs: `all` has not grown */
    for (unsigned c = 0; c < MS_CLASSES; c++) {
      struct ms_block *b = st->unswept[c];
      for (; b && n < cap; b = b->next) {
        b->where = MS_OWNED;
        blocks[n++] = b;
      }
      st->unswept[c] = b;
    }
    pthread_mutex_unlock(&st->lock);
  }
  ms_sweep_all(s); /* all of them, or normally none */
  if (!n) {
    free(blocks);
    if (!st->mark) space_flip_mark_state(s);
    atomic_store_explicit(&st->tracing, true, memory_order_release);
    return;
  }
  struct ms_slice *slices = job_new(s, "prepare sweep", n);
  slices[0].job->blocks = blocks;
  job_start(slices, MMTK_STAGE_PREPARE, prepare_slice);
}

#if MMTK_HAVE_VO_BIT
/* Clear the VO bits of every cell of `b` whose mark is clear.  The mark and VO tables
 * both keep one bit per 8-byte granule, so a block's bits are one 1-KiB run in each:
 * the marked cells' granules make a mask that is ANDed into the VO bits a word at a time
 * (an object may start anywhere in its cell, so whole cells are kept). */
#define GRANULES_PER_BLOCK (MS_BLOCK_BYTES >> LOG_BYTES_IN_WORD)
static void clear_dead_vo_bits(struct space *s, struct ms_block *b) {
  const struct side_metadata_spec *mark = state(s)->mark, *vo = &s->mmtk->vo_bit;
  if (!mark) {
    uint64_t live[BITMAP_WORDS];
    header_live_cells(s, b, live);
    uintptr_t c = cells_start(b);
    for (unsigned i = 0; i < b->ncells; i++, c += b->cell_size)
      if (!(live[i / 64] >> (i % 64) & 1)) side_metadata_bzero(vo, c, b->cell_size);
    return;
  }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  _Static_assert(GRANULES_PER_BLOCK % 64 == 0, "a block's bits are whole words");
  uint64_t live[GRANULES_PER_BLOCK / 64] = {0};
  const uint64_t *marks = (const uint64_t *)side_metadata_unit_address(mark, (uintptr_t)b);
  uint64_t *vos = (uint64_t *)side_metadata_unit_address(vo, (uintptr_t)b);
  size_t cell_granules = b->cell_size >> LOG_BYTES_IN_WORD;
  for (size_t w = 0; w < GRANULES_PER_BLOCK / 64; w++) {
    for (uint64_t m = __atomic_load_n(&marks[w], __ATOMIC_RELAXED); m; m &= m - 1) {
      size_t g = w * 64 + (size_t)__builtin_ctzll(m), end = g + cell_granules;
      if (end > GRANULES_PER_BLOCK) end = GRANULES_PER_BLOCK;
      for (; g < end && g % 64; g++) live[g / 64] |= (uint64_t)1 << (g % 64);
      for (; g + 64 <= end; g += 64) live[g / 64] = ~(uint64_t)0;
      for (; g < end; g++) live[g / 64] |= (uint64_t)1 << (g % 64);
    }
  }
  for (size_t w = 0; w < GRANULES_PER_BLOCK / 64; w++)
    if (~live[w] & __atomic_load_n(&vos[w], __ATOMIC_RELAXED))
      __atomic_fetch_and(&vos[w], live[w], __ATOMIC_RELAXED);
#else
  uintptr_t c = cells_start(b);
  for (unsigned k = 0; k < b->ncells; k++, c += b->cell_size)
    if (!side_metadata_load(mark, c)) side_metadata_bzero(vo, c, b->cell_size);
#endif
}
#endif

/* Release: every block becomes unswept.  The blocks' lists stay as they are until each
 * slice splices its own into the unswept lists; until the last slice is done ms_live()
 * answers from the marks (`tracing`), so nothing reads a block's list or state
 * meanwhile, and mutators, which take blocks, are stopped. */
static void release_slice(mmtk_gc_worker_t *w, void *arg) {
  struct ms_slice *sl = arg;
  struct ms_job *job = sl->job;
  struct space *s = job->s;
  struct ms_state *st = state(s);
  struct ms_block *head[MS_CLASSES] = {0}, *tail[MS_CLASSES] = {0};
  /* The array does not change before the mutators run again (only they add or free
   * blocks). */
  for (size_t i = sl->begin; i < sl->end; i++) {
    struct ms_block *b = st->all[i];
    if (!tail[b->cls]) tail[b->cls] = b;
    push(&head[b->cls], b, MS_UNSWEPT);
#if MMTK_HAVE_VO_BIT
    /* The valid-object bit must not outlive the object, even before the sweep. */
    clear_dead_vo_bits(s, b);
#endif
  }
  pthread_mutex_lock(&st->lock);
  for (unsigned c = 0; c < MS_CLASSES; c++) {
    if (!head[c]) continue;
    tail[c]->next = st->unswept[c];
    st->unswept[c] = head[c];
  }
  pthread_mutex_unlock(&st->lock);
  if (!slice_done(w, sl)) return;
  /* The last slice: every block is unswept. */
  atomic_store_explicit(&st->tracing, false, memory_order_release);
  free(job);
}

void ms_release(struct space *s) {
  struct ms_state *st = state(s);
  pthread_mutex_lock(&st->lock);
  for (unsigned c = 0; c < MS_CLASSES; c++) st->available[c] = NULL;
  size_t n = st->nall;
  pthread_mutex_unlock(&st->lock);
  if (!n) {
    atomic_store_explicit(&st->tracing, false, memory_order_release);
    return;
  }
  job_start(job_new(s, "release", n), MMTK_STAGE_RELEASE, release_slice);
}

/* ---- Tracing ------------------------------------------------------------------------ */

static uintptr_t ms_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                          enum trace_kind kind) {
  if (kind == TRACE_NURSERY) return object; /* mature: the remembered set covers it */
  struct side_metadata_spec *mark = state(s)->mark;
  if (!mark) {
    const struct obj_meta *hm = &s->mmtk->om.mark;
    uint8_t marked = s->mark_state;
    if (om_load(s->mmtk, hm, object) != marked && om_cas(s->mmtk, hm, object, marked ^ 1, marked)) {
      if (s->unlog) om_store(s->mmtk, &s->mmtk->om.log, object, 1);
      w->trace.live_bytes += block_of(object)->cell_size;
      trace_push(w, object);
    }
    return object;
  }
  if (side_metadata_test_and_set_bit(mark, cell_of(object))) {
    if (s->unlog) om_store(s->mmtk, &s->mmtk->om.log, object, 1);
    w->trace.live_bytes += block_of(object)->cell_size;
    trace_push(w, object);
  }
  return object;
}

static bool ms_reachable(const struct space *s, uintptr_t object) {
  if (!state(s)->mark) return om_load(s->mmtk, &s->mmtk->om.mark, object) == s->mark_state;
  return side_metadata_load(state(s)->mark, cell_of(object)) != 0;
}

static uintptr_t ms_forwarded(const struct space *s, uintptr_t object) {
  return ms_reachable(s, object) ? object : 0;
}

/* ---- Liveness (mmtk_is_live_object, design.policy.live) ------------------------------
 * From Prepare to Release an object is live when this GC has marked it.  Between GCs it
 * depends on its block:
 *  - not swept since the GC: no mutator has allocated there since (allocators sweep the
 *    blocks they take), so the GC's marks are the answer; with header marks, for cells
 *    not on the free list from before the GC (a free cell's "header" is its link);
 *  - swept and held by no mutator: live unless its cell is on the block's free list (the
 *    dead objects are, until a cell is reused; survivors and new objects are not);
 *  - held by a mutator (MS_OWNED): the free list is the mutator's, popped without
 *    libmmtk (the inline path in <mmtk/inline.h>) and unsafe to read from here.  With
 *    the VO bit the cell's VO bit answers (set at post_alloc, cleared at Release for the
 *    dead); without it nothing does, and the block's every cell reads live, as the man
 *    page says.  Recording allocations for this would slow the inline path.
 * A block whose pages went back reads zero: its index does not name it. */

/* Free lists run in address order: the sweep and new_block() build them so, and
 * allocators only pop from the front (or push back the cell they just popped). */
static bool on_free_list(const struct ms_block *b, uintptr_t cell) {
  uintptr_t f = b->free;
  while (f && f < cell) f = *(const uintptr_t *)f;
  return f == cell;
}

static bool ms_live(const struct space *s, uintptr_t object) {
  struct ms_state *st = state(s);
  if (atomic_load_explicit(&st->tracing, memory_order_acquire))
    return ms_reachable(s, object);
  const struct ms_block *b = block_of(object);
  bool live;
  pthread_mutex_lock(&st->lock);
  if (b->index >= st->nall || st->all[b->index] != b) live = false; /* freed */
  else if (b->where == MS_UNSWEPT)
    live = ms_reachable(s, object) && (st->mark || !on_free_list(b, cell_of(object)));
#if MMTK_HAVE_VO_BIT
  else if (b->where == MS_OWNED) live = vo_bit_is_set(&s->mmtk->vo_bit, object);
#else
  else if (b->where == MS_OWNED) live = true;
#endif
  else live = !on_free_list(b, cell_of(object));
  pthread_mutex_unlock(&st->lock);
  return live;
}

/* Header marks: a new object reads as unmarked at the next GC (see "Header marks"). */
static void ms_post_alloc(struct space *s, struct mmtk_mutator *m, uintptr_t object,
                          size_t bytes) {
  (void)m;
  (void)bytes;
  if (!state(s)->mark && s->mark_state) om_store(s->mmtk, &s->mmtk->om.mark, object, 1);
}

const struct space_ops mark_sweep_space_ops = {
    .policy = "marksweep",
    .is_live = ms_live,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = ms_post_alloc,
    .trace_object = ms_trace,
    .is_reachable = ms_reachable,
    .get_forwarded = ms_forwarded,
    .alloc = NULL,
};
