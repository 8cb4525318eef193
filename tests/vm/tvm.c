/* tvm: the test VM's object model, threads, roots and libmmtk binding (see tvm.h). */
#define _GNU_SOURCE
#include "tvm.h"

#include <glib.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum thread_state { TS_RUNNING, TS_PARKED, TS_BLOCKED, TS_NATIVE };

struct tvm_thread {
  tvm_t *vm;
  mmtk_mutator_t *mutator;
  tvm_obj_t *stack; /* the shadow stack: [0, sp) are live slots */
  size_t sp, cap;
  int state; /* enum thread_state, under vm->lock */
  uint64_t parks;
  struct tvm_thread *next, *prev; /* attach order */
};

struct tvm {
  tvm_options_t options;
  mmtk_t *mmtk;
  mmtk_vm_binding_t binding;
  bool collects, moves;

  pthread_mutex_t lock;
  pthread_cond_t parked_cond; /* a thread reached a safe state */
  pthread_cond_t resume_cond; /* the world resumed or a GC finished */
  _Atomic bool stop_requested;
  bool world_stopped;
  _Atomic uint64_t gc_count; /* written under lock */
  tvm_thread_t *head, *tail;
  size_t nthreads;

  tvm_obj_t globals[TVM_GLOBALS];
  _Atomic bool rescanning; /* the verifier is scanning the roots again */
  tvm_roots_hook_fn hook, fin_hook, stop_hook;
  void *hook_arg, *fin_hook_arg, *stop_hook_arg;
  /* This GC: threads visited, their roots scanned so far, scan-complete notified. */
  size_t gc_visited;
  _Atomic size_t gc_scanned;
  _Atomic bool gc_notified;

  GHashTable *finalized; /* data word -> count, under lock */

  _Atomic uint64_t stops, mutator_root_scans, vm_root_scans, root_rescans, thread_scan_complete,
      oom_calls, oom_heap, oom_mmap, scan_complete_early, scan_complete_missed, schedule_finalization, nfinalized, finalize_errors,
      enqueued_refs, enqueue_errors, weak_glue_errors, insane_objects, log_errors,
      log_warnings, handshake_errors;
  _Atomic uint64_t referent_gets, referent_sets, referent_clears;
  _Atomic size_t vm_live_bytes;
  _Atomic int oom_last_kind;
  void *_Atomic oom_last_tls;
};

static _Thread_local tvm_thread_t *current_thread;

#define BUMP(vm, field) atomic_fetch_add_explicit(&(vm)->field, 1, memory_order_relaxed)

/* ---- Object model ------------------------------------------------------------------ */

static inline uint64_t mix64(uint64_t x) {
  x += UINT64_C(0x9E3779B97F4A7C15);
  x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
  return x ^ (x >> 31);
}

static inline uint64_t pattern_word(uint64_t data, size_t k) {
  return mix64(data ^ ((uint64_t)k * UINT64_C(0xD6E8FEB86659FD93)));
}

void tvm_fill_pattern(tvm_obj_t o) {
  unsigned char *p = tvm_bytes(o);
  size_t n = tvm_data_bytes(o), words = n / 8;
  uint64_t d = tvm_data(o);
  for (size_t k = 0; k < words; k++) {
    uint64_t w = pattern_word(d, k);
    memcpy(p + 8 * k, &w, 8);
  }
  if (n % 8) {
    uint64_t w = pattern_word(d, words);
    memcpy(p + 8 * words, &w, n % 8);
  }
}

bool tvm_pattern_ok(tvm_obj_t o) {
  const unsigned char *p = tvm_bytes(o);
  size_t n = tvm_data_bytes(o), words = n / 8;
  uint64_t d = tvm_data(o);
  for (size_t k = 0; k < words; k++) {
    uint64_t w;
    memcpy(&w, p + 8 * k, 8);
    if (w != pattern_word(d, k)) return false;
  }
  if (n % 8) {
    uint64_t w = pattern_word(d, words);
    if (memcmp(p + 8 * words, &w, n % 8)) return false;
  }
  return true;
}

const char *tvm_header_problem(tvm_obj_t o) {
  uint64_t h = tvm_words(o)[0];
  unsigned type = (unsigned)(h & 0xff);
  if (type < TVM_TYPE_MIN || type > TVM_TYPE_MAX) return "bad type";
  if (h & TVM_SPARE_MASK) return "spare header bits set";
  size_t nrefs = tvm_nrefs(o), size = tvm_size(o);
  if (size < TVM_HEADER_BYTES + 8 * nrefs) return "size smaller than the fields";
  if (size > ((size_t)1 << 34)) return "size too large";
  unsigned flags = tvm_flags(o);
  if (type == TVM_WEAKREF && (nrefs < 1 || !(flags & TVM_FLAG_WEAK))) return "bad weakref";
  if (type != TVM_WEAKREF && (flags & TVM_FLAG_WEAK)) return "weak flag on a non-weakref";
  if ((type == TVM_FINALIZABLE) != !!(flags & TVM_FLAG_FINALIZER)) return "bad finalizer flag";
  if (type == TVM_BYTES && nrefs) return "BYTES with references";
  return NULL;
}

/* ---- Small helpers ----------------------------------------------------------------- */

static void vm_lock(tvm_t *vm) { pthread_mutex_lock(&vm->lock); }
static void vm_unlock(tvm_t *vm) { pthread_mutex_unlock(&vm->lock); }

static _Noreturn void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static _Noreturn void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "tvm: fatal: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  fflush(stderr);
  abort();
}

static void check_header_or_die(tvm_obj_t o, const char *who) {
  const char *p = tvm_header_problem(o);
  if (p)
    die("%s: object %p has a broken header (%s): %016llx %016llx %016llx", who, o, p,
        (unsigned long long)tvm_words(o)[0], (unsigned long long)tvm_words(o)[1],
        (unsigned long long)tvm_words(o)[2]);
}

/* ---- Binding: ObjectModel ---------------------------------------------------------- */

static size_t b_get_current_size(void *ctx, mmtk_object_t o) {
  (void)ctx;
  return tvm_size(o);
}

static bool b_is_object_sane(void *ctx, mmtk_object_t o) {
  tvm_t *vm = ctx;
  const char *p = tvm_header_problem(o);
  if (!p && tvm_data_bytes(o) <= (64u << 10) && !tvm_pattern_ok(o)) p = "data bytes corrupted";
  if (p) {
    BUMP(vm, insane_objects);
    fprintf(stderr, "tvm: is_object_sane: %p: %s\n", o, p);
    return false;
  }
  return true;
}

static void b_dump_object(void *ctx, mmtk_object_t o) {
  (void)ctx;
  fprintf(stderr, "tvm object %p: header %016llx size %zu data %016llx\n", o,
          (unsigned long long)tvm_words(o)[0], tvm_size(o), (unsigned long long)tvm_data(o));
}

/* ---- Binding: Scanning ------------------------------------------------------------- */

static void b_scan_object(void *ctx, void *worker_tls, mmtk_object_t o,
                          mmtk_slot_visitor_t *visitor) {
  (void)worker_tls;
  check_header_or_die(o, "scan_object");
  size_t n = tvm_nrefs(o);
  tvm_obj_t *r = tvm_refs(o);
  /* The referent of a weak reference is not a strong edge (unless the VM says so). */
  tvm_t *vm = ctx;
  size_t first = tvm_type(o) == TVM_WEAKREF && !vm->options.strong_referents ? 1 : 0;
  for (size_t i = first; i < n; i++) mmtk_visit_slot(visitor, &r[i]);
}

#define ROOT_BATCH 512

static void report_slots(mmtk_roots_factory_t *factory, tvm_obj_t *slots, size_t n) {
  mmtk_slot_t batch[ROOT_BATCH];
  for (size_t i = 0; i < n;) {
    size_t k = 0;
    for (; k < ROOT_BATCH && i < n; k++, i++) batch[k] = &slots[i];
    mmtk_roots_add_slots(factory, batch, k);
  }
}

static void b_scan_roots_in_mutator_thread(void *ctx, void *worker_tls, mmtk_mutator_t *mutator,
                                           mmtk_roots_factory_t *factory) {
  (void)worker_tls;
  tvm_t *vm = ctx;
  tvm_thread_t *th = ((mmtk_mutator_head_t *)(void *)mutator)->tls;
  if (!th || th->mutator != mutator || th->vm != vm) {
    BUMP(vm, handshake_errors);
    fprintf(stderr, "tvm: scan_roots_in_mutator_thread: unknown mutator %p\n", (void *)mutator);
    return;
  }
  if (th->state == TS_RUNNING) {
    BUMP(vm, handshake_errors);
    fprintf(stderr, "tvm: the roots of a running thread are being scanned\n");
  }
  report_slots(factory, th->stack, th->sp);
  if (!atomic_load(&vm->rescanning)) {
    BUMP(vm, mutator_root_scans);
    atomic_fetch_add(&vm->gc_scanned, 1);
  }
}

static void b_scan_vm_specific_roots(void *ctx, void *worker_tls, mmtk_roots_factory_t *factory) {
  tvm_t *vm = ctx;
  report_slots(factory, vm->globals, TVM_GLOBALS);
  if (atomic_load(&vm->rescanning)) return;
  BUMP(vm, vm_root_scans);
  if (vm->hook) vm->hook(vm, worker_tls, vm->hook_arg);
}

static void b_notify_initial_thread_scan_complete(void *ctx, bool partial, void *worker_tls) {
  (void)partial;
  (void)worker_tls;
  tvm_t *vm = ctx;
  BUMP(vm, thread_scan_complete);
  atomic_store(&vm->gc_notified, true);
  if (atomic_load(&vm->gc_scanned) < vm->gc_visited) {
    BUMP(vm, scan_complete_early);
    fprintf(stderr, "tvm: notify_initial_thread_scan_complete after %zu of %zu threads' roots\n",
            atomic_load(&vm->gc_scanned), vm->gc_visited);
  }
}

static void b_prepare_for_roots_re_scanning(void *ctx) {
  tvm_t *vm = ctx;
  atomic_store(&vm->rescanning, true);
  BUMP(vm, root_rescans);
}

/* ---- Binding: Collection (the stop-the-world handshake) ----------------------------- */

static void b_stop_all_mutators(void *ctx, void *worker_tls, mmtk_mutator_visitor_fn visit,
                                void *arg) {
  tvm_t *vm = ctx;
  BUMP(vm, stops);
  if (vm->stop_hook) vm->stop_hook(vm, worker_tls, vm->stop_hook_arg);
  vm_lock(vm);
  if (vm->world_stopped) {
    BUMP(vm, handshake_errors);
    fprintf(stderr, "tvm: stop_all_mutators while the world is already stopped\n");
  }
  atomic_store(&vm->rescanning, false);
  atomic_store(&vm->stop_requested, true);
  for (;;) {
    bool all = true;
    for (tvm_thread_t *t = vm->head; t; t = t->next)
      if (t->state == TS_RUNNING) {
        all = false;
        break;
      }
    if (all) break;
    pthread_cond_wait(&vm->parked_cond, &vm->lock);
  }
  vm->world_stopped = true;
  vm->gc_visited = vm->nthreads;
  atomic_store(&vm->gc_scanned, 0);
  atomic_store(&vm->gc_notified, false);
  for (tvm_thread_t *t = vm->head; t; t = t->next) visit(t->mutator, arg);
  vm_unlock(vm);
}

static void b_resume_mutators(void *ctx, void *worker_tls) {
  (void)worker_tls;
  tvm_t *vm = ctx;
  vm_lock(vm);
  if (!vm->world_stopped) {
    BUMP(vm, handshake_errors);
    fprintf(stderr, "tvm: resume_mutators without stop_all_mutators\n");
  }
  vm->world_stopped = false;
  if (!atomic_load(&vm->gc_notified)) {
    BUMP(vm, scan_complete_missed);
    fprintf(stderr, "tvm: a GC ended without notify_initial_thread_scan_complete\n");
  }
  atomic_fetch_add(&vm->gc_count, 1);
  atomic_store(&vm->stop_requested, false);
  pthread_cond_broadcast(&vm->resume_cond);
  vm_unlock(vm);
}

/* With the lock held: leave a safe state once no stop is pending. */
static void become_running(tvm_thread_t *th) {
  tvm_t *vm = th->vm;
  while (atomic_load(&vm->stop_requested)) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  th->state = TS_RUNNING;
}

/* With the lock held: enter a safe state. */
static void become_safe(tvm_thread_t *th, int state) {
  th->state = state;
  pthread_cond_broadcast(&th->vm->parked_cond);
}

static void b_block_for_gc(void *ctx, void *tls) {
  tvm_t *vm = ctx;
  tvm_thread_t *th = tls;
  if (!th || th->vm != vm) die("block_for_gc: tls %p is not a thread of this VM", tls);
  vm_lock(vm);
  uint64_t entry = atomic_load(&vm->gc_count);
  th->parks++;
  become_safe(th, TS_BLOCKED);
  while (atomic_load(&vm->gc_count) == entry) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  become_running(th);
  vm_unlock(vm);
}

static void b_out_of_memory(void *ctx, void *tls, int kind) {
  tvm_t *vm = ctx;
  BUMP(vm, oom_calls);
  if (kind == MMTK_OOM_HEAP) BUMP(vm, oom_heap);
  else BUMP(vm, oom_mmap);
  atomic_store(&vm->oom_last_kind, kind);
  atomic_store(&vm->oom_last_tls, tls);
}

static void b_schedule_finalization(void *ctx, void *worker_tls) {
  tvm_t *vm = ctx;
  BUMP(vm, schedule_finalization);
  /* The world runs again here: a test may be setting the hook (ThreadSanitizer). */
  vm_lock(vm);
  tvm_roots_hook_fn fn = vm->fin_hook;
  void *arg = vm->fin_hook_arg;
  vm_unlock(vm);
  if (fn) fn(vm, worker_tls, arg);
}

/* ---- Binding: ReferenceGlue -------------------------------------------------------- */

static bool weak_glue_ok(tvm_t *vm, mmtk_object_t r, const char *who) {
  if (tvm_header_problem(r) || tvm_type(r) != TVM_WEAKREF) {
    BUMP(vm, weak_glue_errors);
    fprintf(stderr, "tvm: %s on %p, which is not a weak reference\n", who, r);
    return false;
  }
  return true;
}

static mmtk_object_t b_get_referent(void *ctx, mmtk_object_t r) {
  /* The counters are the GC's calls; the verifier reads referents too (sanity builds). */
  if (!atomic_load(&((tvm_t *)ctx)->rescanning)) BUMP((tvm_t *)ctx, referent_gets);
  if (!weak_glue_ok(ctx, r, "get_referent")) return NULL;
  return tvm_ref(r, 0);
}

static void b_set_referent(void *ctx, mmtk_object_t r, mmtk_object_t referent) {
  BUMP((tvm_t *)ctx, referent_sets);
  if (weak_glue_ok(ctx, r, "set_referent")) tvm_refs(r)[0] = referent;
}

static void b_clear_referent(void *ctx, mmtk_object_t r) {
  BUMP((tvm_t *)ctx, referent_clears);
  if (weak_glue_ok(ctx, r, "clear_referent")) tvm_refs(r)[0] = NULL;
}

static void b_enqueue_references(void *ctx, const mmtk_object_t *refs, size_t count, void *tls) {
  (void)tls;
  tvm_t *vm = ctx;
  for (size_t i = 0; i < count; i++)
    if (tvm_header_problem(refs[i]) || tvm_type(refs[i]) != TVM_WEAKREF || tvm_ref(refs[i], 0)) {
      BUMP(vm, enqueue_errors);
      fprintf(stderr, "tvm: enqueue_references: %p is not a cleared weak reference\n", refs[i]);
    }
  atomic_fetch_add(&vm->enqueued_refs, count);
}

static size_t b_vm_live_bytes(void *ctx) {
  return atomic_load(&((tvm_t *)ctx)->vm_live_bytes);
}

/* ---- Binding: diagnostics ---------------------------------------------------------- */

static void b_log(void *ctx, int level, const char *message) {
  tvm_t *vm = ctx;
  static const char *const names[] = {"error", "warn", "info", "debug"};
  if (level == MMTK_LOG_ERROR) BUMP(vm, log_errors);
  if (level == MMTK_LOG_WARN) BUMP(vm, log_warnings);
  fprintf(stderr, "[mmtk %s] %s\n", level >= 0 && level <= 3 ? names[level] : "?", message);
}

/* ---- Instances --------------------------------------------------------------------- */

static mmtk_metadata_spec_t in_header(int32_t bit) {
  mmtk_metadata_spec_t s;
  memset(&s, 0, sizeof s);
  s.location = MMTK_METADATA_IN_HEADER;
  s.bit_offset = bit;
  return s;
}

static void process(mmtk_builder_t *b, const char *name, const char *value) {
  if (!mmtk_process(b, name, value))
    die("mmtk_process(%s=%s) failed: %s", name, value, mmtk_last_error());
}

static void vm_free(tvm_t *vm) {
  g_hash_table_destroy(vm->finalized);
  pthread_cond_destroy(&vm->parked_cond);
  pthread_cond_destroy(&vm->resume_cond);
  pthread_mutex_destroy(&vm->lock);
  free(vm);
}

tvm_t *tvm_new(const tvm_options_t *o) {
  tvm_t *vm = tvm_try_new(o);
  if (!vm) die("mmtk_init or mmtk_initialize_collection failed: %s", mmtk_last_error());
  return vm;
}

tvm_t *tvm_try_new(const tvm_options_t *o) {
  tvm_t *vm = calloc(1, sizeof *vm);
  if (!vm) die("out of memory");
  vm->options = *o;
  const char *plan = o->plan ? o->plan : "NoGC";
  vm->collects = strcmp(plan, "NoGC") != 0;
  vm->moves = strcmp(plan, "SemiSpace") == 0 || strcmp(plan, "GenCopy") == 0;
  pthread_mutex_init(&vm->lock, NULL);
  pthread_cond_init(&vm->parked_cond, NULL);
  pthread_cond_init(&vm->resume_cond, NULL);
  vm->finalized = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

  mmtk_vm_binding_t *b = &vm->binding;
  b->size = sizeof *b;
  b->version = MMTK_VM_BINDING_VERSION;
  b->flags = MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS;
  if (o->header_metadata) {
    b->local_forwarding_bits = in_header(TVM_HDR_FORWARDING_BITS);
    b->local_mark_bit = in_header(TVM_HDR_MARK_BIT);
    b->local_los_mark_nursery = in_header(TVM_HDR_LOS_BITS);
    b->global_log_bit = in_header(TVM_HDR_LOG_BIT);
    b->local_pinning_bit = in_header(TVM_HDR_PINNING_BIT);
    b->local_forwarding_pointer = in_header(TVM_HDR_FORWARDING_POINTER);
  }
  b->get_current_size = b_get_current_size;
  b->is_object_sane = b_is_object_sane;
  b->dump_object = b_dump_object;
  b->scan_object = b_scan_object;
  b->scan_roots_in_mutator_thread = b_scan_roots_in_mutator_thread;
  b->scan_vm_specific_roots = b_scan_vm_specific_roots;
  b->notify_initial_thread_scan_complete = b_notify_initial_thread_scan_complete;
  b->prepare_for_roots_re_scanning = b_prepare_for_roots_re_scanning;
  b->stop_all_mutators = b_stop_all_mutators;
  b->resume_mutators = b_resume_mutators;
  b->block_for_gc = b_block_for_gc;
  b->out_of_memory = b_out_of_memory;
  b->schedule_finalization = b_schedule_finalization;
  b->get_referent = b_get_referent;
  b->set_referent = b_set_referent;
  b->clear_referent = b_clear_referent;
  b->enqueue_references = b_enqueue_references;
  b->log = b_log;
  if (o->vm_live_bytes) b->vm_live_bytes = b_vm_live_bytes;

  if (o->customize) o->customize(vm, b, o->customize_arg);

  mmtk_builder_t *builder = mmtk_builder_new();
  if (!builder) {
    vm_free(vm);
    return NULL;
  }
  process(builder, "plan", plan);
  char threads[16];
  snprintf(threads, sizeof threads, "%u", o->workers ? o->workers : 1);
  process(builder, "threads", threads);
  process(builder, "gc_trigger", o->heap ? o->heap : "FixedHeapSize:64M");
  if (o->stress_factor) process(builder, "stress_factor", o->stress_factor);
  /* Generational plans: tvm_gc() collects the whole heap, as on the other plans (the
   * suites expect every unreachable object gone after it); a test that wants nursery
   * GCs from tvm_gc() says full_heap_system_gc=false in `extra`, processed later. */
  if (!strncmp(plan, "Gen", 3) || !strcmp(plan, "StickyImmix"))
    process(builder, "full_heap_system_gc", "true");
#if MMTK_HAVE_SANITY
  if (o->sanity) process(builder, "sanity", "true");
#endif
  if (o->extra && !mmtk_process_bulk(builder, o->extra))
    die("mmtk_process_bulk(%s) failed: %s", o->extra, mmtk_last_error());
  vm->mmtk = mmtk_init(builder, b, vm);
  mmtk_builder_free(builder);
  if (!vm->mmtk) {
    vm_free(vm);
    return NULL;
  }
  if (!o->defer_collection && !mmtk_initialize_collection(vm->mmtk, o->init_tls)) {
    mmtk_shutdown(vm->mmtk); /* keeps the thread's last error */
    vm_free(vm);
    return NULL;
  }
  return vm;
}

void tvm_destroy(tvm_t *vm) {
  if (!vm) return;
  if (vm->nthreads) die("tvm_destroy: %zu thread(s) still attached", vm->nthreads);
  mmtk_shutdown(vm->mmtk);
  vm_free(vm);
}

mmtk_t *tvm_mmtk(tvm_t *vm) { return vm->mmtk; }
const tvm_options_t *tvm_options(tvm_t *vm) { return &vm->options; }
bool tvm_collects(tvm_t *vm) { return vm->collects; }
bool tvm_moves(tvm_t *vm) { return vm->moves; }
const mmtk_vm_binding_t *tvm_binding(tvm_t *vm) { return &vm->binding; }

/* ---- Threads ----------------------------------------------------------------------- */

tvm_thread_t *tvm_attach(tvm_t *vm) {
  tvm_thread_t *th = tvm_try_attach(vm);
  if (!th) die("mmtk_bind_mutator failed: %s", mmtk_last_error());
  return th;
}

tvm_thread_t *tvm_try_attach(tvm_t *vm) {
  if (current_thread) die("tvm_attach: this thread is already attached");
  tvm_thread_t *th = calloc(1, sizeof *th);
  if (!th) die("out of memory");
  th->vm = vm;
  th->cap = 256;
  th->stack = calloc(th->cap, sizeof *th->stack);
  if (!th->stack) die("out of memory");
  vm_lock(vm);
  /* Not in the list yet: a GC under way neither waits for nor scans this thread. */
  while (atomic_load(&vm->stop_requested)) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  th->mutator = mmtk_bind_mutator(vm->mmtk, th);
  if (!th->mutator) {
    vm_unlock(vm);
    free(th->stack);
    free(th);
    return NULL;
  }
  th->state = TS_RUNNING;
  th->prev = vm->tail;
  if (vm->tail) vm->tail->next = th;
  else vm->head = th;
  vm->tail = th;
  vm->nthreads++;
  vm_unlock(vm);
  current_thread = th;
  return th;
}

void tvm_detach(tvm_thread_t *th) {
  tvm_t *vm = th->vm;
  if (current_thread != th) die("tvm_detach: not the calling thread's tvm_thread_t");
  vm_lock(vm);
  /* Parked while a GC is under way: it counts this thread and scans its roots. */
  become_safe(th, TS_PARKED);
  become_running(th);
  mmtk_destroy_mutator(th->mutator);
  if (th->prev) th->prev->next = th->next;
  else vm->head = th->next;
  if (th->next) th->next->prev = th->prev;
  else vm->tail = th->prev;
  vm->nthreads--;
  vm_unlock(vm);
  current_thread = NULL;
  free(th->stack);
  free(th);
}

tvm_t *tvm_vm(tvm_thread_t *th) { return th->vm; }
mmtk_mutator_t *tvm_mutator(tvm_thread_t *th) { return th->mutator; }
tvm_thread_t *tvm_current(void) { return current_thread; }
uint64_t tvm_thread_parks(tvm_thread_t *th) { return th->parks; }

void tvm_safepoint(tvm_thread_t *th) {
  tvm_t *vm = th->vm;
  if (!atomic_load_explicit(&vm->stop_requested, memory_order_acquire)) return;
  vm_lock(vm);
  th->parks++;
  become_safe(th, TS_PARKED);
  become_running(th);
  vm_unlock(vm);
}

void tvm_enter_native(tvm_thread_t *th) {
  vm_lock(th->vm);
  become_safe(th, TS_NATIVE);
  vm_unlock(th->vm);
}

void tvm_leave_native(tvm_thread_t *th) {
  vm_lock(th->vm);
  if (th->state != TS_NATIVE) die("tvm_leave_native: the thread is not in native state");
  become_running(th);
  vm_unlock(th->vm);
}

static void check_running(tvm_thread_t *th, const char *who) {
  if (th->state != TS_RUNNING) {
    BUMP(th->vm, handshake_errors);
    die("%s: the thread is not running (state %d)", who, th->state);
  }
}

/* ---- Roots ------------------------------------------------------------------------- */

size_t tvm_push(tvm_thread_t *th, tvm_obj_t o) {
  if (th->sp == th->cap) {
    /* Only a running thread grows its stack: no GC is looking at it. */
    check_running(th, "tvm_push");
    size_t cap = th->cap * 2;
    tvm_obj_t *s = realloc(th->stack, cap * sizeof *s);
    if (!s) die("out of memory for a shadow stack of %zu slots", cap);
    th->stack = s;
    th->cap = cap;
  }
  th->stack[th->sp] = o;
  return th->sp++;
}

tvm_obj_t tvm_root(tvm_thread_t *th, size_t slot) {
  if (slot >= th->sp) die("tvm_root: slot %zu is above the stack top %zu", slot, th->sp);
  return th->stack[slot];
}

void tvm_set_root(tvm_thread_t *th, size_t slot, tvm_obj_t o) {
  if (slot >= th->sp) die("tvm_set_root: slot %zu is above the stack top %zu", slot, th->sp);
  th->stack[slot] = o;
}

size_t tvm_depth(tvm_thread_t *th) { return th->sp; }

void tvm_pop_to(tvm_thread_t *th, size_t depth) {
  if (depth > th->sp) die("tvm_pop_to: %zu is above the stack top %zu", depth, th->sp);
  memset(th->stack + depth, 0, (th->sp - depth) * sizeof *th->stack);
  th->sp = depth;
}

tvm_obj_t tvm_global(tvm_t *vm, size_t i) {
  if (i >= TVM_GLOBALS) die("tvm_global: %zu is not a global", i);
  return vm->globals[i];
}

void tvm_set_global(tvm_t *vm, size_t i, tvm_obj_t o) {
  if (i >= TVM_GLOBALS) die("tvm_set_global: %zu is not a global", i);
  vm->globals[i] = o;
}

size_t tvm_threads(tvm_t *vm, tvm_thread_t **out, size_t max) {
  size_t n = 0;
  vm_lock(vm);
  for (tvm_thread_t *t = vm->head; t; t = t->next, n++)
    if (n < max) out[n] = t;
  vm_unlock(vm);
  return n;
}

tvm_obj_t *tvm__stack(tvm_thread_t *th, size_t *depth);
tvm_obj_t *tvm__stack(tvm_thread_t *th, size_t *depth) {
  *depth = th->sp;
  return th->stack;
}

tvm_obj_t *tvm__globals(tvm_t *vm);
tvm_obj_t *tvm__globals(tvm_t *vm) { return vm->globals; }

/* ---- Allocation and fields --------------------------------------------------------- */

tvm_obj_t tvm_alloc_sem(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                        uint64_t data, mmtk_alloc_semantics_t semantics) {
  return tvm_alloc_aligned(th, type, nrefs, data_bytes, data, semantics, 8);
}

tvm_obj_t tvm_alloc_aligned(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                            uint64_t data, mmtk_alloc_semantics_t semantics, size_t align) {
  if (type < TVM_TYPE_MIN || type > TVM_TYPE_MAX) die("tvm_alloc: bad type %u", type);
  if (nrefs > TVM_MAX_REFS) die("tvm_alloc: %zu reference fields", nrefs);
  if (type == TVM_WEAKREF && nrefs < 1) die("tvm_alloc: a weak reference needs a field");
  if (type == TVM_BYTES && nrefs) die("tvm_alloc: BYTES objects have no reference fields");
  if (current_thread != th) die("tvm_alloc: not the calling thread's tvm_thread_t");
  tvm_safepoint(th);
  check_running(th, "tvm_alloc");
  size_t size = tvm_object_size(nrefs, data_bytes);
  void *p = mmtk_alloc_fast(th->mutator, size, align, 0, semantics);
  if (!p) return NULL;
  if ((uintptr_t)p % align) die("tvm_alloc: %p is not aligned to %zu", p, align);
  unsigned flags = type == TVM_WEAKREF ? TVM_FLAG_WEAK : type == TVM_FINALIZABLE ? TVM_FLAG_FINALIZER : 0;
  uint64_t *w = p;
  w[0] = (uint64_t)type << TVM_TYPE_SHIFT | (uint64_t)flags << TVM_FLAGS_SHIFT |
         (uint64_t)nrefs << TVM_NREFS_SHIFT;
  w[1] = size;
  w[2] = data;
  memset(w + TVM_HEADER_WORDS, 0, 8 * nrefs);
  tvm_fill_pattern(p);
  mmtk_post_alloc_fast(th->mutator, p, size, semantics);
  if (type == TVM_WEAKREF) mmtk_add_weak_candidate(th->vm->mmtk, p);
  if (type == TVM_FINALIZABLE) mmtk_add_finalizer(th->vm->mmtk, p);
  return p;
}

tvm_obj_t tvm_alloc(tvm_thread_t *th, unsigned type, size_t nrefs, size_t data_bytes,
                    uint64_t data) {
  return tvm_alloc_sem(th, type, nrefs, data_bytes, data, MMTK_ALLOC_DEFAULT);
}

void tvm_set_ref(tvm_thread_t *th, tvm_obj_t o, size_t i, tvm_obj_t v) {
  if (i >= tvm_nrefs(o)) die("tvm_set_ref: field %zu of an object with %zu", i, tvm_nrefs(o));
  mmtk_object_reference_write(th->mutator, o, &tvm_refs(o)[i], v);
}

void tvm_set_data(tvm_obj_t o, uint64_t data) {
  tvm_words(o)[2] = data;
  tvm_fill_pattern(o);
}

/* ---- Collection -------------------------------------------------------------------- */

bool tvm_gc(tvm_thread_t *th) {
  check_running(th, "tvm_gc");
  return mmtk_handle_user_collection_request(th->mutator);
}

void tvm_set_vm_live_bytes(tvm_t *vm, size_t bytes) { atomic_store(&vm->vm_live_bytes, bytes); }

uint64_t tvm_gc_count(tvm_t *vm) { return atomic_load(&vm->gc_count); }

bool tvm_world_stopped(tvm_t *vm) {
  vm_lock(vm);
  bool s = vm->world_stopped;
  vm_unlock(vm);
  return s;
}

void tvm_set_roots_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg) {
  vm_lock(vm);
  vm->hook = fn;
  vm->hook_arg = arg;
  vm_unlock(vm);
}

void tvm_set_finalization_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg) {
  vm_lock(vm);
  vm->fin_hook = fn;
  vm->fin_hook_arg = arg;
  vm_unlock(vm);
}

void tvm_set_stop_hook(tvm_t *vm, tvm_roots_hook_fn fn, void *arg) {
  vm_lock(vm);
  vm->stop_hook = fn;
  vm->stop_hook_arg = arg;
  vm_unlock(vm);
}

void tvm_counters(tvm_t *vm, tvm_counters_t *c) {
  memset(c, 0, sizeof *c);
  c->gcs = atomic_load(&vm->gc_count);
  c->stops = atomic_load(&vm->stops);
  c->mutator_root_scans = atomic_load(&vm->mutator_root_scans);
  c->vm_root_scans = atomic_load(&vm->vm_root_scans);
  c->root_rescans = atomic_load(&vm->root_rescans);
  c->thread_scan_complete = atomic_load(&vm->thread_scan_complete);
  c->scan_complete_early = atomic_load(&vm->scan_complete_early);
  c->scan_complete_missed = atomic_load(&vm->scan_complete_missed);
  c->oom_calls = atomic_load(&vm->oom_calls);
  c->oom_last_kind = atomic_load(&vm->oom_last_kind);
  c->oom_last_tls = atomic_load(&vm->oom_last_tls);
  c->oom_heap = atomic_load(&vm->oom_heap);
  c->oom_mmap = atomic_load(&vm->oom_mmap);
  c->schedule_finalization = atomic_load(&vm->schedule_finalization);
  c->finalized = atomic_load(&vm->nfinalized);
  c->finalize_errors = atomic_load(&vm->finalize_errors);
  c->enqueued_refs = atomic_load(&vm->enqueued_refs);
  c->enqueue_errors = atomic_load(&vm->enqueue_errors);
  c->weak_glue_errors = atomic_load(&vm->weak_glue_errors);
  c->referent_gets = atomic_load(&vm->referent_gets);
  c->referent_sets = atomic_load(&vm->referent_sets);
  c->referent_clears = atomic_load(&vm->referent_clears);
  c->insane_objects = atomic_load(&vm->insane_objects);
  c->log_errors = atomic_load(&vm->log_errors);
  c->log_warnings = atomic_load(&vm->log_warnings);
  c->handshake_errors = atomic_load(&vm->handshake_errors);
}

void tvm_assert_clean(tvm_t *vm) {
  tvm_counters_t c;
  tvm_counters(vm, &c);
  g_assert_cmpuint(c.finalize_errors, ==, 0);
  g_assert_cmpuint(c.enqueue_errors, ==, 0);
  g_assert_cmpuint(c.weak_glue_errors, ==, 0);
  g_assert_cmpuint(c.insane_objects, ==, 0);
  g_assert_cmpuint(c.handshake_errors, ==, 0);
  g_assert_cmpuint(c.log_errors, ==, 0);
}

/* ---- Finalization ------------------------------------------------------------------ */

static bool finalizable_intact(tvm_obj_t o, const char **why) {
  if ((*why = tvm_header_problem(o))) return false;
  if (tvm_type(o) != TVM_FINALIZABLE) {
    *why = "not a FINALIZABLE object";
    return false;
  }
  if (!tvm_pattern_ok(o)) {
    *why = "data bytes corrupted";
    return false;
  }
  for (size_t i = 0; i < tvm_nrefs(o); i++) {
    tvm_obj_t c = tvm_ref(o, i);
    if (!c) continue;
    if (tvm_header_problem(c) || !tvm_pattern_ok(c)) {
      *why = "an object it refers to is broken (not kept alive for the finalizer?)";
      return false;
    }
  }
  return true;
}

size_t tvm_run_finalizers(tvm_thread_t *th, tvm_finalizer_fn fn, void *arg) {
  tvm_t *vm = th->vm;
  check_running(th, "tvm_run_finalizers");
  size_t n = 0;
  for (;;) {
    /* No safepoint from here to the end of the iteration: the object stays put. */
    tvm_obj_t o = mmtk_get_finalized_object(vm->mmtk);
    if (!o) break;
    const char *why;
    if (!finalizable_intact(o, &why)) {
      BUMP(vm, finalize_errors);
      fprintf(stderr, "tvm: finalizing %p: %s\n", o, why);
      continue;
    }
    uint64_t id = tvm_data(o);
    vm_lock(vm);
    gint64 key = (gint64)id;
    unsigned count = GPOINTER_TO_UINT(g_hash_table_lookup(vm->finalized, &key));
    gint64 *k = g_new(gint64, 1);
    *k = key;
    g_hash_table_replace(vm->finalized, k, GUINT_TO_POINTER(count + 1));
    vm_unlock(vm);
    if (count) {
      BUMP(vm, finalize_errors);
      fprintf(stderr, "tvm: object %p (data %llu) finalized a second time\n", o,
              (unsigned long long)id);
    }
    BUMP(vm, nfinalized);
    n++;
    if (fn) fn(th, o, arg);
  }
  return n;
}

unsigned tvm_finalized(tvm_t *vm, uint64_t data) {
  gint64 key = (gint64)data;
  vm_lock(vm);
  unsigned count = GPOINTER_TO_UINT(g_hash_table_lookup(vm->finalized, &key));
  vm_unlock(vm);
  return count;
}
