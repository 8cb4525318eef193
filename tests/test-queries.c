/* Heap queries under NoGC (design/memory_manager.md .query, .barrier, .gc, .stats):
 * which addresses are in the heap's spaces and mapped, the valid-object bit and
 * interior-pointer search (asserted for the build at hand: with --enable-vo-bit they find
 * objects, without it they answer NULL and say why), liveness, the heap range and the
 * byte counts, pinning in a non-moving plan, the six barrier functions, collection
 * requests that NoGC ignores, the worker count, the benchmark harness's table and
 * mmtk_get_stats().  Every case runs in a process of its own (tests/test-util.h). */
#include "test-util.h"

#include <fcntl.h>
#include <unistd.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define CHUNK ((uintptr_t)4 << 20) /* the heap is mapped in 4 MiB chunks */

/* A zeroed block bigger than any instance or mutator: a handle without a signature. */
static uint64_t zeros[1 << 14];
#define FAKE_MMTK ((mmtk_t *)(void *)zeros)

static int global_word;

static mmtk_t *setup(const char *options, mmtk_mutator_t **m) {
  mmtk_t *mmtk = tu_init(options);
  *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(*m);
  return mmtk;
}

static void finish(mmtk_t *mmtk, mmtk_mutator_t *m) {
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
  for (size_t i = 0; i < G_N_ELEMENTS(zeros); i++) g_assert_cmpuint(zeros[i], ==, 0);
}

/* The first address of the last space extent: inside the instance's room, but NoGC
 * (three spaces, extents 0-2) never acquires anything there. */
static uintptr_t unused_extent_address(mmtk_t *mmtk) {
  uintptr_t a = (uintptr_t)mmtk_starting_heap_address(mmtk) + ((uintptr_t)15 << tu_extent_log(mmtk));
  g_assert_cmpint(tu_extent_of(mmtk, (void *)a), ==, 15);
  return a;
}

/* ---- mmtk_is_in_mmtk_spaces / mmtk_is_mapped_address ----------------------------------- */

static void check_in(mmtk_t *mmtk, const void *p, bool expect, const char *what) {
  bool in = mmtk_is_in_mmtk_spaces(mmtk, p), mapped = mmtk_is_mapped_address(mmtk, p);
  if (in != expect || mapped != expect)
    g_error("%s %p: is_in_mmtk_spaces %d, is_mapped_address %d, expected %d", what, p, in,
            mapped, expect);
}

static void test_in_spaces(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:64M");
  /* Nothing is acquired yet: the heap range holds no space's memory. */
  check_in(mmtk, (void *)MMTK_HEAP_START, false, "the heap start before any allocation");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(m);

  static const struct {
    int sem;
    size_t size;
  } objs[] = {{MMTK_ALLOC_DEFAULT, 64},   {MMTK_ALLOC_DEFAULT, 4000},
              {MMTK_ALLOC_IMMORTAL, 64},  {MMTK_ALLOC_IMMORTAL, 12000},
              {MMTK_ALLOC_LOS, 100000},   {MMTK_ALLOC_DEFAULT, 20000 /* to the LOS */},
              {MMTK_ALLOC_NON_MOVING, 8}, {MMTK_ALLOC_LARGE_CODE, 5000}};
  int extents[G_N_ELEMENTS(objs)];
  for (size_t i = 0; i < G_N_ELEMENTS(objs); i++) {
    char *p = mmtk_alloc(m, objs[i].size, 8, 0, objs[i].sem);
    g_assert_nonnull(p);
    extents[i] = tu_extent_of(mmtk, p);
    g_assert_cmpint(extents[i], >=, 0);
    g_assert_cmpint(extents[i], <, 3);
    check_in(mmtk, p, true, "an object");
    check_in(mmtk, p + objs[i].size - 1, true, "an object's last byte");
    check_in(mmtk, p + objs[i].size / 2, true, "an object's middle");
    /* Whole chunks are acquired: the chunk's first and last bytes answer true too. */
    uintptr_t chunk = (uintptr_t)p & ~(CHUNK - 1);
    check_in(mmtk, (void *)chunk, true, "the first byte of an object's chunk");
    check_in(mmtk, (void *)(chunk + CHUNK - 1), true, "the last byte of an object's chunk");
    /* Mapped: reading anywhere in the chunk cannot fault. */
    g_assert_cmpuint(*(volatile unsigned char *)(chunk + CHUNK - 1) |
                         *(volatile unsigned char *)(chunk + CHUNK / 2), <=, 255);
    /* The end of the object's extent is far beyond what a 64 MiB heap acquires. */
    uintptr_t extent_end = (uintptr_t)mmtk_starting_heap_address(mmtk) +
                          ((uintptr_t)(extents[i] + 1) << tu_extent_log(mmtk));
    check_in(mmtk, (void *)(extent_end - 1), false, "the last byte of an object's extent");
    check_in(mmtk, (void *)(extent_end - CHUNK), false, "the last chunk of an object's extent");
  }
  /* Default, immortal and large objects are in three different spaces. */
  g_assert_cmpint(extents[0], !=, extents[2]);
  g_assert_cmpint(extents[0], !=, extents[4]);
  g_assert_cmpint(extents[2], !=, extents[4]);
  g_assert_cmpint(extents[4], ==, extents[5]);
  g_assert_cmpint(extents[0], ==, extents[6]);
  g_assert_cmpint(extents[4], ==, extents[7]);

  /* Addresses outside the heap, or in no space's memory. */
  int local = 0;
  void *heap_block = malloc(4096);
  g_assert_nonnull(heap_block);
  check_in(mmtk, NULL, false, "NULL");
  check_in(mmtk, &local, false, "a stack address");
  check_in(mmtk, heap_block, false, "a malloc address");
  check_in(mmtk, &global_word, false, "a static address");
  check_in(mmtk, (void *)(uintptr_t)test_in_spaces, false, "a code address");
  check_in(mmtk, (void *)(MMTK_HEAP_START - 1), false, "the byte before the heap range");
  check_in(mmtk, (void *)(MMTK_HEAP_START - 4096), false, "the page before the heap range");
  check_in(mmtk, (void *)MMTK_HEAP_END, false, "the heap range's end");
  check_in(mmtk, (void *)(MMTK_HEAP_END + 4096), false, "a page after the heap range");
  check_in(mmtk, (void *)(MMTK_HEAP_END - 1), false, "the heap range's last byte");
  check_in(mmtk, (void *)unused_extent_address(mmtk), false, "an extent NoGC does not use");
  check_in(mmtk, (void *)UINTPTR_MAX, false, "UINTPTR_MAX");
  free(heap_block);

  /* Asking changes nothing: no log line, the last error untouched. */
  tu_mark_error();
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, (void *)MMTK_HEAP_START) ==
                mmtk_is_mapped_address(mmtk, (void *)MMTK_HEAP_START));
  g_assert_false(mmtk_is_in_mmtk_spaces(mmtk, NULL));
  tu_assert_error("tu_marker_option");
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
  finish(mmtk, m);
}

/* ---- The valid-object bit ----------------------------------------------------------- */

/* An object with the VO bit set, its first word holding its size. */
static uint64_t *new_object(mmtk_mutator_t *m, size_t size, int sem) {
  uint64_t *p = mmtk_alloc(m, size, 8, 0, sem);
  g_assert_nonnull(p);
  p[0] = size;
  mmtk_post_alloc(m, p, size, sem);
  g_assert_cmpuint(p[0], ==, size);
  return p;
}

#if MMTK_HAVE_VO_BIT
/* is_mmtk_object and find_object_from_internal_pointer say "none" without an error. */
static void assert_no_object(mmtk_t *mmtk, const void *a, const char *what) {
  tu_mark_error();
  unsigned nlog = tu_log_count(-1, NULL);
  if (mmtk_is_mmtk_object(mmtk, a)) g_error("%s %p: is_mmtk_object found an object", what, a);
  if (mmtk_find_object_from_internal_pointer(mmtk, a, 1 << 20))
    g_error("%s %p: find_object_from_internal_pointer found an object", what, a);
  tu_assert_error("tu_marker_option");
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, nlog);
}
#else
/* Without the VO bit: always NULL, the reason in the last error, nothing logged. */
static void assert_no_vo_bit(mmtk_t *mmtk, const void *a) {
  unsigned nlog = tu_log_count(-1, NULL);
  tu_mark_error();
  g_assert_null(mmtk_is_mmtk_object(mmtk, a));
  g_assert_cmpstr(mmtk_last_error(), ==,
                  "mmtk_is_mmtk_object: libmmtk was built without --enable-vo-bit");
  tu_mark_error();
  g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, a, 1 << 20));
  g_assert_cmpstr(mmtk_last_error(), ==,
                  "mmtk_find_object_from_internal_pointer: libmmtk was built without "
                  "--enable-vo-bit");
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, nlog);
}
#endif

static void test_vo_bit(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  static const int sems[] = {MMTK_ALLOC_DEFAULT, MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_LOS};
  static const size_t sizes[] = {64, 64, 40000};
  for (size_t i = 0; i < G_N_ELEMENTS(sems); i++) {
    /* Before post_alloc an object is not found. */
    char *q = mmtk_alloc(m, sizes[i], 8, 0, sems[i]);
    g_assert_nonnull(q);
#if MMTK_HAVE_VO_BIT
    assert_no_object(mmtk, q, "an object before post_alloc");
#else
    assert_no_vo_bit(mmtk, q);
#endif
    char *p = (char *)new_object(m, sizes[i], sems[i]);
#if MMTK_HAVE_VO_BIT
    tu_mark_error();
    g_assert_true(mmtk_is_mmtk_object(mmtk, p) == p);
    /* Interior pointers are not objects ... */
    g_assert_null(mmtk_is_mmtk_object(mmtk, p + 8));
    g_assert_null(mmtk_is_mmtk_object(mmtk, p + sizes[i] - 8));
    g_assert_null(mmtk_is_mmtk_object(mmtk, p + 1)); /* not word aligned */
    g_assert_null(mmtk_is_mmtk_object(mmtk, p + 4));
    g_assert_null(mmtk_is_mmtk_object(mmtk, p - 8));
    /* ... but they lead back to the object, within the bound. */
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p, 0) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p, 1 << 20) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p + 8, 64) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p + 8, 8) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p + 3, 3) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p + 13, 13) == p);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, p + sizes[i] - 1, sizes[i]) == p);
    /* Beyond max_search_bytes: NULL. */
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, p + 8, 7));
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, p + 8, 0));
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, p + 40, 32));
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, p + sizes[i] - 8, sizes[i] - 16));
    /* The objects allocated before post_alloc and before this one are still not found
     * as objects. */
    g_assert_null(mmtk_is_mmtk_object(mmtk, q));
    /* Answers, not errors: the last error is left alone. */
    tu_assert_error("tu_marker_option");
    g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
#else
    assert_no_vo_bit(mmtk, p);
    assert_no_vo_bit(mmtk, p + 8);
#endif
  }
  /* Addresses outside the heap's spaces. */
  int local = 0;
  void *heap_block = malloc(64);
  const void *outside[] = {NULL, &local, heap_block, &global_word,
                           (void *)(MMTK_HEAP_START - 8), (void *)MMTK_HEAP_END,
                           (void *)(MMTK_HEAP_END - 8), (void *)unused_extent_address(mmtk)};
  for (size_t i = 0; i < G_N_ELEMENTS(outside); i++) {
#if MMTK_HAVE_VO_BIT
    assert_no_object(mmtk, outside[i], "an address outside the spaces");
#else
    assert_no_vo_bit(mmtk, outside[i]);
#endif
  }
  free(heap_block);
  /* A NULL or dead instance is rejected (and logged) whatever the build. */
  tu_mark_error();
  g_assert_null(mmtk_is_mmtk_object(NULL, &local));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_is_mmtk_object: the instance is NULL");
  g_assert_null(mmtk_find_object_from_internal_pointer(NULL, &local, 8));
  g_assert_cmpstr(mmtk_last_error(), ==,
                  "mmtk_find_object_from_internal_pointer: the instance is NULL");
  g_assert_null(mmtk_is_mmtk_object(FAKE_MMTK, &local));
  tu_assert_error("mmtk_is_mmtk_object: ");
  tu_assert_error("is not a live instance");
  g_assert_null(mmtk_find_object_from_internal_pointer(FAKE_MMTK, &local, 8));
  tu_assert_error("mmtk_find_object_from_internal_pointer: ");
  tu_assert_error("is not a live instance");
  finish(mmtk, m);
}

/* Neighbouring objects: without get_current_size the nearest object at or below the
 * pointer is returned; with it, only an object that contains the pointer. */
static void interior_search(bool with_size) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  if (with_size) vm.get_current_size = tu_size_from_header;
  mmtk_t *mmtk = tu_init_with("plan=NoGC gc_trigger=FixedHeapSize:64M", &vm);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(m);
  for (int sem = 0; sem < 3; sem++) {
    int s = sem == 0 ? MMTK_ALLOC_DEFAULT : sem == 1 ? MMTK_ALLOC_IMMORTAL : MMTK_ALLOC_LOS;
    /* a (64 bytes, VO bit), a gap object without post_alloc, b (VO bit). */
    char *a = (char *)new_object(m, 64, s);
    char *gap = mmtk_alloc(m, 64, 8, 0, s);
    g_assert_nonnull(gap);
    char *b = (char *)new_object(m, 64, s);
#if MMTK_HAVE_VO_BIT
    tu_mark_error();
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, a + 63, 4096) == a);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, b + 8, 4096) == b);
    g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, b, 4096) == b);
    if (s != MMTK_ALLOC_LOS) {
      /* Bump allocation: a, the gap and b follow each other. */
      g_assert_true(gap == a + 64);
      g_assert_true(b == gap + 64);
    }
    /* One past a's end, and inside the gap. */
    mmtk_object_t past = mmtk_find_object_from_internal_pointer(mmtk, a + 64, 1 << 20);
    mmtk_object_t in_gap = mmtk_find_object_from_internal_pointer(mmtk, gap + 32, 1 << 20);
    if (with_size) {
      g_assert_null(past);
      g_assert_null(in_gap);
    } else {
      g_assert_true(past == a);
      g_assert_true(in_gap == a);
    }
    /* The bound still applies. */
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, gap + 32, (size_t)(gap + 32 - a) - 1));
    tu_assert_error("tu_marker_option");
#else
    assert_no_vo_bit(mmtk, a + 8);
    assert_no_vo_bit(mmtk, gap);
    assert_no_vo_bit(mmtk, b);
#endif
  }
  /* A large object over several chunks: the search crosses chunk boundaries. */
  size_t big_size = 10 * MiB;
  char *big = (char *)new_object(m, big_size, MMTK_ALLOC_LOS);
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, big + 9 * MiB));
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, big + big_size - 1));
#if MMTK_HAVE_VO_BIT
  tu_mark_error();
  g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, big + 9 * MiB, big_size) == big);
  g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, big + big_size - 1, big_size) == big);
  g_assert_true(mmtk_find_object_from_internal_pointer(mmtk, big + 5 * MiB, 5 * MiB) == big);
  g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, big + 9 * MiB, 9 * MiB - 8));
  g_assert_null(mmtk_is_mmtk_object(mmtk, big + 4 * MiB));
  tu_assert_error("tu_marker_option");
#else
  assert_no_vo_bit(mmtk, big + 9 * MiB);
#endif
  finish(mmtk, m);
}

static void test_interior_no_size(void) { interior_search(false); }
static void test_interior_with_size(void) { interior_search(true); }

/* ---- Liveness --------------------------------------------------------------------- */

static void test_live(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:128M", &m);
  enum { N = 3000 };
  uint64_t **objs = g_new(uint64_t *, N);
  for (int i = 0; i < N; i++) {
    int sem = i % 100 == 0 ? MMTK_ALLOC_LOS : i % 3 == 0 ? MMTK_ALLOC_IMMORTAL : MMTK_ALLOC_DEFAULT;
    size_t size = sem == MMTK_ALLOC_LOS ? 20000 : 16 + (size_t)(i % 40) * 8;
    objs[i] = new_object(m, size, sem);
    objs[i][1] = (uint64_t)i;
    g_assert_true(mmtk_is_live_object(mmtk, objs[i]));
  }
  /* A collection request, a flush and the end of the mutator change nothing: NoGC never
   * reclaims, so every object stays live and intact. */
  g_assert_false(mmtk_handle_user_collection_request(m));
  mmtk_gc_poll(m);
  mmtk_flush_mutator(m);
  mmtk_destroy_mutator(m);
  m = mmtk_bind_mutator(mmtk, NULL);
  for (int i = 0; i < 2000; i++) g_assert_nonnull(mmtk_alloc(m, 4000, 8, 0, MMTK_ALLOC_DEFAULT));
  tu_mark_error();
  for (int i = 0; i < N; i++) {
    g_assert_true(mmtk_is_live_object(mmtk, objs[i]));
    g_assert_cmpuint(objs[i][1], ==, (uint64_t)i);
    /* Spaces answer for every address they hold, not only object starts. */
    g_assert_true(mmtk_is_live_object(mmtk, (char *)objs[i] + 8));
  }
  tu_assert_error("tu_marker_option");
  /* Outside the heap, or in no space: false. */
  int local = 0;
  g_assert_false(mmtk_is_live_object(mmtk, NULL));
  g_assert_false(mmtk_is_live_object(mmtk, &local));
  g_assert_false(mmtk_is_live_object(mmtk, &global_word));
  g_assert_false(mmtk_is_live_object(mmtk, (void *)MMTK_HEAP_END));
  g_assert_false(mmtk_is_live_object(mmtk, (void *)(MMTK_HEAP_START - 8)));
  g_assert_false(mmtk_is_live_object(mmtk, (void *)unused_extent_address(mmtk)));
  tu_assert_error("tu_marker_option");
  /* Rejected instances. */
  g_assert_false(mmtk_is_live_object(NULL, objs[0]));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_is_live_object: the instance is NULL");
  g_assert_false(mmtk_is_live_object(FAKE_MMTK, objs[0]));
  tu_assert_error("mmtk_is_live_object: ");
  tu_assert_error("is not a live instance (shut down, or not from mmtk_init)");
  g_free(objs);
  finish(mmtk, m);
}

/* ---- The heap range and the byte counts ------------------------------------------- */

static void test_heap_range(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  uintptr_t start = (uintptr_t)mmtk_starting_heap_address(mmtk);
  uintptr_t end = (uintptr_t)mmtk_last_heap_address(mmtk);
  /* The only instance alive has the first room of the range: 64 times its 64 MiB heap,
   * 4 GiB (mmtk_init(3)), or the whole range where that is smaller. */
  size_t range_pow2 = (size_t)256 << 20;
  while (range_pow2 <= (size_t)(MMTK_HEAP_END - MMTK_HEAP_START) / 2) range_pow2 *= 2;
  g_assert_cmpuint(start, ==, MMTK_HEAP_START);
  g_assert_cmpuint(end - start, ==, MIN((size_t)4 << 30, range_pow2));
  g_assert_cmpuint(end, <=, MMTK_HEAP_END);
  /* Every object lies in [start, end). */
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
    for (size_t size = 8; size <= 64 * KiB; size *= 4) {
      uintptr_t p = (uintptr_t)mmtk_alloc(m, size, 8, 0, sem);
      g_assert_cmpuint(p, !=, 0);
      g_assert_cmpuint(p, >=, start);
      g_assert_cmpuint(p + size, <=, end);
    }
  tu_mark_error();
  g_assert_null(mmtk_starting_heap_address(NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_starting_heap_address: the instance is NULL");
  g_assert_null(mmtk_last_heap_address(NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_last_heap_address: the instance is NULL");
  g_assert_null(mmtk_starting_heap_address(FAKE_MMTK));
  tu_assert_error("mmtk_starting_heap_address: ");
  tu_assert_error("is not a live instance");
  g_assert_null(mmtk_last_heap_address(FAKE_MMTK));
  tu_assert_error("mmtk_last_heap_address: ");
  finish(mmtk, m);
}

static void check_sum(mmtk_t *mmtk) {
  size_t used = mmtk_used_bytes(mmtk), free_ = mmtk_free_bytes(mmtk), total = mmtk_total_bytes(mmtk);
  if (used <= total)
    g_assert_cmpuint(used + free_, ==, total);
  else
    g_assert_cmpuint(free_, ==, 0);
}

static void test_bytes(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 64 * MiB);
  /* No space holds a page yet. */
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, 0);
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 64 * MiB);
  check_sum(mmtk);
  /* A 4 MiB large object: exactly its pages. */
  size_t used = mmtk_used_bytes(mmtk);
  g_assert_nonnull(mmtk_alloc(m, 4 * MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used + 4 * MiB);
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 60 * MiB);
  check_sum(mmtk);
  /* 4 MiB of small objects: at least 4 MiB more, at most a buffer more than that; the
   * count moves in whole pages. */
  used = mmtk_used_bytes(mmtk);
  size_t bytes = 0;
  while (bytes < 4 * MiB) {
    g_assert_nonnull(mmtk_alloc_fast(m, 256, 8, 0, MMTK_ALLOC_DEFAULT));
    bytes += 256;
    g_assert_cmpuint(mmtk_used_bytes(mmtk) % 4096, ==, 0);
  }
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >=, used + 4 * MiB);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), <=, used + 4 * MiB + 64 * KiB);
  check_sum(mmtk);
  /* The total never moves under NoGC. */
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 64 * MiB);
  /* Rejected instances: 0 and a message. */
  tu_mark_error();
  g_assert_cmpuint(mmtk_total_bytes(NULL), ==, 0);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_total_bytes: the instance is NULL");
  g_assert_cmpuint(mmtk_used_bytes(NULL), ==, 0);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_used_bytes: the instance is NULL");
  g_assert_cmpuint(mmtk_free_bytes(NULL), ==, 0);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_free_bytes: the instance is NULL");
  g_assert_cmpuint(mmtk_total_bytes(FAKE_MMTK), ==, 0);
  tu_assert_error("mmtk_total_bytes: ");
  tu_assert_error("is not a live instance");
  g_assert_cmpuint(mmtk_used_bytes(FAKE_MMTK), ==, 0);
  tu_assert_error("mmtk_used_bytes: ");
  g_assert_cmpuint(mmtk_free_bytes(FAKE_MMTK), ==, 0);
  tu_assert_error("mmtk_free_bytes: ");
  finish(mmtk, m);
}

/* The FixedHeapSize given is the total, whatever its size. */
static void test_bytes_sizes(void) {
  static const struct {
    const char *opt;
    size_t bytes;
  } sizes[] = {{"gc_trigger=FixedHeapSize:8M", 8 * MiB},
               {"gc_trigger=FixedHeapSize:100M", 100 * MiB},
               {"gc_trigger=FixedHeapSize:1G", 1024 * MiB},
               {"gc_trigger=FixedHeapSize:12345K", 12345 * KiB},
               /* NoGC cannot collect, so a dynamic heap starts at its maximum. */
               {"gc_trigger=DynamicHeapSize:16M,48M", 48 * MiB}};
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    char *opts = g_strdup_printf("plan=NoGC %s", sizes[i].opt);
    mmtk_t *mmtk = tu_init(opts);
    g_free(opts);
    g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, sizes[i].bytes);
    g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, sizes[i].bytes - mmtk_used_bytes(mmtk));
    mmtk_stats_t st = {.size = sizeof st};
    g_assert_true(mmtk_get_stats(mmtk, &st));
    g_assert_cmpuint(st.heap_bytes, ==, sizes[i].bytes);
    mmtk_shutdown(mmtk);
  }
}

/* used_bytes includes what the binding's vm_live_bytes reports; free_bytes is then the
 * difference, or 0 when the heap is over its limit. */
static size_t vm_live;
static size_t vm_live_bytes_cb(void *ctx) {
  if (ctx != tu_ctx) tu.bad_ctx++;
  return vm_live;
}

static void test_bytes_vm_live(void) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  vm.vm_live_bytes = vm_live_bytes_cb;
  vm_live = 0;
  mmtk_t *mmtk = tu_init_with("plan=NoGC gc_trigger=FixedHeapSize:32M", &vm);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  size_t pages = mmtk_used_bytes(mmtk);
  g_assert_cmpuint(pages, ==, MiB);
  vm_live = 12345;
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, pages + 12345);
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 32 * MiB - pages - 12345);
  check_sum(mmtk);
  vm_live = 40 * MiB;
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, pages + 40 * MiB);
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 0);
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 32 * MiB);
  /* Over the limit NoGC cannot collect: gc_poll does nothing, allocation fails. */
  mmtk_gc_poll(m);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  g_assert_null(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_cmpuint(tu_oom_calls(), ==, 1);
  vm_live = 0;
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, pages);
  g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* ---- Pinning in a plan that never moves ------------------------------------------- */

static void test_pin(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++) {
    for (size_t size = 24; size <= 48 * KiB; size *= 8) {
      uint64_t *p = new_object(m, size, sem);
      tu_mark_error();
      unsigned nlog = tu_log_count(-1, NULL);
      /* Every NoGC object counts as pinned for ever; pinning and unpinning change
       * nothing and say so with false. */
      g_assert_true(mmtk_is_pinned(mmtk, p));
      g_assert_false(mmtk_pin_object(mmtk, p));
      g_assert_true(mmtk_is_pinned(mmtk, p));
      g_assert_false(mmtk_pin_object(mmtk, p));
      g_assert_false(mmtk_unpin_object(mmtk, p));
      g_assert_true(mmtk_is_pinned(mmtk, p));
      g_assert_false(mmtk_unpin_object(mmtk, p));
      g_assert_true(mmtk_is_pinned(mmtk, p));
      /* That is an answer, not an error. */
      tu_assert_error("tu_marker_option");
      g_assert_cmpuint(tu_log_count(-1, NULL), ==, nlog);
      g_assert_cmpuint(p[0], ==, size);
    }
  }
  /* Outside the heap: false, and "not in the heap" in the last error, not logged. */
  int local = 0;
  const void *outside[] = {NULL, &local, &global_word, (void *)MMTK_HEAP_END,
                           (void *)(MMTK_HEAP_START - 8), (void *)unused_extent_address(mmtk)};
  static const char *const who[] = {"mmtk_pin_object", "mmtk_unpin_object", "mmtk_is_pinned"};
  for (size_t i = 0; i < G_N_ELEMENTS(outside); i++)
    for (int f = 0; f < 3; f++) {
      unsigned nlog = tu_log_count(-1, NULL);
      tu_mark_error();
      mmtk_object_t o = (mmtk_object_t)outside[i];
      bool r = f == 0 ? mmtk_pin_object(mmtk, o) : f == 1 ? mmtk_unpin_object(mmtk, o)
                                                          : mmtk_is_pinned(mmtk, o);
      g_assert_false(r);
      char *want = g_strdup_printf("%s: %p is not in the heap", who[f], outside[i]);
      g_assert_cmpstr(mmtk_last_error(), ==, want);
      g_free(want);
      g_assert_cmpuint(tu_log_count(-1, NULL), ==, nlog);
    }
  /* Rejected instances. */
  uint64_t *p = new_object(m, 32, MMTK_ALLOC_DEFAULT);
  g_assert_false(mmtk_pin_object(NULL, p));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_pin_object: the instance is NULL");
  g_assert_false(mmtk_unpin_object(NULL, p));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_unpin_object: the instance is NULL");
  g_assert_false(mmtk_is_pinned(NULL, p));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_is_pinned: the instance is NULL");
  g_assert_false(mmtk_is_pinned(FAKE_MMTK, p));
  tu_assert_error("mmtk_is_pinned: ");
  tu_assert_error("is not a live instance");
  finish(mmtk, m);
}

/* ---- Barriers ------------------------------------------------------------------------ */

static void test_barriers(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  enum { SLOTS = 16 };
  mmtk_object_t *src = mmtk_alloc(m, SLOTS * sizeof(mmtk_object_t), 8, 0, MMTK_ALLOC_DEFAULT);
  mmtk_object_t t1 = mmtk_alloc(m, 32, 8, 0, MMTK_ALLOC_DEFAULT);
  mmtk_object_t t2 = mmtk_alloc(m, 32, 8, 0, MMTK_ALLOC_IMMORTAL);
  g_assert_nonnull(src);
  g_assert_nonnull(t1);
  g_assert_nonnull(t2);
  size_t used = mmtk_used_bytes(mmtk);
  mmtk_object_t before[SLOTS];
  for (int i = 0; i < SLOTS; i++) src[i] = (mmtk_object_t)(uintptr_t)(0x1000 + i * 8);
  memcpy(before, src, sizeof before);

  /* The pre and post parts do not store. */
  mmtk_object_reference_write_pre(m, src, &src[3], t1);
  g_assert_cmpmem(src, sizeof before, before, sizeof before);
  src[3] = t1; /* the VM's own store */
  before[3] = t1;
  mmtk_object_reference_write_post(m, src, &src[3], t1);
  g_assert_cmpmem(src, sizeof before, before, sizeof before);
  /* A compare-and-swap store between them, as the page shows. */
  mmtk_object_t expected = t1;
  mmtk_object_reference_write_pre(m, src, &src[3], t2);
  g_assert_true(__atomic_compare_exchange_n(&src[3], &expected, t2, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST));
  mmtk_object_reference_write_post(m, src, &src[3], t2);
  before[3] = t2;
  g_assert_cmpmem(src, sizeof before, before, sizeof before);

  /* The subsuming form stores, into that slot only. */
  mmtk_object_reference_write(m, src, &src[5], t1);
  before[5] = t1;
  g_assert_cmpmem(src, sizeof before, before, sizeof before);
  mmtk_object_reference_write(m, src, &src[5], t2);
  before[5] = t2;
  g_assert_cmpmem(src, sizeof before, before, sizeof before);
  mmtk_object_reference_write(m, src, &src[0], NULL);
  before[0] = NULL;
  g_assert_cmpmem(src, sizeof before, before, sizeof before);
  mmtk_object_reference_write(m, src, &src[SLOTS - 1], src); /* a self reference */
  before[SLOTS - 1] = src;
  g_assert_cmpmem(src, sizeof before, before, sizeof before);

  /* Region copies: an array in the large object space. */
  enum { N = 4096 };
  mmtk_object_t *arr = mmtk_alloc(m, N * sizeof(mmtk_object_t), 8, 0, MMTK_ALLOC_LOS);
  mmtk_object_t *dst = mmtk_alloc(m, N * sizeof(mmtk_object_t), 8, 0, MMTK_ALLOC_LOS);
  g_assert_nonnull(arr);
  g_assert_nonnull(dst);
  used = mmtk_used_bytes(mmtk);
  mmtk_object_t *model = g_new(mmtk_object_t, N);
  for (int i = 0; i < N; i++) arr[i] = (mmtk_object_t)(uintptr_t)(0x10000 + (uintptr_t)i * 8);
  for (int i = 0; i < N; i++) dst[i] = (mmtk_object_t)(uintptr_t)(0x90000 + (uintptr_t)i * 8);
  /* pre and post copy nothing. */
  mmtk_memory_region_copy_pre(m, arr, dst, 100 * sizeof(mmtk_object_t));
  mmtk_memory_region_copy_post(m, arr, dst, 100 * sizeof(mmtk_object_t));
  for (int i = 0; i < N; i++) {
    g_assert_true(arr[i] == (mmtk_object_t)(uintptr_t)(0x10000 + (uintptr_t)i * 8));
    g_assert_true(dst[i] == (mmtk_object_t)(uintptr_t)(0x90000 + (uintptr_t)i * 8));
  }
  /* The subsuming copy: exactly `bytes` bytes. */
  memcpy(model, dst, N * sizeof *model);
  mmtk_memory_region_copy(m, &arr[10], &dst[100], 50 * sizeof(mmtk_object_t));
  memcpy(&model[100], &arr[10], 50 * sizeof *model);
  g_assert_cmpmem(dst, N * sizeof *dst, model, N * sizeof *model);
  /* Zero bytes: nothing. */
  mmtk_memory_region_copy(m, &arr[0], &dst[0], 0);
  g_assert_cmpmem(dst, N * sizeof *dst, model, N * sizeof *model);
  /* Overlapping, forwards and backwards (memmove). */
  memcpy(model, arr, N * sizeof *model);
  mmtk_memory_region_copy(m, &arr[0], &arr[1], 1000 * sizeof(mmtk_object_t));
  memmove(&model[1], &model[0], 1000 * sizeof *model);
  g_assert_cmpmem(arr, N * sizeof *arr, model, N * sizeof *model);
  mmtk_memory_region_copy(m, &arr[200], &arr[3], 2000 * sizeof(mmtk_object_t));
  memmove(&model[3], &model[200], 2000 * sizeof *model);
  g_assert_cmpmem(arr, N * sizeof *arr, model, N * sizeof *model);
  /* The whole array, and into a non-heap buffer too. */
  mmtk_memory_region_copy(m, arr, dst, N * sizeof(mmtk_object_t));
  g_assert_cmpmem(dst, N * sizeof *dst, model, N * sizeof *model);
  mmtk_object_t *outside = g_new0(mmtk_object_t, N);
  mmtk_memory_region_copy(m, dst, outside, N * sizeof(mmtk_object_t));
  g_assert_cmpmem(outside, N * sizeof *outside, model, N * sizeof *model);
  g_free(outside);
  g_free(model);
  /* No barrier allocates or logs. */
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used);
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
  finish(mmtk, m);
}

/* ---- Collection requests under NoGC -------------------------------------------------- */

/* Log lines at levels ERROR to INFO (verbose may add DEBUG lines of its own). */
static unsigned notices(void) {
  return tu_log_count(MMTK_LOG_ERROR, NULL) + tu_log_count(MMTK_LOG_WARN, NULL) +
         tu_log_count(MMTK_LOG_INFO, NULL);
}

static unsigned blocked;
static void block_for_gc_cb(void *ctx, void *tls) {
  (void)ctx;
  (void)tls;
  blocked++;
}

static void collection_requests(const char *options, bool verbose, bool init_collection) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  vm.block_for_gc = block_for_gc_cb;
  blocked = 0;
  char *opts = g_strdup_printf("plan=NoGC gc_trigger=FixedHeapSize:16M %s", options);
  mmtk_t *mmtk = tu_init_with(opts, &vm);
  g_free(opts);
  if (init_collection) g_assert_true(mmtk_initialize_collection(mmtk, NULL));
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  uint64_t *o = new_object(m, 64, MMTK_ALLOC_DEFAULT);
  o[1] = 0xfeed;
  size_t used = mmtk_used_bytes(mmtk);
  const char *msg = "user collection request ignored (NoGC does not collect)";
  g_assert_cmpuint(notices(), ==, 0);
  tu_mark_error();
  for (unsigned i = 1; i <= 3; i++) {
    g_assert_false(mmtk_handle_user_collection_request(m));
    g_assert_cmpuint(tu_log_count(MMTK_LOG_INFO, msg), ==, verbose ? i : 0);
    g_assert_cmpuint(notices(), ==, verbose ? i : 0);
  }
  if (verbose) {
    char *last = tu_log_last();
    g_assert_cmpstr(last, ==, msg);
    g_free(last);
  }
  unsigned nlog = notices();
  /* gc_poll: nothing happens and nothing is logged, even with the heap full. */
  for (int i = 0; i < 3; i++) mmtk_gc_poll(m);
  while (mmtk_alloc_with_options(m, MiB, 8, 0, MMTK_ALLOC_LOS, MMTK_ALLOC_OPT_RETURN_FAILURE)) {}
  size_t full = mmtk_used_bytes(mmtk);
  mmtk_gc_poll(m);
  g_assert_false(mmtk_handle_user_collection_request(m));
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, full);
  g_assert_cmpuint(notices(), ==, nlog + (verbose ? 1 : 0));
  tu_assert_error("out of memory"); /* the last failed allocation's answer */
  /* Nothing moved, nothing was reclaimed, nobody blocked. */
  g_assert_cmpuint(o[0], ==, 64);
  g_assert_cmpuint(o[1], ==, 0xfeed);
  g_assert_cmpuint(full, >=, used);
  g_assert_cmpuint(blocked, ==, 0);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(mmtk, &st));
  g_assert_cmpuint(st.gc_count, ==, 0);
  g_assert_cmpuint(mmtk_live_bytes_in_last_gc(mmtk), ==, 0);
  /* A NULL or dead mutator is rejected. */
  static uint64_t fake_mutator[1 << 12];
  tu_mark_error();
  g_assert_false(mmtk_handle_user_collection_request(NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_handle_user_collection_request: the mutator is NULL");
  mmtk_gc_poll(NULL);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_gc_poll: the mutator is NULL");
  g_assert_false(mmtk_handle_user_collection_request((mmtk_mutator_t *)(void *)fake_mutator));
  tu_assert_error("mmtk_handle_user_collection_request: ");
  tu_assert_error("is not a live mutator (destroyed, or not from mmtk_bind_mutator)");
  mmtk_gc_poll((mmtk_mutator_t *)(void *)fake_mutator);
  tu_assert_error("mmtk_gc_poll: ");
  tu_assert_error("is not a live mutator");
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  /* Quiet means quiet: not a line, at any level (the rejections above went to standard
   * error, there being no instance to log through). */
  if (!verbose) g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

static void test_requests_verbose(void) { collection_requests("verbose=1", true, false); }
static void test_requests_quiet(void) { collection_requests("", false, false); }
static void test_requests_initialized(void) { collection_requests("verbose=3", true, true); }
/* ignore_system_gc does not change the reason NoGC gives. */
static void test_requests_ignore(void) {
  collection_requests("verbose=1 ignore_system_gc=true", true, true);
}

/* ---- Workers ---------------------------------------------------------------------- */

static void test_workers(void) {
  static const size_t n[] = {1, 2, 3, 7, 64, 1024};
  for (size_t i = 0; i < G_N_ELEMENTS(n); i++) {
    char *opts = g_strdup_printf("plan=NoGC threads=%zu gc_trigger=FixedHeapSize:16M", n[i]);
    mmtk_t *mmtk = tu_init(opts);
    g_free(opts);
#if MMTK_HAVE_SINGLE_WORKER
    g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, 1);
#else
    g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, n[i]);
#endif
    mmtk_shutdown(mmtk);
  }
  /* By default: the online CPUs (at most 1024). */
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t def = cpus < 1 ? 1 : cpus > 1024 ? 1024 : (size_t)cpus;
  g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, MMTK_HAVE_SINGLE_WORKER ? 1 : def);
  tu_mark_error();
  g_assert_cmpuint(mmtk_num_of_workers(NULL), ==, 0);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_num_of_workers: the instance is NULL");
  g_assert_cmpuint(mmtk_num_of_workers(FAKE_MMTK), ==, 0);
  tu_assert_error("mmtk_num_of_workers: ");
  tu_assert_error("is not a live instance");
  mmtk_shutdown(mmtk);
}

/* ---- The harness and the statistics ------------------------------------------------ */

/* Run mmtk_harness_end(mmtk) with standard output going to a file; its output, to
 * g_free. */
static char *harness_end_output(mmtk_t *mmtk) {
  char path[] = "/tmp/test-queries-XXXXXX";
  int fd = mkstemp(path);
  g_assert_cmpint(fd, >=, 0);
  unlink(path);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  g_assert_cmpint(saved, >=, 0);
  g_assert_cmpint(dup2(fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  mmtk_harness_end(mmtk);
  fflush(stdout);
  g_assert_cmpint(dup2(saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close(saved);
  off_t len = lseek(fd, 0, SEEK_END);
  g_assert_cmpint(len, >=, 0);
  char *buf = g_malloc((size_t)len + 1);
  g_assert_cmpint(pread(fd, buf, (size_t)len, 0), ==, len);
  buf[len] = '\0';
  close(fd);
  return buf;
}

/* Check the table; returns the value fields of its third line (g_strfreev). */
static char **check_table(const char *out) {
  char **lines = g_strsplit(out, "\n", -1);
  /* Five lines and the final newline. */
  g_assert_cmpuint(g_strv_length(lines), ==, 6);
  g_assert_cmpstr(lines[5], ==, "");
  g_assert_true(g_str_has_prefix(lines[0], "==="));
  tu_assert_contains(lines[0], " libmmtk Statistics Totals ");
  g_assert_true(g_str_has_suffix(lines[0], "==="));
  /* NoGC runs no scheduler stage: no time.stage columns. */
  g_assert_cmpstr(lines[1], ==, "GC\ttime.mu\ttime.gc\ttime.total\tbytes.alloc\tbytes.used\tplan");
  char **v = g_strsplit(lines[2], "\t", -1);
  g_assert_cmpuint(g_strv_length(v), ==, 7);
  g_assert_cmpstr(v[0], ==, "0");
  g_assert_cmpstr(v[2], ==, "0.00");
  g_assert_cmpstr(v[6], ==, "NoGC");
  double mu = g_ascii_strtod(v[1], NULL), total = g_ascii_strtod(v[3], NULL);
  g_assert_cmpfloat(mu, >=, 0);
  g_assert_cmpfloat(mu, <=, total + 0.011);
  g_assert_cmpfloat(mu, >=, total - 0.011);
  char *tt = g_strdup_printf("Total time: %s ms", v[3]);
  g_assert_cmpstr(lines[3], ==, tt);
  g_free(tt);
  g_assert_true(g_str_has_prefix(lines[4], "---"));
  tu_assert_contains(lines[4], " End libmmtk Statistics ");
  g_strfreev(lines);
  return v;
}

static void test_harness(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M verbose=1", &m);
  /* Before the window: 2 MiB. */
  g_assert_nonnull(mmtk_alloc(m, 2 * MiB, 8, 0, MMTK_ALLOC_LOS));
  mmtk_harness_begin(m);
  /* harness_begin asks for a collection, which NoGC ignores (logged with verbose). */
  g_assert_cmpuint(tu_log_count(MMTK_LOG_INFO, "user collection request ignored"), ==, 1);
  /* In the window: 4 MiB of large objects and 30 ms. */
  for (int i = 0; i < 4; i++) g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  g_usleep(30000);
  size_t used = mmtk_used_bytes(mmtk);
  g_assert_cmpuint(used, ==, 6 * MiB);
  char *out = harness_end_output(mmtk);
  char **v = check_table(out);
  g_assert_cmpstr(v[4], ==, "4194304");
  char *u = g_strdup_printf("%zu", used);
  g_assert_cmpstr(v[5], ==, u);
  g_free(u);
  g_assert_cmpfloat(g_ascii_strtod(v[3], NULL), >=, 30.0);
  g_assert_cmpfloat(g_ascii_strtod(v[3], NULL), <, 60000.0);
  g_strfreev(v);
  g_free(out);

  /* A second end without a begin: nothing printed, an error. */
  tu_mark_error();
  unsigned nerr = tu_log_count(MMTK_LOG_ERROR, NULL);
  out = harness_end_output(mmtk);
  g_assert_cmpstr(out, ==, "");
  g_free(out);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_harness_end: mmtk_harness_begin was not called");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "mmtk_harness_begin was not called"), ==, 1);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, NULL), ==, nerr + 1);

  /* Calling begin again restarts the counters. */
  mmtk_harness_begin(m);
  g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  mmtk_harness_begin(m);
  g_assert_nonnull(mmtk_alloc(m, 2 * MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_nonnull(mmtk_alloc(m, 5000, 8, 0, MMTK_ALLOC_LOS)); /* two pages */
  out = harness_end_output(mmtk);
  v = check_table(out);
  g_assert_cmpstr(v[4], ==, "2105344"); /* 2 MiB + 8 KiB */
  u = g_strdup_printf("%zu", mmtk_used_bytes(mmtk));
  g_assert_cmpstr(v[5], ==, u);
  g_free(u);
  g_strfreev(v);
  g_free(out);

  /* Rejected calls print nothing. */
  out = harness_end_output(NULL);
  g_assert_cmpstr(out, ==, "");
  g_free(out);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_harness_end: the instance is NULL");
  mmtk_harness_begin(NULL);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_harness_begin: the mutator is NULL");
  out = harness_end_output(mmtk); /* the NULL begin started nothing */
  g_assert_cmpstr(out, ==, "");
  g_free(out);
  tu_assert_error("mmtk_harness_begin was not called");
  finish(mmtk, m);
}

/* The same table as the program's real standard output, in a child of its own. */
static void child_harness_stdout(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  mmtk_harness_begin(m);
  for (int i = 0; i < 3; i++) g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  mmtk_harness_end(mmtk);
  mmtk_harness_end(mmtk); /* prints nothing more */
  finish(mmtk, m);
}

static void test_harness_stdout(void) {
  g_test_trap_subprocess("/NoGC/queries/harness-stdout/subprocess/child", 60 * G_USEC_PER_SEC,
                         G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout("*libmmtk Statistics Totals*\n"
                            "GC\ttime.mu\ttime.gc\ttime.total\tbytes.alloc\tbytes.used\tplan\n"
                            "0\t*\t0.00\t*\t3145728\t3145728\tNoGC\n"
                            "Total time: * ms\n"
                            "*End libmmtk Statistics*\n");
  g_test_trap_assert_stdout_unmatched("*Statistics Totals*Statistics Totals*");
  g_test_trap_assert_stdout_unmatched("*time.stage.*");
}

static void test_stats(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  mmtk_stats_t st;
  memset(&st, 0xa5, sizeof st);
  st.size = sizeof st;
  g_assert_true(mmtk_get_stats(mmtk, &st));
  g_assert_cmpuint(st.size, ==, sizeof st);
  g_assert_cmpuint(st.gc_count, ==, 0);
  g_assert_cmpuint(st.gc_time_ns, ==, 0);
  g_assert_cmpuint(st.max_pause_ns, ==, 0);
  g_assert_cmpuint(st.live_bytes, ==, 0);
  g_assert_cmpuint(st.bytes_allocated, ==, 0);
  g_assert_cmpuint(st.heap_bytes, ==, 64 * MiB);
  g_assert_cmpuint(st.defrag_gc_count, ==, 0);
  /* bytes_allocated: the pages the spaces took; under NoGC nothing is given back, so it
   * is what used_bytes counts. */
  uint64_t before = st.bytes_allocated;
  g_assert_nonnull(mmtk_alloc(m, 4 * MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_true(mmtk_get_stats(mmtk, &st));
  g_assert_cmpuint(st.bytes_allocated, ==, before + 4 * MiB);
  for (int i = 0; i < 10000; i++) g_assert_nonnull(mmtk_alloc_fast(m, 100, 8, 0, MMTK_ALLOC_DEFAULT));
  for (int i = 0; i < 1000; i++) g_assert_nonnull(mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_IMMORTAL));
  g_assert_true(mmtk_get_stats(mmtk, &st));
  g_assert_cmpuint(st.bytes_allocated, ==, mmtk_used_bytes(mmtk));
  g_assert_cmpuint(st.bytes_allocated, >=, 4 * MiB + 10000 * 100 + 1000 * 64);
  g_assert_cmpuint(st.bytes_allocated % 4096, ==, 0);
  g_assert_cmpuint(st.gc_count, ==, 0);
  g_assert_cmpuint(st.heap_bytes, ==, mmtk_total_bytes(mmtk));

  /* A caller compiled with a bigger struct: only the known bytes are written, and size
   * says how many. */
  struct {
    mmtk_stats_t s;
    uint64_t more[4];
  } big;
  memset(&big, 0x5a, sizeof big);
  big.s.size = sizeof big;
  g_assert_true(mmtk_get_stats(mmtk, &big.s));
  g_assert_cmpuint(big.s.size, ==, sizeof(mmtk_stats_t));
  g_assert_cmpuint(big.s.heap_bytes, ==, 64 * MiB);
  g_assert_cmpuint(big.s.bytes_allocated, ==, st.bytes_allocated);
  for (int i = 0; i < 4; i++) g_assert_cmpuint(big.more[i], ==, UINT64_C(0x5a5a5a5a5a5a5a5a));

  /* A caller compiled against libmmtk 0.1.0, whose struct ended at heap_bytes (before
   * defrag_gc_count): accepted, the fields it knows written, nothing past them. */
  const size_t old = offsetof(mmtk_stats_t, heap_bytes) + sizeof(uint64_t);
  g_assert_cmpuint(old, <, sizeof(mmtk_stats_t));
  union {
    mmtk_stats_t s;
    unsigned char bytes[sizeof(mmtk_stats_t)];
  } o;
  memset(&o, 0x5a, sizeof o);
  o.s.size = old;
  g_assert_true(mmtk_get_stats(mmtk, &o.s));
  g_assert_cmpuint(o.s.size, ==, old);
  g_assert_cmpuint(o.s.gc_count, ==, 0);
  g_assert_cmpuint(o.s.heap_bytes, ==, 64 * MiB);
  g_assert_cmpuint(o.s.bytes_allocated, ==, st.bytes_allocated);
  for (size_t i = old; i < sizeof o; i++) g_assert_cmpuint(o.bytes[i], ==, 0x5a);

  /* Too small, NULL: false, nothing written. */
  static const size_t small[] = {0, 8, offsetof(mmtk_stats_t, heap_bytes),
                                 offsetof(mmtk_stats_t, heap_bytes) + sizeof(uint64_t) - 1};
  for (size_t i = 0; i < G_N_ELEMENTS(small); i++) {
    mmtk_stats_t s, copy;
    memset(&s, 0x77, sizeof s);
    s.size = small[i];
    memcpy(&copy, &s, sizeof s);
    tu_mark_error();
    g_assert_false(mmtk_get_stats(mmtk, &s));
    g_assert_cmpmem(&s, sizeof s, &copy, sizeof copy);
    g_assert_cmpstr(mmtk_last_error(), ==,
                    "mmtk_get_stats: stats->size is too small (set it to sizeof(mmtk_stats_t))");
  }
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "stats->size is too small"), ==, G_N_ELEMENTS(small));
  g_assert_false(mmtk_get_stats(mmtk, NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_get_stats: stats is NULL");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "mmtk_get_stats: stats is NULL"), ==, 1);
  st.size = sizeof st;
  g_assert_false(mmtk_get_stats(NULL, &st));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_get_stats: the instance is NULL");
  g_assert_false(mmtk_get_stats(FAKE_MMTK, &st));
  tu_assert_error("mmtk_get_stats: ");
  tu_assert_error("is not a live instance");
  finish(mmtk, m);
}

/* ---- Every query rejects a dead handle and keeps working afterwards ---------------- */

static void test_queries_after_rejection(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("plan=NoGC gc_trigger=FixedHeapSize:64M", &m);
  uint64_t *p = new_object(m, 128, MMTK_ALLOC_DEFAULT);
  size_t used = mmtk_used_bytes(mmtk);
  /* A burst of rejected calls, then the real instance answers as before. */
  for (int i = 0; i < 100; i++) {
    g_assert_false(mmtk_is_in_mmtk_spaces(FAKE_MMTK, p));
    g_assert_false(mmtk_is_mapped_address(FAKE_MMTK, p));
    g_assert_false(mmtk_is_live_object(FAKE_MMTK, p));
    g_assert_null(mmtk_is_mmtk_object(FAKE_MMTK, p));
    g_assert_false(mmtk_is_pinned(FAKE_MMTK, p));
    g_assert_cmpuint(mmtk_used_bytes(FAKE_MMTK), ==, 0);
  }
  tu_mark_error();
  g_assert_false(mmtk_is_in_mmtk_spaces(NULL, p));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_is_in_mmtk_spaces: the instance is NULL");
  g_assert_false(mmtk_is_mapped_address(NULL, p));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_is_mapped_address: the instance is NULL");
  char *want = g_strdup_printf("mmtk_is_in_mmtk_spaces: %p is not a live instance (shut down, "
                               "or not from mmtk_init)", (void *)zeros);
  g_assert_false(mmtk_is_in_mmtk_spaces(FAKE_MMTK, p));
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, p));
  g_assert_true(mmtk_is_mapped_address(mmtk, p));
  g_assert_true(mmtk_is_live_object(mmtk, p));
  g_assert_true(mmtk_is_pinned(mmtk, p));
  g_assert_true(mmtk_is_mmtk_object(mmtk, p) == (MMTK_HAVE_VO_BIT ? (void *)p : NULL));
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used);
  g_assert_cmpuint(p[0], ==, 128);
  /* Rejections with a NULL or fake instance are not sent to this instance's log. */
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
  finish(mmtk, m);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/NoGC/queries/in-spaces", test_in_spaces);
  tu_add("/NoGC/queries/vo-bit", test_vo_bit);
  tu_add("/NoGC/queries/interior/no-size", test_interior_no_size);
  tu_add("/NoGC/queries/interior/with-size", test_interior_with_size);
  tu_add("/NoGC/queries/live", test_live);
  tu_add("/NoGC/queries/heap-range", test_heap_range);
  tu_add("/NoGC/queries/bytes", test_bytes);
  tu_add("/NoGC/queries/bytes/sizes", test_bytes_sizes);
  tu_add("/NoGC/queries/bytes/vm-live", test_bytes_vm_live);
  tu_add("/NoGC/queries/pin", test_pin);
  tu_add("/NoGC/queries/barriers", test_barriers);
  tu_add("/NoGC/queries/requests/verbose", test_requests_verbose);
  tu_add("/NoGC/queries/requests/quiet", test_requests_quiet);
  tu_add("/NoGC/queries/requests/initialized", test_requests_initialized);
  tu_add("/NoGC/queries/requests/ignore-system-gc", test_requests_ignore);
  tu_add("/NoGC/queries/workers", test_workers);
  tu_add("/NoGC/queries/harness", test_harness);
  tu_add("/NoGC/queries/harness-stdout", test_harness_stdout);
  g_test_add_func("/NoGC/queries/harness-stdout/subprocess/child", child_harness_stdout);
  tu_add("/NoGC/queries/stats", test_stats);
  tu_add("/NoGC/queries/rejected-handles", test_queries_after_rejection);
  return g_test_run();
}
