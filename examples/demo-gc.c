/* mmtk-demo's collecting workload: a small binding and a binary-trees churn.
 *
 * Used when MMTK_PLAN names a collecting plan.  One mutator thread builds a long-lived
 * tree, then allocates many short-lived trees (far more bytes than the heap holds) and
 * checks every tree's node count; libmmtk's GC workers collect as the heap fills.
 *
 * The binding: every object is a node {size, left, right, value}; the roots are a small
 * shadow stack of slots; stop-the-world is trivial because the only mutator is the
 * thread that asks for the GC — it waits in block_for_gc until resume_mutators. */
#include <mmtk.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "demo-gc.h"

struct node {
  uint64_t size;
  struct node *left, *right;
  uint64_t value;
};

static mmtk_t *heap;
static mmtk_mutator_t *mutator;
static struct node *roots[64];
static size_t nroots;

static pthread_mutex_t gc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gc_cond = PTHREAD_COND_INITIALIZER;
static uint64_t gcs_done;
static bool mutator_blocked;

static size_t node_size(void *ctx, mmtk_object_t o) {
  (void)ctx;
  return ((struct node *)o)->size;
}

static void scan_node(void *ctx, void *tls, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  (void)ctx, (void)tls;
  struct node *n = o;
  mmtk_visit_slot(v, &n->left);
  mmtk_visit_slot(v, &n->right);
}

static void scan_roots(void *ctx, void *tls, mmtk_mutator_t *m, mmtk_roots_factory_t *f) {
  (void)ctx, (void)tls, (void)m;
  mmtk_slot_t slots[64];
  for (size_t i = 0; i < nroots; i++) slots[i] = &roots[i];
  mmtk_roots_add_slots(f, slots, nroots);
}

static void stop_all(void *ctx, void *tls, mmtk_mutator_visitor_fn visit, void *arg) {
  (void)ctx, (void)tls;
  pthread_mutex_lock(&gc_lock);
  while (!mutator_blocked) pthread_cond_wait(&gc_cond, &gc_lock);
  pthread_mutex_unlock(&gc_lock);
  visit(mutator, arg);
}

static void resume_all(void *ctx, void *tls) {
  (void)ctx, (void)tls;
  pthread_mutex_lock(&gc_lock);
  gcs_done++;
  pthread_cond_broadcast(&gc_cond);
  pthread_mutex_unlock(&gc_lock);
}

static void block_for_gc(void *ctx, void *tls) {
  (void)ctx, (void)tls;
  pthread_mutex_lock(&gc_lock);
  uint64_t seen = gcs_done;
  mutator_blocked = true;
  pthread_cond_broadcast(&gc_cond);
  while (gcs_done == seen) pthread_cond_wait(&gc_cond, &gc_lock);
  mutator_blocked = false;
  pthread_mutex_unlock(&gc_lock);
}

static int out_of_memory_calls;
static void out_of_memory(void *ctx, void *tls, int kind) {
  (void)ctx, (void)tls, (void)kind;
  out_of_memory_calls++;
}

static struct node *new_node(struct node *left, struct node *right, uint64_t value) {
  /* left and right must survive a GC inside the allocation: keep them in root slots. */
  size_t base = nroots;
  roots[nroots++] = left;
  roots[nroots++] = right;
  struct node *n = mmtk_alloc_fast(mutator, sizeof *n, 8, 0, MMTK_ALLOC_DEFAULT);
  if (!n) {
    fprintf(stderr, "mmtk-demo: out of memory: %s\n", mmtk_last_error());
    exit(1);
  }
  n->size = sizeof *n;
  n->left = roots[base];
  n->right = roots[base + 1];
  n->value = value;
  mmtk_post_alloc_fast(mutator, n, sizeof *n, MMTK_ALLOC_DEFAULT);
  nroots = base;
  return n;
}

static struct node *make_tree(unsigned depth) {
  if (depth == 0) return new_node(NULL, NULL, 1);
  size_t base = nroots;
  roots[nroots++] = make_tree(depth - 1);
  roots[nroots++] = make_tree(depth - 1);
  struct node *n = new_node(roots[base], roots[base + 1], depth);
  nroots = base;
  return n;
}

static uint64_t check_tree(const struct node *n) {
  if (!n->left) return n->value == 1 ? 1 : 0;
  return 1 + check_tree(n->left) + check_tree(n->right);
}

int gc_demo_run(const char *plan) {
  mmtk_builder_t *b = mmtk_builder_new();
  if (!b) return 1;
  /* A heap much smaller than what the demo allocates, unless the environment says. */
  if (!getenv("MMTK_GC_TRIGGER") && !mmtk_process(b, "gc_trigger", "FixedHeapSize:64M")) return 1;
  mmtk_vm_binding_t vm;
  memset(&vm, 0, sizeof vm);
  vm.size = sizeof vm;
  vm.version = MMTK_VM_BINDING_VERSION;
  vm.get_current_size = node_size;
  vm.scan_object = scan_node;
  vm.scan_roots_in_mutator_thread = scan_roots;
  vm.stop_all_mutators = stop_all;
  vm.resume_mutators = resume_all;
  vm.block_for_gc = block_for_gc;
  vm.out_of_memory = out_of_memory;
  heap = mmtk_init(b, &vm, NULL);
  mmtk_builder_free(b);
  if (!heap) {
    fprintf(stderr, "mmtk-demo: %s\n", mmtk_last_error());
    return 1;
  }
  mmtk_initialize_collection(heap, NULL);
  mutator = mmtk_bind_mutator(heap, NULL);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const unsigned max_depth = 16, long_lived_depth = 16;
  roots[nroots++] = make_tree(long_lived_depth);
  uint64_t nodes = 0, bad = 0;
  for (unsigned depth = 4; depth <= max_depth; depth += 2) {
    uint64_t iterations = (uint64_t)1 << (max_depth - depth + 4);
    for (uint64_t i = 0; i < iterations; i++) {
      struct node *t = make_tree(depth);
      uint64_t n = check_tree(t);
      if (n != ((uint64_t)2 << depth) - 1) bad++;
      nodes += n;
    }
  }
  if (check_tree(roots[0]) != ((uint64_t)2 << long_lived_depth) - 1) bad++;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

  mmtk_stats_t st = {.size = sizeof st};
  mmtk_get_stats(heap, &st);
  double mib = (double)(nodes * sizeof(struct node)) / (1 << 20);
  printf("mmtk-demo: %s, binary trees: %" PRIu64 " nodes (%.0f MiB) in %.2f s, %.1f M nodes/s; "
         "%" PRIu64 " GCs, %.1f ms in GC, longest pause %.2f ms, heap %" PRIu64 " MiB; %s\n",
         plan, nodes, mib, secs, (double)nodes / secs / 1e6, st.gc_count,
         (double)st.gc_time_ns / 1e6, (double)st.max_pause_ns / 1e6, st.heap_bytes >> 20,
         bad ? "WRONG node counts" : "all trees verified");
  mmtk_destroy_mutator(mutator);
  mmtk_shutdown(heap);
  return bad || out_of_memory_calls ? 1 : 0;
}
