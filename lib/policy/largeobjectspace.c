/* The large object space (MMTk's LargeObjectSpace): every object gets whole pages from a
 * free-list page resource and never moves.  Under NoGC nothing is freed; the collecting
 * plans add its mark/nursery states and the sweep that returns pages. */
#include "mmtk_internal.h"

const struct space_ops large_object_space_ops = {
    .policy = "largeobject",
    .is_live = space_always,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .alloc = NULL,
};

/* ---- In a collecting plan: every object is recorded with its pages; a GC marks the
 * reached ones and the sweep gives the pages of the others back (MMTk's treadmill, as a
 * list).  The two large-object bits: 0 = unmarked, 1 = marked by this (or the last) GC,
 * 2 = allocated since the last GC (set at post_alloc, cleared with the marks at Prepare).
 * So an object is live (mmtk_is_live_object) when its bits are not 0: a dead object's
 * pages went back at the sweep and read zero (freed pages are zeroed or discarded). */

/* A record per object.  The links are guarded by the space's lock (los_state.lock);
 * `object` is written by the allocating mutator's post_alloc (see los_post_alloc) and
 * read by GCs; the rest is written under the lock. */
struct los_node {
  struct los_node *next, *prev;
  uintptr_t start, object; /* the pages' start; the object's reference (see los_post_alloc) */
  size_t pages;
  bool nursery; /* allocated since the last GC */
};

/* The large-object state of an object (om.los): 0 not reached yet by the current GC
 * (every young object from Prepare on, and in a full-heap GC every object), LOS_MARKED
 * reached by it or survived the last one, LOS_NEW allocated since the last GC.  A nursery
 * GC clears only the young objects, so the mature ones read as marked throughout. */
#define LOS_MARKED 1u
#define LOS_NEW 2u

/* Made by los_init() with the space, before any mutator exists: a lazy creation on the
 * first large object would let two threads each make one, and the objects recorded in
 * the lost one would never be swept. */
struct los_state {
  /* Where the states are: the binding's om.los, or the space's own side table
   * (los_use_side_states). */
  const struct obj_meta *bits;
  pthread_mutex_t lock; /* guards the fields below and every node's fields */
  struct los_node *head;
  size_t count;
  bool sweep_nursery_only; /* for the Release packet (los_release) */
};

static struct los_state *los_state(const struct space *s) {
  MMTK_ASSERT(s->policy_data);
  return s->policy_data;
}

bool los_init(struct space *s) {
  struct los_state *st = calloc(1, sizeof *st);
  if (!st) return false;
  pthread_mutex_init(&st->lock, NULL);
  st->bits = &s->mmtk->om.los;
  s->policy_data = st;
  return true;
}

bool los_use_side_states(struct space *s, struct obj_meta *bits, const char *name) {
  memset(bits, 0, sizeof *bits);
  bits->name = name;
  bits->log_bits = 1;
  bits->mask = 3;
  /* One state per page: no two objects share a page here. */
  side_metadata_spec_init(&bits->side, name, 1, LOG_BYTES_IN_PAGE);
  bits->side.space_index = (int)s->index;
  if (!side_metadata_add(&s->mmtk->meta, &bits->side)) return false;
  los_state(s)->bits = bits;
  return true;
}

struct los_node *los_record(struct space *s, uintptr_t start, size_t pages, uintptr_t object) {
  struct los_state *st = los_state(s);
  struct los_node *n = malloc(sizeof *n);
  if (!n) return NULL;
  n->start = start;
  n->pages = pages;
  n->object = object;
  n->nursery = true;
  n->prev = NULL;
  /* New until its first GC; los_post_alloc moves the state to the real reference. */
  om_store(s->mmtk, st->bits, object, LOS_NEW);
  pthread_mutex_lock(&st->lock);
  n->next = st->head;
  if (st->head) st->head->prev = n;
  st->head = n;
  st->count++;
  pthread_mutex_unlock(&st->lock);
  return n;
}

void los_prepare(struct space *s, bool nursery_only) {
  struct los_state *st = los_state(s);
  pthread_mutex_lock(&st->lock);
  for (struct los_node *n = st->head; n; n = n->next) {
    if (nursery_only && !n->nursery) continue; /* mature: keeps its mark */
    om_store(s->mmtk, st->bits, n->object, 0);
  }
  pthread_mutex_unlock(&st->lock);
}

/* A dead object's pages, to be given back. */
struct dead_run {
  uintptr_t start;
  size_t pages;
};

static int cmp_run(const void *a, const void *b) {
  uintptr_t x = ((const struct dead_run *)a)->start, y = ((const struct dead_run *)b)->start;
  return x < y ? -1 : x > y;
}

/* Give back the dead objects' pages, `n` runs: sorted and merged where they touch, so
 * that objects that died together (a structure allocated at once) cost one release (for
 * PageProtect, one madvise and one mprotect) rather than one each, and the free list
 * takes them in address order. */
static void release_runs(struct space *s, struct dead_run *runs, size_t n) {
  qsort(runs, n, sizeof *runs, cmp_run);
  for (size_t i = 0; i < n;) {
    uintptr_t start = runs[i].start;
    size_t pages = runs[i].pages;
    for (i++; i < n && runs[i].start == start + (pages << LOG_BYTES_IN_PAGE); i++)
      pages += runs[i].pages;
    space_release(s, start, pages);
  }
}

void los_sweep(struct space *s, bool nursery_only) {
  struct los_state *st = los_state(s);
  mmtk_t *mmtk = s->mmtk;
  pthread_mutex_lock(&st->lock);
  /* Room for every record's run: without it (out of memory), each is released alone. */
  struct dead_run *dead = st->count ? malloc(st->count * sizeof *dead) : NULL;
  size_t ndead = 0;
  struct los_node *n = st->head;
  while (n) {
    struct los_node *next = n->next;
    if (nursery_only && !n->nursery) {
      n = next;
      continue;
    }
    if (om_load(mmtk, st->bits, n->object) != LOS_MARKED) {
      if (n->prev) n->prev->next = next;
      else st->head = next;
      if (next) next->prev = n->prev;
      st->count--;
#if MMTK_HAVE_VO_BIT
      vo_bit_clear(&mmtk->vo_bit, n->object);
#endif
      /* A side log bit outlives the pages: the next object here starts logged (young). */
      if (s->unlog) om_store(mmtk, &mmtk->om.log, n->object, 0);
      if (dead) dead[ndead++] = (struct dead_run){n->start, n->pages};
      else space_release(s, n->start, n->pages);
      free(n);
    } else if (n->nursery) {
      n->nursery = false; /* a survivor is mature from now on */
      om_store(mmtk, st->bits, n->object, LOS_MARKED);
    }
    n = next;
  }
  pthread_mutex_unlock(&st->lock);
  if (dead) release_runs(s, dead, ndead);
  free(dead);
}

static void sweep_packet(mmtk_gc_worker_t *w, void *arg) {
  (void)w;
  struct space *s = arg;
  los_sweep(s, los_state(s)->sweep_nursery_only);
}

void los_release(struct space *s, bool nursery_only) {
  los_state(s)->sweep_nursery_only = nursery_only; /* read after the scheduler's lock */
  gc_add_simple(s->mmtk, MMTK_STAGE_RELEASE, sweep_packet, s);
}

void los_destroy(struct space *s) {
  struct los_state *st = s->policy_data;
  if (!st) return;
  for (struct los_node *n = st->head, *next; n; n = next) {
    next = n->next;
    free(n);
  }
  pthread_mutex_destroy(&st->lock);
  free(st);
  s->policy_data = NULL;
}

static uintptr_t los_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                           enum trace_kind kind) {
  const mmtk_t *mmtk = s->mmtk;
  const struct obj_meta *bits = los_state(s)->bits;
  /* A nursery GC traces only the young objects: the mature ones read as marked. */
  (void)kind;
  if (om_load(mmtk, bits, object) != LOS_MARKED && om_cas(mmtk, bits, object, 0, LOS_MARKED)) {
    if (s->unlog) om_store(mmtk, &mmtk->om.log, object, 1);
    w->trace.live_bytes += align_up(binding_current_size(mmtk, (void *)object), BYTES_IN_PAGE);
    trace_push(w, object);
  }
  return object;
}

static bool los_reachable(const struct space *s, uintptr_t object) {
  return om_load(s->mmtk, los_state(s)->bits, object) == LOS_MARKED;
}

static bool los_live(const struct space *s, uintptr_t object) {
  return om_load(s->mmtk, los_state(s)->bits, object) != 0;
}

static uintptr_t los_forwarded(const struct space *s, uintptr_t object) {
  return los_reachable(s, object) ? object : 0;
}

static inline bool los_covers(const struct los_node *n, uintptr_t object) {
  return object >= n->start && object < n->start + (n->pages << LOG_BYTES_IN_PAGE);
}

/* The reference may differ from the address allocation returned (a header before it):
 * note it in the object's record.  The mutator's allocator kept that record
 * (large_object_allocator.last), so this is O(1) and takes no lock: the record's
 * `object` is read only by GCs, which stop this mutator first, and another thread's
 * los_record() writes only the list links.  A call the allocator cannot match (another
 * mutator's object, or a second call) searches the list, under the lock, as before. */
static void los_post_alloc(struct space *s, struct mmtk_mutator *m, uintptr_t object,
                           size_t bytes) {
  (void)bytes;
  for (unsigned i = 0; i < MUTATOR_LOS_ALLOCATORS; i++) {
    struct large_object_allocator *a = &m->los[i];
    if (a->space != s || !a->last || !los_covers(a->last, object)) continue;
    a->last->object = object;
    a->last = NULL;
    /* New until its first GC (los_record made it so at the pages' start). */
    om_store(s->mmtk, los_state(s)->bits, object, LOS_NEW);
    return;
  }
  struct los_state *st = los_state(s);
  pthread_mutex_lock(&st->lock);
  for (struct los_node *n = st->head; n; n = n->next)
    if (los_covers(n, object)) {
      n->object = object;
      /* New until its first GC (los_record made it so at the pages' start). */
      om_store(s->mmtk, st->bits, object, LOS_NEW);
      break;
    }
  pthread_mutex_unlock(&st->lock);
}

const struct space_ops large_object_space_gc_ops = {
    .policy = "largeobject",
    .is_live = los_live,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = los_post_alloc,
    .trace_object = los_trace,
    .is_reachable = los_reachable,
    .get_forwarded = los_forwarded,
    .alloc = NULL,
};
