/* gcbench: the Ellis-Kovac-Boehm GC benchmark (GCBench), one source built three ways.
 *
 *   bench/gcbench-mmtk    libmmtk through examples/minivm (the plan from MMTK_PLAN)
 *   bench/gcbench-bdw     the Boehm-Demers-Weiser collector (GC_MALLOC)
 *   bench/gcbench-malloc  malloc, every tree freed explicitly once it is dead
 *
 *   gcbench-VARIANT [-q] [-v] [-s STRETCH] [-l LONG_LIVED] [-d MAX_DEPTH]
 *
 * The workload, as the benchmark is published: binary trees of nodes {left, right, i, j}.
 *   1. Stretch the heap: build a tree of depth STRETCH (18) bottom-up and drop it.
 *   2. Build a long-lived tree of depth LONG_LIVED (16) top-down, and a long-lived array of
 *      500000 doubles (half of them set to 1/i); both stay alive until the end.
 *   3. For each depth d = 4, 6, ..., MAX_DEPTH (16): build N(d) trees of depth d top-down
 *      (a node is allocated empty and its children are filled in: old-to-young pointers)
 *      and N(d) bottom-up (children first), dropping each one, where
 *      N(d) = 2 * treesize(STRETCH) / treesize(d) and treesize(d) = 2^(d+1) - 1: every
 *      depth allocates about as many nodes.
 *   4. Check that the long-lived tree and array are intact.
 * Every tree built is counted against treesize(d); a wrong count is a wrong answer.
 *
 * -q (quick, what `make bench BENCH_QUICK=1` passes) is STRETCH 16, LONG_LIVED 14 and
 * MAX_DEPTH 14.  -v prints the time of every depth.  Exit status: 0, 1 on a wrong answer,
 * 2 on a usage error, 3 when the heap is exhausted (libmmtk).
 *
 * mt-gcbench.c includes this file (with GCBENCH_NO_MAIN) to run it on several threads.
 */
#define _POSIX_C_SOURCE 200809L

#include "bench-util.h"

#include <string.h>

/* ---- The object model of each variant ------------------------------------------------- */
/* The algorithm below is written once.  ROOTn/UNROOT register the node variables that must
 * survive an allocation: with libmmtk (a precise, possibly moving collector) they go on the
 * thread's shadow stack; Boehm GC finds them on the C stack and malloc needs nothing. */

#if defined(BENCH_MMTK)

enum { TYPE_NODE = 1, TYPE_ARRAY = 2 };
typedef minivm_obj_t node_t;
typedef minivm_obj_t array_t;
#define ROOT1(a) MINIVM_PUSH(a)
#define ROOT2(a, b) MINIVM_PUSH2(a, b)
#define UNROOT(n) MINIVM_POP(n)
/* Two references (left, right) and 8 bytes of data (i, j). */
static inline node_t new_node(void) { return minivm_alloc(TYPE_NODE, 2, 2 * sizeof(int32_t)); }
#define LEFT(n) minivm_get_ref((n), 0)
#define RIGHT(n) minivm_get_ref((n), 1)
#define SET_LEFT(n, v) minivm_set_ref((n), 0, (v))
#define SET_RIGHT(n, v) minivm_set_ref((n), 1, (v))
static inline array_t new_array(size_t n) {
  return minivm_alloc(TYPE_ARRAY, 0, n * sizeof(double));
}
static inline double *array_elements(array_t a) { return minivm_data(a); }
static inline void free_tree(node_t t) { (void)t; }
static inline void free_array(array_t a) { (void)a; }

#else /* BENCH_BDW, BENCH_MALLOC */

struct node {
  struct node *left, *right;
  int32_t i, j;
};
typedef struct node *node_t;
typedef double *array_t;
#define ROOT1(a) ((void)0)
#define ROOT2(a, b) ((void)0)
#define UNROOT(n) ((void)0)
#define LEFT(n) ((n)->left)
#define RIGHT(n) ((n)->right)
#define SET_LEFT(n, v) ((n)->left = (v))
#define SET_RIGHT(n, v) ((n)->right = (v))

static _Noreturn void out_of_memory(void) {
  fprintf(stderr, "gcbench-%s: out of memory\n", BENCH_VARIANT);
  exit(3);
}

static inline node_t new_node(void) {
#if defined(BENCH_BDW)
  node_t n = GC_MALLOC(sizeof *n); /* cleared memory */
  if (!n) out_of_memory();
#else
  node_t n = malloc(sizeof *n);
  if (!n) out_of_memory();
  n->left = n->right = NULL;
  n->i = n->j = 0;
#endif
  return n;
}

static inline array_t new_array(size_t n) {
#if defined(BENCH_BDW)
  array_t a = GC_MALLOC_ATOMIC(n * sizeof(double)); /* holds no pointers: never scanned */
#else
  array_t a = malloc(n * sizeof(double));
#endif
  if (!a) out_of_memory();
  memset(a, 0, n * sizeof(double));
  return a;
}

static inline double *array_elements(array_t a) { return a; }

static void free_tree(node_t t) {
#if defined(BENCH_MALLOC)
  if (!t) return;
  free_tree(t->left);
  free_tree(t->right);
  free(t);
#else
  (void)t; /* the collector finds it dead */
#endif
}

static inline void free_array(array_t a) {
#if defined(BENCH_MALLOC)
  free(a);
#else
  (void)a;
#endif
}

#endif

/* ---- The benchmark --------------------------------------------------------------------- */

struct gcbench_params {
  int stretch_depth;    /* kStretchTreeDepth */
  int long_lived_depth; /* kLongLivedTreeDepth */
  int min_depth;        /* kMinTreeDepth */
  int max_depth;        /* kMaxTreeDepth */
  size_t array_size;    /* kArraySize */
  bool verbose;
};

static const struct gcbench_params gcbench_standard = {18, 16, 4, 16, 500000, false};
static const struct gcbench_params gcbench_quick = {16, 14, 4, 14, 500000, false};

/* Nodes in a complete binary tree of depth d. */
static long tree_size(int d) { return (1L << (d + 1)) - 1; }

/* Trees of depth d to build so that each depth allocates about as much. */
static long num_iters(const struct gcbench_params *p, int d) {
  return 2 * tree_size(p->stretch_depth) / tree_size(d);
}

/* Nodes reachable from t (no allocation: raw pointers stay valid). */
static long count_nodes(node_t t) {
  long n = 0;
  while (t) {
    n += 1 + count_nodes(LEFT(t));
    t = RIGHT(t);
  }
  return n;
}

/* Top-down: give `node` two new children, then fill them in, down to depth 0. */
static void populate(int depth, node_t node) {
  if (depth <= 0) return;
  depth--;
  ROOT1(node);
  node_t child = new_node();
  SET_LEFT(node, child);
  child = new_node();
  SET_RIGHT(node, child);
  populate(depth, LEFT(node));
  populate(depth, RIGHT(node));
  UNROOT(1);
}

/* Bottom-up: build both subtrees, then their parent. */
static node_t make_tree(int depth) {
  if (depth <= 0) return new_node();
  node_t left = NULL, right = NULL;
  ROOT2(left, right);
  left = make_tree(depth - 1);
  right = make_tree(depth - 1);
  node_t result = new_node();
  SET_LEFT(result, left);
  SET_RIGHT(result, right);
  UNROOT(2);
  return result;
}

/* Build and drop num_iters(depth) trees each way; the number of wrong trees. */
static long time_construction(const struct gcbench_params *p, int depth) {
  long iters = num_iters(p, depth), wrong = 0, want = tree_size(depth);
  node_t temp = NULL;
  ROOT1(temp);
  double t0 = bench_now();
  for (long i = 0; i < iters; i++) {
    temp = new_node();
    populate(depth, temp);
    if (count_nodes(temp) != want) wrong++;
    free_tree(temp);
    temp = NULL;
  }
  double t1 = bench_now();
  for (long i = 0; i < iters; i++) {
    temp = make_tree(depth);
    if (count_nodes(temp) != want) wrong++;
    free_tree(temp);
    temp = NULL;
  }
  double t2 = bench_now();
  UNROOT(1);
  if (p->verbose)
    printf("  %ld trees of depth %d: top-down %.1f ms, bottom-up %.1f ms\n", iters, depth,
           (t1 - t0) * 1e3, (t2 - t1) * 1e3);
  return wrong;
}

/* The whole benchmark on the calling thread (attached, with libmmtk); the number of wrong
 * answers. */
static long gcbench_run(const struct gcbench_params *p) {
  long wrong = 0;
  node_t temp = NULL, long_lived = NULL;
  array_t array = NULL;
  ROOT2(temp, long_lived);
  ROOT1(array);

  /* 1. Stretch the heap. */
  temp = make_tree(p->stretch_depth);
  if (count_nodes(temp) != tree_size(p->stretch_depth)) wrong++;
  free_tree(temp);
  temp = NULL;

  /* 2. The long-lived structures. */
  long_lived = new_node();
  populate(p->long_lived_depth, long_lived);
  array = new_array(p->array_size);
  double *a = array_elements(array); /* no allocation until the loop ends */
  for (size_t i = 1; i < p->array_size / 2; i++) a[i] = 1.0 / (double)i;

  /* 3. The short-lived trees. */
  for (int d = p->min_depth; d <= p->max_depth; d += 2) wrong += time_construction(p, d);

  /* 4. The long-lived structures survived every collection. */
  if (count_nodes(long_lived) != tree_size(p->long_lived_depth)) wrong++;
  size_t probe = p->array_size / 2 > 1000 ? 1000 : p->array_size / 2 - 1;
  if (array_elements(array)[probe] != 1.0 / (double)probe) wrong++;
  free_tree(long_lived);
  free_array(array);
  UNROOT(3);
  return wrong;
}

/* The options shared with mt-gcbench: gcbench_option() takes argv[*i] (and its value) when
 * it is one of them and returns true; gcbench_usage() describes them. */
static void gcbench_usage(const char *program, const char *extra) {
  fprintf(stderr,
          "usage: %s-%s [-q] [-v] [-s STRETCH] [-l LONG_LIVED] [-d MAX_DEPTH]%s\n"
          "  -q  quick: -s 16 -l 14 -d 14 (default -s 18 -l 16 -d 16)\n"
          "  -v  print the time of every depth\n",
          program, BENCH_VARIANT, extra);
}

static bool gcbench_option(const char *program, int argc, char **argv, int *i,
                           struct gcbench_params *p) {
  const char *a = argv[*i];
  bool has_value = *i + 1 < argc;
  if (!strcmp(a, "-q")) {
    bool verbose = p->verbose;
    *p = gcbench_quick;
    p->verbose = verbose;
  } else if (!strcmp(a, "-v")) {
    p->verbose = true;
  } else if (!strcmp(a, "-s") && has_value) {
    p->stretch_depth = (int)bench_arg(program, argv[++*i], 1, 26);
  } else if (!strcmp(a, "-l") && has_value) {
    p->long_lived_depth = (int)bench_arg(program, argv[++*i], 1, 26);
  } else if (!strcmp(a, "-d") && has_value) {
    p->max_depth = (int)bench_arg(program, argv[++*i], 1, 26);
  } else {
    return false;
  }
  return true;
}

#ifndef GCBENCH_NO_MAIN

int main(int argc, char **argv) {
  struct gcbench_params p = gcbench_standard;
  for (int i = 1; i < argc; i++) {
    if (!gcbench_option("gcbench", argc, argv, &i, &p)) {
      bool help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      gcbench_usage("gcbench", "");
      return help ? 0 : 2;
    }
  }
  if (p.max_depth > p.stretch_depth) p.max_depth = p.stretch_depth;

  bench_start("gcbench", "plan=MarkSweep gc_trigger=FixedHeapSize:64M");
  if (p.verbose)
    printf("gcbench-%s: stretch depth %d, long-lived tree depth %d and %zu doubles, "
           "trees of depth %d..%d\n",
           BENCH_VARIANT, p.stretch_depth, p.long_lived_depth, p.array_size, p.min_depth,
           p.max_depth);
  double t0 = bench_now();
  long wrong = gcbench_run(&p);
  double seconds = bench_now() - t0;

  char kase[32];
  snprintf(kase, sizeof kase, "d%d", p.max_depth);
  char what[96];
  snprintf(what, sizeof what, "stretch %d, long-lived %d, trees %d..%d", p.stretch_depth,
           p.long_lived_depth, p.min_depth, p.max_depth);
  bench_report("gcbench", kase, seconds, what, wrong == 0);
  bench_stop();
  if (wrong) {
    fprintf(stderr, "gcbench-%s: WRONG ANSWER: %ld trees or structures had the wrong shape\n",
            BENCH_VARIANT, wrong);
    return 1;
  }
  return 0;
}

#endif /* GCBENCH_NO_MAIN */
