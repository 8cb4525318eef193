/* Run-time options (design/memory_manager.md .builder, lib/util/options.c): every option
 * in its accepted forms and rejected in bad ones (false, a message naming the option, the
 * value and the accepted form, the option unchanged), bulk strings, the environment, and
 * the checks mmtk_init() makes across options.
 *
 * Where an option has an effect visible through the API (threads → mmtk_num_of_workers,
 * gc_trigger → mmtk_total_bytes, plan and sanity → mmtk_init), "unchanged" is checked by
 * making an instance after the rejected call. */
#include "test-util.h"

#include <stdarg.h>
#include <unistd.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define TiB ((size_t)1 << 40)
#define RANGE ((size_t)(MMTK_HEAP_END - MMTK_HEAP_START))

/* mmtk_num_of_workers() for a `threads` value (design .init.workers). */
static size_t expected_workers(size_t threads) { return MMTK_HAVE_SINGLE_WORKER ? 1 : threads; }

/* ---- Helpers ------------------------------------------------------------------------ */

static void accept(mmtk_builder_t *b, const char *name, const char *value) {
  if (!mmtk_process(b, name, value))
    g_error("mmtk_process(\"%s\", \"%s\") was rejected: %s", name, value, mmtk_last_error());
}

/* The value is rejected: false, and a message naming the option, the value (when it is
 * not empty) and the accepted form (`form`, a fragment of it). */
static void reject(mmtk_builder_t *b, const char *name, const char *value, const char *form) {
  tu_mark_error();
  if (mmtk_process(b, name, value))
    g_error("mmtk_process(\"%s\", \"%s\") was accepted", name, value);
  const char *e = mmtk_last_error();
  tu_assert_contains(e, name);
  if (value[0]) tu_assert_contains(e, value);
  tu_assert_contains(e, "accepted");
  tu_assert_contains(e, form);
}

static void accept_all(const char *name, const char *const *values) {
  mmtk_builder_t *b = tu_builder(NULL);
  for (const char *const *v = values; *v; v++) accept(b, name, *v);
  mmtk_builder_free(b);
}

static void reject_all(const char *name, const char *const *values, const char *form) {
  mmtk_builder_t *b = tu_builder(NULL);
  for (const char *const *v = values; *v; v++) reject(b, name, *v, form);
  mmtk_builder_free(b);
}

/* Make an instance from `b` (asserting success), read what the tests observe, shut down. */
typedef struct observed {
  size_t workers, total;
} observed_t;

static observed_t observe(const mmtk_builder_t *b) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  if (!mmtk) g_error("mmtk_init failed: %s", mmtk_last_error());
  observed_t o = {mmtk_num_of_workers(mmtk), mmtk_total_bytes(mmtk)};
  mmtk_shutdown(mmtk);
  return o;
}

/* mmtk_init(b) fails; the message contains each of the NULL-terminated fragments. */
static void init_fails(const mmtk_builder_t *b, ...) {
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  if (mmtk) {
    mmtk_shutdown(mmtk);
    g_error("mmtk_init succeeded where it must fail");
  }
  va_list ap;
  va_start(ap, b);
  for (const char *s; (s = va_arg(ap, const char *));) tu_assert_error(s);
  va_end(ap);
}

static size_t total_for_trigger(const char *trigger) {
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "gc_trigger", trigger);
  size_t total = observe(b).total;
  mmtk_builder_free(b);
  return total;
}

/* ---- plan ----------------------------------------------------------------------------- */

static const char *const all_plans[] = {"NoGC",      "SemiSpace", "GenCopy",
                                        "GenImmix",  "MarkSweep", "PageProtect",
                                        "Immix",     "MarkCompact", "StickyImmix", NULL};

/* The plans this build has, from mmtk_build_info() ("...; plans: NoGC SemiSpace)"). */
static bool plan_available(const char *plan) {
  const char *p = strstr(mmtk_build_info(), "plans: ");
  g_assert_nonnull(p);
  char **names = g_strsplit_set(p + 7, " )", -1);
  bool found = false;
  for (char **n = names; *n; n++) found |= !strcmp(*n, plan);
  g_strfreev(names);
  return found;
}

static void test_plan_good(void) {
  static const char *const forms[] = {"nogc", "NOGC", "semispace", "GENCOPY", "genimmix",
                                      "marksweep", "pageprotect", "immix", "markcompact",
                                      "stickyimmix", NULL};
  accept_all("plan", all_plans);
  accept_all("plan", forms);
  /* NoGC (any case) makes an instance with a binding that has no callbacks at all. */
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "plan", "nOgC");
  mmtk_vm_binding_t vm;
  memset(&vm, 0, sizeof vm);
  vm.size = sizeof vm;
  vm.version = MMTK_VM_BINDING_VERSION;
  mmtk_t *mmtk = mmtk_init(b, &vm, NULL);
  g_assert_nonnull(mmtk);
  mmtk_shutdown(mmtk);
  mmtk_builder_free(b);
}

static void test_plan_bad(void) {
  static const char *const bad[] = {"", "NoGC2", "No GC", "Semi", "gc", " NoGC", "NoGC ",
                                    "GenImmix,", NULL};
  reject_all("plan", bad, "NoGC");
  /* Unchanged: a collecting plan stays selected after rejected values (mmtk_init then
   * asks for the callbacks it needs, which this minimal binding lacks). */
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "plan", "MarkSweep");
  for (const char *const *v = bad; *v; v++) reject(b, "plan", *v, "NoGC");
  init_fails(b, "MarkSweep", "callback", NULL);
  /* ... and NoGC after a rejected value stays NoGC. */
  accept(b, "plan", "NoGC");
  reject(b, "plan", "Bogus", "NoGC");
  observe(b);
  mmtk_builder_free(b);
}

/* design .init.plan / .init.binding: every plan the options accept is built (in
 * mmtk_build_info's list); a collecting plan needs callbacks that the minimal binding
 * lacks, and mmtk_init names one. */
static void test_plan_all_built(void) {
  const char *list = strstr(mmtk_build_info(), "plans: ");
  g_assert_nonnull(list);
  char *plans = g_strndup(list + 7, strcspn(list + 7, ")"));
  g_assert_true(plan_available("NoGC"));
  unsigned unavailable = 0;
  for (const char *const *p = all_plans; *p; p++) {
    mmtk_builder_t *b = tu_builder(NULL);
    accept(b, "plan", *p);
    if (!strcmp(*p, "NoGC")) {
      observe(b);
    } else if (!plan_available(*p)) {
      unavailable++;
      init_fails(b, *p, "available", plans, NULL);
    } else {
      init_fails(b, *p, "callback", NULL);
    }
    /* The builder is still good: NoGC works with it. */
    accept(b, "plan", "NoGC");
    observe(b);
    mmtk_builder_free(b);
  }
  g_assert_cmpuint(unavailable, ==, 0);
  g_free(plans);
}

/* ---- threads ------------------------------------------------------------------------- */

static void test_threads_good(void) {
  static const char *const good[] = {"1", "2", "3", "8", "64", "1023", "1024", NULL};
  accept_all("threads", good);
  static const size_t n[] = {1, 3, 7, 1024};
  for (size_t i = 0; i < G_N_ELEMENTS(n); i++) {
    mmtk_builder_t *b = tu_builder(NULL);
    char v[32];
    g_snprintf(v, sizeof v, "%zu", n[i]);
    accept(b, "threads", v);
    g_assert_cmpuint(observe(b).workers, ==, expected_workers(n[i]));
    mmtk_builder_free(b);
  }
}

static void test_threads_bad(void) {
  static const char *const bad[] = {"0", "1025", "4096", "-1", "", "abc", "2x", " 2", "2 ",
                                    "1.5", "4K", "+3", "99999999999999999999999", "0x", NULL};
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "threads", "3");
  for (const char *const *v = bad; *v; v++) reject(b, "threads", *v, "1024");
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(3));
  mmtk_builder_free(b);
}

/* ---- gc_trigger and sizes --------------------------------------------------------------- */

static void test_gc_trigger_good(void) {
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:64M"), ==, 64 * MiB);
  g_assert_cmpuint(total_for_trigger("fixedheapsize:64m"), ==, 64 * MiB);
  g_assert_cmpuint(total_for_trigger("FIXEDHEAPSIZE:48M"), ==, 48 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:65536"), ==, 65536);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:40960K"), ==, 40 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:1G"), ==, GiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:16MiB"), ==, 16 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:16MB"), ==, 16 * MiB);
  /* NoGC cannot shrink the heap: a dynamic heap starts at its maximum (design/heap.md
   * .trigger.kinds). */
  g_assert_cmpuint(total_for_trigger("DynamicHeapSize:16M,64M"), ==, 64 * MiB);
  g_assert_cmpuint(total_for_trigger("dynamicheapsize:32m,32m"), ==, 32 * MiB);
  /* Delegated: the range bounds the heap. */
  g_assert_cmpuint(total_for_trigger("Delegated"), ==, RANGE);
  g_assert_cmpuint(total_for_trigger("delegated"), ==, RANGE);
}

static void test_gc_trigger_bad(void) {
  static const char *const bad[] = {
      "FixedHeapSize:0", "FixedHeapSize:", "FixedHeapSize:abc", "FixedHeapSize:64X",
      "FixedHeapSize:-1", "FixedHeapSize:64M,", "FixedHeapSize 64M", "FixedHeapSize=64M",
      "FixedHeapSize:64 M", "FixedHeapSize:64MiBs", "FixedHeapSize:1.5G",
      "FixedHeapSize:99999999999999T", "FixedHeapSize:18446744073709551616",
      "DynamicHeapSize:64M,16M", "DynamicHeapSize:0,16M", "DynamicHeapSize:16M",
      "DynamicHeapSize:16M,", "DynamicHeapSize:,16M", "DynamicHeapSize:16M,64M,128M",
      "Fixed:64M", "HeapSize:64M", "", "Delegatedx", "Delegated:1M", "64M", NULL};
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "gc_trigger", "FixedHeapSize:48M");
  for (const char *const *v = bad; *v; v++) reject(b, "gc_trigger", *v, "FixedHeapSize");
  g_assert_cmpuint(observe(b).total, ==, 48 * MiB);
  mmtk_builder_free(b);
}

/* A heap bigger than the reserved range is accepted by mmtk_process (it is a valid size)
 * and rejected by mmtk_init. */
static void test_gc_trigger_too_large(void) {
  char v[96];
  mmtk_builder_t *b = tu_builder(NULL);
  g_snprintf(v, sizeof v, "FixedHeapSize:%zuK", RANGE / KiB + 4096);
  accept(b, "gc_trigger", v);
  init_fails(b, "gc_trigger", NULL);
  g_snprintf(v, sizeof v, "DynamicHeapSize:16M,%zuM", RANGE / MiB + 4);
  accept(b, "gc_trigger", v);
  init_fails(b, "gc_trigger", NULL);
  g_snprintf(v, sizeof v, "FixedHeapSize:%zuM", RANGE / MiB);
  accept(b, "gc_trigger", v);
  g_assert_cmpuint(observe(b).total, ==, RANGE);
  mmtk_builder_free(b);
}

/* Sizes: powers of 1024, suffixes K M G T in either case. */
static void test_sizes(void) {
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:8388608"), ==, 8 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:8192K"), ==, 8 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:8192k"), ==, 8 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:8M"), ==, 8 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:8m"), ==, 8 * MiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:2G"), ==, 2 * GiB);
  g_assert_cmpuint(total_for_trigger("FixedHeapSize:2g"), ==, 2 * GiB);
  /* T: accepted by mmtk_process always; mmtk_init needs the range to hold it. */
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "gc_trigger", "FixedHeapSize:1T");
  accept(b, "gc_trigger", "FixedHeapSize:1t");
  if (RANGE >= TiB)
    g_assert_cmpuint(observe(b).total, ==, TiB);
  else
    init_fails(b, "gc_trigger", NULL);
  /* 2^34 G is 2^64: overflow is an error, never a wrap-around. */
  reject(b, "gc_trigger", "FixedHeapSize:17179869184G", "FixedHeapSize");
  reject(b, "gc_trigger", "FixedHeapSize:16777216T", "FixedHeapSize");
  mmtk_builder_free(b);
}

/* ---- Factors, booleans and the rest ----------------------------------------------------- */

static void test_factors(void) {
  static const char *const good[] = {"1", "4096", "64K", "64k", "1m", "1M", "2G", NULL};
  static const char *const bad[] = {"0", "", "-5", "abc", "1X", "1.5K", "0K", NULL};
  accept_all("stress_factor", good);
  accept_all("analysis_factor", good);
  reject_all("stress_factor", bad, "size");
  reject_all("analysis_factor", bad, "size");
}

static const char *const bool_options[] = {"precise_stress",
                                           "full_heap_system_gc",
                                           "ignore_system_gc",
                                           "eager_complete_sweep",
                                           "no_finalizer",
                                           "no_reference_types",
                                           "immix_always_defrag",
                                           "immix_defrag_every_block",
                                           "transparent_hugepages",
                                           "count_live_bytes_in_gc",
                                           "sanity",
                                           "perf_exclude_kernel",
                                           NULL};

static void test_bool(void) {
  static const char *const good[] = {"true", "false", "yes", "no", "on", "off", "1", "0",
                                     "TRUE", "False", "YES", "No", "oN", "OFF", NULL};
  static const char *const bad[] = {"", "2", "tru", "enable", "y", "t", " true", "true ",
                                    "-1", "10", "nope", NULL};
  for (const char *const *o = bool_options; *o; o++) {
    accept_all(*o, good);
    reject_all(*o, bad, "true");
  }
}

/* sanity=true needs --enable-sanity: checked by mmtk_init. */
static void test_sanity(void) {
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "sanity", "true");
  if (MMTK_HAVE_SANITY)
    observe(b);
  else
    init_fails(b, "sanity", "--enable-sanity", NULL);
  accept(b, "sanity", "false");
  observe(b);
  mmtk_builder_free(b);
}

/* phase_perf_events: MMTk's "EVENT,PID,CPU;..." or bare names, checked for form when
 * set; the names themselves are libpfm4's business at mmtk_init (a bad one is a warning
 * there, tests/test-features).  Without --enable-perf-counter, mmtk_init refuses a
 * non-empty value, and perf_exclude_kernel=true. */
static void test_perf_events(void) {
  static const char *const good[] = {"",
                                     "PERF_COUNT_SW_TASK_CLOCK",
                                     "PERF_COUNT_HW_CPU_CYCLES,0,-1",
                                     "PERF_COUNT_HW_CPU_CYCLES,0,-1;PERF_COUNT_SW_CPU_CLOCK",
                                     "perf::PERF_COUNT_SW_PAGE_FAULTS;",
                                     ";A;;B,1234,3",
                                     "A;B;C;D;E;F;G;H;I;J;K;L;M;N;O;P",
                                     NULL};
  static const char *const bad[] = {"A,0",  "A,0,-1,2", "A,x,-1", "A,0,",   ",0,-1",
                                    "A B",  "A,-2,0",   "A,0,1.5", "A;B;C;D;E;F;G;H;I;J;K;L;M;N;O;P;Q",
                                    NULL};
  accept_all("phase_perf_events", good);
  reject_all("phase_perf_events", bad, "EVENT,PID,CPU");
  mmtk_builder_t *b = tu_builder(NULL);
  char longest[300];
  memset(longest, 'A', sizeof longest - 1);
  longest[sizeof longest - 1] = '\0';
  tu_mark_error();
  g_assert_false(mmtk_process(b, "phase_perf_events", longest));
  tu_assert_error("phase_perf_events");
  accept(b, "phase_perf_events", "PERF_COUNT_SW_TASK_CLOCK");
  if (MMTK_HAVE_PERF_COUNTER)
    observe(b);
  else
    init_fails(b, "phase_perf_events", "--enable-perf-counter", NULL);
  accept(b, "phase_perf_events", "");
  accept(b, "perf_exclude_kernel", "true");
  if (MMTK_HAVE_PERF_COUNTER)
    observe(b);
  else
    init_fails(b, "perf_exclude_kernel", "--enable-perf-counter", NULL);
  mmtk_builder_free(b);
}

static void test_nursery(void) {
  static const char *const good[] = {"Bounded:1M,32M",     "bounded:32M,32M",
                                     "Fixed:32M",          "fixed:4096",
                                     "ProportionalBounded:0.25,1.0",
                                     "ProportionalBounded:.5,1",
                                     "proportionalbounded:1,1", NULL};
  static const char *const bad[] = {"Bounded:32M,1M",  "Bounded:0,1M",
                                    "Bounded:1M",      "Bounded:1M,",
                                    "Fixed:0",         "Fixed:",
                                    "Fixed:abc",       "ProportionalBounded:0,1",
                                    "ProportionalBounded:0.5,1.5",
                                    "ProportionalBounded:0.8,0.2",
                                    "ProportionalBounded:-0.1,0.5",
                                    "ProportionalBounded:0.5",
                                    "Proportional:0.1,0.2", "32M", "", NULL};
  accept_all("nursery", good);
  reject_all("nursery", bad, "Bounded");
}

static void test_nursery_zeroing(void) {
  static const char *const good[] = {"Temporal", "Nontemporal", "Concurrent", "Adaptive",
                                     "temporal", "NONTEMPORAL", "concurrent", NULL};
  static const char *const bad[] = {"", "Eager", "Temporal ", "Non-temporal", "0", NULL};
  accept_all("nursery_zeroing", good);
  reject_all("nursery_zeroing", bad, "Nontemporal");
}

static void test_vm_space(void) {
  static const char *const start_good[] = {"0", "4096", "0x10000000", "268435456",
                                           "0x20000000000", NULL};
  static const char *const start_bad[] = {"4097", "0x1001", "-4096", "abc", "", "0x", "4K",
                                          "0x10000000 ", NULL};
  /* Whole pages, as mmtk-options(7) says. */
  static const char *const size_good[] = {"4K", "64M", "220M", "4096", NULL};
  static const char *const size_bad[] = {"0", "", "-1", "64Q", "1", "4097", "4095", "6K", NULL};
  accept_all("vm_space_start", start_good);
  reject_all("vm_space_start", start_bad, "4096");
  accept_all("vm_space_size", size_good);
  reject_all("vm_space_size", size_bad, "a multiple of 4096");
}

static void test_thread_affinity(void) {
  static const char *const good[] = {"",           "OsDefault",     "osdefault", "0",
                                     "0,1",        "0-3",           "0,2-3,5",   "1023",
                                     "0-1023",     "RoundRobin:0-1", "roundrobin:0",
                                     "AllInSet:0,1", "allinset:3", "Spread", "spread", NULL};
  static const char *const bad[] = {"a",           "1-0",          "1024",      "0,",
                                    "0-",          "RoundRobin:",  "AllInSet:", "-1",
                                    "0;1",         "0,,1",         "OsDefault:0", " 0",
                                    "0-1024",      "Other:0",      "Spread:0", NULL};
  accept_all("thread_affinity", good);
  reject_all("thread_affinity", bad, "OsDefault");
  /* CPUs must exist, checked by mmtk_init. */
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "thread_affinity", "0");
  observe(b);
  long cpus = sysconf(_SC_NPROCESSORS_CONF);
  g_assert_cmpint(cpus, >, 0);
  if (cpus < 1024) {
    char v[32];
    g_snprintf(v, sizeof v, "%ld", cpus);
    accept(b, "thread_affinity", v);
    init_fails(b, "thread_affinity", v, NULL);
    g_snprintf(v, sizeof v, "AllInSet:0,%ld", cpus);
    accept(b, "thread_affinity", v);
    init_fails(b, "thread_affinity", NULL);
  }
  accept(b, "thread_affinity", "OsDefault");
  observe(b);
  mmtk_builder_free(b);
}

/* MMTk's range, 0 to 50 (a usize of at most 50), in the NUMBER form of mmtk-options(7):
 * 0x32 and 062 are 50; 0x33 and 063 are 51. */
static void test_headroom(void) {
  static const char *const good[] = {"0", "1", "2", "3", "25", "50", "0x32", "062", NULL};
  static const char *const bad[] = {"51",  "100", "-1",  "5%", "",    "abc", "0x33", "063",
                                    "+5",  " 5",  "5 ",  "2.5", "1e1", "18446744073709551617",
                                    NULL};
  accept_all("immix_defrag_headroom_percent", good);
  reject_all("immix_defrag_headroom_percent", bad, "a whole number from 0 to 50");
}

/* The Immix options from the environment: a bad value is reported naming the variable and
 * the value, and mmtk_init refuses that builder; good ones are taken. */
static void test_immix_env(void) {
  static const struct {
    const char *var, *value;
  } bad[] = {{"MMTK_IMMIX_DEFRAG_HEADROOM_PERCENT", "51"},
             {"MMTK_IMMIX_ALWAYS_DEFRAG", "sometimes"},
             {"MMTK_IMMIX_DEFRAG_EVERY_BLOCK", "2"}};
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    tu_mark_error();
    g_assert_true(g_setenv(bad[i].var, bad[i].value, TRUE));
    mmtk_builder_t *b = tu_builder(NULL);
    g_unsetenv(bad[i].var);
    tu_assert_error(bad[i].var);
    tu_assert_error(bad[i].value);
    tu_mark_error();
    g_assert_null(mmtk_init(b, &vm, tu_ctx));
    tu_assert_error(bad[i].var);
    mmtk_builder_free(b);
  }
  g_assert_true(g_setenv("MMTK_IMMIX_DEFRAG_HEADROOM_PERCENT", "50", TRUE));
  g_assert_true(g_setenv("MMTK_IMMIX_ALWAYS_DEFRAG", "true", TRUE));
  g_assert_true(g_setenv("MMTK_IMMIX_DEFRAG_EVERY_BLOCK", "on", TRUE));
  mmtk_builder_t *b = tu_builder(NULL);
  g_unsetenv("MMTK_IMMIX_DEFRAG_HEADROOM_PERCENT");
  g_unsetenv("MMTK_IMMIX_ALWAYS_DEFRAG");
  g_unsetenv("MMTK_IMMIX_DEFRAG_EVERY_BLOCK");
  observe(b); /* NoGC: the Immix options change nothing there */
  mmtk_builder_free(b);
}

static void test_verbose(void) {
  static const char *const good[] = {"0", "1", "2", "9", "true", "false", "on", "off", NULL};
  static const char *const bad[] = {"10", "loud", "", "-1", "1.0", NULL};
  accept_all("verbose", good);
  reject_all("verbose", bad, "9");
}

/* ---- Names, NULLs, handles ------------------------------------------------------------- */

static void test_unknown(void) {
  static const char *const names[] = {"no_such_option", "thread", "threads ", " threads",
                                      "threads=", "gc-trigger", "MMTK_THREADS", NULL};
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "threads", "3");
  for (const char *const *n = names; *n; n++) {
    tu_mark_error();
    g_assert_false(mmtk_process(b, *n, "2"));
    tu_assert_error(*n);
    tu_assert_error("unknown");
  }
  tu_mark_error();
  g_assert_false(mmtk_process(b, "", "2"));
  tu_assert_error("unknown");
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(3));
  mmtk_builder_free(b);
}

static void test_null(void) {
  mmtk_builder_t *b = tu_builder(NULL);
  tu_mark_error();
  g_assert_false(mmtk_process(NULL, "threads", "2"));
  tu_assert_error("mmtk_process");
  tu_assert_error("NULL");
  tu_mark_error();
  g_assert_false(mmtk_process(b, NULL, "2"));
  tu_assert_error("NULL");
  tu_mark_error();
  g_assert_false(mmtk_process(b, "threads", NULL));
  tu_assert_error("NULL");
  tu_mark_error();
  g_assert_false(mmtk_process_bulk(NULL, "threads=2"));
  tu_assert_error("mmtk_process_bulk");
  tu_assert_error("NULL");
  tu_mark_error();
  g_assert_false(mmtk_process_bulk(b, NULL));
  tu_assert_error("NULL");
  mmtk_builder_free(NULL); /* a no-op */
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  g_assert_null(mmtk_init(NULL, &vm, NULL));
  tu_assert_error("mmtk_init");
  tu_assert_error("builder");
  /* The builder is intact. */
  accept(b, "threads", "2");
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(2));
  mmtk_builder_free(b);
}

/* A handle without the builder's signature is rejected the same way (.err.handles). */
static void test_bad_handle(void) {
  static uint64_t zeros[1 << 14];
  mmtk_builder_t *fake = (mmtk_builder_t *)zeros;
  tu_mark_error();
  g_assert_false(mmtk_process(fake, "threads", "2"));
  tu_assert_error("mmtk_process");
  tu_mark_error();
  g_assert_false(mmtk_process_bulk(fake, "threads=2"));
  tu_assert_error("mmtk_process_bulk");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  g_assert_null(mmtk_init(fake, &vm, NULL));
  tu_assert_error("mmtk_init");
  for (size_t i = 0; i < G_N_ELEMENTS(zeros); i++) g_assert_cmpuint(zeros[i], ==, 0);
}

/* ---- Bulk --------------------------------------------------------------------------- */

static observed_t bulk_observe(const char *options) {
  mmtk_builder_t *b = tu_builder(NULL);
  if (!mmtk_process_bulk(b, options))
    g_error("mmtk_process_bulk(\"%s\") failed: %s", options, mmtk_last_error());
  observed_t o = observe(b);
  mmtk_builder_free(b);
  return o;
}

static void test_bulk_good(void) {
  observed_t o = bulk_observe("threads=3 gc_trigger=FixedHeapSize:48M");
  g_assert_cmpuint(o.workers, ==, expected_workers(3));
  g_assert_cmpuint(o.total, ==, 48 * MiB);
  /* Spaces, tabs, commas, newlines, repeated, leading and trailing. */
  o = bulk_observe("  \tthreads=2,,gc_trigger=FixedHeapSize:40M ,\t verbose=0\n, ");
  g_assert_cmpuint(o.workers, ==, expected_workers(2));
  g_assert_cmpuint(o.total, ==, 40 * MiB);
  o = bulk_observe("threads=5,gc_trigger=FixedHeapSize:24M");
  g_assert_cmpuint(o.workers, ==, expected_workers(5));
  g_assert_cmpuint(o.total, ==, 24 * MiB);
  /* Commas inside values. */
  o = bulk_observe("gc_trigger=DynamicHeapSize:16M,64M threads=2");
  g_assert_cmpuint(o.total, ==, 64 * MiB);
  g_assert_cmpuint(o.workers, ==, expected_workers(2));
  o = bulk_observe("threads=6,gc_trigger=DynamicHeapSize:8M,32M,thread_affinity=0,0");
  g_assert_cmpuint(o.total, ==, 32 * MiB);
  g_assert_cmpuint(o.workers, ==, expected_workers(6));
  o = bulk_observe("thread_affinity=0,0-0 threads=7");
  g_assert_cmpuint(o.workers, ==, expected_workers(7));
  /* A CPU list with commas followed by another option after a comma. */
  mmtk_builder_t *b = tu_builder(NULL);
  g_assert_true(mmtk_process_bulk(b, "thread_affinity=0,1,5-6,threads=3"));
  accept(b, "thread_affinity", "0"); /* the CPUs above need not exist here */
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(3));
  /* Empty and separator-only strings: true, nothing changes. */
  g_assert_true(mmtk_process_bulk(b, ""));
  g_assert_true(mmtk_process_bulk(b, " ,\t\n,, "));
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(3));
  /* A key given twice: the last wins. */
  g_assert_true(mmtk_process_bulk(b, "threads=2 threads=5"));
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(5));
  g_assert_true(mmtk_process_bulk(b, "gc_trigger=FixedHeapSize:64M,gc_trigger=FixedHeapSize:32M"));
  g_assert_cmpuint(observe(b).total, ==, 32 * MiB);
  mmtk_builder_free(b);
}

/* All-or-nothing: an error in the 3rd item leaves the first two unapplied. */
static void test_bulk_all_or_nothing(void) {
  static const char *const bad[] = {
      "threads=5 gc_trigger=FixedHeapSize:96M threads=0",
      "threads=5 gc_trigger=FixedHeapSize:96M no_such_option=1",
      "threads=5,gc_trigger=FixedHeapSize:96M,verbose",
      "threads=5 gc_trigger=FixedHeapSize:96M =1",
      "threads=5\tgc_trigger=FixedHeapSize:96M\tplan=NoSuchPlan",
      "threads=5 gc_trigger=FixedHeapSize:96M gc_trigger=FixedHeapSize:0",
      NULL};
  mmtk_builder_t *b = tu_builder("threads=3 gc_trigger=FixedHeapSize:48M");
  for (const char *const *v = bad; *v; v++) {
    tu_mark_error();
    if (mmtk_process_bulk(b, *v)) g_error("mmtk_process_bulk(\"%s\") succeeded", *v);
    tu_assert_error("mmtk_process_bulk");
    observed_t o = observe(b);
    g_assert_cmpuint(o.workers, ==, expected_workers(3));
    g_assert_cmpuint(o.total, ==, 48 * MiB);
  }
  mmtk_builder_free(b);
}

static void test_bulk_no_equals(void) {
  static const char *const bad[] = {"threads", "threads=2 sanity", "=2", "threads 2",
                                    "threads=2,verbose", NULL};
  mmtk_builder_t *b = tu_builder("threads=3");
  for (const char *const *v = bad; *v; v++) {
    tu_mark_error();
    if (mmtk_process_bulk(b, *v)) g_error("mmtk_process_bulk(\"%s\") succeeded", *v);
    tu_assert_error("mmtk_process_bulk");
  }
  tu_mark_error();
  g_assert_false(mmtk_process_bulk(b, "threads=2 sanity"));
  tu_assert_error("sanity");
  tu_assert_error("=");
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(3));
  mmtk_builder_free(b);
}

/* ---- Environment (each case runs in its own process, so setenv stays there) ---------- */

static void test_env_applied(void) {
  g_assert_true(g_setenv("MMTK_THREADS", "3", TRUE));
  g_assert_true(g_setenv("MMTK_GC_TRIGGER", "FixedHeapSize:40M", TRUE));
  mmtk_builder_t *b = tu_builder(NULL);
  g_unsetenv("MMTK_THREADS");
  g_unsetenv("MMTK_GC_TRIGGER");
  observed_t o = observe(b);
  g_assert_cmpuint(o.workers, ==, expected_workers(3));
  g_assert_cmpuint(o.total, ==, 40 * MiB);
  mmtk_builder_free(b);
  /* Read when the builder is made: a new builder no longer sees them. */
  b = tu_builder("gc_trigger=FixedHeapSize:24M");
  g_assert_cmpuint(observe(b).total, ==, 24 * MiB);
  mmtk_builder_free(b);
}

/* A later mmtk_process overrides the environment. */
static void test_env_override(void) {
  g_assert_true(g_setenv("MMTK_THREADS", "3", TRUE));
  g_assert_true(g_setenv("MMTK_GC_TRIGGER", "FixedHeapSize:40M", TRUE));
  mmtk_builder_t *b = tu_builder(NULL);
  accept(b, "threads", "5");
  g_assert_true(mmtk_process_bulk(b, "gc_trigger=FixedHeapSize:56M"));
  observed_t o = observe(b);
  g_assert_cmpuint(o.workers, ==, expected_workers(5));
  g_assert_cmpuint(o.total, ==, 56 * MiB);
  mmtk_builder_free(b);
}

/* A bad value: reported when the builder is made, naming the variable; remembered, so
 * mmtk_init with that builder fails. */
static void test_env_bad(void) {
  tu_mark_error();
  g_assert_true(g_setenv("MMTK_THREADS", "zero", TRUE));
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  tu_assert_error("MMTK_THREADS");
  tu_assert_error("zero");
  g_unsetenv("MMTK_THREADS");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  g_assert_null(mmtk_init(b, &vm, tu_ctx));
  tu_assert_error("mmtk_init");
  mmtk_builder_free(b);
  /* Other variables of the same environment still apply to that builder; a builder made
   * with a clean environment works. */
  b = tu_builder(NULL);
  observe(b);
  mmtk_builder_free(b);
}

/* The lead's requirement (beyond .builder.new, which only says "reported"): the message
 * of the failing mmtk_init names the variable, so that the failure is self-explaining. */
static void test_env_bad_init_message(void) {
  g_assert_true(g_setenv("MMTK_THREADS", "zero", TRUE));
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  g_unsetenv("MMTK_THREADS");
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  tu_mark_error();
  g_assert_null(mmtk_init(b, &vm, tu_ctx));
  tu_assert_error("MMTK_THREADS");
  mmtk_builder_free(b);
}

/* The report goes to standard error, prefixed, before any instance exists. */
static void child_env_bad_stderr(void) {
  g_assert_true(g_setenv("MMTK_GC_TRIGGER", "FixedHeapSize:lots", TRUE));
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  mmtk_builder_free(b);
}

static void test_env_bad_stderr(void) {
  g_test_trap_subprocess("/options/env/bad-stderr/subprocess/child", 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*[mmtk] *MMTK_GC_TRIGGER*lots*");
}

/* An MMTK_* variable that names no option: a warning, then ignored. */
static void child_env_unknown(void) {
  g_assert_true(g_setenv("MMTK_FOO", "1", TRUE));
  g_assert_true(g_setenv("MMTK_THREADS", "2", TRUE));
  g_assert_true(g_setenv("MMTK_PLAN", "NoGC", TRUE));
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  g_assert_cmpuint(observe(b).workers, ==, expected_workers(2));
  mmtk_builder_free(b);
}

static void test_env_unknown(void) {
  g_test_trap_subprocess("/options/env/unknown/subprocess/child", 0, 0);
  g_test_trap_assert_passed();
  g_test_trap_assert_stderr("*MMTK_FOO*");
}

/* ---- Builder life and defaults ----------------------------------------------------- */

/* mmtk_init does not consume the builder (.builder.free). */
static void test_builder_reuse(void) {
  mmtk_builder_t *b = tu_builder("threads=2 gc_trigger=FixedHeapSize:32M");
  g_assert_cmpuint(observe(b).total, ==, 32 * MiB);
  accept(b, "gc_trigger", "FixedHeapSize:16M");
  g_assert_cmpuint(observe(b).total, ==, 16 * MiB);
  /* Freed while the instance lives: the instance keeps its options. */
  mmtk_vm_binding_t vm;
  tu_binding(&vm);
  mmtk_t *mmtk = mmtk_init(b, &vm, tu_ctx);
  g_assert_nonnull(mmtk);
  mmtk_builder_free(b);
  g_assert_cmpuint(mmtk_total_bytes(mmtk), ==, 16 * MiB);
  g_assert_cmpuint(mmtk_num_of_workers(mmtk), ==, expected_workers(2));
  mmtk_shutdown(mmtk);
}

/* Defaults (lib/util/options.h): threads = online CPUs, a fixed heap of half the physical
 * memory (within the range, page aligned), plan GenImmix. */
static void test_defaults(void) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t threads = cpus < 1 ? 1 : cpus > 1024 ? 1024 : (size_t)cpus;
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  g_assert_cmpint(pages, >, 0);
  size_t heap = (size_t)pages * (size_t)page / 2;
  if (heap > RANGE) heap = RANGE;
  heap &= ~(size_t)4095;
  mmtk_builder_t *b = tu_builder(NULL);
  observed_t o = observe(b);
  g_assert_cmpuint(o.workers, ==, expected_workers(threads));
  g_assert_cmpuint(o.total, ==, heap);
  mmtk_builder_free(b);
  /* The default plan is GenImmix, MMTk's: it collects, so a binding without the
   * collector's callbacks is refused, and the message names the plan. */
  if (!getenv("MMTK_PLAN")) {
    mmtk_vm_binding_t vm;
    tu_binding(&vm);
    b = mmtk_builder_new();
    g_assert_null(mmtk_init(b, &vm, tu_ctx));
    tu_assert_error("plan GenImmix needs the binding callback");
    mmtk_builder_free(b);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tu_add("/options/plan/good", test_plan_good);
  tu_add("/options/plan/bad", test_plan_bad);
  tu_add("/options/plan/all-built", test_plan_all_built);
  tu_add("/options/threads/good", test_threads_good);
  tu_add("/options/threads/bad", test_threads_bad);
  tu_add("/options/gc_trigger/good", test_gc_trigger_good);
  tu_add("/options/gc_trigger/bad", test_gc_trigger_bad);
  tu_add("/options/gc_trigger/too-large", test_gc_trigger_too_large);
  tu_add("/options/sizes", test_sizes);
  tu_add("/options/factors", test_factors);
  tu_add("/options/bool", test_bool);
  tu_add("/options/sanity", test_sanity);
  tu_add("/options/nursery", test_nursery);
  tu_add("/options/nursery_zeroing", test_nursery_zeroing);
  tu_add("/options/vm_space", test_vm_space);
  tu_add("/options/thread_affinity", test_thread_affinity);
  tu_add("/options/immix_defrag_headroom_percent", test_headroom);
  tu_add("/options/immix/env", test_immix_env);
  tu_add("/options/verbose", test_verbose);
  tu_add("/options/phase_perf_events", test_perf_events);
  tu_add("/options/unknown", test_unknown);
  tu_add("/options/null", test_null);
  tu_add("/options/bad-handle", test_bad_handle);
  tu_add("/options/bulk/good", test_bulk_good);
  tu_add("/options/bulk/all-or-nothing", test_bulk_all_or_nothing);
  tu_add("/options/bulk/no-equals", test_bulk_no_equals);
  tu_add("/options/env/applied", test_env_applied);
  tu_add("/options/env/override", test_env_override);
  tu_add("/options/env/bad-value", test_env_bad);
  tu_add("/options/env/bad-init-message", test_env_bad_init_message);
  tu_add("/options/env/bad-stderr", test_env_bad_stderr);
  g_test_add_func("/options/env/bad-stderr/subprocess/child", child_env_bad_stderr);
  tu_add("/options/env/unknown", test_env_unknown);
  g_test_add_func("/options/env/unknown/subprocess/child", child_env_unknown);
  tu_add("/options/builder/reuse", test_builder_reuse);
  tu_add("/options/defaults", test_defaults);
  return g_test_run();
}
