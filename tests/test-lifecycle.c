/* Instances, bindings, mutators and errors (design/memory_manager.md .init, .builder,
 * .mutator, .err, .info): builders; mmtk_init and mmtk_shutdown, again and again in one
 * process without leaking mappings; every documented reason mmtk_init refuses (with its
 * message, and nothing left behind); one instance at a time, also when threads race;
 * binding, flushing and destroying mutators; the per-thread last error; the version and
 * build information; mmtk_initialize_collection under NoGC.  Every case runs in a process
 * of its own (tests/test-util.h). */
#include "test-util.h"

#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* A zeroed block bigger than any builder, instance or mutator: a handle without a
 * signature. */
static uint64_t zeros[1 << 14];
#define FAKE ((void *)zeros)

static void assert_zeros(void) {
  for (size_t i = 0; i < G_N_ELEMENTS(zeros); i++) g_assert_cmpuint(zeros[i], ==, 0);
}

/* ---- /proc/self ---------------------------------------------------------------------- */

typedef struct maps_info {
  unsigned lines;     /* mappings of the process */
  bool heap_mapped;   /* some mapping intersects [MMTK_HEAP_START, MMTK_HEAP_END) */
  size_t total_bytes; /* the size of every mapping together */
} maps_info_t;

static maps_info_t read_maps(void) {
  maps_info_t mi = {0, false, 0};
  FILE *f = fopen("/proc/self/maps", "r");
  g_assert_nonnull(f);
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    unsigned long long lo, hi;
    if (sscanf(line, "%llx-%llx", &lo, &hi) != 2) continue;
    mi.lines++;
    mi.total_bytes += (size_t)(hi - lo);
    if (lo < MMTK_HEAP_END && hi > MMTK_HEAP_START) mi.heap_mapped = true;
  }
  fclose(f);
  return mi;
}

/* Whether [MMTK_HEAP_START, MMTK_HEAP_END) is one mapping of its own. */
static bool heap_reserved_whole(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  g_assert_nonnull(f);
  char line[4096];
  uintptr_t covered = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long long lo, hi;
    if (sscanf(line, "%llx-%llx", &lo, &hi) != 2) continue;
    /* Chunks in use are split off the reservation; count what lies in the range. */
    if (lo >= MMTK_HEAP_START && hi <= MMTK_HEAP_END) covered += (uintptr_t)(hi - lo);
  }
  fclose(f);
  return covered == MMTK_HEAP_END - MMTK_HEAP_START;
}

static unsigned count_threads(void) {
  DIR *d = opendir("/proc/self/task");
  g_assert_nonnull(d);
  unsigned n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* ---- Builders --------------------------------------------------------------------- */

static void test_builder(void) {
  mmtk_builder_t *a = mmtk_builder_new(), *b = mmtk_builder_new();
  g_assert_nonnull(a);
  g_assert_nonnull(b);
  g_assert_true(a != b);
  g_assert_true(mmtk_process_bulk(a, "plan=NoGC gc_trigger=FixedHeapSize:24M"));
  g_assert_true(mmtk_process_bulk(b, "plan=NoGC gc_trigger=FixedHeapSize:40M"));
  /* One builder serves several instances, one after the other; it is not consumed. */
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  for (int i = 0; i < 3; i++) {
    mmtk_t *mmtk = mmtk_init(i == 1 ? b : a, &vm, tu_ctx);
    g_assert_nonnull(mmtk);
    g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, i == 1 ? 40 * MiB : 24 * MiB);
    mmtk_shutdown(mmtk);
  }
  /* Freed while its instance lives: the instance keeps the options. */
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  g_assert_nonnull(mmtk);
  mmtk_builder_free(b);
  g_assert_true(mmtk_process(a, "gc_trigger", "FixedHeapSize:8M")); /* a is independent */
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 40 * MiB);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  g_assert_nonnull(mmtk_alloc(m, 20 * MiB, 8, 0, MMTK_ALLOC_LOS));
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
  /* Freeing NULL does nothing; a non-builder is refused and left alone. */
  tu_mark_error();
  mmtk_builder_free(NULL);
  tu_assert_error("tu_marker_option");
  mmtk_builder_free(FAKE);
  char *want = g_strdup_printf("mmtk_builder_free: %p is not a live builder", FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  assert_zeros();
  mmtk_builder_free(a);
}

/* ---- Init, shutdown, init again ----------------------------------------------------- */

/* Allocate a few objects of each kind, check they are fresh (zero), fill them. */
static void use_instance(mmtk_t *mmtk, unsigned round) {
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, &round);
  g_assert_nonnull(m);
  static const int sems[] = {MMTK_ALLOC_DEFAULT, MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_LOS};
  static const size_t sizes[] = {48, 1000, 100000};
  for (size_t i = 0; i < G_N_ELEMENTS(sems); i++)
    for (int k = 0; k < 20; k++) {
      unsigned char *p = mmtk_alloc(m, sizes[i], 8, 0, sems[i]);
      g_assert_nonnull(p);
      g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, p));
      /* Zero: also where an earlier instance wrote (its memory was given back). */
      for (size_t j = 0; j < sizes[i]; j += 8) g_assert_cmpuint(p[j], ==, 0);
      memset(p, (int)(round + 1), sizes[i]);
    }
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >=, 20 * (48 + 1000 + 100000));
  mmtk_destroy_mutator(m);
}

/* The valid-object bits of an instance go with it: a later instance that allocates at
 * the same address does not see an object there until its own post_alloc. */
static void test_vo_bits_not_inherited(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  void *first[3];
  static const int sems[] = {MMTK_ALLOC_DEFAULT, MMTK_ALLOC_IMMORTAL, MMTK_ALLOC_LOS};
  for (int i = 0; i < 3; i++) {
    first[i] = mmtk_alloc(m, 64, 8, 0, sems[i]);
    g_assert_nonnull(first[i]);
    mmtk_post_alloc(m, first[i], 64, sems[i]);
    g_assert_true(mmtk_is_mmtk_object(mmtk, first[i]) == (MMTK_HAVE_VO_BIT ? first[i] : NULL));
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
  mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  m = mmtk_bind_mutator(mmtk, NULL);
  for (int i = 0; i < 3; i++) {
    void *p = mmtk_alloc(m, 64, 8, 0, sems[i]);
    g_assert_nonnull(p);
    /* The same layout (design/heap.md .layout.extents), the same first addresses. */
    g_assert_true(p == first[i]);
    g_assert_null(mmtk_is_mmtk_object(mmtk, p));
    g_assert_null(mmtk_find_object_from_internal_pointer(mmtk, (char *)p + 8, 64));
    mmtk_post_alloc(m, p, 64, sems[i]);
    g_assert_true(mmtk_is_mmtk_object(mmtk, p) == (MMTK_HAVE_VO_BIT ? p : NULL));
  }
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
}

static void test_init_again(void) {
  maps_info_t before = read_maps();
  g_assert_false(before.heap_mapped);
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:64M");
  /* mmtk_init reserves the whole range. */
  g_assert_true(read_maps().heap_mapped);
  g_assert_true(heap_reserved_whole());
  use_instance(mmtk, 0);
  mmtk_shutdown(mmtk);
  /* Everything is given back: the range is free again. */
  g_assert_false(read_maps().heap_mapped);
  /* A second instance in the same process, with other options. */
  mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:32M threads=3");
  g_assert_nonnull(mmtk);
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 32 * MiB);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, 0); /* nothing carried over */
  use_instance(mmtk, 1);
  mmtk_shutdown(mmtk);
  g_assert_false(read_maps().heap_mapped);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
}

/* 20 cycles: each works, and the mappings do not pile up. */
static void test_cycles(void) {
  maps_info_t first = {0, false, 0};
  for (unsigned round = 0; round < 20; round++) {
    mmtk_t *mmtk = tu_init(round % 2 ? "plan=NoGC gc_trigger=FixedHeapSize:128M"
                                     : "plan=NoGC gc_trigger=FixedHeapSize:64M threads=2");
    use_instance(mmtk, round);
    mmtk_shutdown(mmtk);
    maps_info_t now = read_maps();
    g_assert_false(now.heap_mapped);
    if (round == 0) {
      first = now;
      continue;
    }
    /* A leaked heap or side-metadata reservation is terabytes or gigabytes; a leaked
     * mapping per cycle shows in the count. */
    if (now.lines > first.lines + 4)
      g_error("round %u: %u mappings, %u after the first round", round, now.lines, first.lines);
    if (now.total_bytes > first.total_bytes + 64 * MiB)
      g_error("round %u: %zu bytes mapped, %zu after the first round", round, now.total_bytes,
              first.total_bytes);
  }
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
}

static void test_shutdown(void) {
  /* NULL: nothing. */
  tu_mark_error();
  mmtk_shutdown(NULL);
  tu_assert_error("tu_marker_option");
  /* Not an instance: refused. */
  mmtk_shutdown(FAKE);
  char *want = g_strdup_printf("mmtk_shutdown: %p is not a live instance (shut down, or not "
                               "from mmtk_init)", FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  assert_zeros();
  /* Mutators still bound are destroyed, with a warning that counts them. */
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  for (int i = 0; i < 3; i++) g_assert_nonnull(mmtk_alloc(mmtk_bind_mutator(mmtk, NULL), 64, 8, 0, 0));
  mmtk_mutator_t *gone = mmtk_bind_mutator(mmtk, NULL);
  mmtk_destroy_mutator(gone);
  tu_mark_error();
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "mmtk_shutdown: destroying 3 mutator(s) still bound"), ==, 1);
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 1);
  tu_assert_error("tu_marker_option"); /* a warning, not an error */
  g_assert_false(read_maps().heap_mapped);
  /* No mutator left: no warning. */
  mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_destroy_mutator(mmtk_bind_mutator(mmtk, NULL));
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 0);
}

/* ---- mmtk_init's refusals ------------------------------------------------------------ */

/* mmtk_init(builder, vm, tu_ctx) fails with exactly `message`, leaves no mapping behind,
 * and a good instance can be made afterwards. */
static void expect_init_fails(const mmtk_builder_t *builder, const mmtk_vm_binding_t *vm,
                              const char *message, bool logged_to_binding) {
  size_t lines_before = read_maps().lines;
  tu_reset();
  tu_mark_error();
  mmtk_t *mmtk = mmtk_init(builder, vm, tu_ctx);
  if (mmtk) g_error("mmtk_init succeeded, expected \"%s\"", message);
  g_assert_cmpstr(mmtk_last_error(), ==, message);
  /* Before the binding is known the message goes to standard error, not to a callback. */
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, message), ==, logged_to_binding ? 1 : 0);
  maps_info_t after = read_maps();
  g_assert_false(after.heap_mapped);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  /* A sanitizer's runtime maps memory of its own at any time (seen: one mapping more
   * under ThreadSanitizer): there only the heap range is checked. */
  g_assert_cmpuint(after.lines, <=, lines_before);
#else
  (void)lines_before;
#endif
  mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_shutdown(mmtk);
}

static void test_init_bad_builder(void) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  expect_init_fails(NULL, &vm, "mmtk_init: the builder is NULL (make one with mmtk_builder_new)",
                    false);
  char *want = g_strdup_printf("mmtk_init: %p is not a live builder", FAKE);
  expect_init_fails(FAKE, &vm, want, false);
  g_free(want);
  assert_zeros();
  /* Every plan the options accept is built (mmtk_build_info's list), so mmtk_init never
   * meets a plan it cannot create; MMTk's ConcurrentImmix, not built yet, is refused by
   * the options themselves. */
  static const char *const known[] = {"NoGC",     "SemiSpace",   "GenCopy",     "GenImmix",
                                      "MarkSweep", "PageProtect", "Immix",       "MarkCompact",
                                      "StickyImmix", "Compressor"};
  const char *plans = strstr(mmtk_build_info(), "plans: ");
  g_assert_nonnull(plans);
  char *avail = g_strndup(plans + 7, strcspn(plans + 7, ")"));
  char **names = g_strsplit(avail, " ", -1);
  g_assert_cmpuint(g_strv_length(names), ==, G_N_ELEMENTS(known));
  for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
    mmtk_builder_t *probe = mmtk_builder_new();
    g_assert_nonnull(probe);
    g_assert_true(mmtk_process(probe, "plan", known[i]));
    mmtk_builder_free(probe);
    g_assert_true(g_strv_contains((const char *const *)names, known[i]));
  }
  mmtk_builder_t *probe = mmtk_builder_new();
  g_assert_nonnull(probe);
  g_assert_false(mmtk_process(probe, "plan", "ConcurrentImmix"));
  mmtk_builder_free(probe);
  g_strfreev(names);
  g_free(avail);
}

static void test_init_bad_binding(void) {
  mmtk_builder_t *b = tu_builder("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_vm_binding_t vm;
  char *want;

  expect_init_fails(b, NULL, "mmtk_init: the binding is NULL", false);

  static const uint32_t versions[] = {0, MMTK_VM_BINDING_VERSION + 1, 1000, UINT32_MAX};
  for (size_t i = 0; i < G_N_ELEMENTS(versions); i++) {
    tu_binding(&vm);
    vm.version = versions[i];
    want = g_strdup_printf("mmtk_init: binding version %u is not supported (this libmmtk takes "
                           "%d: set .version = MMTK_VM_BINDING_VERSION)", versions[i],
                           MMTK_VM_BINDING_VERSION);
    expect_init_fails(b, &vm, want, false);
    g_free(want);
  }

  static const uint32_t sizes[] = {0, 8, sizeof(mmtk_vm_binding_t) / 2,
                                   sizeof(mmtk_vm_binding_t) - 8, sizeof(mmtk_vm_binding_t) - 1};
  for (size_t i = 0; i < G_N_ELEMENTS(sizes); i++) {
    tu_binding(&vm);
    vm.size = sizes[i];
    want = g_strdup_printf("mmtk_init: binding size %u is smaller than a version-%d binding "
                           "(%zu bytes: set .size = sizeof(mmtk_vm_binding_t))", sizes[i],
                           MMTK_VM_BINDING_VERSION, sizeof(mmtk_vm_binding_t));
    expect_init_fails(b, &vm, want, false);
    g_free(want);
  }

  static const uint32_t flags[] = {0x8, 0x80000000u, 0xffffffffu};
  for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
    tu_binding(&vm);
    vm.flags = flags[i];
    want = g_strdup_printf("mmtk_init: unknown binding flags 0x%x", flags[i]);
    expect_init_fails(b, &vm, want, false);
    g_free(want);
  }

  /* The metadata specs count from 0 (global_log_bit) to 5 (local_pinning_bit). */
  for (int spec = 0; spec < 6; spec++) {
    tu_binding(&vm);
    mmtk_metadata_spec_t *s = &vm.global_log_bit + spec;
    s->location = (uint8_t)(2 + spec);
    want = g_strdup_printf("mmtk_init: metadata spec %d has an unknown location %d", spec, 2 + spec);
    expect_init_fails(b, &vm, want, false);
    g_free(want);
  }
  mmtk_builder_free(b);

  /* A collecting plan needs its callbacks; the first missing one is named. */
  mmtk_builder_t *ss = tu_builder("plan=SemiSpace gc_trigger=FixedHeapSize:16M");
  tu_binding(&vm);
  expect_init_fails(ss, &vm, "mmtk_init: plan SemiSpace needs the binding callback "
                             "get_current_size, which is NULL", false);
  vm.get_current_size = tu_size_from_header;
  expect_init_fails(ss, &vm, "mmtk_init: plan SemiSpace needs the binding callback scan_object, "
                             "which is NULL", false);
  mmtk_builder_free(ss);
}

/* The accepted variations: a bigger (newer) binding, known flags, placements in the
 * header, a NULL context. */
static void test_init_good_bindings(void) {
  struct {
    mmtk_vm_binding_t vm;
    unsigned char newer[64];
  } big;
  tu_binding(&big.vm);
  memset(big.newer, 0xee, sizeof big.newer);
  big.vm.size = sizeof big;
  mmtk_t *mmtk = tu_init_with("plan=NoGC gc_trigger=FixedHeapSize:16M", &big.vm);
  use_instance(mmtk, 0);
  mmtk_shutdown(mmtk);

  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  vm.flags = MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS | MMTK_VM_UNIQUE_OBJECT_ENQUEUING |
             MMTK_VM_NEED_VO_BITS_DURING_TRACING;
  vm.local_mark_bit.location = MMTK_METADATA_IN_HEADER;
  mmtk = tu_init_with("plan=NoGC gc_trigger=FixedHeapSize:16M", &vm);
  use_instance(mmtk, 1);
  mmtk_shutdown(mmtk);

  /* The binding is copied: later changes to the caller's struct have no effect. */
  tu_binding(&vm);
  mmtk = tu_init_with("plan=NoGC gc_trigger=FixedHeapSize:16M", &vm);
  memset(&vm, 0xff, sizeof vm);
  vm.log = NULL;
  mmtk_allocator_selector_t s = mmtk_get_allocator_mapping(mmtk, 99);
  g_assert_cmpint(s.kind, ==, MMTK_ALLOCATOR_NONE);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "mmtk_get_allocator_mapping"), ==, 1);
  use_instance(mmtk, 2);
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);

  /* vm_context is handed back as given, NULL included. */
  tu_binding(&vm);
  tu_reset();
  mmtk_builder_t *b = tu_builder("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk = mmtk_init(b, &vm, NULL);
  g_assert_nonnull(mmtk);
  mmtk_builder_free(b);
  mmtk_get_allocator_mapping(mmtk, -5);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, NULL), ==, 1);
  g_assert_cmpuint(tu.bad_ctx, ==, 1); /* the callback got NULL, not tu_ctx */
  mmtk_shutdown(mmtk);
}

/* The heap range is taken by another mapping: refused with the reason, and logged through
 * the binding (it is known by then); nothing is left behind. */
static void test_init_range_occupied(void) {
  uintptr_t at = MMTK_HEAP_START + 64 * MiB;
  void *p = mmap((void *)at, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                 -1, 0);
  g_assert_true(p == (void *)at);
  mmtk_builder_t *b = tu_builder("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_reset();
  tu_mark_error();
  g_assert_null(mmtk_init(b, &vm, tu_ctx));
  char *want = g_strdup_printf("mmtk_init: cannot reserve the heap range 0x%llx-0x%llx: %s "
                               "(another mapping occupies it; configure a different range "
                               "with --with-heap-start/--with-heap-end)",
                               (unsigned long long)MMTK_HEAP_START,
                               (unsigned long long)MMTK_HEAP_END, g_strerror(EEXIST));
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, want), ==, 1);
  g_free(want);
  /* Our page is untouched and the only thing in the range. */
  maps_info_t mi = read_maps();
  g_assert_true(mi.heap_mapped);
  g_assert_false(heap_reserved_whole());
  g_assert_cmpint(munmap(p, 4096), ==, 0);
  g_assert_false(read_maps().heap_mapped);
  /* The failed call gave the range back: the next one succeeds. */
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  g_assert_nonnull(mmtk);
  use_instance(mmtk, 0);
  mmtk_shutdown(mmtk);
  mmtk_builder_free(b);
}

/* ---- Instances side by side ------------------------------------------------------- */

/* The largest power of two the heap range holds: the room of the largest heap. */
static size_t range_pow2(void) {
  size_t b = (size_t)256 << 20;
  while (b <= (size_t)(MMTK_HEAP_END - MMTK_HEAP_START) / 2) b *= 2;
  return b;
}

static void test_second_instance(void) {
  mmtk_t *first = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_mutator_t *m = mmtk_bind_mutator(first, NULL);
  uint64_t *o = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  o[0] = 42;
  mmtk_builder_t *b = tu_builder("plan=NoGC gc_trigger=FixedHeapSize:8M");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  /* A second instance alive beside the first, in a room of its own: 64 times its heap. */
  mmtk_t *second = mmtk_init(b, &vm, tu_ctx);
  g_assert_nonnull(second);
  uintptr_t s1 = (uintptr_t)mmtk_starting_heap_address(first);
  uintptr_t e1 = (uintptr_t)mmtk_last_heap_address(first);
  uintptr_t s2 = (uintptr_t)mmtk_starting_heap_address(second);
  uintptr_t e2 = (uintptr_t)mmtk_last_heap_address(second);
  g_assert_cmpuint(e1 - s1, ==, MIN((size_t)1 << 30, range_pow2()));
  g_assert_cmpuint(e2 - s2, ==, MIN((size_t)512 << 20, range_pow2()));
  g_assert_true(e1 <= s2 || e2 <= s1);
  g_assert_cmpuint(mmtk_total_bytes(second), ==, 8 * MiB);
  mmtk_mutator_t *m2 = mmtk_bind_mutator(second, NULL);
  uint64_t *o2 = mmtk_alloc(m2, 64, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o2);
  g_assert_cmpuint((uintptr_t)o2 - s2, <, e2 - s2);
  /* Each answers for its own objects only, and refuses the other's with the reason. */
  g_assert_true(mmtk_is_in_mmtk_spaces(first, o));
  g_assert_false(mmtk_is_in_mmtk_spaces(second, o));
  g_assert_true(mmtk_is_in_mmtk_spaces(second, o2));
  g_assert_false(mmtk_is_in_mmtk_spaces(first, o2));
  g_assert_false(mmtk_pin_object(second, o));
  tu_assert_error("mmtk_pin_object: ");
  tu_assert_error("belongs to another instance (instance 1; this is instance 2)");
  /* A room too large for what is left: refused, naming the room asked for and left. */
  size_t big = MMTK_HEAP_END - MMTK_HEAP_START;
  if (big > range_pow2() / 64 && range_pow2() >= (size_t)4 << 30) {
    char *opt = g_strdup_printf("plan=NoGC gc_trigger=FixedHeapSize:%zu", big);
    mmtk_builder_t *bb = tu_builder(opt);
    tu_mark_error();
    g_assert_null(mmtk_init(bb, &vm, tu_ctx));
    char *want = g_strdup_printf("this instance asked for %zu bytes (for a heap of up to %zu "
                                 "bytes) and the largest room left is %zu bytes (2 instances "
                                 "hold the rest)", range_pow2(), big, range_pow2() / 2);
    tu_assert_error("mmtk_init: no room left in the heap range");
    tu_assert_error(want);
    g_free(want);
    mmtk_builder_free(bb);
    g_free(opt);
  }
  /* The first instance is unharmed. */
  g_assert_cmpuint(o[0], ==, 42);
  g_assert_cmpuint(mmtk_total_bytes(first), ==, 16 * MiB);
  g_assert_nonnull(mmtk_alloc(m, MiB, 8, 0, MMTK_ALLOC_LOS));
  g_assert_true(mmtk_is_in_mmtk_spaces(first, o));
  mmtk_destroy_mutator(m);
  mmtk_destroy_mutator(m2);
  mmtk_shutdown(first);
  g_assert_true(read_maps().heap_mapped); /* the second still holds the range */
  use_instance(second, 3);
  mmtk_shutdown(second);
  g_assert_false(read_maps().heap_mapped); /* the last one unmapped it */
  mmtk_builder_free(b);
}

/* Threads racing in mmtk_init: every one gets an instance, each in a room of its own. */
enum { RACERS = 8 };
typedef struct racer {
  mmtk_builder_t *builder;
  mmtk_t *result;
  char error[512];
} racer_t;

static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t race_cond = PTHREAD_COND_INITIALIZER;
static unsigned race_waiting, race_round;

/* All racers start together (a reusable barrier). */
static void race_wait(void) {
  pthread_mutex_lock(&race_lock);
  unsigned round = race_round;
  if (++race_waiting == RACERS) {
    race_waiting = 0;
    race_round++;
    pthread_cond_broadcast(&race_cond);
  } else {
    while (round == race_round) pthread_cond_wait(&race_cond, &race_lock);
  }
  pthread_mutex_unlock(&race_lock);
}

static void *racer_main(void *arg) {
  racer_t *r = arg;
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  race_wait();
  r->result = mmtk_init(r->builder, &vm, tu_ctx);
  g_strlcpy(r->error, mmtk_last_error(), sizeof r->error);
  return NULL;
}

static void test_init_race(void) {
  for (int round = 0; round < 10; round++) {
    racer_t r[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
      r[i].builder = tu_builder("plan=NoGC gc_trigger=FixedHeapSize:16M");
      r[i].result = NULL;
      r[i].error[0] = '\0';
      g_assert_cmpint(pthread_create(&t[i], NULL, racer_main, &r[i]), ==, 0);
    }
    for (int i = 0; i < RACERS; i++) g_assert_cmpint(pthread_join(t[i], NULL), ==, 0);
    for (int i = 0; i < RACERS; i++) {
      if (!r[i].result) g_error("round %d: racer %d got no instance: %s", round, i, r[i].error);
      g_assert_cmpstr(r[i].error, ==, ""); /* a fresh thread, and it succeeded */
      uintptr_t si = (uintptr_t)mmtk_starting_heap_address(r[i].result);
      uintptr_t ei = (uintptr_t)mmtk_last_heap_address(r[i].result);
      for (int k = 0; k < i; k++) {
        uintptr_t sk = (uintptr_t)mmtk_starting_heap_address(r[k].result);
        uintptr_t ek = (uintptr_t)mmtk_last_heap_address(r[k].result);
        if (!(ei <= sk || ek <= si))
          g_error("round %d: the rooms of racers %d and %d overlap", round, k, i);
      }
      mmtk_builder_free(r[i].builder);
    }
    for (int i = 0; i < RACERS; i++) {
      use_instance(r[i].result, (unsigned)(round * RACERS + i));
      mmtk_shutdown(r[i].result);
    }
    g_assert_false(read_maps().heap_mapped);
  }
}

/* ---- Mutators --------------------------------------------------------------------- */

static void test_mutators(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:64M");
  int tls[3];
  mmtk_mutator_t *ms[3];
  for (int i = 0; i < 3; i++) {
    ms[i] = mmtk_bind_mutator(mmtk, &tls[i]);
    g_assert_nonnull(ms[i]);
    const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)ms[i];
    g_assert_true(h->mmtk == mmtk);
    g_assert_true(h->tls == &tls[i]);
    for (int j = 0; j < i; j++) g_assert_true(ms[i] != ms[j]);
  }
  /* Each allocates on its own; flushing keeps the allocation buffer. */
  uint64_t *objs[3][100];
  for (int k = 0; k < 100; k++)
    for (int i = 0; i < 3; i++) {
      objs[i][k] = mmtk_alloc(ms[i], 40, 8, 0, MMTK_ALLOC_DEFAULT);
      g_assert_nonnull(objs[i][k]);
      objs[i][k][0] = (uint64_t)(i * 1000 + k);
      if (k % 10 == 0) {
        mmtk_bump_pointer_t before = ((mmtk_mutator_head_t *)(void *)ms[i])->default_bump;
        tu_mark_error();
        mmtk_flush_mutator(ms[i]);
        tu_assert_error("tu_marker_option");
        mmtk_bump_pointer_t after = ((mmtk_mutator_head_t *)(void *)ms[i])->default_bump;
        g_assert_cmpuint(after.cursor, ==, before.cursor);
        g_assert_cmpuint(after.limit, ==, before.limit);
      }
    }
  /* Destroying one leaves the others and every object alone. */
  mmtk_destroy_mutator(ms[1]);
  for (int k = 0; k < 100; k++) g_assert_nonnull(mmtk_alloc(ms[0], 40, 8, 0, MMTK_ALLOC_DEFAULT));
  for (int k = 0; k < 100; k++) g_assert_nonnull(mmtk_alloc(ms[2], 40, 8, 0, MMTK_ALLOC_LOS));
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 100; k++) g_assert_cmpuint(objs[i][k][0], ==, (uint64_t)(i * 1000 + k));
  mmtk_destroy_mutator(ms[0]);
  mmtk_destroy_mutator(ms[2]);

  /* Rejected handles. */
  tu_mark_error();
  mmtk_destroy_mutator(NULL); /* nothing */
  tu_assert_error("tu_marker_option");
  mmtk_destroy_mutator(FAKE);
  char *want = g_strdup_printf("mmtk_destroy_mutator: %p is not a live mutator (destroyed, or "
                               "not from mmtk_bind_mutator)", FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  mmtk_flush_mutator(NULL);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_flush_mutator: the mutator is NULL");
  mmtk_flush_mutator(FAKE);
  want = g_strdup_printf("mmtk_flush_mutator: %p is not a live mutator (destroyed, or not from "
                         "mmtk_bind_mutator)", FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  g_assert_null(mmtk_bind_mutator(NULL, NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_bind_mutator: the instance is NULL");
  g_assert_null(mmtk_bind_mutator(FAKE, NULL));
  want = g_strdup_printf("mmtk_bind_mutator: %p is not a live instance (shut down, or not from "
                         "mmtk_init)", FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
  assert_zeros();
  /* Every mutator was destroyed: shutdown has none to warn about. */
  tu_reset();
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, NULL), ==, 0);
}

/* 1000 mutators, one after the other: each allocates; all are gone in the end. */
static void test_many_mutators(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:256M");
  enum { N = 1000 };
  uint64_t **objs = g_new(uint64_t *, N);
  /* What was left of each mutator's default buffer when it was destroyed. */
  mmtk_bump_pointer_t *retired = g_new0(mmtk_bump_pointer_t, N);
  size_t used0 = mmtk_used_bytes(mmtk);
  for (int i = 0; i < N; i++) {
    mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, &objs[i]);
    g_assert_nonnull(m);
    const mmtk_mutator_head_t *h = (const mmtk_mutator_head_t *)(void *)m;
    g_assert_true(h->tls == &objs[i]);
    g_assert_true(h->mmtk == mmtk);
    objs[i] = mmtk_alloc(m, 24, 8, 0, i % 2 ? MMTK_ALLOC_DEFAULT : MMTK_ALLOC_IMMORTAL);
    g_assert_nonnull(objs[i]);
    g_assert_cmpuint(objs[i][0], ==, 0);
    objs[i][0] = (uint64_t)i + 1;
    /* No object comes from a buffer an earlier mutator left behind. */
    for (int j = 0; j < i; j++)
      if ((uintptr_t)objs[i] >= retired[j].cursor && (uintptr_t)objs[i] < retired[j].limit)
        g_error("mutator %d's object %p is in the buffer mutator %d left behind", i,
                (void *)objs[i], j);
    if (i % 3 == 0) mmtk_flush_mutator(m);
    retired[i] = h->default_bump;
    mmtk_destroy_mutator(m);
  }
  /* A retired buffer stays counted but is not handed out again: objects stay intact. */
  for (int i = 0; i < N; i++) g_assert_cmpuint(objs[i][0], ==, (uint64_t)i + 1);
  size_t used = mmtk_used_bytes(mmtk) - used0;
  g_assert_cmpuint(used, >=, N * 24);
  g_assert_cmpuint(used, <=, N * 64 * KiB);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  g_free(retired);
  g_free(objs);
  tu_reset();
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "still bound"), ==, 0);
}

/* Mutators bound and destroyed by several threads at once; some left for shutdown. */
typedef struct binder {
  mmtk_t *mmtk;
  int keep;
} binder_t;

static void *binder_main(void *arg) {
  binder_t *b = arg;
  for (int i = 0; i < 250; i++) {
    mmtk_mutator_t *m = mmtk_bind_mutator(b->mmtk, arg);
    g_assert_nonnull(m);
    uint64_t *o = mmtk_alloc(m, 32, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(o);
    g_assert_cmpuint(o[0], ==, 0);
    o[0] = 1;
    if (i >= 250 - b->keep) continue; /* left bound */
    mmtk_destroy_mutator(m);
  }
  return NULL;
}

static void test_mutator_threads(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:512M");
  binder_t b[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    b[i].mmtk = mmtk;
    b[i].keep = i; /* 0 + 1 + 2 + 3 = 6 left bound */
    g_assert_cmpint(pthread_create(&t[i], NULL, binder_main, &b[i]), ==, 0);
  }
  for (int i = 0; i < 4; i++) g_assert_cmpint(pthread_join(t[i], NULL), ==, 0);
  g_assert_cmpuint(tu_oom_calls(), ==, 0);
  tu_reset();
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "mmtk_shutdown: destroying 6 mutator(s) still bound"), ==, 1);
}

/* ---- The per-thread last error ------------------------------------------------------ */

typedef struct err_thread {
  mmtk_t *mmtk;
  int id;
  char initial[512];
  bool ok;
} err_thread_t;

static void *err_main(void *arg) {
  err_thread_t *e = arg;
  g_strlcpy(e->initial, mmtk_last_error(), sizeof e->initial);
  e->ok = true;
  /* Each thread makes its own error again and again and always reads it back. */
  char *want = g_strdup_printf("mmtk_get_allocator_mapping: allocation semantics %d is not one "
                               "of MMTK_ALLOC_DEFAULT (0) .. MMTK_ALLOC_NON_MOVING (6)",
                               1000 + e->id);
  for (int i = 0; i < 2000 && e->ok; i++) {
    mmtk_get_allocator_mapping(e->mmtk, 1000 + e->id);
    if (strcmp(mmtk_last_error(), want) != 0) e->ok = false;
    if (i % 3 == 0) {
      /* Successful calls leave the message alone. */
      g_assert_nonnull(mmtk_version());
      mmtk_get_allocator_mapping(e->mmtk, MMTK_ALLOC_DEFAULT);
      if (strcmp(mmtk_last_error(), want) != 0) e->ok = false;
    }
  }
  g_free(want);
  return NULL;
}

static void test_last_error_per_thread(void) {
  /* A fresh thread has no error. */
  g_assert_cmpstr(mmtk_last_error(), ==, "");
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  g_assert_null(mmtk_init(NULL, NULL, NULL));
  const char *mine = "mmtk_init: the builder is NULL (make one with mmtk_builder_new)";
  g_assert_cmpstr(mmtk_last_error(), ==, mine);
  enum { T = 6 };
  err_thread_t e[T];
  pthread_t t[T];
  for (int i = 0; i < T; i++) {
    e[i].mmtk = mmtk;
    e[i].id = i;
    g_assert_cmpint(pthread_create(&t[i], NULL, err_main, &e[i]), ==, 0);
  }
  for (int i = 0; i < T; i++) g_assert_cmpint(pthread_join(t[i], NULL), ==, 0);
  for (int i = 0; i < T; i++) {
    /* The other threads did not see this thread's error ... */
    g_assert_cmpstr(e[i].initial, ==, "");
    /* ... nor each other's. */
    g_assert_true(e[i].ok);
  }
  /* And this thread's error is still its own. */
  g_assert_cmpstr(mmtk_last_error(), ==, mine);
  /* The pointer is never NULL and the string has no newline. */
  g_assert_nonnull(mmtk_last_error());
  g_assert_null(strchr(mmtk_last_error(), '\n'));
  mmtk_shutdown(mmtk);
}

/* Long messages are cut to 511 bytes, never overflowing. */
static void test_last_error_truncated(void) {
  mmtk_builder_t *b = tu_builder(NULL);
  char name[2000];
  memset(name, 'x', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  g_assert_false(mmtk_process(b, name, "1"));
  g_assert_cmpuint(strlen(mmtk_last_error()), ==, 511);
  tu_assert_error("mmtk_process: ");
  tu_assert_error("xxxxxxxx");
  mmtk_builder_free(b);
}

/* ---- Version and build information ------------------------------------------------ */

static void *version_main(void *arg) {
  const char **out = arg;
  out[0] = mmtk_version();
  out[1] = mmtk_build_info();
  return NULL;
}

static void test_version(void) {
  const char *v = mmtk_version();
  g_assert_nonnull(v);
  g_assert_cmpstr(v, !=, "");
  g_assert_cmpstr(v, ==, MMTK_VERSION_STRING);
  char *parts = g_strdup_printf("%d.%d.%d", MMTK_VERSION_MAJOR, MMTK_VERSION_MINOR,
                                MMTK_VERSION_MICRO);
  g_assert_cmpstr(v, ==, parts);
  g_free(parts);
  g_assert_cmpint(MMTK_VERSION_HEX, ==,
                  (MMTK_VERSION_MAJOR << 16) | (MMTK_VERSION_MINOR << 8) | MMTK_VERSION_MICRO);
  const char *info = mmtk_build_info();
  g_assert_nonnull(info);
  g_assert_cmpuint(strlen(info), >, strlen(v));
  char *head = g_strdup_printf("libmmtk %s (features: ", v);
  g_assert_true(g_str_has_prefix(info, head));
  g_free(head);
  g_assert_true(g_str_has_suffix(info, ")"));
  g_assert_null(strchr(info, '\n'));
  char *feat = g_strdup_printf("(features: %s; ", MMTK_FEATURES[0] ? MMTK_FEATURES : "none");
  tu_assert_contains(info, feat);
  g_free(feat);
  char *range = g_strdup_printf("; heap 0x%llx-0x%llx; plans: ", (unsigned long long)MMTK_HEAP_START,
                                (unsigned long long)MMTK_HEAP_END);
  tu_assert_contains(info, range);
  g_free(range);
  tu_assert_contains(strstr(info, "plans: "), "NoGC");
  /* Static strings: the same from any thread, with or without an instance. */
  const char *other[2];
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, NULL, version_main, other), ==, 0);
  g_assert_cmpint(pthread_join(t, NULL), ==, 0);
  g_assert_true(other[0] == v);
  g_assert_true(other[1] == info);
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  g_assert_true(mmtk_version() == v);
  g_assert_true(mmtk_build_info() == info);
  g_assert_cmpstr(info, ==, other[1]);
  mmtk_shutdown(mmtk);
}

/* ---- Stale handles (design/memory_manager.md .handles) -------------------------------- */

/* The last error is the one of a check that refused `h`, a stale handle of `kind`
 * ("instance", "mutator" or "builder"), in `who`. */
static void assert_stale(const char *who, const void *h, const char *kind) {
  const char *from = strcmp(kind, "instance") == 0  ? " (shut down, or not from mmtk_init)"
                     : strcmp(kind, "mutator") == 0 ? " (destroyed, or not from mmtk_bind_mutator)"
                                                    : "";
  char *want = g_strdup_printf("%s: %p is not a live %s%s", who, h, kind, from);
  g_assert_cmpstr(mmtk_last_error(), ==, want);
  g_free(want);
}

/* Every entry point taking an instance refuses `mmtk`, a shut-down one, with its
 * documented result; a mutator it had is refused too. */
static void assert_instance_refused(mmtk_t *mmtk, mmtk_mutator_t *m, void *o) {
  tu_mark_error();
  mmtk_shutdown(mmtk);
  assert_stale("mmtk_shutdown", mmtk, "instance");
  g_assert_false(mmtk_initialize_collection(mmtk, NULL));
  assert_stale("mmtk_initialize_collection", mmtk, "instance");
  g_assert_cmpuint(mmtk_used_bytes(mmtk), ==, 0);
  assert_stale("mmtk_used_bytes", mmtk, "instance");
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 0);
  assert_stale("mmtk_total_bytes", mmtk, "instance");
  g_assert_cmpuint(mmtk_free_bytes(mmtk), ==, 0);
  assert_stale("mmtk_free_bytes", mmtk, "instance");
  g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, 0);
  assert_stale("mmtk_num_of_workers", mmtk, "instance");
  g_assert_null(mmtk_bind_mutator(mmtk, NULL));
  assert_stale("mmtk_bind_mutator", mmtk, "instance");
  g_assert_false(mmtk_is_live_object(mmtk, o));
  assert_stale("mmtk_is_live_object", mmtk, "instance");
  g_assert_false(mmtk_is_in_mmtk_spaces(mmtk, o));
  assert_stale("mmtk_is_in_mmtk_spaces", mmtk, "instance");
  g_assert_false(mmtk_is_mapped_address(mmtk, o));
  assert_stale("mmtk_is_mapped_address", mmtk, "instance");
  g_assert_false(mmtk_pin_object(mmtk, o));
  assert_stale("mmtk_pin_object", mmtk, "instance");
  g_assert_null(mmtk_starting_heap_address(mmtk));
  assert_stale("mmtk_starting_heap_address", mmtk, "instance");
  g_assert_cmpuint(mmtk_get_malloc_bytes(mmtk), ==, 0);
  assert_stale("mmtk_get_malloc_bytes", mmtk, "instance");
  g_assert_null(mmtk_counted_malloc(mmtk, 16));
  assert_stale("mmtk_counted_malloc", mmtk, "instance");
  mmtk_stats_t st;
  g_assert_false(mmtk_get_stats(mmtk, &st));
  assert_stale("mmtk_get_stats", mmtk, "instance");
  g_assert_false(mmtk_set_vm_space(mmtk, NULL, 0));
  assert_stale("mmtk_set_vm_space", mmtk, "instance");
  mmtk_add_finalizer(mmtk, o);
  assert_stale("mmtk_add_finalizer", mmtk, "instance");
  g_assert_false(mmtk_add_work_packet(mmtk, 0, NULL, NULL));
  assert_stale("mmtk_add_work_packet", mmtk, "instance");
  mmtk_harness_end(mmtk);
  assert_stale("mmtk_harness_end", mmtk, "instance");
  mmtk_start_worker(mmtk, NULL, NULL);
  assert_stale("mmtk_start_worker", mmtk, "instance");
  /* The mutators it destroyed are stale too, through the inline path as well. */
  g_assert_null(mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT));
  assert_stale("mmtk_alloc", m, "mutator");
  mmtk_destroy_mutator(m);
  assert_stale("mmtk_destroy_mutator", m, "mutator");
}

/* A second mmtk_shutdown, or any use of a shut-down instance, is refused with the
 * documented message and result (a second shutdown was a double free), also once a new
 * instance exists. */
static void test_stale_instance(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  void *o = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  g_assert_cmpuint(mmtk_used_bytes(mmtk), >, 0);
  mmtk_shutdown(mmtk);
  assert_instance_refused(mmtk, m, o);
  mmtk_t *next = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  g_assert_true(next != mmtk);
  mmtk_mutator_t *nm = mmtk_bind_mutator(next, NULL);
  g_assert_true(nm != m);
  g_assert_nonnull(mmtk_alloc(nm, 64, 8, 0, MMTK_ALLOC_DEFAULT));
  assert_instance_refused(mmtk, m, o);
  mmtk_shutdown(next);
  g_assert_cmpuint(tu.bad_ctx, ==, 0);
}

/* A second mmtk_destroy_mutator is refused and leaves the count of bound mutators alone
 * (it underflowed); a destroyed mutator is refused by every entry point taking one, the
 * inline paths included, also after other mutators were bound and destroyed. */
static void test_stale_mutator(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  mmtk_mutator_t *keep = mmtk_bind_mutator(mmtk, NULL);
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  void *o = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  mmtk_destroy_mutator(m);
  for (int round = 0; round < 2; round++) {
    tu_mark_error();
    mmtk_destroy_mutator(m);
    assert_stale("mmtk_destroy_mutator", m, "mutator");
    g_assert_null(mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT));
    assert_stale("mmtk_alloc", m, "mutator");
    g_assert_null(mmtk_alloc_fast(m, 16, 8, 0, MMTK_ALLOC_DEFAULT));
    assert_stale("mmtk_alloc", m, "mutator");
    g_assert_null(mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_LOS));
    assert_stale("mmtk_alloc", m, "mutator");
    g_assert_null(mmtk_alloc_with_options(m, 64, 8, 0, MMTK_ALLOC_DEFAULT, 0));
    assert_stale("mmtk_alloc", m, "mutator");
    g_assert_null(mmtk_alloc_slow(m, 64, 8, 0, MMTK_ALLOC_DEFAULT));
    assert_stale("mmtk_alloc", m, "mutator");
    g_assert_null(mmtk_alloc_slow_with_options(m, 64, 8, 0, MMTK_ALLOC_DEFAULT, 0));
    assert_stale("mmtk_alloc_slow_with_options", m, "mutator");
    mmtk_post_alloc(m, o, 64, MMTK_ALLOC_DEFAULT);
    assert_stale("mmtk_post_alloc", m, "mutator");
    mmtk_flush_mutator(m);
    assert_stale("mmtk_flush_mutator", m, "mutator");
    mmtk_gc_poll(m);
    assert_stale("mmtk_gc_poll", m, "mutator");
    g_assert_false(mmtk_handle_user_collection_request(m));
    assert_stale("mmtk_handle_user_collection_request", m, "mutator");
    mmtk_harness_begin(m);
    assert_stale("mmtk_harness_begin", m, "mutator");
    mmtk_post_alloc_fast(m, o, 64, MMTK_ALLOC_DEFAULT);
    assert_stale("mmtk_post_alloc", m, "mutator");
    /* Refused barriers make no store. */
    mmtk_object_t slot_value = NULL;
    mmtk_object_reference_write(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write", m, "mutator");
    mmtk_object_reference_write_fast(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write", m, "mutator");
    mmtk_object_reference_write_pre(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write_pre", m, "mutator");
    mmtk_object_reference_write_post(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write_post", m, "mutator");
    mmtk_object_reference_write_pre_fast(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write_pre", m, "mutator");
    mmtk_object_reference_write_post_fast(m, o, (mmtk_slot_t)&slot_value, o);
    assert_stale("mmtk_object_reference_write_post", m, "mutator");
    mmtk_memory_region_copy(m, &o, &slot_value, sizeof o);
    assert_stale("mmtk_memory_region_copy", m, "mutator");
    mmtk_memory_region_copy_pre(m, &o, &slot_value, sizeof o);
    assert_stale("mmtk_memory_region_copy_pre", m, "mutator");
    mmtk_memory_region_copy_post(m, &o, &slot_value, sizeof o);
    assert_stale("mmtk_memory_region_copy_post", m, "mutator");
    g_assert_null(slot_value);
    /* Other mutators come and go: the stale handle stays refused. */
    for (int i = 0; i < 4; i++) {
      mmtk_mutator_t *other = mmtk_bind_mutator(mmtk, NULL);
      g_assert_true(other != m);
      g_assert_nonnull(mmtk_alloc(other, 64, 8, 0, MMTK_ALLOC_DEFAULT));
      mmtk_destroy_mutator(other);
    }
  }
  g_assert_nonnull(mmtk_alloc(keep, 64, 8, 0, MMTK_ALLOC_DEFAULT));
  /* One mutator is still bound, and the warning says so (it said 2^64 - 1). */
  tu_reset();
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(tu_log_count(MMTK_LOG_WARN, "mmtk_shutdown: destroying 1 mutator(s) still bound"),
                   ==, 1);
  g_assert_cmpuint(tu_log_count(-1, NULL), ==, 1);
}

/* A freed builder is refused by every entry point taking one (mmtk_process on one
 * returned true). */
static void test_stale_builder(void) {
  mmtk_builder_t *b = tu_builder("gc_trigger=FixedHeapSize:16M");
  mmtk_builder_free(b);
  for (int round = 0; round < 2; round++) {
    tu_mark_error();
    g_assert_false(mmtk_process(b, "threads", "2"));
    assert_stale("mmtk_process", b, "builder");
    g_assert_false(mmtk_process_bulk(b, "threads=2"));
    assert_stale("mmtk_process_bulk", b, "builder");
    mmtk_vm_binding_t vm;
    tu_binding(&vm);
    g_assert_null(mmtk_init(b, &vm, tu_ctx));
    assert_stale("mmtk_init", b, "builder");
    mmtk_builder_free(b);
    assert_stale("mmtk_builder_free", b, "builder");
    /* New builders are other handles. */
    mmtk_builder_t *others[4];
    for (int i = 0; i < 4; i++) {
      others[i] = tu_builder(NULL);
      g_assert_true(others[i] != b);
    }
    for (int i = 0; i < 4; i++) mmtk_builder_free(others[i]);
  }
}

/* ---- mmtk_initialize_collection under NoGC ------------------------------------------ */

static void test_initialize_collection(void) {
  mmtk_t *mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:64M threads=8 verbose=1");
  /* Mutators may be bound, and allocate, before the call. */
  mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
  uint64_t *o = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  o[0] = 7;
  unsigned threads = count_threads();
  tu_mark_error();
  g_assert_true(mmtk_initialize_collection(mmtk, NULL));
  tu_assert_error("tu_marker_option");
  /* NoGC starts no thread, whatever the threads option says. */
  g_assert_cmpuint(count_threads(), ==, threads);
  g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, MMTK_HAVE_SINGLE_WORKER ? 1 : 8);
  /* Once only. */
  g_assert_false(mmtk_initialize_collection(mmtk, &threads));
  g_assert_cmpstr(mmtk_last_error(), ==,
                  "mmtk_initialize_collection: collection is already initialized");
  g_assert_cmpuint(tu_log_count(MMTK_LOG_ERROR, "collection is already initialized"), ==, 1);
  /* Allocation goes on; collection requests are still ignored, for NoGC's reason. */
  for (int i = 0; i < 1000; i++) g_assert_nonnull(mmtk_alloc(m, 100, 8, 0, MMTK_ALLOC_DEFAULT));
  g_assert_false(mmtk_handle_user_collection_request(m));
  g_assert_cmpuint(tu_log_count(MMTK_LOG_INFO, "(NoGC does not collect)"), ==, 1);
  g_assert_cmpuint(o[0], ==, 7);
  g_assert_cmpuint(count_threads(), ==, threads);
  /* No worker to start (the call returns at once). */
  mmtk_start_worker(mmtk, NULL, FAKE);
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_start_worker: plan NoGC has no GC workers");
  /* Rejected instances. */
  g_assert_false(mmtk_initialize_collection(NULL, NULL));
  g_assert_cmpstr(mmtk_last_error(), ==, "mmtk_initialize_collection: the instance is NULL");
  g_assert_false(mmtk_initialize_collection(FAKE, NULL));
  tu_assert_error("mmtk_initialize_collection: ");
  tu_assert_error("is not a live instance");
  assert_zeros();
  mmtk_destroy_mutator(m);
  mmtk_shutdown(mmtk);
  /* A new instance may be initialized again (the state is per instance). */
  mmtk = tu_init("plan=NoGC gc_trigger=FixedHeapSize:16M");
  g_assert_true(mmtk_initialize_collection(mmtk, NULL));
  mmtk_shutdown(mmtk);
  g_assert_cmpuint(count_threads(), ==, threads);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/lifecycle/builder", test_builder);
  tu_add("/lifecycle/init-again", test_init_again);
  tu_add("/lifecycle/cycles", test_cycles);
  tu_add("/lifecycle/vo-bits-not-inherited", test_vo_bits_not_inherited);
  tu_add("/lifecycle/shutdown", test_shutdown);
  tu_add("/lifecycle/init/bad-builder", test_init_bad_builder);
  tu_add("/lifecycle/init/bad-binding", test_init_bad_binding);
  tu_add("/lifecycle/init/good-bindings", test_init_good_bindings);
  tu_add("/lifecycle/init/range-occupied", test_init_range_occupied);
  tu_add("/lifecycle/init/second-instance", test_second_instance);
  tu_add("/lifecycle/init/race", test_init_race);
  tu_add("/lifecycle/mutators", test_mutators);
  tu_add("/lifecycle/mutators/many", test_many_mutators);
  tu_add("/lifecycle/mutators/threads", test_mutator_threads);
  tu_add("/lifecycle/last-error/per-thread", test_last_error_per_thread);
  tu_add("/lifecycle/last-error/truncated", test_last_error_truncated);
  tu_add("/lifecycle/version", test_version);
  tu_add("/lifecycle/initialize-collection", test_initialize_collection);
  tu_add("/lifecycle/stale/instance", test_stale_instance);
  tu_add("/lifecycle/stale/mutator", test_stale_mutator);
  tu_add("/lifecycle/stale/builder", test_stale_builder);
  return g_test_run();
}
