/* The Immix space on the test VM (TVM_PLAN_ID 3; TVM_HEADER: the mark, forwarding and
 * pinning bits on the side or in the header; 4 GC workers):
 *
 *   holes/reused             after a GC that left every block of small objects with a
 *                            live line in each 16, new small objects go into those
 *                            blocks' holes, never over a survivor or the line after it
 *   holes/medium-overflow    a medium object (more than a line) that does not fit the
 *                            current hole goes to a free block; the next small object
 *                            still takes the hole, right after the last one
 *   defrag/evacuates         a defrag GC (a user request with full_heap_system_gc) moves
 *                            the survivors of fragmented blocks out and gives the blocks
 *                            back; nothing is lost
 *   defrag/pinned-stay       the same with every fourth survivor pinned: those stay put
 *   defrag/no-reserve        a heap full of live objects, every block a defrag source,
 *                            less than a block free (the copy reserve): everything is
 *                            marked in place, nothing moves, nothing is lost
 *   defrag/reserve-spent     the same with three blocks free: some objects move, the rest
 *                            stay once the reserve is spent, none is lost
 *   defrag/fragmentation     a GC that finds the last GC's holes unused defragments
 *                            (MMTk's fragmentation trigger); one after the mutator used
 *                            them all only marks
 *   defrag/always            immix_always_defrag: even then it defragments
 *   defrag/dynamic-headroom  a 50% headroom does not keep a DynamicHeapSize heap from
 *                            growing for a request bigger than its limit
 *   mapping                  the allocator of each semantics, the mutator head's flags
 *                            and inline buffer
 *   live/next-to-survivor    dead objects sharing every line with a survivor read false
 *                            after each of four GCs
 *   live/dies                mmtk_is_live_object() is true for a new object and for a
 *                            survivor, false for an object the last GC found dead
 *   zeroing/on-acquire       a GC leaves the blocks it frees as they are (the pause does
 *                            not zero them; with --enable-immix-zero-on-release it does),
 *                            and new objects in those blocks still read as zeros
 *
 * Addresses are compared against the Immix geometry (32 KiB blocks, 8 KiB with
 * --enable-immix-smaller-block, of 256-byte lines), which these tests take as given.
 * With --enable-immix-non-moving the defrag tests are replaced by defrag/never: nothing
 * moves even when every GC is asked to defragment every block. */
#define _GNU_SOURCE
#include <glib.h>
#include <string.h>

#include "suite.h"
#include "tvm.h"

#define BLOCK ((uintptr_t)(MMTK_HAVE_IMMIX_SMALLER_BLOCK ? 8 : 32) << 10)
#define LINE ((uintptr_t)256)
#define SMALL 128 /* two objects a line */

static uintptr_t block_of(const void *p) { return (uintptr_t)p & ~(BLOCK - 1); }
static uintptr_t line_of(const void *p) { return (uintptr_t)p & ~(LINE - 1); }

static void start(fx_t *f, const char *heap, const char *extra) {
  suite_watchdog_arm(120);
  tvm_options_t o = {
      .plan = PLAN,
      .header_metadata = TVM_HEADER,
      .workers = TVM_WORKERS,
      .heap = heap,
      .sanity = true,
      .extra = extra,
  };
  f->vm = tvm_new(&o);
  f->mmtk = tvm_mmtk(f->vm);
  f->th = tvm_attach(f->vm);
}

/* A BYTES object of exactly `size` bytes. */
static tvm_obj_t alloc_sized(fx_t *f, size_t size, uint64_t id) {
  size_t header = tvm_object_size(0, 0);
  tvm_obj_t o = tvm_alloc(f->th, TVM_BYTES, 0, size - header, id);
  g_assert_nonnull(o);
  g_assert_cmpuint(tvm_size(o), ==, size);
  return o;
}

/* `n` small objects, of which every `keep`-th is kept (a root): a heap of blocks with
 * one live line in each keep/2.  Returns the root stack depth before the survivors. */
static size_t fragment(fx_t *f, size_t n, size_t keep) {
  size_t base = tvm_depth(f->th);
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = alloc_sized(f, SMALL, i);
    if (i % keep == 0) tvm_push(f->th, o);
  }
  return base;
}

/* The survivors' blocks, and whether `p` is in one of them. */
struct blocks {
  uintptr_t b[256];
  size_t n;
};

static void survivor_blocks(fx_t *f, size_t base, struct blocks *out) {
  out->n = 0;
  for (size_t s = base; s < tvm_depth(f->th); s++) {
    uintptr_t b = block_of(tvm_root(f->th, s));
    bool seen = false;
    for (size_t k = 0; k < out->n; k++) seen |= out->b[k] == b;
    if (!seen) {
      g_assert_cmpuint(out->n, <, G_N_ELEMENTS(out->b));
      out->b[out->n++] = b;
    }
  }
}

static bool in_blocks(const struct blocks *bs, const void *p) {
  for (size_t k = 0; k < bs->n; k++)
    if (bs->b[k] == block_of(p)) return true;
  return false;
}

/* `p` lies on a survivor's line or on the line after one (a small object may end
 * there). */
static bool on_survivor_line(fx_t *f, size_t base, const void *p, size_t size) {
  for (size_t s = base; s < tvm_depth(f->th); s++) {
    uintptr_t first = line_of(tvm_root(f->th, s));
    uintptr_t lo = line_of(p), hi = line_of((const char *)p + size - 1);
    if (hi >= first && lo <= first + LINE) return true;
  }
  return false;
}

/* ---- holes ------------------------------------------------------------------------ */

static void test_holes_reused(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  size_t base = fragment(&f, 4096, 32); /* 16 blocks, a live line in each 16 */
  tvm_obj_t was = tvm_root(f.th, base);
  suite_checked_gc(&f, tvm_assert_preserved);
  g_assert_true(tvm_root(f.th, base) == was); /* no defrag was asked for */
  struct blocks bs;
  survivor_blocks(&f, base, &bs);
  g_assert_cmpuint(bs.n, >=, 512 * 1024 / BLOCK - 1);
  /* The holes: 512 KiB in 16-line groups, one live line and the line after it in each:
   * 128 holes of 14 lines of 2 objects whatever the block size; allocate half. */
  size_t in_holes = 0, n = 16 * 8 * 14;
  for (size_t i = 0; i < n; i++) {
    tvm_obj_t o = alloc_sized(&f, SMALL, 100000 + i);
    g_assert_false(on_survivor_line(&f, base, o, SMALL));
    if (in_blocks(&bs, o)) in_holes++;
  }
  note("%zu of %zu new objects in the holes of %zu blocks", in_holes, n, bs.n);
  g_assert_cmpuint(in_holes, ==, n);
  suite_checked_gc(&f, tvm_assert_preserved);
  finish(&f);
}

static void test_holes_medium_overflow(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  size_t base = fragment(&f, 4096, 32);
  g_assert_true(tvm_gc(f.th));
  struct blocks bs;
  survivor_blocks(&f, base, &bs);
  tvm_obj_t a = alloc_sized(&f, SMALL, 1);
  g_assert_true(in_blocks(&bs, a));
  /* A hole is 14 lines (3584 bytes): 4000 bytes never fit one. */
  tvm_obj_t m = alloc_sized(&f, 4000, 2);
  g_assert_false(in_blocks(&bs, m));
  g_assert_true(block_of(m) == block_of((char *)m + 3999)); /* never across blocks */
  tvm_obj_t b = alloc_sized(&f, SMALL, 3);
  g_assert_true((char *)b == (char *)a + SMALL);
  /* A second medium object follows the first in the overflow block. */
  tvm_obj_t m2 = alloc_sized(&f, 4000, 4);
  g_assert_true((char *)m2 == (char *)m + 4000);
  finish(&f);
}

/* ---- defrag ----------------------------------------------------------------------- */

/* mmtk_get_stats(3)'s count of defragmenting GCs. */
static uint64_t defrag_gcs(fx_t *f) {
  mmtk_stats_t st;
  memset(&st, 0, sizeof st);
  st.size = sizeof st;
  g_assert_true(mmtk_get_stats(f->mmtk, &st));
  return st.defrag_gc_count;
}

/* Fragment, let a first GC find the holes, then run the defrag GC and count the
 * survivors that moved.  `pin_every`: pin every such survivor (0: none).  `fill`: small
 * objects allocated between the two GCs (garbage). */
static void defrag_round_fill(fx_t *f, size_t n, size_t keep, size_t pin_every, size_t fill,
                              size_t *moved, size_t *stayed, size_t *used_before,
                              size_t *used_after) {
  size_t base = fragment(f, n, keep);
  /* The first GC sees fresh blocks (no holes known yet): they are no defrag sources. */
  g_assert_true(tvm_gc(f->th));
  for (size_t i = 0; i < fill; i++) alloc_sized(f, SMALL, 200000 + i);
  size_t count = tvm_depth(f->th) - base;
  tvm_obj_t *was = g_new(tvm_obj_t, count);
  for (size_t i = 0; i < count; i++) {
    was[i] = tvm_root(f->th, base + i);
    if (pin_every && i % pin_every == 0) g_assert_true(mmtk_pin_object(f->mmtk, was[i]));
  }
  *used_before = mmtk_used_bytes(f->mmtk);
  suite_checked_gc(f, tvm_assert_preserved);
  *used_after = mmtk_used_bytes(f->mmtk);
  *moved = *stayed = 0;
  for (size_t i = 0; i < count; i++) {
    tvm_obj_t now = tvm_root(f->th, base + i);
    g_assert_cmpuint(tvm_data(now), ==, i * keep);
    g_assert_true(tvm_pattern_ok(now));
    if (pin_every && i % pin_every == 0) {
      g_assert_true(now == was[i]);
      g_assert_true(mmtk_is_pinned(f->mmtk, now));
    }
    if (now == was[i]) (*stayed)++;
    else (*moved)++;
  }
  note("%zu survivors moved, %zu stayed; %zu bytes used before the defrag GC, %zu after",
       *moved, *stayed, *used_before, *used_after);
  g_free(was);
}

static void defrag_round(fx_t *f, size_t n, size_t keep, size_t pin_every, size_t *moved,
                         size_t *stayed, size_t *used_before, size_t *used_after) {
  defrag_round_fill(f, n, keep, pin_every, 0, moved, stayed, used_before, used_after);
}

static void test_defrag_evacuates(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", "full_heap_system_gc=true");
  size_t moved, stayed, before, after;
  uint64_t d0 = defrag_gcs(&f);
  defrag_round(&f, 4096, 32, 0, &moved, &stayed, &before, &after);
  g_assert_cmpuint(stayed, ==, 0);
  g_assert_cmpuint(moved, ==, 128);
  g_assert_cmpuint(defrag_gcs(&f), ==, d0 + 2); /* both user requests (full_heap_system_gc) */
  /* 16 fragmented blocks went back; the copies fill one. */
  g_assert_cmpuint(after + 14 * BLOCK, <=, before);
  suite_checked_gc(&f, tvm_assert_preserved);
  finish(&f);
}

static void test_defrag_pinned_stay(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", "full_heap_system_gc=true");
  size_t moved, stayed, before, after;
  defrag_round(&f, 4096, 32, 4, &moved, &stayed, &before, &after);
  g_assert_cmpuint(stayed, ==, 32);
  g_assert_cmpuint(moved, ==, 96);
  finish(&f);
}

/* The copy reserve is what the heap limit leaves free.  Fill the heap with a live list
 * until less than `free_blocks` blocks are free, then run one GC that makes every block
 * a defrag source: the objects that fit in the free blocks move, the others stay. */
static void reserve_round(size_t free_blocks, size_t *moved, size_t *stayed, size_t *free_before) {
  fx_t f;
  start(&f, "FixedHeapSize:4M", "immix_always_defrag=true,immix_defrag_every_block=true,"
        "immix_defrag_headroom_percent=0");
  size_t data = SMALL - tvm_object_size(1, 0);
  size_t head = tvm_push(f.th, NULL);
  uint64_t g0 = gcs(&f);
  size_t n = 0;
  while (mmtk_free_bytes(f.mmtk) >= free_blocks * BLOCK) {
    tvm_obj_t o = tvm_alloc(f.th, TVM_NODE, 1, data, n++);
    g_assert_nonnull(o);
    tvm_set_ref(f.th, o, 0, tvm_root(f.th, head));
    tvm_set_root(f.th, head, o);
  }
  g_assert_cmpuint(gcs(&f), ==, g0); /* the heap is full of live objects, no GC yet */
  tvm_obj_t *was = g_new(tvm_obj_t, n);
  size_t k = 0;
  for (tvm_obj_t o = tvm_root(f.th, head); o; o = tvm_ref(o, 0)) was[k++] = o;
  g_assert_cmpuint(k, ==, n);
  *free_before = mmtk_free_bytes(f.mmtk);
  suite_checked_gc(&f, tvm_assert_preserved);
  *moved = *stayed = 0;
  k = 0;
  for (tvm_obj_t o = tvm_root(f.th, head); o; o = tvm_ref(o, 0), k++) {
    g_assert_cmpuint(tvm_data(o), ==, n - 1 - k);
    g_assert_true(tvm_pattern_ok(o));
    if (o == was[k]) (*stayed)++;
    else (*moved)++;
  }
  g_assert_cmpuint(k, ==, n);
  note("%zu of %zu objects moved with %zu bytes free before the GC", *moved, n, *free_before);
  g_free(was);
  finish(&f);
}

static void test_defrag_no_reserve(void) {
  size_t moved, stayed, free_before;
  reserve_round(1, &moved, &stayed, &free_before);
  g_assert_cmpuint(free_before, <, BLOCK);
  g_assert_cmpuint(moved, ==, 0);
  g_assert_cmpuint(stayed, >, 0);
}

static void test_defrag_reserve_spent(void) {
  size_t moved, stayed, free_before;
  reserve_round(4, &moved, &stayed, &free_before);
  g_assert_cmpuint(free_before, >=, 3 * BLOCK);
  g_assert_cmpuint(moved, >, 0);
  g_assert_cmpuint(stayed, >, 0);
  g_assert_cmpuint(moved * SMALL, <=, free_before);
}

/* Without full_heap_system_gc the second GC still defragments: the holes the first GC
 * left were not used (MMTk's fragmentation trigger).  Once the mutator has used them
 * all, a GC only marks. */
static void test_defrag_fragmentation(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  size_t moved, stayed, before, after;
  defrag_round(&f, 4096, 32, 0, &moved, &stayed, &before, &after);
  g_assert_cmpuint(moved, ==, 128);
  finish(&f);
  /* 16 blocks x 8 holes x 14 lines x 2 objects fit in the holes: take them all. */
  start(&f, "FixedHeapSize:64M", NULL);
  defrag_round_fill(&f, 4096, 32, 0, 16 * 8 * 14 * 2 + 64, &moved, &stayed, &before, &after);
  g_assert_cmpuint(moved, ==, 0);
  g_assert_cmpuint(stayed, ==, 128);
  finish(&f);
}

static void test_defrag_always(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", "immix_always_defrag=true");
  size_t moved, stayed, before, after;
  defrag_round_fill(&f, 4096, 32, 0, 16 * 8 * 14 * 2 + 64, &moved, &stayed, &before, &after);
  g_assert_cmpuint(moved, ==, 128);
  finish(&f);
}

/* The headroom is a share of the Immix space: as a share of the heap limit, a
 * DynamicHeapSize heap could never grow past the reserve that grows with it, and a
 * request bigger than the limit failed. */
static void test_defrag_dynamic_headroom(void) {
  fx_t f;
  start(&f, "DynamicHeapSize:4M,64M", "immix_defrag_headroom_percent=50");
  tvm_push(f.th, alloc_sized(&f, SMALL, 1));
  size_t big = tvm_push(f.th, tvm_alloc(f.th, TVM_BYTES, 0, 6 * MiB, 2));
  g_assert_nonnull(tvm_root(f.th, big));
  size_t big2 = tvm_push(f.th, tvm_alloc(f.th, TVM_BYTES, 0, 6 * MiB, 3));
  g_assert_nonnull(tvm_root(f.th, big2));
  tvm_counters_t c;
  tvm_counters(f.vm, &c);
  g_assert_cmpuint(c.oom_calls, ==, 0);
  finish(&f);
}

/* --enable-immix-non-moving: however hard defragmentation is asked for, nothing moves. */
static void test_defrag_never(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", "immix_always_defrag=true,immix_defrag_every_block=true,"
        "full_heap_system_gc=true,immix_defrag_headroom_percent=50");
  size_t moved, stayed, before, after;
  defrag_round(&f, 4096, 32, 0, &moved, &stayed, &before, &after);
  g_assert_cmpuint(moved, ==, 0);
  g_assert_cmpuint(stayed, ==, 128);
  g_assert_cmpuint(defrag_gcs(&f), ==, 0);
  finish(&f);
}

/* ---- mapping ---------------------------------------------------------------------- */

/* mmtk_get_allocator_mapping(3)'s table and the mutator head (mmtk_post_alloc(3)). */
static void test_mapping(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  static const struct {
    int sem, kind, index, offset;
  } want[] = {
      {MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_IMMIX, 0, 0},
      {MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1, -1},
      {MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 1, -1},
      {MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 1, -1},
      {MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0, -1},
      {MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0, -1},
      {MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_FREE_LIST, 1, -1},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(f.mmtk, want[i].sem);
    g_assert_cmpint(s.kind, ==, want[i].kind);
    g_assert_cmpint(s.index, ==, want[i].index);
    g_assert_cmpint(s.bump_pointer_offset, ==, want[i].offset);
  }
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)tvm_mutator(f.th);
  /* Immix keeps its marks on the side, cleared by allocation: no post_alloc needed. */
  g_assert_false(h->flags & MMTK_MUTATOR_POST_ALLOC_SLOW);
  g_assert_cmpuint(h->max_inline_size, ==, BLOCK / 2 < 16 * 1024 ? BLOCK / 2 : 16 * 1024);
  /* The inline path bumps in the current hole, which is the head's buffer. */
  tvm_obj_t o = alloc_sized(&f, SMALL, 1);
  g_assert_true((uintptr_t)o + SMALL == h->default_bump.cursor);
  g_assert_true(h->default_bump.limit - h->default_bump.cursor < BLOCK);
  finish(&f);
}

/* ---- live ------------------------------------------------------------------------- */

static void test_live_dies(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  tvm_obj_t dead = alloc_sized(&f, SMALL, 1);
  size_t slot = tvm_push(f.th, alloc_sized(&f, SMALL, 2));
  g_assert_true(mmtk_is_live_object(f.mmtk, dead));
  g_assert_true(mmtk_is_live_object(f.mmtk, tvm_root(f.th, slot)));
  g_assert_true(tvm_gc(f.th));
  g_assert_false(mmtk_is_live_object(f.mmtk, dead));
  g_assert_true(mmtk_is_live_object(f.mmtk, tvm_root(f.th, slot)));
  tvm_obj_t fresh = alloc_sized(&f, SMALL, 3);
  g_assert_true(mmtk_is_live_object(f.mmtk, fresh));
  /* A second GC flips the mark state again: the survivor still reads live. */
  g_assert_true(tvm_gc(f.th));
  g_assert_true(mmtk_is_live_object(f.mmtk, tvm_root(f.th, slot)));
  finish(&f);
}

/* Dead objects that share every line with a survivor (no hole, so no GC defragments)
 * read false after each of several GCs.  With a header mark bit and a mark state that
 * flipped at each GC, they read true again after the second. */
static void test_live_next_to_survivor(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  enum { N = 2048 };
  uintptr_t *dead = g_new(uintptr_t, N / 2);
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = alloc_sized(&f, SMALL, i);
    if (i % 2 == 0) tvm_push(f.th, o);
    else dead[i / 2] = (uintptr_t)o;
  }
  for (int gc = 0; gc < 4; gc++) {
    g_assert_true(tvm_gc(f.th));
    size_t k = 0;
    for (size_t i = 0; i < N / 2; i++) k += mmtk_is_live_object(f.mmtk, (mmtk_object_t)dead[i]);
    note("after GC %d: %zu of %d dead objects read live", gc + 1, k, N / 2);
    g_assert_cmpuint(k, ==, 0);
  }
  g_free(dead);
  finish(&f);
}

/* ---- zeroing ---------------------------------------------------------------------- */

/* A block the GC frees is zeroed when a mutator takes it again, not in the pause
 * (design.immix.zeroing): right after the GC, a dead object still reads as it was, and
 * what mmtk_alloc() returns in those blocks reads as zeros (mmtk_alloc(3)). */
static void test_zeroing_on_acquire(void) {
  fx_t f;
  start(&f, "FixedHeapSize:64M", NULL);
  enum { N = 8192 }; /* 1 MiB of small objects, all dead at the GC */
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  tvm_obj_t first = NULL;
  for (size_t i = 0; i < N; i++) {
    tvm_obj_t o = alloc_sized(&f, SMALL, i);
    memset(tvm_bytes(o), 0xa5, tvm_data_bytes(o));
    if (!first) first = o;
    if ((uintptr_t)o < lo) lo = (uintptr_t)o;
    if ((uintptr_t)o > hi) hi = (uintptr_t)o;
  }
  const unsigned char *freed = tvm_bytes(first);
  g_assert_true(tvm_gc(f.th));
  g_assert_false(mmtk_is_live_object(f.mmtk, first));
  note("a freed object's first byte after the GC: %#x", freed[0]);
  g_assert_cmpuint(freed[0], ==, MMTK_HAVE_IMMIX_ZERO_ON_RELEASE ? 0 : 0xa5);
  /* New objects, straight from mmtk_alloc(), before anything is written to them. */
  size_t in_freed = 0;
  for (size_t i = 0; i < N; i++) {
    uint64_t *w = mmtk_alloc(tvm_mutator(f.th), SMALL, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(w);
    const unsigned char *b = (const unsigned char *)w;
    for (size_t k = 0; k < SMALL; k++)
      if (b[k]) g_error("byte %zu of a new object at %p reads %#x", k, (void *)w, b[k]);
    if ((uintptr_t)w >= lo && (uintptr_t)w <= hi) in_freed++;
    /* Made a valid (dead) object of the VM, as tvm_alloc() would. */
    w[0] = (uint64_t)TVM_BYTES << TVM_TYPE_SHIFT;
    w[1] = SMALL;
    w[2] = i;
    mmtk_post_alloc(tvm_mutator(f.th), w, SMALL, MMTK_ALLOC_DEFAULT);
  }
  note("%zu of %d new objects in the freed blocks", in_freed, N);
  g_assert_cmpuint(in_freed, >=, N / 2);
  g_assert_true(tvm_gc(f.th));
  finish(&f);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  const char *exact = "addresses and byte counts depend on when GCs run";
  suite_add_exact("holes/reused", test_holes_reused, 60, exact);
  suite_add_exact("holes/medium-overflow", test_holes_medium_overflow, 60, exact);
  if (MMTK_HAVE_IMMIX_NON_MOVING) {
    suite_add_exact("defrag/never", test_defrag_never, 60, exact);
  } else {
    suite_add_exact("defrag/evacuates", test_defrag_evacuates, 60, exact);
    suite_add_exact("defrag/pinned-stay", test_defrag_pinned_stay, 60, exact);
    suite_add_exact("defrag/no-reserve", test_defrag_no_reserve, 60, exact);
    suite_add_exact("defrag/reserve-spent", test_defrag_reserve_spent, 60, exact);
    suite_add_exact("defrag/fragmentation", test_defrag_fragmentation, 60, exact);
    suite_add_exact("defrag/always", test_defrag_always, 60, exact);
  }
  suite_add_exact("defrag/dynamic-headroom", test_defrag_dynamic_headroom, 60, exact);
  suite_add_exact("mapping", test_mapping, 60, exact);
  suite_add_exact("live/dies", test_live_dies, 60, exact);
  suite_add_exact("live/next-to-survivor", test_live_next_to_survivor, 60, exact);
  suite_add_exact("zeroing/on-acquire", test_zeroing_on_acquire, 60, exact);
  return g_test_run();
}
