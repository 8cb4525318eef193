/* The mark-compact space (design.markcompact): a Lisp-2 sliding compactor.
 *
 * Between GCs every object has a clear forwarding word just before its start, its bit in
 * the object map and a clear mark.  A GC:
 *   Closure        marks (own side bits) and pushes; nothing moves.  A pinning root's
 *                  word was tagged MC_PINNED while the roots were scanned.
 *   CalculateForwarding  walks the marks in address order and gives each marked
 *                  object the lowest address after the survivors before it (a pinned one
 *                  keeps its own); that address goes into its word.
 *   SecondRoots    trace_object now returns the word's address: the roots are scanned
 *                  again and the objects scanned outside the space too (plan/forwarding.h),
 *                  and the survivors here are scanned once more, walking the marks, so
 *                  that every reference, roots and fields, holds the new address.  Fields
 *                  are updated in place: the objects have not moved yet.
 *   Compact        clears the object map, walks the marks again and slides every
 *                  survivor to its new address, in address order, so that no copy
 *                  overwrites an object not yet moved; then clears the marks.
 * Neither walk visits a dead object (design.markcompact.walk).
 * A new address is never above the old one (the survivors before an object fit below it,
 * since they fitted there before), so a pinned object's place is always free: the slide
 * leaves a gap before it. */
#include "mmtk_internal.h"

#include "policy/markcompactspace.h"

/* A tag in the low bits of the forwarding word (addresses are word aligned): a pinning
 * root, which stays where it is. */
#define MC_PINNED ((uintptr_t)1)

static inline struct mc_state *state(const struct space *s) { return s->policy_data; }

static inline uintptr_t object_start(const mmtk_t *mmtk, uintptr_t o) {
  return mmtk->vm.ref_to_object_start
             ? (uintptr_t)mmtk->vm.ref_to_object_start(mmtk->vm_ctx, (mmtk_object_t)o)
             : o;
}

static inline _Atomic uintptr_t *fwd_word(const mmtk_t *mmtk, uintptr_t o) {
  return (_Atomic uintptr_t *)(object_start(mmtk, o) - MC_HEADER_BYTES);
}

bool mc_space_create(mmtk_t *mmtk, struct space *s, const char *name, unsigned index,
                     struct mc_state *st) {
  space_init(s, mmtk, name, index, &mark_compact_space_ops, PR_MONOTONE);
  memset(st, 0, sizeof *st);
  st->phase = MC_DONE;
  s->policy_data = st;
  side_metadata_spec_init(&st->objects, "mc_objects", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&st->mark, "mc_mark", 0, LOG_BYTES_IN_WORD);
  st->objects.space_index = st->mark.space_index = (int)index;
  return side_metadata_add(&mmtk->meta, &st->objects) && side_metadata_add(&mmtk->meta, &st->mark);
}

void mc_space_destroy(struct space *s) { space_destroy(s); }

/* ---- Walking the object map in address order ---------------------------------------- */

/* Call fn(s, object, arg) for every object whose bit in `map` (the object map or the
 * marks) is set in [start, end) (both multiples of 512: a 64-bit word of the map).  Each
 * map word is read before its objects are visited, so fn may clear and set bits at or
 * below the object it is given. */
static void walk(struct space *s, const struct side_metadata_spec *map, uintptr_t start,
                 uintptr_t end, void (*fn)(struct space *s, uintptr_t object, void *arg),
                 void *arg) {
  const uintptr_t span = (uintptr_t)64 << LOG_BYTES_IN_WORD; /* heap bytes per map word */
  for (uintptr_t a = start; a < end; a += span) {
    const _Atomic uint64_t *w = (const _Atomic uint64_t *)side_metadata_unit_address(map, a);
    uint64_t bits = atomic_load_explicit(w, memory_order_relaxed);
    while (bits) {
      unsigned i = (unsigned)__builtin_ctzll(bits);
      bits &= bits - 1;
      fn(s, a + ((uintptr_t)i << LOG_BYTES_IN_WORD), arg);
    }
  }
}

static uintptr_t walk_end(const struct space *s) {
  return align_up(s->pr.cursor, (uintptr_t)64 << LOG_BYTES_IN_WORD);
}

/* ---- Marking (the Closure and reference stages) ------------------------------------- */

static inline bool marked(const struct space *s, uintptr_t o) {
  return side_metadata_load(&state(s)->mark, o) != 0;
}

static uintptr_t mc_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t o, enum trace_kind kind) {
  (void)kind; /* one kind of trace: the phase says what it does */
  struct mc_state *st = state(s);
  if (st->phase == MC_FORWARD) {
    /* The references are being updated (design.trace.forwarding): a survivor's new
     * address.  An unmarked object has none: the binding reported a reference now that
     * the marking trace never saw. */
    if (MMTK_UNLIKELY(!marked(s, o)))
      mmtk_panic(__FILE__, __LINE__, "MarkCompact, updating the references, met %p, which the "
                 "marking trace did not reach: the binding's scans (roots or scan_object) "
                 "reported a reference after marking that they did not report while marking",
                 (void *)o);
    return atomic_load_explicit(fwd_word(s->mmtk, o), memory_order_relaxed) & ~MC_PINNED;
  }
  if (side_metadata_test_and_set_bit(&st->mark, o)) {
    w->trace.live_bytes += binding_current_size(s->mmtk, (void *)o) + MC_HEADER_BYTES;
    trace_push(w, o);
  }
  return o;
}

/* Liveness and new address: from the marks until Compact, from the object map after it. */
static bool mc_reachable(const struct space *s, uintptr_t o) {
  const struct mc_state *st = state(s);
  if (st->phase == MC_DONE) return side_metadata_load(&st->objects, o) != 0;
  return marked(s, o);
}

static uintptr_t mc_forwarded(const struct space *s, uintptr_t o) {
  const struct mc_state *st = state(s);
  if (!mc_reachable(s, o)) return 0;
  if (st->phase != MC_FORWARD) return o;
  return atomic_load_explicit(fwd_word(s->mmtk, o), memory_order_relaxed) & ~MC_PINNED;
}

static void mc_pin_root(struct space *s, uintptr_t o) {
  if (state(s)->phase != MC_MARK) return; /* the second root scan: pinned by the first */
  atomic_fetch_or_explicit(fwd_word(s->mmtk, o), MC_PINNED, memory_order_relaxed);
}

static void mc_post_alloc(struct space *s, struct mmtk_mutator *m, uintptr_t o, size_t bytes) {
  (void)m;
  (void)bytes;
  side_metadata_set_bit(&state(s)->objects, o);
}

void mc_prepare(struct space *s) {
  struct mc_state *st = state(s);
  st->phase = MC_MARK;
  st->moved = st->pinned = 0;
}

/* ---- CalculateForwarding ------------------------------------------------------------ */

/* Where `o`'s copy starts if the free space begins at `to`: past its word, aligned as
 * the binding asks for copies. */
static uintptr_t new_start(const mmtk_t *mmtk, uintptr_t o, uintptr_t to) {
  const mmtk_vm_binding_t *vm = &mmtk->vm;
  size_t align = vm->get_align_when_copied ? vm->get_align_when_copied(mmtk->vm_ctx, (void *)o)
                                           : MMTK_MIN_ALIGNMENT;
  size_t offset = vm->get_align_offset_when_copied
                      ? vm->get_align_offset_when_copied(mmtk->vm_ctx, (void *)o) : 0;
  if (align < MMTK_MIN_ALIGNMENT) align = MMTK_MIN_ALIGNMENT;
  return align_up(to + MC_HEADER_BYTES + offset % align, align) - offset % align;
}

static uintptr_t new_reference(const mmtk_t *mmtk, uintptr_t o, uintptr_t start, uintptr_t to) {
  if (mmtk->vm.get_reference_when_copied_to)
    return (uintptr_t)mmtk->vm.get_reference_when_copied_to(mmtk->vm_ctx, (void *)o, (void *)to);
  return to + (o - start);
}

static void forward_one(struct space *s, uintptr_t o, void *arg) {
  uintptr_t *to = arg;
  mmtk_t *mmtk = s->mmtk;
  struct mc_state *st = state(s);
  uintptr_t start = object_start(mmtk, o);
  size_t size = binding_current_size(mmtk, (void *)o);
  _Atomic uintptr_t *word = fwd_word(mmtk, o);
  uintptr_t dest = start;
  if (atomic_load_explicit(word, memory_order_relaxed) & MC_PINNED) {
    st->pinned++;
  } else {
    uintptr_t n = new_start(mmtk, o, *to);
    /* Never above the object itself (an alignment the object did not have at
     * allocation could ask for that): then it stays. */
    if (n < start) dest = n;
  }
  if (dest != start) st->moved++;
  atomic_store_explicit(word, dest == start ? o : new_reference(mmtk, o, start, dest),
                        memory_order_relaxed);
  *to = align_up(dest + size, MMTK_MIN_ALIGNMENT);
}

void mc_calculate_forwarding(struct space *s) {
  struct mc_state *st = state(s);
  uintptr_t to = s->start;
  /* The marks, not the object map: the dead objects cost nothing (design.markcompact.walk). */
  walk(s, &st->mark, s->start, walk_end(s), forward_one, &to);
  st->live_end = to;
  st->phase = MC_FORWARD;
}

/* ---- SecondRoots: the survivors' own references ------------------------------------ */

#define MC_UPDATE_CHUNK ((uintptr_t)1 << 20) /* bytes of the space per packet */

struct update_job {
  struct space *s;
  uintptr_t start;
};

static void update_one(struct space *s, uintptr_t o, void *arg) {
  (void)s;
  trace_scan_object(arg, o); /* each slot gets its target's new address (mc_trace) */
}

static void update_chunk(mmtk_gc_worker_t *w, void *arg) {
  struct update_job j = *(struct update_job *)arg;
  free(arg);
  uintptr_t end = walk_end(j.s);
  if (end - j.start > MC_UPDATE_CHUNK) end = j.start + MC_UPDATE_CHUNK;
  walk(j.s, &state(j.s)->mark, j.start, end, update_one, w);
  trace_drain(w); /* the slots still buffered */
}

void mc_schedule_update(struct space *s, int stage) {
  for (uintptr_t a = s->start; a < walk_end(s); a += MC_UPDATE_CHUNK) {
    struct update_job *j = gc_malloc(s->mmtk, sizeof *j, "a MarkCompact update packet");
    *j = (struct update_job){s, a};
    gc_add_simple(s->mmtk, stage, update_chunk, j);
  }
}

/* ---- Compact -------------------------------------------------------------------------- */

/* A survivor (the walk is of the marks): copied to its new address, where it gets its
 * clear word and its bits.  Its own bits were cleared with all the others beforehand. */
static void compact_one(struct space *s, uintptr_t o, void *arg) {
  (void)arg;
  mmtk_t *mmtk = s->mmtk;
  struct mc_state *st = state(s);
  uintptr_t n = atomic_load_explicit(fwd_word(mmtk, o), memory_order_relaxed) & ~MC_PINNED;
  if (n != o) {
    const mmtk_vm_binding_t *vm = &mmtk->vm;
    uintptr_t start = object_start(mmtk, o);
    uintptr_t to = n - (o - start); /* the copy's start, by the default reference rule */
    if (vm->copy_to) {
      vm->copy_to(mmtk->vm_ctx, (void *)o, (void *)n, (void *)to);
    } else {
      size_t size = binding_current_size(mmtk, (void *)o);
      memmove((void *)to, (void *)start, size);
    }
  }
  /* The word is clear again for the next GC (a moved object's old word is garbage now). */
  atomic_store_explicit(fwd_word(mmtk, n), 0, memory_order_relaxed);
  side_metadata_set_bit(&st->objects, n);
#if MMTK_HAVE_VO_BIT
  vo_bit_set(&mmtk->vo_bit, n);
#endif
}

void mc_compact(struct space *s) {
  struct mc_state *st = state(s);
  uintptr_t end = s->pr.cursor, wend = walk_end(s);
  /* design.markcompact.walk: the object map (and VO bits) of the whole space are cleared
   * at once, the walk of the marks visits the survivors only and sets their bits at their
   * new addresses, then the marks are cleared at once. */
  side_metadata_bzero(&st->objects, s->start, wend - s->start);
#if MMTK_HAVE_VO_BIT
  side_metadata_bzero(&s->mmtk->vo_bit, s->start, wend - s->start);
#endif
  walk(s, &st->mark, s->start, wend, compact_one, NULL);
  side_metadata_bzero(&st->mark, s->start, wend - s->start);
  st->phase = MC_DONE;
  /* The pages past the survivors go back (zeroed when handed out again); the rest of
   * the last page is zeroed now, as new objects expect. */
  uintptr_t keep = align_up(st->live_end, BYTES_IN_PAGE);
  if (keep > end) keep = end;
  if (st->live_end < keep) memset((void *)st->live_end, 0, keep - st->live_end);
  size_t pages = pr_shrink(&s->pr, keep);
  if (pages) gc_trigger_uncharge(s->mmtk, pages);
}

const struct space_ops mark_compact_space_ops = {
    .policy = "markcompact",
    .is_live = mc_reachable, /* between GCs: allocated and not found dead since */
    .is_movable = space_always,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_never,
    .post_alloc = mc_post_alloc,
    .trace_object = mc_trace,
    .is_reachable = mc_reachable,
    .get_forwarded = mc_forwarded,
    .pin_root = mc_pin_root,
    .alloc = NULL,
};
