/* minivm: the reference binding of libmmtk (see minivm.h for the object model and the
 * rules its users follow).
 *
 * The file is laid out as a binding is written:
 *   1. the runtime's state: threads, the stop-the-world handshake, global roots;
 *   2. the callbacks libmmtk calls (mmtk_vm_binding_t), grouped as in <mmtk/vm.h>;
 *   3. the runtime's public functions: init and shutdown, attaching threads, native state,
 *      collection requests, statistics.
 *
 * The handshake.  Every attached thread is in one of four states, changed under `lock`:
 *
 *   RUNNING   it runs VM code: it may read, write and allocate objects at any moment;
 *   PARKED    it stopped at a safepoint (minivm_safepoint, an allocation) for a GC;
 *   BLOCKED   it is inside libmmtk, waiting for the GC it requested (block_for_gc);
 *   NATIVE    it runs code that touches no object (minivm_enter_native).
 *
 * A GC worker calls stop_all_mutators(): it raises the runtime's `stop_requested`, and
 * each attached thread's, and waits until no thread is RUNNING.  Running threads notice the flag at their next safepoint
 * and park.  resume_mutators() lowers the flag, counts the GC and wakes everyone.  A
 * thread leaves PARKED, BLOCKED or NATIVE only while no stop is requested, so no thread
 * runs VM code while the world is stopped.
 *
 * Runtimes.  All of that state is per runtime (struct minivm), and libmmtk hands it back
 * as the `ctx` of every callback (the vm_context of mmtk_init()): several runtimes, each
 * with its own libmmtk instance, can live in one process, and a GC of one stops only
 * the threads attached to it.  minivm_init() makes the default runtime.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "minivm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

enum thread_state { RUNNING, PARKED, BLOCKED, NATIVE };

_Thread_local minivm_thread_t *minivm__self;

struct minivm {
  mmtk_t *mmtk;
  atomic_bool stop_requested; /* the threads' safepoints read it (minivm_safepoint) */
  pthread_mutex_t lock;
  pthread_cond_t safe_cond;   /* a thread left RUNNING (stop_all_mutators waits on it) */
  pthread_cond_t resume_cond; /* the world resumed (parked threads wait on it) */
  uint64_t gcs_finished;      /* resume_mutators() calls, under lock */
  minivm_thread_t *threads;   /* the attached threads, under lock */
  size_t nthreads;
  minivm_obj_t *globals[MINIVM_MAX_GLOBALS]; /* global root variables, under lock */
  size_t nglobals;
};

/* The default runtime (minivm_init). */
static minivm_t *default_vm;

static _Noreturn void fatal(const char *what) {
  fprintf(stderr, "minivm: %s\n", what);
  fflush(NULL);
  abort();
}

/* ---- 1. The handshake ------------------------------------------------------------------ */

/* With the runtime's lock held: the thread enters a state in which a GC may run. */
static void become_safe(minivm_thread_t *th, enum thread_state state) {
  th->state = state;
  pthread_cond_broadcast(&th->vm->safe_cond);
}

/* With the runtime's lock held: the thread runs again, once no GC is stopping the world. */
static void become_running(minivm_thread_t *th) {
  minivm_t *vm = th->vm;
  while (atomic_load(&vm->stop_requested)) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  th->state = RUNNING;
}

/* minivm_safepoint() found the stop flag raised. */
void minivm__park(void) {
  minivm_thread_t *th = minivm__self;
  pthread_mutex_lock(&th->vm->lock);
  become_safe(th, PARKED);
  become_running(th);
  pthread_mutex_unlock(&th->vm->lock);
}

void minivm__grow_roots(minivm_thread_t *th) {
  /* Only a running thread pushes, so no GC is reading this array now. */
  size_t capacity = th->capacity ? 2 * th->capacity : 64;
  mmtk_slot_t *roots = realloc(th->roots, capacity * sizeof *roots);
  if (!roots) fatal("out of memory for a shadow stack");
  th->roots = roots;
  th->capacity = capacity;
}

/* ---- 2. The binding: what libmmtk calls ------------------------------------------------ */

/* ObjectModel: the size of an object, from its header. */
static size_t vm_get_current_size(void *ctx, mmtk_object_t object) {
  (void)ctx;
  return minivm_size(object);
}

/* Scanning: report every reference field of an object.  libmmtk reads (and, when it moves
 * the target, rewrites) each reported slot. */
static void vm_scan_object(void *ctx, void *worker_tls, mmtk_object_t object,
                           mmtk_slot_visitor_t *visitor) {
  (void)ctx, (void)worker_tls;
  minivm_obj_t *refs = minivm_refs(object);
  for (size_t i = 0, n = minivm_nrefs(object); i < n; i++) mmtk_visit_slot(visitor, &refs[i]);
}

/* Scanning: the roots of one stopped thread, its shadow stack (the tls given to
 * mmtk_bind_mutator() is our minivm_thread_t).  The array already holds slots. */
static void vm_scan_roots_in_mutator_thread(void *ctx, void *worker_tls, mmtk_mutator_t *mutator,
                                            mmtk_roots_factory_t *factory) {
  (void)ctx, (void)worker_tls;
  minivm_thread_t *th = ((mmtk_mutator_head_t *)(void *)mutator)->tls;
  if (th->nroots) mmtk_roots_add_slots(factory, th->roots, th->nroots);
}

/* Scanning: the roots that belong to no thread. */
static void vm_scan_vm_specific_roots(void *ctx, void *worker_tls, mmtk_roots_factory_t *factory) {
  (void)worker_tls;
  minivm_t *vm = ctx;
  /* The world is stopped: no thread changes the table now. */
  mmtk_slot_t slots[MINIVM_MAX_GLOBALS];
  for (size_t i = 0; i < vm->nglobals; i++) slots[i] = vm->globals[i];
  if (vm->nglobals) mmtk_roots_add_slots(factory, slots, vm->nglobals);
}

/* Collection: stop every attached thread; report each one's mutator once it is stopped. */
static void vm_stop_all_mutators(void *ctx, void *worker_tls, mmtk_mutator_visitor_fn visit,
                                 void *arg) {
  (void)worker_tls;
  minivm_t *vm = ctx;
  pthread_mutex_lock(&vm->lock);
  atomic_store(&vm->stop_requested, true);
  for (minivm_thread_t *t = vm->threads; t; t = t->next) atomic_store(&t->stop_requested, true);
  for (;;) {
    bool all_safe = true;
    for (minivm_thread_t *t = vm->threads; t; t = t->next)
      if (t->state == RUNNING) all_safe = false;
    if (all_safe) break;
    pthread_cond_wait(&vm->safe_cond, &vm->lock);
  }
  /* No thread attaches or detaches while the flag is up (both wait for resume). */
  for (minivm_thread_t *t = vm->threads; t; t = t->next) visit(t->mutator, arg);
  pthread_mutex_unlock(&vm->lock);
}

/* Collection: the GC is over; let everyone run. */
static void vm_resume_mutators(void *ctx, void *worker_tls) {
  (void)worker_tls;
  minivm_t *vm = ctx;
  pthread_mutex_lock(&vm->lock);
  vm->gcs_finished++;
  atomic_store(&vm->stop_requested, false);
  for (minivm_thread_t *t = vm->threads; t; t = t->next) atomic_store(&t->stop_requested, false);
  pthread_cond_broadcast(&vm->resume_cond);
  pthread_mutex_unlock(&vm->lock);
}

/* Collection: the calling thread asked for a GC (its allocation found the heap full, or
 * minivm_collect()); wait until that GC has finished. */
static void vm_block_for_gc(void *ctx, void *tls) {
  minivm_t *vm = ctx;
  minivm_thread_t *th = tls;
  pthread_mutex_lock(&vm->lock);
  /* Read under the lock while this thread is still RUNNING: the requested GC cannot have
   * stopped the world yet, so it is one that finishes after this point. */
  uint64_t seen = vm->gcs_finished;
  become_safe(th, BLOCKED);
  while (vm->gcs_finished == seen) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  become_running(th);
  pthread_mutex_unlock(&vm->lock);
}

/* Collection: the heap cannot hold the request even after a GC.  Returning makes the
 * allocation return NULL; minivm_alloc() then reports (minivm__out_of_memory). */
static void vm_out_of_memory(void *ctx, void *tls, int kind) {
  (void)ctx, (void)tls, (void)kind;
}

/* ---- 3. The runtime ------------------------------------------------------------------- */

/* Does some MMTK_<name> environment variable set this option?  (libmmtk's builder read
 * them; option names are not case sensitive.) */
static bool env_sets(const char *name, size_t len) {
  extern char **environ;
  for (char **e = environ; e && *e; e++)
    if (!strncmp(*e, "MMTK_", 5) && !strncasecmp(*e + 5, name, len) && (*e)[5 + len] == '=')
      return true;
  return false;
}

/* Apply each NAME=VALUE of `defaults` that the environment does not set. */
static bool apply_defaults(mmtk_builder_t *builder, const char *defaults) {
  char buf[512];
  if (!defaults) return true;
  if (strlen(defaults) >= sizeof buf) {
    fprintf(stderr, "minivm: default options too long\n");
    return false;
  }
  strcpy(buf, defaults);
  for (char *save = NULL, *word = strtok_r(buf, " \t", &save); word;
       word = strtok_r(NULL, " \t", &save)) {
    char *eq = strchr(word, '=');
    if (!eq) {
      fprintf(stderr, "minivm: default option '%s' is not NAME=VALUE\n", word);
      return false;
    }
    *eq = '\0';
    if (env_sets(word, (size_t)(eq - word))) continue;
    if (!mmtk_process(builder, word, eq + 1)) return false; /* libmmtk said why */
  }
  return true;
}

minivm_t *minivm_new(const char *default_options, const char *options) {
  /* (On failure, libmmtk has already reported why through its log: standard error.) */
  mmtk_builder_t *builder = mmtk_builder_new(); /* reads MMTK_* from the environment */
  if (!builder) return NULL;
  if (!apply_defaults(builder, default_options) ||
      (options && !mmtk_process_bulk(builder, options))) {
    mmtk_builder_free(builder);
    return NULL;
  }
  minivm_t *vm = calloc(1, sizeof *vm);
  if (!vm) {
    mmtk_builder_free(builder);
    fprintf(stderr, "minivm: out of memory for a runtime\n");
    return NULL;
  }
  pthread_mutex_init(&vm->lock, NULL);
  pthread_cond_init(&vm->safe_cond, NULL);
  pthread_cond_init(&vm->resume_cond, NULL);

  /* The binding: zero what we leave to libmmtk's defaults (the default copy, libmmtk's
   * own GC threads and list of mutators); per-object metadata in the header's top byte
   * and, for the forwarding pointer, word 1 (see minivm.h).  mmtk_init() copies it. */
  mmtk_vm_binding_t binding;
  memset(&binding, 0, sizeof binding);
  binding.size = sizeof binding;
  binding.version = MMTK_VM_BINDING_VERSION;
  binding.flags = MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS; /* a reference is the start */
  binding.local_forwarding_bits = (mmtk_metadata_spec_t){.location = MMTK_METADATA_IN_HEADER, .bit_offset = 56};
  /* The mark bit stays on the side: MarkSweep's sweep then reads a dense bitmap instead
   * of every dead object's header. */
  binding.local_los_mark_nursery = (mmtk_metadata_spec_t){.location = MMTK_METADATA_IN_HEADER, .bit_offset = 60};
  binding.global_log_bit = (mmtk_metadata_spec_t){.location = MMTK_METADATA_IN_HEADER, .bit_offset = 62};
  binding.local_pinning_bit = (mmtk_metadata_spec_t){.location = MMTK_METADATA_IN_HEADER, .bit_offset = 63};
  binding.local_forwarding_pointer = (mmtk_metadata_spec_t){.location = MMTK_METADATA_IN_HEADER, .bit_offset = 64};
  binding.get_current_size = vm_get_current_size;
  binding.scan_object = vm_scan_object;
  binding.scan_roots_in_mutator_thread = vm_scan_roots_in_mutator_thread;
  binding.scan_vm_specific_roots = vm_scan_vm_specific_roots;
  binding.stop_all_mutators = vm_stop_all_mutators;
  binding.resume_mutators = vm_resume_mutators;
  binding.block_for_gc = vm_block_for_gc;
  binding.out_of_memory = vm_out_of_memory;

  /* The runtime is the context libmmtk passes back to every callback. */
  vm->mmtk = mmtk_init(builder, &binding, vm);
  mmtk_builder_free(builder);
  /* Our threads are ready to be stopped: libmmtk may start its GC threads now. */
  if (vm->mmtk && !mmtk_initialize_collection(vm->mmtk, NULL)) {
    mmtk_shutdown(vm->mmtk);
    vm->mmtk = NULL;
  }
  if (!vm->mmtk) {
    minivm_free(vm);
    return NULL;
  }
  return vm;
}

void minivm_free(minivm_t *vm) {
  if (!vm) return;
  if (vm->nthreads) fatal("minivm_free: threads are still attached");
  if (vm->mmtk) mmtk_shutdown(vm->mmtk);
  pthread_cond_destroy(&vm->resume_cond);
  pthread_cond_destroy(&vm->safe_cond);
  pthread_mutex_destroy(&vm->lock);
  free(vm);
}

mmtk_t *minivm_instance(minivm_t *vm) { return vm->mmtk; }

bool minivm_init(const char *default_options) {
  if (default_vm) fatal("minivm_init called twice");
  default_vm = minivm_new(default_options, NULL);
  return default_vm != NULL;
}

void minivm_shutdown(void) {
  minivm_free(default_vm);
  default_vm = NULL;
}

mmtk_t *minivm_mmtk(void) { return default_vm ? default_vm->mmtk : NULL; }

bool minivm_attach_thread(void) {
  if (!default_vm) fatal("minivm_attach_thread: minivm_init was not called");
  return minivm_attach_thread_to(default_vm);
}

bool minivm_attach_thread_to(minivm_t *vm) {
  if (minivm__self) fatal("minivm_attach_thread: the thread is already attached");
  minivm_thread_t *th = calloc(1, sizeof *th);
  if (!th) return false;
  th->vm = vm;
  minivm__grow_roots(th);
  pthread_mutex_lock(&vm->lock);
  /* Not on the list yet: wait for a GC under way to end, then join as RUNNING.  (Binding
   * the mutator under the lock keeps it out of any GC that has not stopped us yet.) */
  while (atomic_load(&vm->stop_requested)) pthread_cond_wait(&vm->resume_cond, &vm->lock);
  th->mutator = mmtk_bind_mutator(vm->mmtk, th);
  if (th->mutator) {
    th->state = RUNNING;
    th->next = vm->threads;
    if (th->next) th->next->prev = th;
    vm->threads = th;
    vm->nthreads++;
  }
  pthread_mutex_unlock(&vm->lock);
  if (!th->mutator) {
    free(th->roots);
    free(th);
    return false;
  }
  minivm__self = th;
  return true;
}

void minivm_detach_thread(void) {
  minivm_thread_t *th = minivm__self;
  if (!th) fatal("minivm_detach_thread: the thread is not attached");
  if (th->nroots) fatal("minivm_detach_thread: the shadow stack is not empty");
  minivm_t *vm = th->vm;
  pthread_mutex_lock(&vm->lock);
  /* Let a GC under way finish (it may be waiting for this thread), then leave while no
   * other can start: stop_all_mutators needs the lock we hold. */
  become_safe(th, PARKED);
  become_running(th);
  if (th->prev) th->prev->next = th->next;
  else vm->threads = th->next;
  if (th->next) th->next->prev = th->prev;
  vm->nthreads--;
  /* Gives the thread's allocation buffer back to libmmtk. */
  mmtk_destroy_mutator(th->mutator);
  pthread_mutex_unlock(&vm->lock);
  minivm__self = NULL;
  free(th->roots);
  free(th);
}

void minivm_enter_native(void) {
  minivm_thread_t *th = minivm__self;
  if (!th) return; /* an unattached thread never holds up a GC */
  pthread_mutex_lock(&th->vm->lock);
  become_safe(th, NATIVE);
  pthread_mutex_unlock(&th->vm->lock);
}

void minivm_leave_native(void) {
  minivm_thread_t *th = minivm__self;
  if (!th) return;
  if (th->state != NATIVE) fatal("minivm_leave_native: the thread is not in native state");
  pthread_mutex_lock(&th->vm->lock);
  become_running(th); /* waits while a GC runs: it may be moving our root variables */
  pthread_mutex_unlock(&th->vm->lock);
}

int minivm_join_thread(pthread_t thread, void **result) {
  minivm_enter_native();
  int err = pthread_join(thread, result);
  minivm_leave_native();
  return err;
}

void minivm_collect(void) {
  minivm_thread_t *th = minivm__self;
  if (!th) fatal("minivm_collect: the thread is not attached");
  /* Runs the GC on libmmtk's workers; we wait in vm_block_for_gc.  (NoGC ignores it.) */
  mmtk_handle_user_collection_request(th->mutator);
}

/* The calling thread's runtime (the default one for a thread that is not attached). */
static minivm_t *current_vm(const char *who) {
  minivm_t *vm = minivm__self ? minivm__self->vm : default_vm;
  if (!vm) {
    fprintf(stderr, "minivm: %s: no runtime\n", who);
    fatal("the thread is not attached and minivm_init was not called");
  }
  return vm;
}

bool minivm_add_global_root(minivm_obj_t *variable) {
  minivm_t *vm = current_vm("minivm_add_global_root");
  bool ok = false;
  pthread_mutex_lock(&vm->lock);
  if (vm->nglobals < MINIVM_MAX_GLOBALS) {
    vm->globals[vm->nglobals++] = variable;
    ok = true;
  }
  pthread_mutex_unlock(&vm->lock);
  return ok;
}

void minivm_remove_global_root(minivm_obj_t *variable) {
  minivm_t *vm = current_vm("minivm_remove_global_root");
  pthread_mutex_lock(&vm->lock);
  for (size_t i = 0; i < vm->nglobals; i++)
    if (vm->globals[i] == variable) {
      vm->globals[i] = vm->globals[--vm->nglobals];
      break;
    }
  pthread_mutex_unlock(&vm->lock);
}

void minivm_gc_stats(minivm_stats_t *stats) { minivm_stats(default_vm, stats); }

void minivm_stats(minivm_t *vm, minivm_stats_t *stats) {
  mmtk_stats_t s;
  memset(&s, 0, sizeof s);
  s.size = sizeof s;
  memset(stats, 0, sizeof *stats);
  if (!vm || !vm->mmtk || !mmtk_get_stats(vm->mmtk, &s)) return;
  stats->gcs = s.gc_count;
  stats->gc_ms = (double)s.gc_time_ns / 1e6;
  stats->max_pause_ms = (double)s.max_pause_ns / 1e6;
  stats->heap_bytes = s.heap_bytes;
}

void minivm__out_of_memory(size_t bytes) {
  fprintf(stderr, "minivm: out of memory allocating %zu bytes: %s\n", bytes, mmtk_last_error());
  fflush(NULL);
  exit(3);
}

void minivm__too_large(size_t nrefs, size_t nbytes_data) {
  fprintf(stderr, "minivm: an object of %zu references and %zu data bytes is too large\n",
          nrefs, nbytes_data);
  fflush(NULL);
  exit(3);
}
