/* Collection basics for each collecting plan, through a minimal single-mutator binding:
 * a linked list survives many GCs intact, garbage is reclaimed (the heap is far smaller
 * than what is allocated), live bytes are honest, weak references are cleared exactly
 * when their referent dies, finalizers run once, binding packets run in stage order.
 * The full multi-threaded suites run on the test VM (tests/vm/). */
#include <glib.h>
#include <mmtk.h>
#include <pthread.h>
#include <string.h>

typedef struct obj {
  uint64_t nrefs, size, data;
  struct obj *refs[];
} obj;

static mmtk_t *M;
static mmtk_mutator_t *MU;
static obj **roots[16];
static size_t nroots;
static pthread_mutex_t lk = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static unsigned long gcs;
static int in_block, oom_calls;
static int stage_log[32], nstage_log;

static size_t cur_size(void *c, mmtk_object_t o) { (void)c; return ((obj *)o)->size; }
static void scan(void *c, void *t, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  (void)c, (void)t;
  obj *x = o;
  for (uint64_t i = 0; i < x->nrefs; i++) mmtk_visit_slot(v, &x->refs[i]);
}
static void scan_mut(void *c, void *t, mmtk_mutator_t *m, mmtk_roots_factory_t *f) {
  (void)c, (void)t, (void)m;
  mmtk_roots_add_slots(f, (const mmtk_slot_t *)roots, nroots);
}
static void note_stage(mmtk_t *mmtk, void *tls, void *data) {
  (void)mmtk, (void)tls;
  pthread_mutex_lock(&lk);
  if (nstage_log < 32) stage_log[nstage_log++] = (int)(intptr_t)data;
  pthread_mutex_unlock(&lk);
}
static void stop(void *c, void *t, mmtk_mutator_visitor_fn vis, void *arg) {
  (void)c, (void)t;
  pthread_mutex_lock(&lk);
  while (!in_block) pthread_cond_wait(&cv, &lk);
  pthread_mutex_unlock(&lk);
  vis(MU, arg);
}
static void resume(void *c, void *t) {
  (void)c, (void)t;
  pthread_mutex_lock(&lk);
  gcs++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&lk);
}
static void block(void *c, void *t) {
  (void)c, (void)t;
  pthread_mutex_lock(&lk);
  unsigned long g = gcs;
  in_block = 1;
  pthread_cond_broadcast(&cv);
  while (gcs == g) pthread_cond_wait(&cv, &lk);
  in_block = 0;
  pthread_mutex_unlock(&lk);
}
static void oom(void *c, void *t, int kind) { (void)c, (void)t, (void)kind; oom_calls++; }
/* Weak references: refs[0] of a 1-ref object, not reported by scan (nrefs = 0 there). */
static mmtk_object_t get_ref(void *c, mmtk_object_t r) { (void)c; return ((obj *)r)->refs[0]; }
static void set_ref(void *c, mmtk_object_t r, mmtk_object_t v) { (void)c; ((obj *)r)->refs[0] = v; }
static void clear_ref(void *c, mmtk_object_t r) { (void)c; ((obj *)r)->refs[0] = NULL; }

static void setup(const char *options) {
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_nonnull(b);
  g_assert_true(mmtk_process_bulk(b, options));
  /* The heap verifier checks every GC when the library has it. */
  g_assert_true(mmtk_process(b, "sanity", MMTK_HAVE_SANITY ? "true" : "false"));
  mmtk_vm_binding_t vm;
  memset(&vm, 0, sizeof vm);
  vm.size = sizeof vm;
  vm.version = MMTK_VM_BINDING_VERSION;
  vm.get_current_size = cur_size;
  vm.scan_object = scan;
  vm.scan_roots_in_mutator_thread = scan_mut;
  vm.stop_all_mutators = stop;
  vm.resume_mutators = resume;
  vm.block_for_gc = block;
  vm.out_of_memory = oom;
  vm.get_referent = get_ref;
  vm.set_referent = set_ref;
  vm.clear_referent = clear_ref;
  M = mmtk_init(b, &vm, NULL);
  mmtk_builder_free(b);
  g_assert_nonnull(M);
  g_assert_true(mmtk_initialize_collection(M, NULL));
  MU = mmtk_bind_mutator(M, NULL);
  g_assert_nonnull(MU);
  nroots = 0;
  oom_calls = 0;
  gcs = 0;
}

static void teardown(void) {
  mmtk_destroy_mutator(MU);
  mmtk_shutdown(M);
}

static obj *alloc(uint64_t nrefs, uint64_t scanned_refs, uint64_t data) {
  size_t sz = sizeof(obj) + nrefs * 8;
  obj *o = mmtk_alloc_fast(MU, sz, 8, 0, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  g_assert_cmpuint(o->size, ==, 0); /* zero-filled */
  o->nrefs = scanned_refs;
  o->size = sz;
  o->data = data;
  mmtk_post_alloc_fast(MU, o, sz, MMTK_ALLOC_DEFAULT);
  return o;
}

static const char *plan_of(gconstpointer data) { return data; }

static void test_list_survives(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s gc_trigger=FixedHeapSize:8M threads=2", plan_of(data));
  setup(opts);
  static obj *head, *tmp;
  head = tmp = NULL;
  roots[nroots++] = &head;
  roots[nroots++] = &tmp;
  for (uint64_t i = 0; i < 20000; i++) {
    tmp = alloc(1, 1, i);
    tmp->refs[0] = head;
    head = tmp;
    tmp = NULL;
  }
  /* 64 MiB of garbage through an 8 MiB heap. */
  for (int k = 0; k < 1000000; k++) alloc(4, 0, (uint64_t)k);
  uint64_t n = 0;
  for (obj *p = head; p; p = p->refs[0], n++) g_assert_cmpuint(p->data, ==, 19999 - n);
  g_assert_cmpuint(n, ==, 20000);
  mmtk_stats_t st = {.size = sizeof st};
  g_assert_true(mmtk_get_stats(M, &st));
  g_assert_cmpuint(st.gc_count, >=, 5);
  g_assert_cmpuint(st.gc_count, ==, gcs);
  /* 20000 live objects of 32 bytes, plus what the last GC caught in flight. */
  g_assert_cmpuint(mmtk_live_bytes_in_last_gc(M), >=, 20000 * 32);
  g_assert_cmpuint(mmtk_live_bytes_in_last_gc(M), <, 4u << 20);
  g_assert_cmpint(oom_calls, ==, 0);
  teardown();
}

static void test_weak_and_finalizers(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s gc_trigger=FixedHeapSize:8M threads=2", plan_of(data));
  setup(opts);
  static obj *live, *weak_live, *weak_dead, *fin_live;
  roots[nroots++] = &live;
  roots[nroots++] = &weak_live;
  roots[nroots++] = &weak_dead;
  roots[nroots++] = &fin_live;
  live = alloc(0, 0, 42);
  weak_live = alloc(1, 0, 1);
  weak_live->refs[0] = live;
  weak_dead = alloc(1, 0, 2);
  weak_dead->refs[0] = alloc(0, 0, 7); /* reachable only through the weak field */
  mmtk_add_weak_candidate(M, weak_live);
  mmtk_add_weak_candidate(M, weak_dead);
  fin_live = alloc(0, 0, 5);
  mmtk_add_finalizer(M, fin_live);
  mmtk_add_finalizer(M, alloc(0, 0, 6)); /* dies at once */
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_nonnull(weak_live->refs[0]);
  g_assert_true(weak_live->refs[0] == live);
  g_assert_cmpuint(live->data, ==, 42);
  g_assert_null(weak_dead->refs[0]);
  obj *f = mmtk_get_finalized_object(M);
  g_assert_nonnull(f);
  g_assert_cmpuint(f->data, ==, 6);
  g_assert_null(mmtk_get_finalized_object(M));
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_null(mmtk_get_finalized_object(M)); /* exactly once */
  mmtk_object_t left[4];
  g_assert_cmpuint(mmtk_get_finalizers_for(M, fin_live, left, 4), ==, 1);
  g_assert_true(left[0] == fin_live);
  teardown();
}

static void test_work_packets(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s threads=2", plan_of(data));
  setup(opts);
  nstage_log = 0;
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_RELEASE, note_stage, (void *)(intptr_t)3));
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_PREPARE, note_stage, (void *)(intptr_t)1));
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_CLOSURE, note_stage, (void *)(intptr_t)2));
  g_assert_false(mmtk_add_work_packet(M, MMTK_STAGE_COUNT, note_stage, NULL));
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_cmpint(nstage_log, ==, 3);
  for (int i = 0; i < 3; i++) g_assert_cmpint(stage_log[i], ==, i + 1);
  teardown();
}

static void test_exhaustion(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s gc_trigger=FixedHeapSize:4M threads=1", plan_of(data));
  setup(opts);
  static obj *keep[1];
  keep[0] = NULL; /* static: the previous plan's run left a pointer here */
  roots[nroots++] = &keep[0];
  /* A chain that cannot fit: every object stays reachable. */
  obj *fail = NULL;
  for (int i = 0; i < 1000000; i++) {
    size_t sz = sizeof(obj) + 8;
    obj *o = mmtk_alloc(MU, sz, 8, 0, MMTK_ALLOC_DEFAULT);
    if (!o) {
      fail = o;
      break;
    }
    o->nrefs = 1;
    o->size = sz;
    o->refs[0] = keep[0];
    mmtk_post_alloc(MU, o, sz, MMTK_ALLOC_DEFAULT);
    keep[0] = o;
  }
  g_assert_null(fail);
  g_assert_cmpint(oom_calls, ==, 1);
  g_assert_cmpstr(mmtk_last_error(), !=, "");
  teardown();
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  static const char *const plans[] = {"SemiSpace", "MarkSweep"};
  for (size_t i = 0; i < 2; i++) {
    char path[128];
    g_snprintf(path, sizeof path, "/%s/collect/list-survives", plans[i]);
    g_test_add_data_func(path, plans[i], test_list_survives);
    g_snprintf(path, sizeof path, "/%s/collect/weak-and-finalizers", plans[i]);
    g_test_add_data_func(path, plans[i], test_weak_and_finalizers);
    g_snprintf(path, sizeof path, "/%s/collect/work-packets", plans[i]);
    g_test_add_data_func(path, plans[i], test_work_packets);
    g_snprintf(path, sizeof path, "/%s/collect/exhaustion", plans[i]);
    g_test_add_data_func(path, plans[i], test_exhaustion);
  }
  return g_test_run();
}
