/* Unit tests of the side-metadata layout (lib/util/metadata/side_metadata.c,
 * design.metadata.side): the library's own source is compiled into this program, with
 * the few operating-system helpers it calls provided here, so that the layout check can
 * be shown a broken layout, which mmtk_init() never builds.
 *
 *   /metadata/many-specs     40 specs of every width, global and per space: reserved,
 *                            verified, disjoint, each mapping the whole heap range
 *   /metadata/overlap        two tables made to overlap: the check names it
 *   /metadata/outside        a table moved out of the reservation: the check names it
 *   /metadata/twice          a spec registered twice: the check names it
 *   /metadata/local-commit   a chunk of space 1 commits the global tables and space 1's,
 *                            and not space 2's
 */
#include "mmtk_internal.h"

#include <glib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Everything side_metadata.c needs from the rest of the library. */
static GHashTable *committed; /* page address -> 1 */

uintptr_t os_reserve(uintptr_t addr, size_t len, bool fixed) {
  (void)fixed;
  void *p = mmap((void *)addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? 0 : (uintptr_t)p;
}

void os_unreserve(uintptr_t addr, size_t len) { munmap((void *)addr, len); }

int os_commit(uintptr_t addr, size_t len) {
  for (uintptr_t p = addr; p < addr + len; p += BYTES_IN_PAGE)
    g_hash_table_add(committed, GSIZE_TO_POINTER(p));
  return mprotect((void *)addr, len, PROT_READ | PROT_WRITE) ? errno : 0;
}

_Noreturn void mmtk_panic(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_error("%s:%d: %s", file, line, msg);
}

#include "util/metadata/side_metadata.c"

/* A heap range like the library's default: chunk aligned, 64 GiB. */
#define HEAP_START ((uintptr_t)0x200000000000)
#define HEAP_END (HEAP_START + ((uintptr_t)64 << 30))

static void setup(struct side_metadata *m, struct side_metadata_spec *specs, unsigned n) {
  side_metadata_init(m, HEAP_START, HEAP_END);
  for (unsigned i = 0; i < n; i++) {
    char *name = g_strdup_printf("spec%u", i);
    side_metadata_spec_init(&specs[i], name, i % 7, LOG_BYTES_IN_WORD + i % 5);
    specs[i].space_index = i % 3 == 0 ? SIDE_METADATA_GLOBAL : (int)(i % 4);
    g_assert_true(side_metadata_add(m, &specs[i]));
  }
}

static void teardown(struct side_metadata *m, struct side_metadata_spec *specs, unsigned n) {
  for (unsigned i = 0; i < n; i++) g_free((char *)specs[i].name);
  side_metadata_destroy(m);
}

static void test_many_specs(void) {
  enum { N = 40 };
  struct side_metadata m;
  struct side_metadata_spec specs[N];
  setup(&m, specs, N);
  g_assert_true(side_metadata_reserve(&m));
  g_assert_null(side_metadata_verify(&m));
  for (unsigned i = 0; i < N; i++) {
    const struct side_metadata_spec *s = &specs[i];
    g_assert_cmpuint(side_metadata_unit_address(s, HEAP_START), ==, s->table);
    g_assert_cmpuint(side_metadata_unit_address(s, HEAP_END - 8), <, s->table + s->table_bytes);
    for (unsigned j = 0; j < i; j++)
      g_assert_true(s->table >= specs[j].table + specs[j].table_bytes ||
                    specs[j].table >= s->table + s->table_bytes);
  }
  teardown(&m, specs, N);
}

static void test_overlap(void) {
  struct side_metadata m;
  struct side_metadata_spec specs[4];
  setup(&m, specs, 4);
  g_assert_true(side_metadata_reserve(&m));
  specs[2].table = specs[1].table + BYTES_IN_PAGE; /* moved into its neighbour */
  specs[2].base = specs[1].base + BYTES_IN_PAGE;
  g_assert_cmpstr(side_metadata_verify(&m), ==, "two side metadata tables overlap");
  teardown(&m, specs, 4);
}

static void test_outside(void) {
  struct side_metadata m;
  struct side_metadata_spec specs[3];
  setup(&m, specs, 3);
  g_assert_true(side_metadata_reserve(&m));
  specs[2].table += m.reservation_bytes;
  g_assert_cmpstr(side_metadata_verify(&m), ==,
                  "a side metadata table lies outside the metadata reservation");
  teardown(&m, specs, 3);
}

static void test_twice(void) {
  struct side_metadata m;
  struct side_metadata_spec specs[2];
  setup(&m, specs, 2);
  g_assert_true(side_metadata_add(&m, &specs[0]));
  /* The reservation itself refuses the layout. */
  g_assert_false(side_metadata_reserve(&m));
  g_assert_cmpint(errno, ==, EINVAL);
  g_assert_cmpstr(side_metadata_verify(&m), ==, "a side metadata spec is registered twice");
  m.nspecs = 2;
  teardown(&m, specs, 2);
}

static bool page_committed(uintptr_t a) {
  return g_hash_table_contains(committed, GSIZE_TO_POINTER(align_down(a, BYTES_IN_PAGE)));
}

static void test_local_commit(void) {
  struct side_metadata m;
  struct side_metadata_spec global, one, two;
  side_metadata_init(&m, HEAP_START, HEAP_END);
  side_metadata_spec_init(&global, "global", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&one, "space1", 0, LOG_BYTES_IN_WORD);
  side_metadata_spec_init(&two, "space2", 0, LOG_BYTES_IN_WORD);
  one.space_index = 1;
  two.space_index = 2;
  g_assert_true(side_metadata_add(&m, &global) && side_metadata_add(&m, &one) &&
                side_metadata_add(&m, &two));
  g_assert_true(side_metadata_reserve(&m));
  uintptr_t chunk = HEAP_START + 5 * BYTES_IN_CHUNK;
  g_hash_table_remove_all(committed);
  g_assert_cmpint(side_metadata_map_chunk(&m, chunk, 1), ==, 0);
  g_assert_true(page_committed(side_metadata_unit_address(&global, chunk)));
  g_assert_true(page_committed(side_metadata_unit_address(&one, chunk)));
  g_assert_false(page_committed(side_metadata_unit_address(&two, chunk)));
  /* Clearing the chunk for space 1 touches only what is committed there (a write to
   * space 2's table would fault: it is PROT_NONE). */
  side_metadata_store(&one, chunk + 64, 1);
  side_metadata_clear_space(&m, 1, chunk, BYTES_IN_CHUNK);
  g_assert_cmpuint(side_metadata_load(&one, chunk + 64), ==, 0);
  side_metadata_destroy(&m);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  committed = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_test_add_func("/metadata/many-specs", test_many_specs);
  g_test_add_func("/metadata/overlap", test_overlap);
  g_test_add_func("/metadata/outside", test_outside);
  g_test_add_func("/metadata/twice", test_twice);
  g_test_add_func("/metadata/local-commit", test_local_commit);
  return g_test_run();
}
