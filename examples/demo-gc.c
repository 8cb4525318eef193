/* mmtk-demo's collecting workload: GCBench on minivm, the reference binding.
 *
 * The classic Ellis/Kovac/Boehm benchmark, from its published description: a long-lived
 * binary tree and a long-lived array of numbers stay reachable while the program builds
 * and drops many short-lived trees of growing depth, top-down (each node is linked into
 * its parent after the parent exists) and bottom-up (children first).  Every tree's node
 * count is checked, and the long-lived structures are verified at the end.  The heap is
 * far smaller than what the program allocates, so libmmtk collects many times; its log
 * (option verbose) prints a line per GC and mmtk_harness_end() a summary table.
 * MMTK_PLAN=PageProtect runs a smaller workload (small_workload()).
 *
 * gc_demo_run_plans() runs it twice at once, in one process: two minivm runtimes, each
 * with its own libmmtk instance on its own plan, each driven by a thread of its own. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "demo-gc.h"
#include "minivm.h"

enum { NODE = 1, NUMBERS = 2 };
enum { ARRAY_LENGTH = 500000, MIN_DEPTH = 4 };

/* The trees' depths: GCBench's own, or a smaller workload for PageProtect, where every
 * node takes a page of its own (the long-lived tree alone would take 512 MiB): its live
 * data stays near 20 MiB, within the default 64 MiB heap. */
struct depths {
  int stretch, long_lived, max;
};
static const struct depths GCBENCH = {18, 16, 16}, SMALL = {12, 10, 10};

static const struct depths *depths_for(const char *plan) {
  return plan && !strcasecmp(plan, "PageProtect") ? &SMALL : &GCBENCH;
}

/* Nodes of a full binary tree of `depth` (a single node has depth 0). */
static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

static minivm_obj_t new_node(minivm_obj_t left, minivm_obj_t right) {
  MINIVM_PUSH2(left, right); /* the allocation may collect, and move them */
  minivm_obj_t n = minivm_alloc(NODE, 2, 0);
  minivm_set_ref(n, 0, left);
  minivm_set_ref(n, 1, right);
  MINIVM_POP(2);
  return n;
}

/* Top-down: give `node` two children, then fill them in. */
static void populate(int depth, minivm_obj_t node) {
  if (depth <= 0) return;
  MINIVM_PUSH(node);
  minivm_obj_t child = new_node(NULL, NULL);
  minivm_set_ref(node, 0, child);
  child = new_node(NULL, NULL);
  minivm_set_ref(node, 1, child);
  populate(depth - 1, minivm_get_ref(node, 0));
  populate(depth - 1, minivm_get_ref(node, 1));
  MINIVM_POP(1);
}

/* Bottom-up: both subtrees first, then their parent. */
static minivm_obj_t make_tree(int depth) {
  if (depth <= 0) return new_node(NULL, NULL);
  minivm_obj_t left = make_tree(depth - 1), right = NULL;
  MINIVM_PUSH2(left, right);
  right = make_tree(depth - 1);
  minivm_obj_t n = new_node(left, right);
  MINIVM_POP(2);
  return n;
}

static long count_nodes(minivm_obj_t n) {
  long count = 0;
  while (n) { /* iterate on the right child, recurse on the left */
    count++;
    if (minivm_get_ref(n, 0)) count += count_nodes(minivm_get_ref(n, 0));
    n = minivm_get_ref(n, 1);
  }
  return count;
}

static bool check(minivm_obj_t tree, int depth, const char *what) {
  long n = count_nodes(tree), want = tree_size(depth);
  if (n == want) return true;
  fprintf(stderr, "mmtk-demo: %s tree of depth %d has %ld nodes, not %ld\n", what, depth, n, want);
  return false;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool gcbench(const struct depths *d, long *nodes) {
  bool ok = true;
  minivm_obj_t stretch = make_tree(d->stretch); /* stretch the heap first */
  ok &= check(stretch, d->stretch, "stretch");
  *nodes += tree_size(d->stretch);
  stretch = NULL;

  minivm_obj_t long_lived = new_node(NULL, NULL), array = NULL, tree = NULL;
  MINIVM_PUSH3(long_lived, array, tree);
  populate(d->long_lived, long_lived);
  *nodes += tree_size(d->long_lived);
  array = minivm_alloc(NUMBERS, 0, ARRAY_LENGTH * sizeof(double));
  double *numbers = minivm_data(array);
  for (int i = 0; i < ARRAY_LENGTH / 2; i++) numbers[i] = 1.0 / (i + 1);

  for (int depth = MIN_DEPTH; depth <= d->max; depth += 2) {
    long iterations = 2 * tree_size(d->stretch) / tree_size(depth);
    for (long i = 0; i < iterations; i++) {
      tree = new_node(NULL, NULL);
      populate(depth, tree);
      if (i == 0) ok &= check(tree, depth, "top-down");
      tree = make_tree(depth);
      if (i == 0) ok &= check(tree, depth, "bottom-up");
    }
    *nodes += 2 * iterations * tree_size(depth);
  }
  ok &= check(long_lived, d->long_lived, "long-lived");
  numbers = minivm_data(array); /* the array may have moved */
  for (int i = 0; i < ARRAY_LENGTH / 2 && ok; i++)
    if (numbers[i] != 1.0 / (i + 1)) {
      fprintf(stderr, "mmtk-demo: the long-lived array lost element %d\n", i);
      ok = false;
    }
  MINIVM_POP(3);
  return ok;
}

int gc_demo_run(void) {
  const char *env_plan = getenv("MMTK_PLAN");
  const struct depths *d = depths_for(env_plan);
  bool small = d == &SMALL;
  /* The environment decides (MMTK_PLAN, MMTK_GC_TRIGGER, ...); these are the defaults. */
  if (!minivm_init("plan=GenImmix gc_trigger=FixedHeapSize:64M full_heap_system_gc=true verbose=1")) {
    fprintf(stderr, "mmtk-demo: cannot start the collector (see above)\n");
    return 1;
  }
  if (!minivm_attach_thread()) return 1;
  mmtk_t *mmtk = minivm_mmtk();
  mmtk_harness_begin(minivm__self->mutator); /* (a GC first, as in MMTk: not counted) */
  minivm_stats_t before;
  minivm_gc_stats(&before);
  double start = now();
  long nodes = 0;
  bool ok = gcbench(d, &nodes);
  double seconds = now() - start;
  fflush(stderr);
  mmtk_harness_end(mmtk);
  minivm_stats_t st;
  minivm_gc_stats(&st);
  const char *plan = getenv("MMTK_PLAN") ? getenv("MMTK_PLAN") : "GenImmix";
  printf("mmtk-demo: GCBench on %s: %ld nodes (%.0f MiB) in %.2f s, %.1f M nodes/s; "
         "%llu GCs (GC(%llu) to GC(%llu) of the log; the earlier ones are before the run), "
         "%.1f ms in GC, longest pause %.2f ms, heap %llu MiB%s; %s\n",
         plan, nodes, (double)nodes * 24 / (1 << 20), seconds, (double)nodes / seconds / 1e6,
         (unsigned long long)(st.gcs - before.gcs), (unsigned long long)before.gcs + 1,
         (unsigned long long)st.gcs, st.gc_ms - before.gc_ms, st.max_pause_ms,
         (unsigned long long)(st.heap_bytes >> 20),
         small ? " (the smaller workload: trees of depth 12, 10, 4..10)" : "",
         ok ? "all trees verified" : "WRONG ANSWERS");
  minivm_detach_thread();
  minivm_shutdown();
  return ok ? 0 : 1;
}

/* ---- Two instances at once ------------------------------------------------------------ */

struct run {
  unsigned id;
  char plan[32];
  minivm_t *vm;
  pthread_t thread;
  bool started, ok;
  long nodes;
  double seconds;
  minivm_stats_t before, after;
};

/* One runtime's thread: attach, GCBench, detach. */
static void *run_main(void *arg) {
  struct run *r = arg;
  if (!minivm_attach_thread_to(r->vm)) {
    fprintf(stderr, "mmtk-demo: %s: cannot attach a thread\n", r->plan);
    return NULL;
  }
  r->started = true;
  minivm_stats(r->vm, &r->before);
  double start = now();
  r->ok = gcbench(depths_for(r->plan), &r->nodes);
  r->seconds = now() - start;
  minivm_stats(r->vm, &r->after);
  minivm_detach_thread();
  return NULL;
}

int gc_demo_run_plans(const char *plans) {
  struct run runs[2];
  memset(runs, 0, sizeof runs);
  const char *comma = strchr(plans, ',');
  size_t len0 = comma ? (size_t)(comma - plans) : 0;
  if (!comma || len0 == 0 || len0 >= sizeof runs[0].plan || strchr(comma + 1, ',') ||
      !comma[1] || strlen(comma + 1) >= sizeof runs[1].plan) {
    fprintf(stderr, "mmtk-demo: --two-plans %s: give two plans, as in SemiSpace,MarkSweep\n",
            plans);
    return 2;
  }
  memcpy(runs[0].plan, plans, len0);
  strcpy(runs[1].plan, comma + 1);
  for (unsigned i = 0; i < 2; i++) {
    runs[i].id = i + 1;
    if (!strcasecmp(runs[i].plan, "NoGC")) {
      fprintf(stderr, "mmtk-demo: --two-plans: GCBench needs a collecting plan, not NoGC\n");
      return 2;
    }
  }
  /* Both instances live at once, each on its own plan (the environment decides the rest,
   * as in the single run; the plan is ours). */
  for (unsigned i = 0; i < 2; i++) {
    char plan_option[48];
    snprintf(plan_option, sizeof plan_option, "plan=%s", runs[i].plan);
    runs[i].vm = minivm_new("gc_trigger=FixedHeapSize:64M full_heap_system_gc=true verbose=1",
                            plan_option);
    if (!runs[i].vm) {
      fprintf(stderr, "mmtk-demo: cannot start the collector for %s (see above)\n",
              runs[i].plan);
      if (i) minivm_free(runs[0].vm);
      return 1;
    }
  }
  double start = now();
  int status = 0;
  unsigned created = 0;
  for (unsigned i = 0; i < 2; i++, created++) {
    int err = pthread_create(&runs[i].thread, NULL, run_main, &runs[i]);
    if (err) {
      fprintf(stderr, "mmtk-demo: pthread_create: %s\n", strerror(err));
      status = 1;
      break;
    }
  }
  for (unsigned i = 0; i < created; i++) pthread_join(runs[i].thread, NULL);
  double wall = now() - start;
  fflush(stderr);
  for (unsigned i = 0; i < 2; i++) {
    struct run *r = &runs[i];
    if (!r->started) {
      status = 1;
      continue;
    }
    printf("mmtk-demo: instance %u of 2, GCBench on %s: %ld nodes (%.0f MiB) in %.2f s, "
           "%.1f M nodes/s; %llu GCs, %.1f ms in GC, longest pause %.2f ms, heap %llu MiB%s; "
           "%s\n",
           r->id, r->plan, r->nodes, (double)r->nodes * 24 / (1 << 20), r->seconds,
           (double)r->nodes / r->seconds / 1e6,
           (unsigned long long)(r->after.gcs - r->before.gcs),
           r->after.gc_ms - r->before.gc_ms, r->after.max_pause_ms,
           (unsigned long long)(r->after.heap_bytes >> 20),
           depths_for(r->plan) == &SMALL ? " (the smaller workload)" : "",
           r->ok ? "all trees verified" : "WRONG ANSWERS");
    if (!r->ok) status = 1;
  }
  printf("mmtk-demo: two instances at once (%s and %s) in %.2f s: %s\n", runs[0].plan,
         runs[1].plan, wall, status ? "FAILED" : "both verified");
  for (unsigned i = 0; i < 2; i++) minivm_free(runs[i].vm);
  return status;
}
