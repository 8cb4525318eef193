/* NoGC allocation (design/memory_manager.md .alloc): sizes from 0 to 64 MiB, every
 * alignment with offsets, every semantic through every allocation entry point; results
 * aligned, zero-filled, writable for their full size, never overlapping, in the space the
 * allocator mapping names; bad arguments rejected with NULL and a message and without
 * side effects; accounting; flush; post_alloc.
 *
 * Which space an object is in is read from the heap layout (design/heap.md
 * .layout.extents: space i owns extent i): objects whose allocator (per
 * mmtk_get_allocator_mapping) is the same must share an extent, different allocators must
 * not. */
#include "test-util.h"

#include <limits.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
/* NoGC's largest default object outside the large object space (.alloc.los). */
#define NOGC_MAX_NON_LOS ((size_t)16 << 10)

/* ---- The entry points under test ----------------------------------------------------- */

enum api {
  API_ALLOC,             /* mmtk_alloc */
  API_FAST,              /* mmtk_alloc_fast (inline) */
  API_WITH_OPTIONS,      /* mmtk_alloc_with_options(..., 0) */
  API_WITH_OPTIONS_FAIL, /* mmtk_alloc_with_options(..., MMTK_ALLOC_OPT_RETURN_FAILURE) */
  API_SLOW,              /* mmtk_alloc_slow */
  API_SLOW_WITH_OPTIONS, /* mmtk_alloc_slow_with_options(..., 0) */
  N_API
};

static const char *const api_name[N_API] = {
    "mmtk_alloc", "mmtk_alloc_fast", "mmtk_alloc_with_options",
    "mmtk_alloc_with_options(RETURN_FAILURE)", "mmtk_alloc_slow",
    "mmtk_alloc_slow_with_options"};

static void *do_alloc(int api, mmtk_mutator_t *m, size_t size, size_t align, size_t offset,
                      int sem) {
  switch (api) {
  case API_ALLOC: return mmtk_alloc(m, size, align, offset, sem);
  case API_FAST: return mmtk_alloc_fast(m, size, align, offset, sem);
  case API_WITH_OPTIONS: return mmtk_alloc_with_options(m, size, align, offset, sem, 0);
  case API_WITH_OPTIONS_FAIL:
    return mmtk_alloc_with_options(m, size, align, offset, sem, MMTK_ALLOC_OPT_RETURN_FAILURE);
  case API_SLOW: return mmtk_alloc_slow(m, size, align, offset, sem);
  case API_SLOW_WITH_OPTIONS: return mmtk_alloc_slow_with_options(m, size, align, offset, sem, 0);
  }
  g_assert_not_reached();
}

/* ---- Bookkeeping: every object, its size and fill byte -------------------------------- */

typedef struct rec {
  uintptr_t start;
  size_t size; /* usable bytes: the request rounded up to 8, at least 8 (.alloc.contract) */
  uint8_t fill;
} rec_t;

static GArray *recs;
static int extent_of_key[256]; /* allocator (kind * 16 + index) -> extent, -1: not seen */

static void book_reset(void) {
  if (recs) g_array_free(recs, TRUE);
  recs = g_array_new(FALSE, FALSE, sizeof(rec_t));
  for (size_t i = 0; i < G_N_ELEMENTS(extent_of_key); i++) extent_of_key[i] = -1;
}

static size_t usable(size_t size) { return size ? (size + 7) & ~(size_t)7 : 8; }

static bool all_bytes(const void *p, size_t n, uint8_t v) {
  const uint8_t *c = p;
  size_t i = 0;
  uint64_t w = v * UINT64_C(0x0101010101010101);
  for (; i < n && ((uintptr_t)(c + i) & 7); i++)
    if (c[i] != v) return false;
  for (; i + 8 <= n; i += 8)
    if (*(const uint64_t *)(const void *)(c + i) != w) return false;
  for (; i < n; i++)
    if (c[i] != v) return false;
  return true;
}

/* The allocator the documentation says serves (semantics, size). */
static int expected_key(mmtk_t *mmtk, int sem, size_t size) {
  if (sem == MMTK_ALLOC_DEFAULT && usable(size) > NOGC_MAX_NON_LOS) sem = MMTK_ALLOC_LOS;
  mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(mmtk, sem);
  g_assert_cmpuint(s.kind, <, MMTK_ALLOCATOR_NONE);
  return s.kind * 16 + s.index;
}

static void check_extent(mmtk_t *mmtk, const void *p, int sem, size_t size, const char *what) {
  int key = expected_key(mmtk, sem, size), ext = tu_extent_of(mmtk, p);
  g_assert_cmpint(ext, >=, 0);
  if (extent_of_key[key] < 0) {
    for (size_t k = 0; k < G_N_ELEMENTS(extent_of_key); k++)
      if ((int)k != key && extent_of_key[k] == ext)
        g_error("%s: semantics %d size %zu landed in extent %d, which allocator %zu uses; "
                "its allocator is %d", what, sem, size, ext, k, key);
    extent_of_key[key] = ext;
  } else if (extent_of_key[key] != ext) {
    g_error("%s: semantics %d size %zu (allocator %d, extent %d) landed in extent %d", what,
            sem, size, key, extent_of_key[key], ext);
  }
}

/* A fresh object: aligned, in the heap, in its space, zero-filled; then filled and
 * recorded. */
static void check_new(mmtk_t *mmtk, void *p, size_t size, size_t align, size_t offset, int sem,
                      const char *what) {
  if (!p) g_error("%s(size %zu, align %zu, offset %zu, semantics %d) = NULL: %s", what, size,
                  align, offset, sem, mmtk_last_error());
  size_t a = align < 8 ? 8 : align, n = usable(size);
  if (((uintptr_t)p + offset) % a)
    g_error("%s(size %zu, align %zu, offset %zu) = %p: misaligned", what, size, align, offset, p);
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, p));
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, (char *)p + n - 1));
  g_assert_true(mmtk_is_mapped_address(mmtk, p));
  g_assert_true(mmtk_is_mapped_address(mmtk, (char *)p + n - 1));
  g_assert_true(mmtk_is_live_object(mmtk, p));
  check_extent(mmtk, p, sem, size, what);
  if (!all_bytes(p, n, 0)) g_error("%s(size %zu) = %p: not zero-filled", what, size, p);
  rec_t r = {(uintptr_t)p, n, (uint8_t)(recs->len * 37 + 1)};
  if (!r.fill) r.fill = 0x5a;
  memset(p, r.fill, n);
  g_array_append_val(recs, r);
}

static gint rec_cmp(gconstpointer a, gconstpointer b) {
  const rec_t *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Every object still holds its fill, and no two overlap. */
static void check_all(void) {
  for (guint i = 0; i < recs->len; i++) {
    const rec_t *r = &g_array_index(recs, rec_t, i);
    if (!all_bytes((void *)r->start, r->size, r->fill))
      g_error("object %u at %p (%zu bytes) was overwritten", i, (void *)r->start, r->size);
  }
  g_array_sort(recs, rec_cmp);
  for (guint i = 1; i < recs->len; i++) {
    const rec_t *a = &g_array_index(recs, rec_t, i - 1), *b = &g_array_index(recs, rec_t, i);
    if (a->start + a->size > b->start)
      g_error("objects overlap: [%p, +%zu) and [%p, +%zu)", (void *)a->start, a->size,
              (void *)b->start, b->size);
  }
}

static mmtk_t *setup(const char *options, mmtk_mutator_t **m) {
  book_reset();
  mmtk_t *mmtk = tu_init(options);
  *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(*m);
  return mmtk;
}

static void finish(mmtk_t *mmtk, mmtk_mutator_t *m) {
  check_all();
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

/* ---- Sizes, alignments, semantics -------------------------------------------------- */

static const size_t sizes[] = {0,       1,       7,          8,          9,
                               16,      31,      32,         4095,       4096,
                               16 * KiB, 32 * KiB - 1, 32 * KiB + 1, MiB, 8 * MiB,
                               64 * MiB};

static void test_sizes(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:1G", &m);
  for (int api = 0; api < N_API; api++)
    for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
      void *p = do_alloc(api, m, sizes[i], 8, 0, MMTK_ALLOC_DEFAULT);
      check_new(mmtk, p, sizes[i], 8, 0, MMTK_ALLOC_DEFAULT, api_name[api]);
    }
  finish(mmtk, m);
}

/* Size 0: a minimum (8-byte) object at a unique address. */
static void test_size_zero(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
    for (int api = 0; api < N_API; api++)
      for (int i = 0; i < 20; i++) {
        void *p = do_alloc(api, m, 0, 8, 0, sem);
        check_new(mmtk, p, 0, 8, 0, sem, api_name[api]);
      }
  finish(mmtk, m);
}

/* Every power-of-two alignment with offsets: (result + offset) % max(align, 8) == 0. */
static void test_alignment(void) {
  static const size_t asizes[] = {8, 24, 100, 4000, 12000, 40000};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:512M", &m);
  for (size_t align = 1; align <= MMTK_MAX_ALIGNMENT; align *= 2) {
    size_t a = align < 8 ? 8 : align;
    const size_t offsets[] = {0, 1, 4, 7, 8, a / 2, a - 8, a - 1};
    for (size_t o = 0; o < G_N_ELEMENTS(offsets); o++) {
      size_t offset = offsets[o];
      if (offset >= a) continue;
      for (size_t s = 0; s < G_N_ELEMENTS(asizes); s++)
        for (int api = 0; api < N_API; api++) {
          void *p = do_alloc(api, m, asizes[s], align, offset, MMTK_ALLOC_DEFAULT);
          check_new(mmtk, p, asizes[s], align, offset, MMTK_ALLOC_DEFAULT, api_name[api]);
        }
    }
  }
  /* Alignment with the other semantics too. */
  for (int sem = 1; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
    for (size_t align = 1; align <= MMTK_MAX_ALIGNMENT; align *= 4) {
      size_t a = align < 8 ? 8 : align;
      const size_t offsets[] = {0, 4, a / 2, a - 1};
      for (size_t o = 0; o < G_N_ELEMENTS(offsets); o++)
        for (int api = 0; api < N_API; api++) {
          if (offsets[o] >= a) continue;
          void *p = do_alloc(api, m, 72, align, offsets[o], sem);
          check_new(mmtk, p, 72, align, offsets[o], sem, api_name[api]);
        }
    }
  finish(mmtk, m);
}

/* .alloc.mapping for NoGC. */
static void test_mapping(void) {
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  static const struct {
    int sem, kind, index, offset;
  } want[] = {
      {MMTK_ALLOC_DEFAULT, MMTK_ALLOCATOR_BUMP_POINTER, 0, 0},
      {MMTK_ALLOC_CODE, MMTK_ALLOCATOR_BUMP_POINTER, 0, 0},
      {MMTK_ALLOC_READ_ONLY, MMTK_ALLOCATOR_BUMP_POINTER, 0, 0},
      {MMTK_ALLOC_NON_MOVING, MMTK_ALLOCATOR_BUMP_POINTER, 0, 0},
      {MMTK_ALLOC_IMMORTAL, MMTK_ALLOCATOR_BUMP_POINTER, 1, -1},
      {MMTK_ALLOC_LOS, MMTK_ALLOCATOR_LARGE_OBJECT, 0, -1},
      {MMTK_ALLOC_LARGE_CODE, MMTK_ALLOCATOR_LARGE_OBJECT, 0, -1},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(mmtk, want[i].sem);
    g_assert_cmpint(s.kind, ==, want[i].kind);
    g_assert_cmpint(s.index, ==, want[i].index);
    g_assert_cmpint(s.bump_pointer_offset, ==, want[i].offset);
  }
  static const int bad[] = {-1, MMTK_ALLOC_SEMANTICS_COUNT, 100, INT_MAX, INT_MIN};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    tu_mark_error();
    tu_reset();
    mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(mmtk, bad[i]);
    g_assert_cmpint(s.kind, ==, MMTK_ALLOCATOR_NONE);
    tu_assert_error("mmtk_get_allocator_mapping");
    g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "mmtk_get_allocator_mapping"), ==, 1);
  }
  tu_mark_error();
  mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(NULL, MMTK_ALLOC_DEFAULT);
  g_assert_cmpint(s.kind, ==, MMTK_ALLOCATOR_NONE);
  tu_assert_error("mmtk_get_allocator_mapping");
  mmtk_shutdown(mmtk);
}

/* Every semantic lands in the space its allocator serves, via every entry point. */
static void test_semantics(void) {
  static const size_t ssizes[] = {8, 100, 4096, 12000, 20000, 40000, 2 * MiB};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:512M", &m);
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
    for (int api = 0; api < N_API; api++)
      for (size_t s = 0; s < G_N_ELEMENTS(ssizes); s++) {
        /* Default objects above the threshold: the LOS test below. */
        if (sem == MMTK_ALLOC_DEFAULT && ssizes[s] > NOGC_MAX_NON_LOS) continue;
        void *p = do_alloc(api, m, ssizes[s], 8, 0, sem);
        check_new(mmtk, p, ssizes[s], 8, 0, sem, api_name[api]);
      }
  /* NoGC has three spaces: the bump allocators 0 and 1 and the LOS are all seen, in
   * three different extents. */
  unsigned seen = 0;
  for (size_t k = 0; k < G_N_ELEMENTS(extent_of_key); k++) seen += extent_of_key[k] >= 0;
  g_assert_cmpuint(seen, ==, 3);
  finish(mmtk, m);
}

/* .alloc.los: a default request above 16 KiB goes to the large object space by itself,
 * whichever entry point made it, even when the thread-local buffer has room for it. */
static void test_los_threshold(void) {
  static const size_t lsizes[] = {NOGC_MAX_NON_LOS - 8, NOGC_MAX_NON_LOS, NOGC_MAX_NON_LOS + 1,
                                  NOGC_MAX_NON_LOS + 8, 20000, 24 * KiB, 32 * KiB - 1};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:256M", &m);
  for (int api = 0; api < N_API; api++)
    for (size_t s = 0; s < G_N_ELEMENTS(lsizes); s++) {
      /* A small object first, so that the buffer is fresh and has room. */
      void *q = do_alloc(API_SLOW, m, 8, 8, 0, MMTK_ALLOC_DEFAULT);
      check_new(mmtk, q, 8, 8, 0, MMTK_ALLOC_DEFAULT, "mmtk_alloc_slow");
      const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
      /* mmtk_alloc_fast(3): the buffer serves requests of up to max_inline_size (16 KiB,
       * the large object threshold), never bigger ones. */
      g_assert_cmpuint(h->max_inline_size, ==, NOGC_MAX_NON_LOS);
      mmtk_bump_pointer_t buf = h->default_bump;
      void *p = do_alloc(api, m, lsizes[s], 8, 0, MMTK_ALLOC_DEFAULT);
      check_new(mmtk, p, lsizes[s], 8, 0, MMTK_ALLOC_DEFAULT, api_name[api]);
      if (lsizes[s] > NOGC_MAX_NON_LOS) g_assert_cmpuint(h->default_bump.cursor, ==, buf.cursor);
      else if (buf.cursor + lsizes[s] <= buf.limit) g_assert_cmpuint((uintptr_t)p, ==, buf.cursor);
      /* Use the rest of the buffer up, so that the next small object takes a new one. */
      for (size_t rest; (rest = h->default_bump.limit - h->default_bump.cursor) >= 8;) {
        size_t chunk = rest < NOGC_MAX_NON_LOS ? rest : NOGC_MAX_NON_LOS;
        void *f = do_alloc(API_SLOW, m, chunk, 8, 0, MMTK_ALLOC_DEFAULT);
        check_new(mmtk, f, chunk, 8, 0, MMTK_ALLOC_DEFAULT, "mmtk_alloc_slow");
      }
    }
  finish(mmtk, m);
}

/* ---- Bad arguments: NULL + a message, no out_of_memory call, nothing changes ---------- */

typedef struct snapshot {
  mmtk_bump_pointer_t bump;
  size_t used;
  unsigned oom;
} snapshot_t;

static snapshot_t snap(mmtk_t *mmtk, mmtk_mutator_t *m) {
  snapshot_t s = {((mmtk_mutator_head_t *)(void *)m)->default_bump, mmtk_used_bytes(mmtk),
                  tu_oom_calls()};
  return s;
}

static void expect_rejected(mmtk_t *mmtk, mmtk_mutator_t *m, size_t size, size_t align,
                            size_t offset, int sem, const char *what, const char *value) {
  for (int api = 0; api < N_API; api++) {
    /* Warm the buffer up, so that an inline path that accepted the request would bump. */
    g_assert_nonnull(mmtk_alloc_slow(m, 8, 8, 0, MMTK_ALLOC_DEFAULT));
    snapshot_t before = snap(mmtk, m);
    tu_mark_error();
    void *p = do_alloc(api, m, size, align, offset, sem);
    if (p)
      g_error("%s(size %zu, align %zu, offset %zu, semantics %d) = %p, expected NULL",
              api_name[api], size, align, offset, sem, p);
    tu_assert_error("mmtk_alloc");
    tu_assert_error(what);
    tu_assert_error(value);
    snapshot_t after = snap(mmtk, m);
    g_assert_cmpuint(after.bump.cursor, ==, before.bump.cursor);
    g_assert_cmpuint(after.bump.limit, ==, before.bump.limit);
    g_assert_cmpuint(after.used, ==, before.used);
    g_assert_cmpuint(after.oom, ==, before.oom);
  }
}

static void test_bad_align(void) {
  static const size_t bad[] = {3, 5, 6, 12, 24, 100, 4095, 4097, 8192, MiB,
                               ((size_t)1 << 63), SIZE_MAX};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char v[32];
    g_snprintf(v, sizeof v, "%zu", bad[i]);
    expect_rejected(mmtk, m, 16, bad[i], 0, MMTK_ALLOC_DEFAULT, "align", v);
    expect_rejected(mmtk, m, 16, bad[i], 0, MMTK_ALLOC_LOS, "align", v);
  }
  finish(mmtk, m);
}

/* 0 is not a power of two (.alloc.args). */
static void test_bad_align_zero(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  expect_rejected(mmtk, m, 16, 0, 0, MMTK_ALLOC_DEFAULT, "align", "0");
  expect_rejected(mmtk, m, 16, 0, 0, MMTK_ALLOC_IMMORTAL, "align", "0");
  finish(mmtk, m);
}

static void test_bad_offset(void) {
  static const struct {
    size_t align, offset;
  } bad[] = {{8, 8}, {1, 8}, {4, 8}, {8, 100}, {16, 16}, {16, 17}, {64, 64}, {4096, 4096},
             {4096, SIZE_MAX}, {1, SIZE_MAX}};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char v[32];
    g_snprintf(v, sizeof v, "%zu", bad[i].offset);
    for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
      expect_rejected(mmtk, m, 16, bad[i].align, bad[i].offset, sem, "offset", v);
  }
  finish(mmtk, m);
}

static void test_bad_size(void) {
  static const size_t bad[] = {MMTK_MAX_ALLOC_SIZE + 1, MMTK_MAX_ALLOC_SIZE + 8,
                               MMTK_MAX_ALLOC_SIZE * 2, SIZE_MAX / 2, SIZE_MAX - 4095,
                               SIZE_MAX - 7, SIZE_MAX};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char v[32];
    g_snprintf(v, sizeof v, "%zu", bad[i]);
    for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++) {
      expect_rejected(mmtk, m, bad[i], 8, 0, sem, "size", v);
      expect_rejected(mmtk, m, bad[i], 4096, 4095, sem, "size", v);
    }
  }
  finish(mmtk, m);
}

static void test_bad_semantics(void) {
  static const int bad[] = {-1, MMTK_ALLOC_SEMANTICS_COUNT, 8, 100, INT_MAX, INT_MIN};
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    char v[32];
    g_snprintf(v, sizeof v, "%d", bad[i]);
    expect_rejected(mmtk, m, 16, 8, 0, bad[i], "semantics", v);
    expect_rejected(mmtk, m, 100000, 8, 0, bad[i], "semantics", v);
  }
  finish(mmtk, m);
}

/* NULL and dead mutators (.err.handles): NULL + a message naming the mutator. */
static void test_bad_mutator(void) {
  static uint64_t zeros[1 << 14]; /* bigger than any mutator: a handle without signature */
  mmtk_mutator_t *fake = (mmtk_mutator_t *)(void *)zeros;
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:64M");
  size_t used = mmtk_used_bytes(mmtk);
  mmtk_mutator_t *const handles[] = {NULL, fake};
  for (size_t h = 0; h < G_N_ELEMENTS(handles); h++) {
    mmtk_mutator_t *m = handles[h];
    for (int api = 0; api < N_API; api++) {
      if (api == API_FAST && !m) continue; /* the inline path reads the head */
      tu_mark_error();
      g_assert_null(do_alloc(api, m, 16, 8, 0, MMTK_ALLOC_DEFAULT));
      tu_assert_error("mmtk_alloc");
      tu_assert_error("mutator");
    }
    tu_mark_error();
    mmtk_post_alloc(m, zeros, 16, MMTK_ALLOC_DEFAULT);
    tu_assert_error("mmtk_post_alloc");
    tu_mark_error();
    mmtk_flush_mutator(m);
    tu_assert_error("mmtk_flush_mutator");
    tu_mark_error();
    g_assert_false(mmtk_handle_user_collection_request(m));
    tu_assert_error("mmtk_handle_user_collection_request");
    tu_mark_error();
    mmtk_gc_poll(m);
    tu_assert_error("mmtk_gc_poll");
    tu_mark_error();
    mmtk_harness_begin(m);
    tu_assert_error("mmtk_harness_begin");
  }
  /* Destroying NULL is a no-op (.mutator.destroy). */
  tu_mark_error();
  mmtk_destroy_mutator(NULL);
  tu_assert_error("tu_marker_option");
  for (size_t i = 0; i < G_N_ELEMENTS(zeros); i++) g_assert_cmpuint(zeros[i], ==, 0);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  mmtk_shutdown(mmtk);
}

/* ---- Accounting, flush, post_alloc, several mutators -------------------------------- */

static void check_bytes(mmtk_t *mmtk) {
  size_t used = mmtk_used_bytes(mmtk), free_ = mmtk_free_bytes(mmtk), total = mmtk_total_bytes(mmtk);
  g_assert_cmpuint(used, <=, total);
  g_assert_cmpuint(used + free_, ==, total);
  g_assert_cmpuint(used % 4096, ==, 0); /* pages (no counted malloc here) */
}

static void test_accounting(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:256M", &m);
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 256 * MiB);
  check_bytes(mmtk);
  /* Large objects: whole pages each, so used_bytes grows by exactly their pages. */
  for (int i = 0; i < 10; i++) {
    size_t used = mmtk_used_bytes(mmtk);
    void *p = mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS);
    check_new(mmtk, p, MiB, 8, 0, MMTK_ALLOC_LOS, "mmtk_alloc");
    g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used + MiB);
    check_bytes(mmtk);
    used = mmtk_used_bytes(mmtk);
    p = mmtk_alloc(m, 5000, 8, 0, MMTK_ALLOC_LOS);
    check_new(mmtk, p, 5000, 8, 0, MMTK_ALLOC_LOS, "mmtk_alloc");
    g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, used + 8192);
    check_bytes(mmtk);
  }
  /* Small objects: used_bytes covers them and never shrinks. */
  size_t used0 = mmtk_used_bytes(mmtk), bytes = 0, last = used0;
  for (int i = 0; i < 100000; i++) {
    size_t size = 8 + (size_t)(i % 50) * 8;
    int sem = i % 3 == 0 ? MMTK_ALLOC_IMMORTAL : MMTK_ALLOC_DEFAULT;
    void *p = mmtk_alloc_fast(m, size, 8, 0, sem);
    g_assert_nonnull(p);
    bytes += size;
    size_t used = mmtk_used_bytes(mmtk);
    g_assert_cmpuint(used, >=, last);
    last = used;
    if (i % 1000 == 0) check_bytes(mmtk);
  }
  g_assert_cmpuint(mmtk_used_bytes(mmtk) - used0, >=, bytes);
  check_bytes(mmtk);
  finish(mmtk, m);
}

/* .mutator.flush: the allocation buffer is kept; allocation goes on. */
static void test_flush(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
  for (int round = 0; round < 50; round++) {
    for (int i = 0; i < 100; i++) {
      size_t size = 16 + (size_t)(i % 9) * 24;
      void *p = mmtk_alloc_fast(m, size, 8, 0, MMTK_ALLOC_DEFAULT);
      check_new(mmtk, p, size, 8, 0, MMTK_ALLOC_DEFAULT, "mmtk_alloc_fast");
    }
    mmtk_bump_pointer_t before = h->default_bump;
    mmtk_flush_mutator(m);
    g_assert_cmpuint(h->default_bump.cursor, ==, before.cursor);
    g_assert_cmpuint(h->default_bump.limit, ==, before.limit);
    void *p = mmtk_alloc_fast(m, 16, 8, 0, MMTK_ALLOC_DEFAULT);
    check_new(mmtk, p, 16, 8, 0, MMTK_ALLOC_DEFAULT, "mmtk_alloc_fast");
    if (before.cursor && before.cursor + 16 <= before.limit)
      g_assert_cmpuint((uintptr_t)p, ==, before.cursor); /* the kept buffer served it */
    p = mmtk_alloc(m, 40000, 8, 0, MMTK_ALLOC_LOS);
    check_new(mmtk, p, 40000, 8, 0, MMTK_ALLOC_LOS, "mmtk_alloc");
  }
  finish(mmtk, m);
}

/* .alloc.post: post_alloc sets the VO bit (with the feature) and leaves the object's
 * bytes alone. */
static void test_post_alloc(void) {
  mmtk_mutator_t *m;
  mmtk_t *mmtk = setup("gc_trigger=FixedHeapSize:64M", &m);
  for (int sem = 0; sem < MMTK_ALLOC_SEMANTICS_COUNT; sem++)
    for (int how = 0; how < 2; how++)
      for (int i = 0; i < 10; i++) {
        size_t size = i == 9 ? 40000 : 24 + (size_t)i * 8;
        void *p = mmtk_alloc(m, size, 8, 0, sem);
        check_new(mmtk, p, size, 8, 0, sem, "mmtk_alloc");
        const rec_t *r = &g_array_index(recs, rec_t, recs->len - 1);
        g_assert_null(mmtk_is_mmtk_object(mmtk, p));
        if (how)
          mmtk_post_alloc_fast(m, p, size, sem);
        else
          mmtk_post_alloc(m, p, size, sem);
        g_assert_true(all_bytes(p, r->size, r->fill));
        g_assert_true(mmtk_is_mmtk_object(mmtk, p) == (MMTK_HAVE_VO_BIT ? p : NULL));
        /* Its neighbours are not objects. */
        g_assert_null(mmtk_is_mmtk_object(mmtk, (char *)p + 8));
      }
  finish(mmtk, m);
}

/* Several mutators allocate interleaved; each keeps its identity. */
static void test_mutators(void) {
  book_reset();
  mmtk_t *mmtk = tu_init("gc_trigger=FixedHeapSize:256M");
  int tls[4];
  mmtk_mutator_t *ms[4];
  for (int i = 0; i < 4; i++) {
    ms[i] = mmtk_bind_mutator(mmtk, &tls[i]);
    g_assert_nonnull(ms[i]);
    const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)ms[i];
    g_assert_true(h->mmtk == mmtk);
    g_assert_true(h->tls == &tls[i]);
  }
  for (int i = 0; i < 40000; i++) {
    mmtk_mutator_t *m = ms[i % 4];
    if (i == 20000) {
      mmtk_destroy_mutator(ms[3]);
      ms[3] = mmtk_bind_mutator(mmtk, NULL);
      g_assert_null(((mmtk_mutator_head_t *)(void *)ms[3])->tls);
    }
    size_t size = 8 + (size_t)(i * 7 % 300);
    int sem = i % 97 == 0 ? MMTK_ALLOC_LOS : i % 5 == 0 ? MMTK_ALLOC_IMMORTAL : MMTK_ALLOC_DEFAULT;
    void *p = mmtk_alloc_fast(m, size, 8, 0, sem);
    check_new(mmtk, p, size, 8, 0, sem, "mmtk_alloc_fast");
  }
  check_all();
  for (int i = 0; i < 4; i++) mmtk_destroy_mutator(ms[i]);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  mmtk_shutdown(mmtk);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/NoGC/alloc/sizes", test_sizes);
  tu_add("/NoGC/alloc/size-zero", test_size_zero);
  tu_add("/NoGC/alloc/alignment", test_alignment);
  tu_add("/NoGC/alloc/mapping", test_mapping);
  tu_add("/NoGC/alloc/semantics", test_semantics);
  tu_add("/NoGC/alloc/los-threshold", test_los_threshold);
  tu_add("/NoGC/alloc/bad-align", test_bad_align);
  tu_add("/NoGC/alloc/bad-align-zero", test_bad_align_zero);
  tu_add("/NoGC/alloc/bad-offset", test_bad_offset);
  tu_add("/NoGC/alloc/bad-size", test_bad_size);
  tu_add("/NoGC/alloc/bad-semantics", test_bad_semantics);
  tu_add("/NoGC/alloc/bad-mutator", test_bad_mutator);
  tu_add("/NoGC/alloc/accounting", test_accounting);
  tu_add("/NoGC/alloc/flush", test_flush);
  tu_add("/NoGC/alloc/post-alloc", test_post_alloc);
  tu_add("/NoGC/alloc/mutators", test_mutators);
  return g_test_run();
}
