/* binarytrees: the Computer Language Benchmarks Game's binary-trees, one source built
 * three ways.
 *
 *   bench/binarytrees-mmtk    libmmtk through examples/minivm (the plan from MMTK_PLAN)
 *   bench/binarytrees-bdw     the Boehm-Demers-Weiser collector (GC_MALLOC)
 *   bench/binarytrees-malloc  malloc, every tree freed explicitly once it is checked
 *
 *   binarytrees-VARIANT [-q] [DEPTH]
 *
 * With N = max(DEPTH, 6) (DEPTH is 18 by default, 16 with -q) and trees of nodes
 * {left, right} built bottom-up:
 *   1. a "stretch" tree of depth N + 1 is built, checked and dropped;
 *   2. a long-lived tree of depth N is built and kept to the end;
 *   3. for d = 4, 6, ..., N: 2^(N - d + 4) trees of depth d are built, checked, dropped;
 *   4. the long-lived tree is checked.
 * The check of a tree is its number of nodes, 2^(d+1) - 1; each line printed is compared
 * with that closed form, and a mismatch is a wrong answer (exit status 1).  The program
 * is single-threaded here (the Benchmarks Game's versions spread step 3 over threads;
 * see mt-gcbench for a multi-threaded workload).  Exit status 2 on a usage error, 3 when
 * the heap is exhausted (libmmtk).
 */
#define _POSIX_C_SOURCE 200809L

#include "bench-util.h"

#include <string.h>

#define MIN_DEPTH 4

/* ---- The object model of each variant (see gcbench.c) -------------------------------- */

#if defined(BENCH_MMTK)

enum { TYPE_NODE = 1 };
typedef minivm_obj_t node_t;
#define ROOT2(a, b) MINIVM_PUSH2(a, b)
#define UNROOT(n) MINIVM_POP(n)
static inline node_t new_node(void) { return minivm_alloc(TYPE_NODE, 2, 0); }
#define LEFT(n) minivm_get_ref((n), 0)
#define RIGHT(n) minivm_get_ref((n), 1)
#define SET_LEFT(n, v) minivm_set_ref((n), 0, (v))
#define SET_RIGHT(n, v) minivm_set_ref((n), 1, (v))
static inline void free_tree(node_t t) { (void)t; }

#else /* BENCH_BDW, BENCH_MALLOC */

struct node {
  struct node *left, *right;
};
typedef struct node *node_t;
#define ROOT2(a, b) ((void)0)
#define UNROOT(n) ((void)0)
#define LEFT(n) ((n)->left)
#define RIGHT(n) ((n)->right)
#define SET_LEFT(n, v) ((n)->left = (v))
#define SET_RIGHT(n, v) ((n)->right = (v))

static inline node_t new_node(void) {
#if defined(BENCH_BDW)
  node_t n = GC_MALLOC(sizeof *n); /* cleared memory */
#else
  node_t n = malloc(sizeof *n);
  if (n) n->left = n->right = NULL;
#endif
  if (!n) {
    fprintf(stderr, "binarytrees-%s: out of memory\n", BENCH_VARIANT);
    exit(3);
  }
  return n;
}

static void free_tree(node_t t) {
#if defined(BENCH_MALLOC)
  if (t->left) {
    free_tree(t->left);
    free_tree(t->right);
  }
  free(t);
#else
  (void)t; /* the collector finds it dead */
#endif
}

#endif

/* ---- The benchmark --------------------------------------------------------------------- */

static node_t bottom_up_tree(int depth) {
  if (depth <= 0) return new_node();
  node_t left = NULL, right = NULL;
  ROOT2(left, right);
  left = bottom_up_tree(depth - 1);
  right = bottom_up_tree(depth - 1);
  node_t node = new_node();
  SET_LEFT(node, left);
  SET_RIGHT(node, right);
  UNROOT(2);
  return node;
}

/* The number of nodes (no allocation: raw pointers stay valid). */
static long item_check(node_t t) {
  if (!LEFT(t)) return 1;
  return 1 + item_check(LEFT(t)) + item_check(RIGHT(t));
}

static long nodes_in(int depth) { return (1L << (depth + 1)) - 1; }

int main(int argc, char **argv) {
  int n = 18;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-q")) {
      n = 16;
    } else if (argv[i][0] >= '0' && argv[i][0] <= '9') {
      n = (int)bench_arg("binarytrees", argv[i], 0, 30);
    } else {
      bool help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
      fprintf(stderr, "usage: binarytrees-%s [-q] [DEPTH]\n"
                      "  DEPTH  the largest tree depth (default 18; -q: 16)\n",
              BENCH_VARIANT);
      return help ? 0 : 2;
    }
  }
  int max_depth = n < MIN_DEPTH + 2 ? MIN_DEPTH + 2 : n, stretch_depth = max_depth + 1;
  long wrong = 0;

  bench_start("binarytrees", "plan=MarkSweep gc_trigger=FixedHeapSize:64M");
  double t0 = bench_now();
  node_t tree = NULL, long_lived = NULL;
  ROOT2(tree, long_lived);

  tree = bottom_up_tree(stretch_depth);
  long check = item_check(tree);
  free_tree(tree);
  tree = NULL;
  printf("stretch tree of depth %d\t check: %ld\n", stretch_depth, check);
  if (check != nodes_in(stretch_depth)) wrong++;

  long_lived = bottom_up_tree(max_depth);

  for (int d = MIN_DEPTH; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + MIN_DEPTH);
    check = 0;
    for (long i = 0; i < iterations; i++) {
      tree = bottom_up_tree(d);
      check += item_check(tree);
      free_tree(tree);
      tree = NULL;
    }
    printf("%ld\t trees of depth %d\t check: %ld\n", iterations, d, check);
    if (check != iterations * nodes_in(d)) wrong++;
  }

  check = item_check(long_lived);
  printf("long lived tree of depth %d\t check: %ld\n", max_depth, check);
  if (check != nodes_in(max_depth)) wrong++;
  free_tree(long_lived);
  long_lived = NULL;
  UNROOT(2);
  double seconds = bench_now() - t0;

  char kase[16], what[64];
  snprintf(kase, sizeof kase, "d%d", max_depth);
  snprintf(what, sizeof what, "trees up to depth %d", max_depth);
  bench_report("binarytrees", kase, seconds, what, wrong == 0);
  bench_stop();
  if (wrong) {
    fprintf(stderr, "binarytrees-%s: WRONG ANSWER: %ld check(s) differ from 2^(d+1)-1\n",
            BENCH_VARIANT, wrong);
    return 1;
  }
  return 0;
}
