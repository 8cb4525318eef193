/* minivm: the reference binding of libmmtk — a minimal but complete language runtime.
 *
 * This is the file to copy when you bind your own runtime to libmmtk.  It shows, in a few
 * hundred lines, everything a precise, multi-threaded, moving collector needs from a VM:
 *
 *   - an object model: every object starts with a 64-bit header that tells its size and
 *     where its reference fields are (get_current_size, scan_object);
 *   - precise roots: each thread keeps a shadow stack of the addresses of its local
 *     variables that hold objects (scan_roots_in_mutator_thread), plus a table of global
 *     root variables (scan_vm_specific_roots);
 *   - mutator threads that attach (mmtk_bind_mutator) and detach (mmtk_destroy_mutator);
 *   - the inline allocation fast path of <mmtk/inline.h>, with libmmtk's slow path behind it;
 *   - safepoints and the stop-the-world handshake (stop_all_mutators, resume_mutators,
 *     block_for_gc), including threads that wait "in native" (pthread_join, I/O) and need
 *     not poll;
 *   - the write barrier on every store of a reference into an object, so that generational
 *     and concurrent plans work without touching the runtime.
 *
 * Objects.  An object is a run of 8-byte words:
 *
 *   word 0          the header:
 *                     bits  0-7   type, the runtime's own tag (minivm does not interpret it)
 *                     bits  8-31  number of reference fields
 *                     bits 32-55  number of data words
 *                     bits 56-63  libmmtk's per-object metadata (minivm asks for it in the
 *                                 header: no side tables to look up in the trace loop):
 *                                 56-57 forwarding state, 60-61 large-object state,
 *                                 62 log bit, 63 pinning bit (the mark bit is on the
 *                                 side: sweeping reads a bitmap, not dead objects).  minivm never writes
 *                                 them after allocation and masks them when it reads.
 *   words 1..nrefs  the reference fields: NULL or another object
 *   then            the data words: anything but references (numbers, bytes)
 *
 * Every object has at least two words (a header-only object gets one word of padding):
 * when SemiSpace copies an object it writes the forwarding pointer over word 1 of the old
 * copy, which by then is dead.
 *
 * Rules for code that uses minivm (the rules of every precise, moving collector):
 *
 *   1. An object pointer held in a C variable is only valid until the next safepoint: an
 *      allocation, minivm_safepoint(), minivm_collect(), minivm_leave_native().  The
 *      collector may move the object (SemiSpace does), and it only knows about, and so
 *      only updates, variables registered on the shadow stack.  Keep every object that
 *      must survive a safepoint in a registered variable:
 *
 *          minivm_obj_t left = NULL, right = NULL;   // initialise before pushing
 *          MINIVM_PUSH2(left, right);
 *          left = make_tree(d - 1);                   // may collect: left is updated
 *          right = make_tree(d - 1);                  // may collect: left is updated
 *          minivm_obj_t node = minivm_alloc(NODE, 2, 0);   // ditto
 *          minivm_set_ref(node, 0, left);             // no safepoint from here on
 *          minivm_set_ref(node, 1, right);
 *          MINIVM_POP(2);
 *          return node;                               // valid until the caller's next one
 *
 *   2. Store references into objects with minivm_set_ref() (it has the write barrier);
 *      read them with minivm_get_ref() or minivm_refs().  Data words may be written freely.
 *
 *   3. A thread that attached must reach a safepoint regularly (it allocates, or calls
 *      minivm_safepoint() in long loops that do not), or declare that it is "in native"
 *      around anything that can block for long: minivm_enter_native() ...
 *      minivm_leave_native(), or minivm_join_thread() for pthread_join().  A GC can run
 *      while it is in native, so it must not touch objects nor its root variables there.
 *
 *   4. Pop what you push, in reverse order, before returning; detach every thread before
 *      minivm_shutdown().
 *
 * Building: compile minivm.c into your program and link it with libmmtk
 * (`cc prog.c minivm.c $(pkg-config --cflags --libs mmtk) -pthread`); bench/local.mk does
 * that for the benchmark programs.
 *
 * Options: the plan, heap size, number of GC threads... come from the MMTK_* environment
 * variables (MMTK_PLAN=SemiSpace, MMTK_GC_TRIGGER=FixedHeapSize:64M, MMTK_THREADS=4; see
 * mmtk-options(7)); minivm_init() supplies defaults for the options the environment does
 * not set.
 *
 * Several runtimes in one process.  minivm_init() makes the process's default runtime,
 * which minivm_attach_thread(), minivm_mmtk() and the other functions without a
 * minivm_t argument use.  minivm_new() makes more, each with its own libmmtk instance
 * (possibly on another plan), threads, handshake and global roots; a thread attaches to
 * one of them with minivm_attach_thread_to(), and from then on everything it does
 * (allocation, safepoints, collection requests, global roots) goes to that runtime.
 * A thread is attached to at most one runtime at a time.
 */
#ifndef MINIVM_H
#define MINIVM_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mmtk.h>

/* ---- Objects -------------------------------------------------------------------------- */

/* An object reference (the address of its header word).  The struct is never defined:
 * the type only keeps object pointers apart from other pointers. */
typedef struct minivm_object *minivm_obj_t;

#define MINIVM_TYPE_MASK 0xffu
#define MINIVM_NREFS_SHIFT 8
#define MINIVM_NDATA_SHIFT 32
#define MINIVM_MAX_FIELDS ((size_t)1 << 24) /* limit of nrefs and of data words */

static inline uint64_t minivm_header(minivm_obj_t o) { return *(const uint64_t *)(void *)o; }
static inline unsigned minivm_type(minivm_obj_t o) {
  return (unsigned)(minivm_header(o) & MINIVM_TYPE_MASK);
}
static inline size_t minivm_nrefs(minivm_obj_t o) {
  return (size_t)((minivm_header(o) >> MINIVM_NREFS_SHIFT) & (MINIVM_MAX_FIELDS - 1));
}
static inline size_t minivm_ndata(minivm_obj_t o) {
  return (size_t)((minivm_header(o) >> MINIVM_NDATA_SHIFT) & (MINIVM_MAX_FIELDS - 1));
}
/* The object's size in bytes: what libmmtk copies and frees. */
static inline size_t minivm_size(minivm_obj_t o) {
  size_t words = 1 + minivm_nrefs(o) + minivm_ndata(o);
  return 8 * (words < 2 ? 2 : words);
}
/* The reference fields (read them freely; store with minivm_set_ref). */
static inline minivm_obj_t *minivm_refs(minivm_obj_t o) {
  return (minivm_obj_t *)((uint64_t *)(void *)o + 1);
}
/* The data words, 8-byte aligned (read and write them freely). */
static inline void *minivm_data(minivm_obj_t o) { return minivm_refs(o) + minivm_nrefs(o); }

/* ---- Threads (the struct is public only for the inline functions below) --------------- */

/* One runtime: a libmmtk instance with its threads and global roots (minivm.c). */
typedef struct minivm minivm_t;

typedef struct minivm_thread {
  mmtk_mutator_t *mutator; /* this thread's allocation context in libmmtk */
  /* Raised by its runtime's stop_all_mutators(), on every thread attached, and lowered
   * by resume_mutators(): the thread must come to a safepoint.  A flag of the thread's
   * own, not a pointer to the runtime's: the poll of every allocation is then one load
   * from the thread, which it reads anyway for its mutator. */
  atomic_bool stop_requested;
  /* The shadow stack: roots[0 .. nroots) are the addresses of the thread's local variables
   * that hold objects.  They are exactly libmmtk's "slots": the collector reads them and,
   * when it moves an object, writes the new address back into the variable. */
  mmtk_slot_t *roots;
  size_t nroots, capacity;
  /* Private to minivm.c (under its runtime's lock). */
  minivm_t *vm;
  int state;
  struct minivm_thread *next, *prev;
} minivm_thread_t;

/* The calling thread, NULL when it has not attached. */
extern _Thread_local minivm_thread_t *minivm__self;

/* Out of line: the slow paths of the inline functions. */
void minivm__park(void);
void minivm__grow_roots(minivm_thread_t *th);
_Noreturn void minivm__out_of_memory(size_t bytes);
_Noreturn void minivm__too_large(size_t nrefs, size_t nbytes_data);

/* ---- The runtime ---------------------------------------------------------------------- */

/* Create the heap: the MMTK_* environment variables first, then, for every option the
 * environment leaves unset, `default_options` ("plan=MarkSweep gc_trigger=FixedHeapSize:64M",
 * or NULL).  The calling thread is not attached yet.  False (and a message on standard
 * error) on failure. */
bool minivm_init(const char *default_options);
/* Every thread must have detached.  Stops the GC threads and releases the heap. */
void minivm_shutdown(void);
/* The libmmtk instance (for the mmtk_* queries). */
mmtk_t *minivm_mmtk(void);

/* Another runtime, beside the default one (or without it): the environment first, then
 * `default_options` for what it leaves unset, then `options` ("plan=SemiSpace", or NULL),
 * which win over the environment.  NULL (and a message on standard error) on failure. */
minivm_t *minivm_new(const char *default_options, const char *options);
/* Every thread of `vm` must have detached; stops its GC threads and releases its heap. */
void minivm_free(minivm_t *vm);
/* The runtime's libmmtk instance. */
mmtk_t *minivm_instance(minivm_t *vm);
/* The calling thread becomes a mutator of `vm`; false on failure. */
bool minivm_attach_thread_to(minivm_t *vm);

/* The calling thread becomes a mutator (waits if a GC is under way); false on failure. */
bool minivm_attach_thread(void);
/* The calling thread stops being a mutator.  Its shadow stack must be empty. */
void minivm_detach_thread(void);

/* "In native": the thread may be stopped without polling.  Between the two calls it must
 * not touch objects nor its root variables (a GC may be moving them). */
void minivm_enter_native(void);
void minivm_leave_native(void);
/* pthread_join() in native state (an attached thread that waited in plain pthread_join()
 * would stop every GC, and so every other thread, until the joined thread ended). */
int minivm_join_thread(pthread_t thread, void **result);

/* Ask for a full collection now (a safepoint). */
void minivm_collect(void);

/* Global roots: variables (static, or in malloc'd memory) that hold objects for any
 * thread.  Call these from an attached thread (no GC reads the table meanwhile).  At most
 * MINIVM_MAX_GLOBALS; false when the table is full. */
#define MINIVM_MAX_GLOBALS 256
bool minivm_add_global_root(minivm_obj_t *variable);
void minivm_remove_global_root(minivm_obj_t *variable);

typedef struct minivm_stats {
  uint64_t gcs;        /* collections so far */
  double gc_ms;        /* total time the mutators were stopped for them */
  double max_pause_ms; /* the longest of those pauses */
  uint64_t heap_bytes; /* the heap limit */
} minivm_stats_t;
void minivm_gc_stats(minivm_stats_t *stats);
/* The same for one runtime. */
void minivm_stats(minivm_t *vm, minivm_stats_t *stats);

/* ---- The fast paths: inline --------------------------------------------------------- */

/* A safepoint: park here if a collection is stopping the world.  One load when none is. */
static inline MMTK_ALWAYS_INLINE void minivm_safepoint(void) {
  if (MMTK_UNLIKELY(atomic_load_explicit(&minivm__self->stop_requested, memory_order_relaxed)))
    minivm__park();
}

/* Register a local variable (of type minivm_obj_t, already initialised) as a root.  The
 * variable must stay in scope until it is popped. */
static inline MMTK_ALWAYS_INLINE void minivm_push_root(minivm_obj_t *variable) {
  minivm_thread_t *th = minivm__self;
  if (MMTK_UNLIKELY(th->nroots == th->capacity)) minivm__grow_roots(th);
  th->roots[th->nroots++] = variable;
}

/* Unregister the last n roots. */
static inline MMTK_ALWAYS_INLINE void minivm_pop_roots(size_t n) {
  assert(minivm__self->nroots >= n);
  minivm__self->nroots -= n;
}

/* Shadow-stack depth, to pop back to it: minivm_pop_roots(minivm_roots_depth() - mark). */
static inline size_t minivm_roots_depth(void) { return minivm__self->nroots; }

#define MINIVM_PUSH(a) minivm_push_root(&(a))
#define MINIVM_PUSH2(a, b) (MINIVM_PUSH(a), MINIVM_PUSH(b))
#define MINIVM_PUSH3(a, b, c) (MINIVM_PUSH(a), MINIVM_PUSH(b), MINIVM_PUSH(c))
#define MINIVM_PUSH4(a, b, c, d) (MINIVM_PUSH2(a, b), MINIVM_PUSH2(c, d))
#define MINIVM_POP(n) minivm_pop_roots(n)

/* Allocate an object of `type` with `nrefs` reference fields (NULL) and room for
 * `nbytes_data` bytes of data (zero, rounded up to whole words).  A safepoint: every
 * object pointer not in a root variable is invalid afterwards.  Never returns NULL: when
 * the heap is exhausted it reports and exits (a real runtime would throw its out-of-memory
 * exception there instead). */
static inline MMTK_ALWAYS_INLINE minivm_obj_t minivm_alloc(unsigned type, size_t nrefs,
                                                           size_t nbytes_data) {
  minivm_thread_t *th = minivm__self;
  /* Poll first: a thread that allocates only from its buffer would never enter libmmtk,
   * and so never stop, while another thread waits for a GC. */
  minivm_safepoint();
  /* In a local: the header store below might alias th->mutator for all the compiler
   * knows, and it would load the pointer again for the post-alloc. */
  mmtk_mutator_t *m = th->mutator;
  size_t ndata = (nbytes_data + 7) / 8;
  if (MMTK_UNLIKELY(nrefs >= MINIVM_MAX_FIELDS || ndata >= MINIVM_MAX_FIELDS))
    minivm__too_large(nrefs, nbytes_data);
  size_t bytes = 8 * (1 + nrefs + ndata);
  if (bytes < 16) bytes = 16; /* room for a forwarding pointer in word 1 */
  /* The bump-pointer fast path, inline; libmmtk's slow path (which may collect) when the
   * thread's buffer is exhausted or the plan allocates from free lists. */
  uint64_t *words = mmtk_alloc_fast(m, bytes, 8, 0, MMTK_ALLOC_DEFAULT);
  if (MMTK_UNLIKELY(!words)) minivm__out_of_memory(bytes);
  /* libmmtk hands out zero-filled memory (mmtk_alloc(3)): the fields are already NULL and
   * libmmtk's header bits clear; only the header needs writing. */
  words[0] = (uint64_t)(type & MINIVM_TYPE_MASK) | (uint64_t)nrefs << MINIVM_NREFS_SHIFT |
             (uint64_t)ndata << MINIVM_NDATA_SHIFT;
  /* Then tell libmmtk the object is initialised (the valid-object bit, if maintained). */
  mmtk_post_alloc_fast(m, words, bytes, MMTK_ALLOC_DEFAULT);
  return (minivm_obj_t)(void *)words;
}

/* Store `value` (an object or NULL) in reference field i of `object`, with the write
 * barrier: inline, a plain store when the plan needs no barrier (mutator head flags). */
static inline MMTK_ALWAYS_INLINE void minivm_set_ref(minivm_obj_t object, size_t i,
                                                     minivm_obj_t value) {
  assert(i < minivm_nrefs(object));
  mmtk_object_reference_write_fast(minivm__self->mutator, object, &minivm_refs(object)[i], value);
}

/* Load reference field i of `object` (no read barrier: libmmtk's plans stop the world). */
static inline MMTK_ALWAYS_INLINE minivm_obj_t minivm_get_ref(minivm_obj_t object, size_t i) {
  assert(i < minivm_nrefs(object));
  return minivm_refs(object)[i];
}

#endif /* MINIVM_H */
