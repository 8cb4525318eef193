/* Collection basics for each collecting plan, through a minimal single-mutator binding:
 * a linked list survives many GCs intact, garbage is reclaimed (the heap is far smaller
 * than what is allocated), live bytes are honest, weak references are cleared exactly
 * when their referent dies, finalizers run once, binding packets run in stage order.
 * The full multi-threaded suites run on the test VM (tests/vm/). */
#define _GNU_SOURCE /* sched_getcpu, pthread_getaffinity_np */
#include <glib.h>
#include <mmtk.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "capture.h"

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
/* The sanity test: once `reveal` is set, scanning hidden_src also reports refs[1]. */
static obj *hidden_src;
static volatile bool reveal;

static void scan(void *c, void *t, mmtk_object_t o, mmtk_slot_visitor_t *v) {
  (void)c, (void)t;
  obj *x = o;
  if (reveal && x == hidden_src) mmtk_visit_slot(v, &x->refs[1]);
  /* The top bit of nrefs may be the binding's in-header mark bit (header_mark_bit). */
  uint64_t n = x->nrefs & (UINT64_MAX >> 1);
  for (uint64_t i = 0; i < n; i++) mmtk_visit_slot(v, &x->refs[i]);
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

/* >= 0: the binding keeps the mark bit in the header at this bit offset. */
static int header_mark_bit = -1;
/* Non-NULL: setup() registers this region with mmtk_set_vm_space() before collection. */
static void *vm_space_start;
static size_t vm_space_size;

/* Objects reported as pinning roots by scan_vm_specific_roots (NULL entries skipped). */
static mmtk_object_t pinned_roots[4];
static void scan_vm(void *c, void *t, mmtk_roots_factory_t *f) {
  (void)c, (void)t;
  mmtk_roots_add_pinning(f, pinned_roots, 4);
}

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
  vm.scan_vm_specific_roots = scan_vm;
  vm.stop_all_mutators = stop;
  vm.resume_mutators = resume;
  vm.block_for_gc = block;
  vm.out_of_memory = oom;
  vm.get_referent = get_ref;
  vm.set_referent = set_ref;
  vm.clear_referent = clear_ref;
  if (header_mark_bit >= 0) {
    vm.local_mark_bit.location = MMTK_METADATA_IN_HEADER;
    vm.local_mark_bit.bit_offset = header_mark_bit;
  }
  M = mmtk_init(b, &vm, NULL);
  mmtk_builder_free(b);
  g_assert_nonnull(M);
  if (vm_space_start) g_assert_true(mmtk_set_vm_space(M, vm_space_start, vm_space_size));
  g_assert_true(mmtk_initialize_collection(M, NULL));
  MU = mmtk_bind_mutator(M, NULL);
  g_assert_nonnull(MU);
  nroots = 0;
  memset(pinned_roots, 0, sizeof pinned_roots);
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

static obj *alloc_aligned(uint64_t nrefs, uint64_t data, size_t align, size_t offset) {
  size_t sz = sizeof(obj) + nrefs * 8;
  obj *o = mmtk_alloc_fast(MU, sz, align, offset, MMTK_ALLOC_DEFAULT);
  g_assert_nonnull(o);
  g_assert_cmpuint(((uintptr_t)o + offset) % align, ==, 0);
  g_assert_cmpuint(o->nrefs, ==, 0); /* zero-filled, mark bit included */
  g_assert_cmpuint(o->size, ==, 0);
  o->nrefs = nrefs;
  o->size = sz;
  o->data = data;
  mmtk_post_alloc_fast(MU, o, sz, MMTK_ALLOC_DEFAULT);
  return o;
}

/* MarkSweep with the mark bit in the object header (bit 63 of nrefs): the marks really
 * are in the header (every survivor carries its GC's mark, which flips each GC; never with
 * --enable-side-metadata), and objects placed off their cell's start by alignments and
 * offsets are found by the sweep: survivors intact, garbage reclaimed. */
static void test_header_mark(void) {
  static const size_t shapes[][2] = {{8, 0}, {16, 0}, {16, 8}, {32, 0}, {64, 8}, {128, 0}, {32, 24}};
  header_mark_bit = 63;
  setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M threads=2");
  header_mark_bit = -1;
  static obj *head;
  head = NULL;
  roots[0] = &head;
  nroots = 1;
  uint64_t kept = 0;
  for (int round = 0; round < 120; round++) {
    for (int i = 0; i < 3000; i++) {
      const size_t *s = shapes[(i + round) % G_N_ELEMENTS(shapes)];
      alloc_aligned((uint64_t)(i % 3), 0xdead, s[0], s[1]); /* garbage */
    }
    for (int i = 0; i < 40; i++) {
      const size_t *s = shapes[(i * 3 + round) % G_N_ELEMENTS(shapes)];
      obj *o = alloc_aligned(1, kept++, s[0], s[1]);
      o->refs[0] = head;
      head = o;
    }
    if (round % 40 == 39) {
      g_assert_true(mmtk_handle_user_collection_request(MU));
      /* The marks really are in the header: every survivor carries this GC's mark (the
       * mark alternates between 1 and 0 from one GC to the next: it is never cleared),
       * and the two GCs in a row flip it.  None with --enable-side-metadata. */
      uint64_t mark = head->nrefs >> 63;
      for (obj *o = head; o; o = o->refs[0]) g_assert_cmpuint(o->nrefs >> 63, ==, mark);
      g_assert_true(mmtk_handle_user_collection_request(MU));
      for (obj *o = head; o; o = o->refs[0])
        g_assert_cmpuint(o->nrefs >> 63, ==, MMTK_HAVE_SIDE_METADATA ? 0 : mark ^ 1);
    }
  }
  g_assert_cmpuint(gcs, >=, 6); /* far more garbage than heap */
  g_assert_cmpint(oom_calls, ==, 0);
  uint64_t n = 0;
  for (obj *o = head; o; o = o->refs[0], n++) {
    g_assert_cmpuint(o->data, ==, kept - 1 - n);
    g_assert_cmpuint(o->nrefs & (UINT64_MAX >> 1), ==, 1);
  }
  g_assert_cmpuint(n, ==, kept);
  teardown();
}

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

/* defrag_gc_count counts Immix's defragmenting GCs: no other plan has one, even with
 * every Immix option asking for it (those options are for the Immix plans only).
 * Heap-full GCs and user requests with full_heap_system_gc, which would be defrag GCs on
 * Immix; the counter is read over a stats block filled with garbage first. */
static void test_defrag_count(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts,
             "plan=%s gc_trigger=FixedHeapSize:8M threads=2 immix_always_defrag=true "
             "immix_defrag_every_block=true immix_defrag_headroom_percent=50 "
             "full_heap_system_gc=true",
             plan_of(data));
  setup(opts);
  static obj *head;
  head = NULL;
  roots[nroots++] = &head;
  for (uint64_t i = 0; i < 2000; i++) {
    obj *o = alloc(1, 1, i);
    o->refs[0] = head;
    head = o;
  }
  for (int k = 0; k < 300000; k++) alloc(4, 0, (uint64_t)k); /* heap-full GCs */
  for (int i = 0; i < 3; i++) g_assert_true(mmtk_handle_user_collection_request(MU));
  mmtk_stats_t st;
  memset(&st, 0xa5, sizeof st);
  st.size = sizeof st;
  g_assert_true(mmtk_get_stats(M, &st));
  g_assert_cmpuint(st.size, ==, sizeof st);
  g_assert_cmpuint(st.gc_count, >=, 4);
  g_assert_cmpuint(st.gc_count, ==, gcs);
  g_assert_cmpuint(st.defrag_gc_count, ==, 0);
  uint64_t n = 0;
  for (obj *p = head; p; p = p->refs[0], n++) g_assert_cmpuint(p->data, ==, 1999 - n);
  g_assert_cmpuint(n, ==, 2000);
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

/* The inline write barrier: these plans need none, so the head says so and the inline
 * path stores; the stored edge is then traced like any other. */
static void test_write_fast(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s gc_trigger=FixedHeapSize:8M threads=2", plan_of(data));
  setup(opts);
  g_assert_cmpuint(((mmtk_mutator_head_t *)(void *)MU)->flags & MMTK_MUTATOR_WRITE_BARRIER, ==, 0);
  static obj *holder;
  roots[0] = (obj **)&holder;
  nroots = 1;
  holder = alloc(2, 2, 1);
  obj *a = alloc(0, 0, 77), *b = alloc(0, 0, 88);
  mmtk_object_reference_write_fast(MU, holder, &holder->refs[0], a);
  mmtk_object_reference_write(MU, holder, &holder->refs[1], b);
  g_assert_true(holder->refs[0] == a);
  g_assert_true(holder->refs[1] == b);
  for (int i = 0; i < 800000; i++) alloc(1, 1, 0); /* several heaps' worth of garbage */
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_cmpuint(gcs, >=, 2);
  g_assert_cmpuint(holder->refs[0]->data, ==, 77);
  g_assert_cmpuint(holder->refs[1]->data, ==, 88);
  mmtk_object_reference_write_fast(MU, holder, &holder->refs[0], NULL);
  g_assert_null(holder->refs[0]);
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

/* A list of `n` objects, the only root: every GC of the harness tests traces it. */
static obj *list_head;
static void make_rooted_list(int n) {
  list_head = NULL;
  roots[0] = &list_head;
  nroots = 1;
  for (int i = 0; i < n; i++) {
    obj *o = alloc(1, 1, (uint64_t)i);
    o->refs[0] = list_head;
    list_head = o;
  }
}

/* mmtk_harness_begin/_end: the table counts the GCs of the window, and has a column for
 * each stage that ran (in a child, whose standard output is looked at).  With
 * --enable-perf-counter, a software event counts in the mutator and in the GCs, the
 * workers' threads included (they start after mmtk_init, so the counter reaches them). */
static void test_harness(gconstpointer data) {
  if (g_test_subprocess()) {
    char opts[256];
    g_snprintf(opts, sizeof opts, "plan=%s threads=2%s", plan_of(data),
               MMTK_HAVE_PERF_COUNTER ? " phase_perf_events=PERF_COUNT_SW_TASK_CLOCK" : "");
    setup(opts);
    make_rooted_list(20000);
    g_assert_true(mmtk_handle_user_collection_request(MU)); /* before the window */
#if MMTK_HAVE_PERF_COUNTER
    tu_capture_t cap = tu_stdout_begin();
#endif
    mmtk_harness_begin(MU);
    for (int i = 0; i < 3; i++) g_assert_true(mmtk_handle_user_collection_request(MU));
    mmtk_harness_end(M);
#if MMTK_HAVE_PERF_COUNTER
    char *table = tu_stdout_end(&cap);
    if (tu_perf_sw_countable()) {
      g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.mu"), >, 0);
      g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.gc"), >, 0);
    } else { /* refused by the system: left out (test-features checks the warning) */
      g_assert_cmpint(tu_table_value(table, "PERF_COUNT_SW_TASK_CLOCK.mu"), ==, -1);
    }
    fputs(table, stdout); /* for the parent's checks below */
    g_free(table);
#endif
    teardown();
    return;
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed();
  g_test_trap_assert_stdout("*Statistics Totals*");
  g_test_trap_assert_stdout("*GC\ttime.mu\ttime.gc\ttime.total\tbytes.alloc\tbytes.used\tplan\t*");
  g_test_trap_assert_stdout("*\ttime.stage.prepare\t*time.stage.closure\t*time.stage.release*");
  g_test_trap_assert_stdout_unmatched("*time.stage.compact*"); /* no plan here compacts */
  char *row = g_strdup_printf("*\n3\t*\t%s\t*", plan_of(data));
  g_test_trap_assert_stdout(row);
  g_free(row);
  g_test_trap_assert_stdout("*End libmmtk Statistics*");
  /* The packets' table is there with --enable-work-packet-stats only. */
  if (MMTK_HAVE_WORK_PACKET_STATS) g_test_trap_assert_stdout("*\nkind\tcount\ttime.total.ms*");
  else g_test_trap_assert_stdout_unmatched("*Work packets*");
}

#if MMTK_HAVE_WORK_PACKET_STATS
/* The row of `kind` in the packets' table of mmtk_harness_end: its count, or -1 if it has
 * none; its total and mean times. */
static long long packet_row(const char *table, const char *kind, double *total_ms,
                            double *mean_us) {
  long long count = -1;
  char **lines = g_strsplit(table, "\n", -1);
  bool in = false;
  for (guint i = 0; lines[i]; i++) {
    if (g_str_has_prefix(lines[i], "kind\tcount\ttime.total.ms\ttime.mean.us")) in = true;
    if (!in) continue;
    char **f = g_strsplit(lines[i], "\t", -1);
    if (g_strv_length(f) == 4 && !strcmp(f[0], kind)) {
      count = g_ascii_strtoll(f[1], NULL, 10);
      *total_ms = g_ascii_strtod(f[2], NULL);
      *mean_us = g_ascii_strtod(f[3], NULL);
    }
    g_strfreev(f);
  }
  g_strfreev(lines);
  return count;
}

/* --enable-work-packet-stats: the harness table has a row for each kind of packet run in
 * the window, with its count summed over both workers: one ScheduleCollection and one
 * root scan of the one mutator per GC, the two binding packets, closure packets. */
static void test_packet_stats(gconstpointer data) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s threads=2", plan_of(data));
  setup(opts);
  make_rooted_list(20000);
  g_assert_true(mmtk_handle_user_collection_request(MU)); /* outside the window */
  tu_capture_t cap = tu_stdout_begin();
  mmtk_harness_begin(MU);
  nstage_log = 0;
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_CLOSURE, note_stage, NULL));
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_RELEASE, note_stage, NULL));
  for (int i = 0; i < 3; i++) g_assert_true(mmtk_handle_user_collection_request(MU));
  mmtk_harness_end(M);
  char *table = tu_stdout_end(&cap);
  g_test_message("%s", table);
  long long gcs_in_window = tu_table_value(table, "GC");
  g_assert_cmpint(gcs_in_window, ==, 3);
  double total, mean;
  g_assert_cmpint(packet_row(table, "schedule_collection", &total, &mean), ==, gcs_in_window);
  g_assert_cmpfloat(total, >, 0);
  g_assert_cmpint(packet_row(table, "scan_mutator_roots", &total, &mean), ==, gcs_in_window);
  g_assert_cmpint(packet_row(table, "binding", &total, &mean), ==, 2);
  g_assert_cmpint(nstage_log, ==, 2);
  long long slots = packet_row(table, "closure.slots", &total, &mean);
  g_assert_cmpint(slots, >=, gcs_in_window);
  /* mean = total / count */
  g_assert_cmpfloat(mean * (double)slots / 1e3, <=, total + 0.001 + total * 0.01);
  g_assert_cmpfloat(mean * (double)slots / 1e3, >=, total - 0.001 - total * 0.01);
  g_assert_cmpint(packet_row(table, "no_such_kind", &total, &mean), ==, -1);
  g_free(table);
  teardown();
}
#endif

/* Pinning roots: on MarkSweep the objects (and what they reach) stay alive and in place
 * through GCs that reuse all the garbage around them. */
static void test_pinning_roots(void) {
  setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M threads=2");
  obj *p = alloc(1, 1, 4242), *child = alloc(0, 0, 99);
  p->refs[0] = child;
  pinned_roots[1] = p; /* the only reference to p */
  uintptr_t was = (uintptr_t)p;
  for (int i = 0; i < 800000; i++) alloc(1, 1, 0xbad); /* garbage: cells get reused */
  g_assert_cmpuint(gcs, >=, 2);
  g_assert_cmpuint((uintptr_t)pinned_roots[1], ==, was);
  g_assert_cmpuint(p->data, ==, 4242);
  g_assert_true(p->refs[0] == child);
  g_assert_cmpuint(child->data, ==, 99);
  teardown();
}

/* Immix can pin: with every GC evacuating every block it can, a pinning root's object
 * stays where it is (its block is no defrag source in that GC), and what it references
 * may move, its field updated. */
static void test_pinning_roots_immix(void) {
  setup("plan=Immix gc_trigger=FixedHeapSize:8M threads=2 immix_always_defrag=true "
        "immix_defrag_every_block=true immix_defrag_headroom_percent=20");
  obj *p = alloc(1, 1, 4242), *child = alloc(0, 0, 99);
  p->refs[0] = child;
  pinned_roots[1] = p; /* the only reference to p */
  uintptr_t was = (uintptr_t)p;
  /* Garbage: lines get reused.  Many GCs: the roots are scanned beside Prepare, which
   * chooses the defrag sources, in either order (a race the first version lost now and
   * then). */
  for (int i = 0; i < 4000000; i++) alloc(1, 1, 0xbad);
  g_assert_cmpuint(gcs, >=, 10);
  g_assert_cmpuint((uintptr_t)pinned_roots[1], ==, was);
  g_assert_cmpuint(p->data, ==, 4242);
  g_assert_cmpuint(((obj *)p->refs[0])->data, ==, 99);
  pinned_roots[1] = NULL;
  teardown();
}

/* SemiSpace cannot pin in its copy spaces: a pinning root there is fatal, with a message
 * that names the space (mmtk_roots_add_pinning(3)). */
static void test_pinning_roots_copy(void) {
  if (g_test_subprocess()) {
    setup("plan=SemiSpace gc_trigger=FixedHeapSize:8M threads=1");
    pinned_roots[0] = alloc(0, 0, 1);
    mmtk_handle_user_collection_request(MU);
    return; /* not reached */
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*pinning root*SemiSpace moves objects*");
}

#if MMTK_HAVE_SANITY
static void reveal_now(mmtk_t *mmtk, void *tls, void *data) {
  (void)mmtk, (void)tls, (void)data;
  reveal = true;
}

/* The sanity verifier: a reference the GC did not see (scan_object reports it only from
 * the Release stage on, so only the verifier's re-trace finds it) is a violation, and
 * the abort names the object, the space and the slot. */
static void test_sanity_violation(void) {
  if (g_test_subprocess()) {
    setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M threads=1");
    static obj *root;
    roots[0] = &root;
    nroots = 1;
    root = alloc(2, 1, 1);
    hidden_src = root;
    root->refs[1] = alloc(0, 0, 2); /* reachable only through the hidden field */
    g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_RELEASE, reveal_now, NULL));
    mmtk_handle_user_collection_request(MU);
    return; /* not reached: the verifier aborts */
  }
  g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*sanity: object 0x*is reachable but not marked*space marksweep*slot 0x*");
}
#endif

/* thread_affinity: packets record the CPU set of the worker that runs them. */
static cpu_set_t packet_sets[64];
static int npacket_sets;
static void note_affinity(mmtk_t *mmtk, void *tls, void *data) {
  (void)mmtk, (void)tls, (void)data;
  cpu_set_t set;
  g_assert_cmpint(pthread_getaffinity_np(pthread_self(), sizeof set, &set), ==, 0);
  pthread_mutex_lock(&lk);
  if (npacket_sets < 64) packet_sets[npacket_sets++] = set;
  pthread_mutex_unlock(&lk);
}

static void check_affinity(const char *plan, const char *form, int cpu) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s threads=3 thread_affinity=%s%d", plan, form, cpu);
  setup(opts);
  npacket_sets = 0;
  for (int i = 0; i < 12; i++)
    g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_PREPARE, note_affinity, NULL));
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_cmpint(npacket_sets, ==, 12);
  for (int i = 0; i < npacket_sets; i++) {
    g_assert_cmpint(CPU_COUNT(&packet_sets[i]), ==, 1);
    g_assert_true(CPU_ISSET(cpu, &packet_sets[i]));
  }
  teardown();
}

static void test_affinity(gconstpointer data) {
  /* The last CPU this process may use: pinning to it must stick. */
  cpu_set_t mine;
  g_assert_cmpint(sched_getaffinity(0, sizeof mine, &mine), ==, 0);
  int cpu = -1;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &mine)) cpu = c;
  g_assert_cmpint(cpu, >=, 0);
  check_affinity(plan_of(data), "AllInSet:", cpu);
  check_affinity(plan_of(data), "RoundRobin:", cpu);
  check_affinity(plan_of(data), "", cpu);
}

/* thread_affinity=Spread, the default: two packets that wait for each other (so each
 * worker runs one) find their workers pinned to two different CPUs of the process's set,
 * or, where the process may use one CPU only, not pinned at all.  OsDefault pins
 * nothing. */
#if !MMTK_HAVE_SINGLE_WORKER
static pthread_cond_t met_cond = PTHREAD_COND_INITIALIZER;
static int met;
static void meet_and_note(mmtk_t *mmtk, void *tls, void *data) {
  note_affinity(mmtk, tls, data);
  pthread_mutex_lock(&lk);
  met++;
  pthread_cond_broadcast(&met_cond);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 30;
  while (met < 2)
    if (pthread_cond_timedwait(&met_cond, &lk, &until) != 0) break;
  pthread_mutex_unlock(&lk);
}

static void check_spread(const char *plan, const char *affinity, bool pins) {
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s threads=2%s%s", plan, affinity ? " thread_affinity=" : "",
             affinity ? affinity : "");
  setup(opts);
  npacket_sets = 0;
  met = 0;
  for (int i = 0; i < 2; i++)
    g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_PREPARE, meet_and_note, NULL));
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_cmpint(met, ==, 2); /* both packets ran, on two workers at once */
  g_assert_cmpint(npacket_sets, ==, 2);
  cpu_set_t mine;
  g_assert_cmpint(sched_getaffinity(0, sizeof mine, &mine), ==, 0);
  if (pins && CPU_COUNT(&mine) >= 2) {
    for (int i = 0; i < 2; i++) {
      g_assert_cmpint(CPU_COUNT(&packet_sets[i]), ==, 1);
      cpu_set_t in;
      CPU_AND(&in, &packet_sets[i], &mine);
      g_assert_cmpint(CPU_COUNT(&in), ==, 1);
    }
    g_assert_false(CPU_EQUAL(&packet_sets[0], &packet_sets[1]));
  } else {
    for (int i = 0; i < 2; i++) g_assert_true(CPU_EQUAL(&packet_sets[i], &mine));
  }
  teardown();
}
#endif

static void test_affinity_spread(gconstpointer data) {
#if MMTK_HAVE_SINGLE_WORKER
  /* One worker: nothing to spread, and Spread leaves it unpinned. */
  char opts[256];
  g_snprintf(opts, sizeof opts, "plan=%s threads=2", plan_of(data));
  setup(opts);
  npacket_sets = 0;
  g_assert_true(mmtk_add_work_packet(M, MMTK_STAGE_PREPARE, note_affinity, NULL));
  g_assert_true(mmtk_handle_user_collection_request(MU));
  g_assert_cmpint(npacket_sets, ==, 1);
  cpu_set_t mine;
  g_assert_cmpint(sched_getaffinity(0, sizeof mine, &mine), ==, 0);
  g_assert_true(CPU_EQUAL(&packet_sets[0], &mine));
  teardown();
#else
  check_spread(plan_of(data), NULL, true);
  check_spread(plan_of(data), "Spread", true);
  check_spread(plan_of(data), "OsDefault", false);
#endif
}

/* The VmFlags of the mapping holding `p`, from /proc/self/smaps (a copy to g_free). */
static char *vm_flags_of(const void *p) {
  FILE *f = fopen("/proc/self/smaps", "r");
  g_assert_nonnull(f);
  char line[512];
  bool inside = false;
  char *flags = NULL;
  while (!flags && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
      inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
    else if (inside && !strncmp(line, "VmFlags:", 8))
      flags = g_strdup(line + 8);
  }
  fclose(f);
  g_assert_nonnull(flags);
  return flags;
}

/* transparent_hugepages: the heap's mappings are advised MADV_HUGEPAGE ("hg" in
 * VmFlags) when the kernel has THP, and not otherwise. */
static void test_hugepages(void) {
  bool thp = g_file_test("/sys/kernel/mm/transparent_hugepage/enabled", G_FILE_TEST_EXISTS);
  for (int on = 0; on < 2; on++) {
    mmtk_builder_t *b = mmtk_builder_new();
    g_assert_true(mmtk_process_bulk(b, "plan=NoGC gc_trigger=FixedHeapSize:64M"));
    g_assert_true(mmtk_process(b, "transparent_hugepages", on ? "true" : "false"));
    mmtk_vm_binding_t vm;
    memset(&vm, 0, sizeof vm);
    vm.size = sizeof vm;
    vm.version = MMTK_VM_BINDING_VERSION;
    mmtk_t *mmtk = mmtk_init(b, &vm, NULL);
    mmtk_builder_free(b);
    g_assert_nonnull(mmtk);
    mmtk_mutator_t *m = mmtk_bind_mutator(mmtk, NULL);
    void *o = mmtk_alloc(m, 64, 8, 0, MMTK_ALLOC_DEFAULT);
    g_assert_nonnull(o);
    char *flags = vm_flags_of(o);
    g_test_message("transparent_hugepages=%d: VmFlags:%s", on, flags);
    gchar **words = g_strsplit_set(g_strstrip(flags), " ", -1);
    g_assert_cmpint(g_strv_contains((const gchar *const *)words, "hg"), ==, on && thp);
    g_strfreev(words);
    g_free(flags);
    mmtk_destroy_mutator(m);
    mmtk_shutdown(mmtk);
  }
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

/* ---- MarkSweep's inline free-list path -------------------------------------------- */

/* mmtk_alloc_fast pops the cell that the head's free_lists names, zeroed even when the
 * cell is reused after a sweep; other plans, and precise stress, leave free_lists NULL. */
static void test_inline_free_list(void) {
  setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M threads=2 eager_complete_sweep=true");
  mmtk_mutator_head_t *h = (mmtk_mutator_head_t *)(void *)MU;
  g_assert_nonnull(h->free_lists);
  uint64_t popped = 0;
  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 20000; i++) {
      size_t size = 8 * (size_t)(1 + i % MMTK_INLINE_FREE_LIST_CLASSES);
      uintptr_t expect = h->free_lists[2 * ((size - 1) >> 3)];
      uint64_t *o = mmtk_alloc_fast(MU, size, 8, 0, MMTK_ALLOC_DEFAULT);
      g_assert_nonnull(o);
      if (expect) {
        g_assert_cmpuint((uintptr_t)o, ==, expect); /* the inline pop */
        popped++;
      }
      for (size_t w = 0; w < size / 8; w++) g_assert_cmpuint(o[w], ==, 0);
      memset(o, 0xff, size); /* garbage that a reuse must not show */
      if (size >= 24) {      /* a valid object for the binding: size word, no references */
        o[0] = 0;
        o[1] = size;
      }
    }
    g_assert_true(mmtk_handle_user_collection_request(MU));
  }
  g_assert_cmpuint(popped, >, 100000);
  g_assert_cmpint(oom_calls, ==, 0);
  teardown();

  setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M stress_factor=64K precise_stress=true");
  g_assert_null(((mmtk_mutator_head_t *)(void *)MU)->free_lists);
  teardown();
  setup("plan=SemiSpace gc_trigger=FixedHeapSize:8M");
  g_assert_null(((mmtk_mutator_head_t *)(void *)MU)->free_lists);
  teardown();
}

/* A fresh block's cells come in address order, as from a bump pointer, and its free
 * list is linked a page at a time (design.policy.marksweep.carve); the cells a GC finds
 * never carved are free afterwards, with marks on the side and in the header (where
 * the sweep trusts the block's free list to tell free cells from objects). */
static void test_fresh_block_carve(void) {
  for (int header = 0; header < 2; header++) {
    header_mark_bit = header ? 63 : -1;
    setup("plan=MarkSweep gc_trigger=FixedHeapSize:8M eager_complete_sweep=true");
    header_mark_bit = -1;
    mmtk_mutator_head_t *h = (mmtk_mutator_head_t *)(void *)MU;
    g_assert_nonnull(h->free_lists);
    /* Header marks flip at each GC: after this one, the next GC's mark is the bit value
     * of never-written memory, which must not make a never-carved cell look live. */
    g_assert_true(mmtk_handle_user_collection_request(MU));
    enum { SIZE = 40, CLS = (SIZE - 1) / 8, N = 2000 }; /* 1636 cells per 64 KiB block */
    static uintptr_t at[N];
    size_t steps = 0;
    for (int i = 0; i < N; i++) {
      obj *o = mmtk_alloc_fast(MU, SIZE, 8, 0, MMTK_ALLOC_DEFAULT);
      g_assert_nonnull(o);
      o->nrefs = 0;
      o->size = SIZE;
      mmtk_post_alloc(MU, o, SIZE, MMTK_ALLOC_DEFAULT);
      at[i] = (uintptr_t)o;
      if (i && at[i] == at[i - 1] + SIZE) steps++;
      /* The cells in hand lie within a page of the next one. */
      uintptr_t first = h->free_lists[2 * CLS], last = first;
      for (uintptr_t c = first; c; c = *(uintptr_t *)c) {
        g_assert_cmpuint(c, >, at[i]);
        last = c;
      }
      g_assert_cmpuint(last - first, <, 4096);
    }
    /* Every step is to the next cell but the one to a second block (batches of cells
     * follow each other). */
    g_assert_cmpuint(steps, ==, N - 2);
    /* Keep one object of the second block, partly carved, and collect. */
    static obj *keep;
    keep = (obj *)at[N - 10];
    roots[0] = &keep;
    nroots = 1;
    g_assert_true(mmtk_handle_user_collection_request(MU));
    uintptr_t block = (uintptr_t)keep & ~(uintptr_t)0xffff;
    /* That block is the only one of the class with free cells (the first one was all
     * dead, so released): every other cell of it comes next, the never carved ones too. */
    size_t ncells = (65536 - 64) / SIZE, same = 0;
    for (size_t i = 0; i + 1 < ncells; i++) {
      obj *o = mmtk_alloc_fast(MU, SIZE, 8, 0, MMTK_ALLOC_DEFAULT);
      g_assert_nonnull(o);
      o->nrefs = 0;
      o->size = SIZE;
      mmtk_post_alloc(MU, o, SIZE, MMTK_ALLOC_DEFAULT);
      g_assert_true(o != keep);
      if (((uintptr_t)o & ~(uintptr_t)0xffff) == block) same++;
    }
    g_assert_cmpuint(same, ==, ncells - 1);
    g_assert_cmpuint(keep->size, ==, SIZE);
    g_assert_cmpint(oom_calls, ==, 0);
    nroots = 0;
    teardown();
  }
}

/* ---- The VM space -------------------------------------------------------------------- */

#define IMAGE_BYTES ((size_t)1 << 20)
#define IMAGE_OBJECTS 1000

/* A boot image: IMAGE_OBJECTS objects of 2 refs made by the "VM" in memory it mapped;
 * refs[0] of each holds a heap object (data = its index) that nothing else holds, refs[1]
 * the next image object.  The chain is reached from one root. */
static obj *image_object(void *image, size_t i) {
  return (obj *)((char *)image + i * (sizeof(obj) + 16));
}

static void *image_map(void) {
  void *image = mmap(NULL, IMAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true(image != MAP_FAILED);
  return image;
}

/* Traced through, never moved or freed: heap objects held only by reached image objects
 * survive every GC (and the image's slots follow them when they move); an image object
 * nothing reaches is not scanned; heap objects may refer to image objects. */
static void test_vm_space(gconstpointer data) {
  const char *plan = plan_of(data);
  bool by_option = strcmp(plan, "SemiSpace") == 0; /* the other plan calls the function */
  void *image = image_map();
  char *options = by_option
      ? g_strdup_printf("plan=%s gc_trigger=FixedHeapSize:8M threads=2 vm_space_start=%p "
                        "vm_space_size=%zu", plan, image, IMAGE_BYTES)
      : g_strdup_printf("plan=%s gc_trigger=FixedHeapSize:8M threads=2", plan);
  if (!by_option) {
    vm_space_start = image;
    vm_space_size = IMAGE_BYTES;
  }
  setup(options);
  vm_space_start = NULL;
  g_free(options);
  g_assert_true(mmtk_is_in_mmtk_spaces(M, image));
  g_assert_true(mmtk_is_in_mmtk_spaces(M, (char *)image + IMAGE_BYTES - 1));
  g_assert_false(mmtk_is_in_mmtk_spaces(M, (char *)image + IMAGE_BYTES));
  /* The one VM space is taken, and collection is initialized anyway. */
  g_assert_false(mmtk_set_vm_space(M, image, IMAGE_BYTES));
  g_assert_nonnull(strstr(mmtk_last_error(), "before mmtk_initialize_collection"));

  for (size_t i = 0; i < IMAGE_OBJECTS; i++) {
    obj *v = image_object(image, i);
    v->nrefs = 2;
    v->size = sizeof(obj) + 16;
    v->data = 1000000 + i;
    v->refs[1] = i + 1 < IMAGE_OBJECTS ? image_object(image, i + 1) : NULL;
  }
  for (size_t i = 0; i < IMAGE_OBJECTS; i++) image_object(image, i)->refs[0] = alloc(0, 0, i);
  /* An island: an image object past the chain, holding a heap object nobody else does. */
  obj *island = image_object(image, IMAGE_OBJECTS);
  island->nrefs = 2;
  island->size = sizeof(obj) + 16;
  obj *orphan = alloc(0, 0, 4242);
  island->refs[0] = orphan;
  /* The roots: the chain's head, and a heap object that refers into the image. */
  static obj *head, *holder;
  head = image_object(image, 0);
  holder = alloc(1, 1, 77);
  holder->refs[0] = image_object(image, IMAGE_OBJECTS / 2);
  roots[0] = &head;
  roots[1] = &holder;
  nroots = 2;

  /* mmtk_is_live_object(3): every image object is live until the first GC... */
  g_assert_true(mmtk_is_live_object(M, island));
  g_assert_true(mmtk_is_live_object(M, orphan));
  obj *first = image_object(image, 0)->refs[0];
  bool moved = false;
  for (int round = 0; round < 40; round++) {
    for (int i = 0; i < 40000; i++) alloc(2, 0, 0xdead); /* garbage: GCs */
    if (round % 10 == 9) g_assert_true(mmtk_handle_user_collection_request(MU));
    size_t n = 0;
    for (obj *v = head; v; v = v->refs[1], n++) {
      g_assert_true(v == image_object(image, n)); /* never moved */
      g_assert_cmpuint(v->data, ==, 1000000 + n);
      g_assert_true(mmtk_is_live_object(M, v));
      obj *h = v->refs[0];
      g_assert_false(mmtk_is_in_mmtk_spaces(M, h) && (uintptr_t)h - (uintptr_t)image < IMAGE_BYTES);
      g_assert_true(mmtk_is_in_mmtk_spaces(M, h));
      g_assert_cmpuint(h->data, ==, n);
      g_assert_cmpuint(h->size, ==, sizeof(obj));
    }
    g_assert_cmpuint(n, ==, IMAGE_OBJECTS);
    g_assert_true(holder->refs[0] == image_object(image, IMAGE_OBJECTS / 2));
    g_assert_cmpuint(holder->data, ==, 77);
    if (image_object(image, 0)->refs[0] != first) moved = true;
  }
  g_assert_cmpuint(gcs, >=, 8);
  g_assert_cmpint(oom_calls, ==, 0);
  /* A copying plan moved the image's heap objects and updated the image's slots. */
  g_assert_true(moved == (strcmp(plan, "SemiSpace") == 0));
  /* The island was never scanned: its slot still holds the address it was given. */
  g_assert_true(island->refs[0] == orphan);
  /* ...and from then on as the last GC's marks say: the island was never reached. */
  g_assert_false(mmtk_is_live_object(M, island));
  g_assert_true(mmtk_is_live_object(M, holder->refs[0]));
  /* Live bytes count the image objects reached. */
  g_assert_cmpuint(mmtk_live_bytes_in_last_gc(M), >=,
                   IMAGE_OBJECTS * (2 * sizeof(obj) + 16));
  teardown();
  g_assert_cmpint(munmap(image, IMAGE_BYTES), ==, 0);
}

/* Registration, its errors, and the queries, with NoGC (no collector callbacks). */
static void test_vm_space_nogc(void) {
  mmtk_vm_binding_t vm;
  memset(&vm, 0, sizeof vm);
  vm.size = sizeof vm;
  vm.version = MMTK_VM_BINDING_VERSION;
  mmtk_builder_t *b = mmtk_builder_new();
  g_assert_true(mmtk_process_bulk(b, "plan=NoGC gc_trigger=FixedHeapSize:16M"));
  mmtk_t *mmtk = mmtk_init(b, &vm, NULL);
  g_assert_nonnull(mmtk);
  void *image = image_map();
  static const struct { uintptr_t off; size_t size; const char *why; } bad[] = {
      {0, 0, "non-empty run of whole pages"},
      {8, 4096, "non-empty run of whole pages"},
      {0, 4097, "non-empty run of whole pages"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_false(mmtk_set_vm_space(mmtk, (char *)image + bad[i].off, bad[i].size));
    g_assert_nonnull(strstr(mmtk_last_error(), bad[i].why));
  }
  g_assert_false(mmtk_set_vm_space(mmtk, NULL, 4096));
  g_assert_nonnull(strstr(mmtk_last_error(), "not within the user address space"));
  g_assert_false(mmtk_set_vm_space(mmtk, (void *)(uintptr_t)0x7ffffffff000, 8192));
  g_assert_nonnull(strstr(mmtk_last_error(), "not within the user address space"));
  void *heap = mmtk_starting_heap_address(mmtk);
  g_assert_false(mmtk_set_vm_space(mmtk, (char *)heap - 4096, 8192));
  g_assert_nonnull(strstr(mmtk_last_error(), "overlaps the heap range"));
  g_assert_false(mmtk_set_vm_space(NULL, image, IMAGE_BYTES));
  g_assert_false(mmtk_is_in_mmtk_spaces(mmtk, image)); /* nothing was registered */

  g_assert_true(mmtk_set_vm_space(mmtk, image, IMAGE_BYTES));
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, (char *)image + 123));
  g_assert_true(mmtk_is_live_object(mmtk, (char *)image + 64));
  g_assert_true(mmtk_is_pinned(mmtk, (char *)image + 64));
  g_assert_false(mmtk_is_mapped_address(mmtk, image)); /* not the heap's mapping */
  g_assert_null(mmtk_is_mmtk_object(mmtk, (char *)image + 64)); /* no VO bits there */
  g_assert_false(mmtk_set_vm_space(mmtk, (char *)image + IMAGE_BYTES, 4096));
  g_assert_nonnull(strstr(mmtk_last_error(), "already set"));
  mmtk_shutdown(mmtk);

  /* The options do it at mmtk_init, which fails on a bad region. */
  char *opt = g_strdup_printf("%p", (char *)image + 8);
  g_assert_true(mmtk_process(b, "vm_space_start", opt) == false); /* not page aligned */
  g_free(opt);
  opt = g_strdup_printf("%p", heap);
  g_assert_true(mmtk_process(b, "vm_space_start", opt));
  g_free(opt);
  g_assert_null(mmtk_init(b, &vm, NULL));
  g_assert_nonnull(strstr(mmtk_last_error(), "overlaps the heap range"));
  opt = g_strdup_printf("%p", image);
  g_assert_true(mmtk_process(b, "vm_space_start", opt));
  g_assert_true(mmtk_process(b, "vm_space_size", "1M"));
  g_free(opt);
  mmtk = mmtk_init(b, &vm, NULL);
  g_assert_nonnull(mmtk);
  g_assert_true(mmtk_is_in_mmtk_spaces(mmtk, (char *)image + IMAGE_BYTES - 8));
  mmtk_shutdown(mmtk);
  mmtk_builder_free(b);
  g_assert_cmpint(munmap(image, IMAGE_BYTES), ==, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  static const char *const plans[] = {"SemiSpace", "MarkSweep"};
  for (size_t i = 0; i < 2; i++) {
    char path[128];
    g_snprintf(path, sizeof path, "/%s/collect/list-survives", plans[i]);
    g_test_add_data_func(path, plans[i], test_list_survives);
    g_snprintf(path, sizeof path, "/%s/collect/defrag-count", plans[i]);
    g_test_add_data_func(path, plans[i], test_defrag_count);
    g_snprintf(path, sizeof path, "/%s/collect/weak-and-finalizers", plans[i]);
    g_test_add_data_func(path, plans[i], test_weak_and_finalizers);
    g_snprintf(path, sizeof path, "/%s/collect/work-packets", plans[i]);
    g_test_add_data_func(path, plans[i], test_work_packets);
    g_snprintf(path, sizeof path, "/%s/collect/exhaustion", plans[i]);
    g_test_add_data_func(path, plans[i], test_exhaustion);
    g_snprintf(path, sizeof path, "/%s/collect/write-barrier-fast", plans[i]);
    g_test_add_data_func(path, plans[i], test_write_fast);
    g_snprintf(path, sizeof path, "/%s/collect/harness", plans[i]);
    g_test_add_data_func(path, plans[i], test_harness);
#if MMTK_HAVE_WORK_PACKET_STATS
    g_snprintf(path, sizeof path, "/%s/collect/work-packet-stats", plans[i]);
    g_test_add_data_func(path, plans[i], test_packet_stats);
#endif
    g_snprintf(path, sizeof path, "/%s/collect/thread-affinity", plans[i]);
    g_test_add_data_func(path, plans[i], test_affinity);
    g_snprintf(path, sizeof path, "/%s/collect/thread-affinity-spread", plans[i]);
    g_test_add_data_func(path, plans[i], test_affinity_spread);
    g_snprintf(path, sizeof path, "/%s/collect/vm-space", plans[i]);
    g_test_add_data_func(path, plans[i], test_vm_space);
  }
  g_test_add_func("/NoGC/collect/transparent-hugepages", test_hugepages);
  g_test_add_func("/NoGC/collect/vm-space-queries", test_vm_space_nogc);
  g_test_add_func("/MarkSweep/collect/header-mark-aligned", test_header_mark);
  g_test_add_func("/MarkSweep/collect/pinning-roots", test_pinning_roots);
  g_test_add_func("/Immix/collect/pinning-roots", test_pinning_roots_immix);
  g_test_add_func("/MarkSweep/collect/inline-free-list", test_inline_free_list);
  g_test_add_func("/MarkSweep/collect/fresh-block-carve", test_fresh_block_carve);
#if MMTK_HAVE_SANITY
  g_test_add_func("/MarkSweep/collect/sanity-violation", test_sanity_violation);
#endif
  g_test_add_func("/SemiSpace/collect/pinning-roots-refused", test_pinning_roots_copy);
  return g_test_run();
}
