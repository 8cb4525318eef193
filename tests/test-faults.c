/* Failure injection (RELIABILITY.md R22, R23; design.memory_manager.faults): built and run
 * only with ./configure --enable-fault-injection.
 *
 * One scenario per configuration on the test VM: SemiSpace and MarkSweep with one GC
 * worker, MarkSweep with its GC bits in the object headers, SemiSpace with four workers
 * (their calls interleave differently from run to run: the start of several workers, a
 * parallel GC), and MarkSweep with the heap verifier in --enable-sanity builds.  It runs
 * mmtk_init and mmtk_initialize_collection (tvm_try_new), mmtk_bind_mutator
 * (tvm_try_attach), the allocation slow path (small objects over many blocks, aligned
 * ones, large objects, a large array over the list), the registration of weak
 * references (mmtk_add_weak_candidate) and finalizable objects (mmtk_add_finalizer),
 * enough of them that libmmtk's lists grow several times, a GC that must keep every
 * object and process every registration (each weak reference to a dead object cleared
 * and enqueued, each one to a live object forwarded, each dead finalizable object ready
 * once, right after that GC), more allocation, a second GC, and the shutdown.  The walk runs the scenario in a
 * subprocess once per N = 1, 2, ... with
 * LIBMMTK_FAULT_INJECT=any:N, so that the Nth malloc, calloc, realloc, mmap, mprotect or
 * pthread_create libmmtk makes fails, until a run finishes with no failure fired.  Every
 * run must exit normally (no crash, no hang: a timeout; under LeakSanitizer, no leak):
 *
 *   - init or bind fails with NULL and mmtk_last_error() says why;
 *   - an allocation fails with NULL after out_of_memory(MMTK_OOM_MMAP);
 *   - a registration is never lost: it reports through out_of_memory(MMTK_OOM_MMAP) and
 *     retries (the four registration functions return nothing the caller could check);
 *   - a GC completes with every object intact (it needs no new memory to finish, or it
 *     reports through out_of_memory(MMTK_OOM_MMAP) and retries).
 *
 * A failed step is then retried and must succeed (the failure fires once): what the
 * failure left behind (a half-built instance's heap range, a chunk half committed) must
 * not be in the way.  The child tells the parent where the failure fired through a
 * report file (TEST_FAULTS_REPORT); the parent prints, per plan and phase, how many
 * injection points there are and how many of them made a step fail. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvm.h"

#define LIST_LENGTH 3000      /* small objects: several blocks of every size class used */
#define LARGE_OBJECTS 4       /* 20 KiB each: the large object space */
#define ARRAY_SLOT (1 + LARGE_OBJECTS)
#define NREFS 200             /* weak references, and finalizable objects: lists of 64 grow */
#define WEAK_SLOT (ARRAY_SLOT + 1) /* an array of the NREFS weak references */
#define KEEP_SLOT (ARRAY_SLOT + 2) /* an array of the live referents and finalizables */
#define TMP_SLOT (ARRAY_SLOT + 3)
#define LAST_SLOT TMP_SLOT
#define FINAL_BASE 500000     /* the data word of finalizable object i: FINAL_BASE + i */
#define MAX_POINTS 5000       /* a walk longer than this is a runaway */
#define RUN_TIMEOUT_US (60 * G_USEC_PER_SEC)

enum phase { P_INIT, P_BIND, P_ALLOC, P_REFS, P_GC, P_ALLOC2, P_GC2, P_SHUTDOWN, P_COUNT };
static const char *const phase_names[P_COUNT] = {
    "init", "bind", "alloc", "refs", "gc", "alloc-after-gc", "gc-2", "shutdown"};

/* The child's stderr goes to a file (REPORT.stderr) so that it can tell, phase by phase,
 * whether the failure fired yet; the parent shows the file when a run fails. */
static char *err_path;
static enum phase fired_in = P_COUNT;

static void redirect_stderr(void) {
  const char *report = g_getenv("TEST_FAULTS_REPORT");
  if (!report) return;
  err_path = g_strconcat(report, ".stderr", NULL);
  if (!freopen(err_path, "w", stderr)) g_error("cannot write %s", err_path);
  setvbuf(stderr, NULL, _IONBF, 0);
}

/* The end of phase p: did the failure fire during it? */
static void phase_end(enum phase p) {
  if (fired_in != P_COUNT || !err_path) return;
  char *text = NULL;
  if (g_file_get_contents(err_path, &text, NULL, NULL) &&
      strstr(text, "libmmtk fault injection: "))
    fired_in = p;
  g_free(text);
}

/* Written last: where the failure fired, which step failed (or "none"), details. */
static void report(const char *failed, const char *detail) {
  const char *path = g_getenv("TEST_FAULTS_REPORT");
  if (!path) return;
  FILE *f = fopen(path, "w");
  if (!f) g_error("cannot write %s", path);
  fprintf(f, "%s\n%s\n%s\n", fired_in == P_COUNT ? "none" : phase_names[fired_in], failed,
          detail);
  fclose(f);
}

static const char *failed_step = "none";
static char failed_why[256];

static void step_failed(enum phase p, const char *why) {
  g_assert_cmpstr(failed_step, ==, "none"); /* the failure fires once */
  failed_step = phase_names[p];
  g_strlcpy(failed_why, why, sizeof failed_why);
}

/* One object; a failure must have called out_of_memory, and a second try succeeds. */
static tvm_obj_t alloc_or_retry(tvm_thread_t *th, enum phase p, unsigned type, size_t nrefs,
                                size_t bytes, uint64_t data) {
  tvm_counters_t before, after;
  tvm_counters(tvm_vm(th), &before);
  tvm_obj_t o = tvm_alloc(th, type, nrefs, bytes, data);
  if (o) return o;
  tvm_counters(tvm_vm(th), &after);
  if (after.oom_mmap != before.oom_mmap + 1)
    g_error("an allocation returned NULL with %llu out_of_memory(MMTK_OOM_MMAP) calls",
            (unsigned long long)(after.oom_mmap - before.oom_mmap));
  step_failed(p, "allocation: NULL after out_of_memory(MMTK_OOM_MMAP)");
  o = tvm_alloc(th, type, nrefs, bytes, data);
  if (!o) g_error("the allocation failed again: %s", mmtk_last_error());
  return o;
}

/* The rooted list in root slot 0 (prepended, so the head holds the highest number),
 * LARGE_OBJECTS large objects in slots 1..., and in the last slot a large array that
 * refers to every list element (its scan pushes them all: the mark stack grows). */
static void allocate(tvm_thread_t *th, enum phase p, uint64_t base) {
  for (uint64_t i = 0; i < LIST_LENGTH; i++) {
    tvm_obj_t n = alloc_or_retry(th, p, TVM_NODE, 1, 8 + (i % 7) * 16, base + i);
    tvm_set_ref(th, n, 0, tvm_root(th, 0));
    tvm_set_root(th, 0, n);
  }
  for (size_t i = 0; i < LARGE_OBJECTS; i++)
    tvm_set_root(th, 1 + i, alloc_or_retry(th, p, TVM_BYTES, 0, 20 << 10, base + 100000 + i));
  /* Garbage aligned past its cell: MarkSweep with in-header marks notes the offset. */
  for (unsigned i = 0; i < 4; i++) {
    tvm_counters_t before, after;
    tvm_counters(tvm_vm(th), &before);
    void *g = mmtk_alloc(tvm_mutator(th), 40, 64, 0, MMTK_ALLOC_DEFAULT);
    if (g) continue;
    tvm_counters(tvm_vm(th), &after);
    g_assert_cmpuint(after.oom_mmap, ==, before.oom_mmap + 1);
    step_failed(p, "aligned allocation: NULL after out_of_memory(MMTK_OOM_MMAP)");
    g_assert_nonnull(mmtk_alloc(tvm_mutator(th), 40, 64, 0, MMTK_ALLOC_DEFAULT));
  }
  tvm_obj_t a = alloc_or_retry(th, p, TVM_ARRAY, LIST_LENGTH, 0, base + 200000);
  tvm_set_root(th, ARRAY_SLOT, a);
  tvm_obj_t n = tvm_root(th, 0);
  for (size_t i = 0; i < LIST_LENGTH; i++, n = tvm_ref(n, 0)) tvm_set_ref(th, a, i, n);
}

/* Every list element and large object is there, with its pattern and number. */
static void check_list(tvm_thread_t *th, uint64_t count) {
  tvm_obj_t n = tvm_root(th, 0);
  for (uint64_t i = count; i-- > 0;) {
    g_assert_nonnull(n);
    g_assert_null(tvm_header_problem(n));
    g_assert_cmpuint(tvm_data(n) % LIST_LENGTH, ==, i % LIST_LENGTH);
    g_assert_true(tvm_pattern_ok(n));
    n = tvm_ref(n, 0);
  }
  g_assert_null(n);
  for (size_t i = 0; i < LARGE_OBJECTS; i++) g_assert_true(tvm_pattern_ok(tvm_root(th, 1 + i)));
  tvm_obj_t a = tvm_root(th, ARRAY_SLOT);
  n = tvm_root(th, 0);
  for (size_t i = 0; i < LIST_LENGTH; i++, n = tvm_ref(n, 0)) g_assert_true(tvm_ref(a, i) == n);
}

/* NREFS weak references (in WEAK_SLOT's array), the even ones to an object kept alive
 * (KEEP_SLOT's array, same index), the odd ones to an object that dies at once; and NREFS
 * finalizable objects, the even ones kept (KEEP_SLOT's array, index NREFS + i). */
static void allocate_refs(tvm_thread_t *th) {
  tvm_set_root(th, WEAK_SLOT, alloc_or_retry(th, P_REFS, TVM_ARRAY, NREFS, 0, 300000));
  tvm_set_root(th, KEEP_SLOT, alloc_or_retry(th, P_REFS, TVM_ARRAY, 2 * NREFS, 0, 300001));
  for (size_t i = 0; i < NREFS; i++) {
    tvm_set_root(th, TMP_SLOT, alloc_or_retry(th, P_REFS, TVM_NODE, 0, 16, 310000 + i));
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, KEEP_SLOT), i, tvm_root(th, TMP_SLOT));
    tvm_obj_t w = alloc_or_retry(th, P_REFS, TVM_WEAKREF, 1, 0, 320000 + i);
    tvm_set_ref(th, w, 0, tvm_root(th, TMP_SLOT)); /* before the next safepoint */
    tvm_set_ref(th, tvm_root(th, WEAK_SLOT), i, w);
  }
  tvm_set_root(th, TMP_SLOT, NULL);
  for (size_t i = 0; i < NREFS; i++) {
    tvm_obj_t f = alloc_or_retry(th, P_REFS, TVM_FINALIZABLE, 0, 16, FINAL_BASE + i);
    if (i % 2 == 0) tvm_set_ref(th, tvm_root(th, KEEP_SLOT), NREFS + i, f);
  }
}

/* After the GC: every registration was processed (`before`: the counters before
 * allocate_refs; any GC since counts). */
static void check_refs(tvm_thread_t *th, const tvm_counters_t *before) {
  tvm_obj_t ws = tvm_root(th, WEAK_SLOT), keep = tvm_root(th, KEEP_SLOT);
  for (size_t i = 0; i < NREFS; i++) {
    tvm_obj_t r = tvm_ref(tvm_ref(ws, i), 0);
    if (i % 2 == 0 && r != tvm_ref(keep, i))
      g_error("weak reference %zu: referent %p, not the live object %p (not forwarded)", i,
              r, tvm_ref(keep, i));
    if (i % 2 == 1 && r)
      g_error("weak reference %zu: its referent died but it still refers to %p", i, r);
  }
  tvm_counters_t after;
  tvm_counters(tvm_vm(th), &after);
  if (after.enqueued_refs - before->enqueued_refs != NREFS / 2)
    g_error("%llu cleared weak references enqueued, not %d",
            (unsigned long long)(after.enqueued_refs - before->enqueued_refs), NREFS / 2);
  size_t n = tvm_run_finalizers(th, NULL, NULL);
  for (size_t i = 0; i < NREFS; i++)
    if (tvm_finalized(tvm_vm(th), FINAL_BASE + i) != i % 2)
      g_error("finalizable object %zu (%s) finalized %u times", i, i % 2 ? "dead" : "live",
              tvm_finalized(tvm_vm(th), FINAL_BASE + i));
  g_assert_cmpuint(n, ==, NREFS / 2);
}

struct config {
  const char *name, *plan;
  unsigned workers;
  bool header; /* GC bits in the object header (tvm_options_t.header_metadata) */
  bool sanity; /* the heap verifier after every GC (--enable-sanity builds) */
};

static void scenario(const struct config *cfg) {
  redirect_stderr();
  tvm_options_t o = {.plan = cfg->plan, .workers = cfg->workers, .heap = "FixedHeapSize:32M",
                     .header_metadata = cfg->header, .sanity = cfg->sanity};
  tvm_t *vm = tvm_try_new(&o);
  if (!vm) {
    g_assert_cmpstr(mmtk_last_error(), !=, "");
    step_failed(P_INIT, mmtk_last_error());
    vm = tvm_try_new(&o);
    if (!vm) g_error("init failed again: %s", mmtk_last_error());
  }
  phase_end(P_INIT);
  tvm_thread_t *th = tvm_try_attach(vm);
  if (!th) {
    g_assert_cmpstr(mmtk_last_error(), !=, "");
    step_failed(P_BIND, mmtk_last_error());
    th = tvm_try_attach(vm);
    if (!th) g_error("bind failed again: %s", mmtk_last_error());
  }
  phase_end(P_BIND);
  for (size_t i = 0; i <= LAST_SLOT; i++) tvm_push(th, NULL);
  allocate(th, P_ALLOC, 0);
  phase_end(P_ALLOC);
  tvm_counters_t refs_before;
  tvm_counters(vm, &refs_before);
  allocate_refs(th);
  phase_end(P_REFS);
  if (fired_in == P_REFS && !strcmp(failed_step, "none")) {
    /* A list's growth failed: reported once, with no mutator's tls, and retried. */
    tvm_counters_t c;
    tvm_counters(vm, &c);
    g_assert_cmpuint(c.oom_mmap, ==, refs_before.oom_mmap + 1);
    g_assert_null(c.oom_last_tls);
    g_strlcpy(failed_why, "registration: out_of_memory(MMTK_OOM_MMAP) and retried",
              sizeof failed_why);
  }
  uint64_t gcs = tvm_gc_count(vm);
  g_assert_true(tvm_gc(th));
  g_assert_cmpuint(tvm_gc_count(vm), ==, gcs + 1);
  check_list(th, LIST_LENGTH);
  check_refs(th, &refs_before);
  phase_end(P_GC);
  /* After the GC: SemiSpace allocates in the other half, MarkSweep in swept blocks. */
  for (size_t i = 0; i <= LAST_SLOT; i++) tvm_set_root(th, i, NULL);
  allocate(th, P_ALLOC2, LIST_LENGTH);
  phase_end(P_ALLOC2);
  g_assert_true(tvm_gc(th));
  check_list(th, LIST_LENGTH);
  phase_end(P_GC2);
  tvm_counters_t c;
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.handshake_errors + c.insane_objects + c.finalize_errors +
                       c.enqueue_errors + c.weak_glue_errors, ==, 0);
  char detail[320];
  snprintf(detail, sizeof detail, "%s; out_of_memory(MMTK_OOM_MMAP) x%llu", failed_why,
           (unsigned long long)c.oom_mmap);
  tvm_pop_to(th, 0);
  tvm_detach(th);
  tvm_destroy(vm);
  phase_end(P_SHUTDOWN);
  report(failed_step, detail);
}

static void show_stderr(const char *file) {
  char *text = NULL;
  char *e = g_strconcat(file, ".stderr", NULL);
  if (g_file_get_contents(e, &text, NULL, NULL)) g_test_message("its stderr:\n%s", text);
  g_free(text);
  g_free(e);
}

static const char *const functions[] = {"malloc", "calloc", "realloc",
                                        "mmap", "mprotect", "pthread_create"};

/* Which function the failure line of the child's stderr names. */
static void count_function(const char *errfile, unsigned *fns) {
  char *text = NULL;
  if (!g_file_get_contents(errfile, &text, NULL, NULL)) g_error("no %s", errfile);
  const char *line = strstr(text, "libmmtk fault injection: any call ");
  const char *open = line ? strchr(line, '(') : NULL;
  g_assert_nonnull(open);
  for (size_t i = 0; i < G_N_ELEMENTS(functions); i++) {
    size_t len = strlen(functions[i]);
    if (!strncmp(open + 1, functions[i], len) && open[1 + len] == ')') fns[i]++;
  }
  g_free(text);
}

static void walk(gconstpointer data) {
  const struct config *cfg = data;
  const char *plan = cfg->name;
  if (g_test_subprocess()) { /* one run of the walk (g_test_trap_subprocess below) */
    scenario(cfg);
    return;
  }
  char *dir = g_dir_make_tmp("test-faults-XXXXXX", NULL);
  g_assert_nonnull(dir);
  char *file = g_build_filename(dir, "report", NULL);
  char *errfile = g_strconcat(file, ".stderr", NULL);
  g_setenv("TEST_FAULTS_REPORT", file, TRUE);
  unsigned points[P_COUNT] = {0}, failed_at[P_COUNT] = {0}, fns[G_N_ELEMENTS(functions)] = {0};
  unsigned n;
  for (n = 1; n <= MAX_POINTS; n++) {
    char spec[32];
    snprintf(spec, sizeof spec, "any:%u", n);
    g_setenv("LIBMMTK_FAULT_INJECT", spec, TRUE);
    g_unlink(file);
    g_test_trap_subprocess(NULL, RUN_TIMEOUT_US, 0);
    if (!g_test_trap_has_passed()) {
      g_test_message("%s: the scenario failed with LIBMMTK_FAULT_INJECT=%s", plan, spec);
      show_stderr(file);
      g_test_trap_assert_passed();
    }
    char *text = NULL;
    if (!g_file_get_contents(file, &text, NULL, NULL)) {
      show_stderr(file);
      g_error("%s, %s: the child wrote no report", plan, spec);
    }
    char **lines = g_strsplit(text, "\n", 4);
    g_assert_nonnull(lines[0]);
    g_assert_nonnull(lines[1]);
    enum phase fired = P_COUNT, failed = P_COUNT;
    for (int i = 0; i < P_COUNT; i++) {
      if (!strcmp(lines[0], phase_names[i])) fired = (enum phase)i;
      if (!strcmp(lines[1], phase_names[i])) failed = (enum phase)i;
    }
    if (g_test_verbose())
      g_test_message("%s %s: fired in %s, failed step %s (%s)", plan, spec, lines[0], lines[1],
                     lines[2] ? lines[2] : "");
    g_strfreev(lines);
    g_free(text);
    if (fired == P_COUNT) {
      /* Nothing failed: call n is past the scenario's last one; the walk is over. */
      g_assert_cmpint(failed, ==, P_COUNT);
      break;
    }
    points[fired]++;
    count_function(errfile, fns);
    /* A step that fails is the one where the failure fired. */
    if (failed != P_COUNT) {
      if (failed != fired) {
        show_stderr(file);
        g_error("%s, %s: the failure fired in %s but the %s step failed", plan, spec,
                phase_names[fired], phase_names[failed]);
      }
      failed_at[failed]++;
    }
  }
  g_assert_cmpuint(n, <=, MAX_POINTS);
  GString *summary = g_string_new(NULL);
  g_string_append_printf(summary, "%s: %u injection points:", plan, n - 1);
  for (int i = 0; i < P_COUNT; i++)
    g_string_append_printf(summary, " %s %u (%u failed it)", phase_names[i], points[i],
                           failed_at[i]);
  g_string_append(summary, "; by function:");
  for (size_t i = 0; i < G_N_ELEMENTS(functions); i++)
    g_string_append_printf(summary, " %s %u", functions[i], fns[i]);
  g_test_message("%s", summary->str);
  g_string_free(summary, TRUE);
  g_unsetenv("LIBMMTK_FAULT_INJECT");
  g_unsetenv("TEST_FAULTS_REPORT");
  g_unlink(file);
  g_unlink(errfile);
  g_rmdir(dir);
  g_free(errfile);
  g_free(file);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  static const struct config configs[] = {
      {"SemiSpace", "SemiSpace", 1, false, false},
      {"MarkSweep", "MarkSweep", 1, false, false},
      {"MarkSweep-header", "MarkSweep", 1, true, false},
      {"SemiSpace-4workers", "SemiSpace", 4, false, false},
#if MMTK_HAVE_SANITY
      {"MarkSweep-sanity", "MarkSweep", 1, false, true},
#endif
  };
  for (size_t i = 0; i < G_N_ELEMENTS(configs); i++) {
    char *p = g_strdup_printf("/faults/walk/%s", configs[i].name);
    g_test_add_data_func(p, &configs[i], walk);
    g_free(p);
  }
  return g_test_run();
}
