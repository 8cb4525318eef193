/* mmtk-demo's collecting workload: GCBench on minivm, the reference binding.
 *
 * The classic Ellis/Kovac/Boehm benchmark, from its published description: a long-lived
 * binary tree and a long-lived array of numbers stay reachable while the program builds
 * and drops many short-lived trees of growing depth, top-down (each node is linked into
 * its parent after the parent exists) and bottom-up (children first).  Every tree's node
 * count is checked, and the long-lived structures are verified at the end.  The heap is
 * far smaller than what the program allocates, so libmmtk collects many times; its log
 * (option verbose) prints a line per GC and mmtk_harness_end() a summary table.
 * MMTK_PLAN=PageProtect runs a smaller workload (small_workload()). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "demo-gc.h"
#include "minivm.h"

enum { NODE = 1, NUMBERS = 2 };
enum { ARRAY_LENGTH = 500000, MIN_DEPTH = 4 };

/* The trees' depths: GCBench's own, or a smaller workload for PageProtect, where every
 * node takes a page of its own (the long-lived tree alone would take 512 MiB): its live
 * data stays near 20 MiB, within the default 64 MiB heap. */
static int STRETCH_DEPTH = 18, LONG_LIVED_DEPTH = 16, MAX_DEPTH = 16;

static void small_workload(void) {
  STRETCH_DEPTH = 12;
  LONG_LIVED_DEPTH = 10;
  MAX_DEPTH = 10;
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

static bool gcbench(long *nodes) {
  bool ok = true;
  minivm_obj_t stretch = make_tree(STRETCH_DEPTH); /* stretch the heap first */
  ok &= check(stretch, STRETCH_DEPTH, "stretch");
  *nodes += tree_size(STRETCH_DEPTH);
  stretch = NULL;

  minivm_obj_t long_lived = new_node(NULL, NULL), array = NULL, tree = NULL;
  MINIVM_PUSH3(long_lived, array, tree);
  populate(LONG_LIVED_DEPTH, long_lived);
  *nodes += tree_size(LONG_LIVED_DEPTH);
  array = minivm_alloc(NUMBERS, 0, ARRAY_LENGTH * sizeof(double));
  double *numbers = minivm_data(array);
  for (int i = 0; i < ARRAY_LENGTH / 2; i++) numbers[i] = 1.0 / (i + 1);

  for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
    long iterations = 2 * tree_size(STRETCH_DEPTH) / tree_size(depth);
    for (long i = 0; i < iterations; i++) {
      tree = new_node(NULL, NULL);
      populate(depth, tree);
      if (i == 0) ok &= check(tree, depth, "top-down");
      tree = make_tree(depth);
      if (i == 0) ok &= check(tree, depth, "bottom-up");
    }
    *nodes += 2 * iterations * tree_size(depth);
  }
  ok &= check(long_lived, LONG_LIVED_DEPTH, "long-lived");
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
  bool small = env_plan && !strcasecmp(env_plan, "PageProtect");
  if (small) small_workload();
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
  bool ok = gcbench(&nodes);
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
