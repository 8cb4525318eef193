/* The VM space (MMTk's VMSpace, design.policy.vm): a region the VM mapped and filled
 * itself, typically a boot image, registered with mmtk_set_vm_space() or the
 * vm_space_start/vm_space_size options.  libmmtk never allocates there, never frees and
 * never moves an object there, but a collection traces through it: an object in the VM
 * space that is reached is scanned, so heap objects it refers to stay alive (and its
 * slots are updated when they move).
 *
 * The region lies outside the heap range, where neither the chunk map nor the side
 * metadata reach: space_of() tries it after the heap (one range check, only for
 * addresses outside the heap), and its mark bits live in a bitmap of its own, a bit per
 * word, cleared at every GC's Prepare. */
#include "mmtk_internal.h"

#include <sys/mman.h>

struct vm_space {
  _Atomic uint64_t *marks; /* a bit per word of the region */
  size_t mark_bytes;
};

static struct vm_space *vms(const struct space *s) { return s->policy_data; }

static size_t granule(const struct space *s, uintptr_t object) {
  return (object - s->start) >> LOG_BYTES_IN_WORD;
}

static uintptr_t vm_trace(struct space *s, mmtk_gc_worker_t *w, uintptr_t object,
                          enum trace_kind kind) {
  /* Mature: every VM-space object a mutator writes into is remembered. */
  if (kind == TRACE_NURSERY) return object;
  size_t g = granule(s, object);
  uint64_t bit = (uint64_t)1 << (g % 64);
  _Atomic uint64_t *word = &vms(s)->marks[g / 64];
  if (!(atomic_load_explicit(word, memory_order_relaxed) & bit) &&
      !(atomic_fetch_or_explicit(word, bit, memory_order_relaxed) & bit)) {
    w->trace.live_bytes += binding_current_size(s->mmtk, (void *)object);
    trace_push(w, object);
  }
  return object;
}

static bool vm_reachable(const struct space *s, uintptr_t object) {
  size_t g = granule(s, object);
  return atomic_load_explicit(&vms(s)->marks[g / 64], memory_order_relaxed) >> (g % 64) & 1;
}

/* mmtk_is_live_object: marked by the last (or current) GC; before the first GC (no mark
 * state yet: s->mark_state is set at the first Prepare) and under NoGC, true. */
static bool vm_live(const struct space *s, uintptr_t object) {
  if (!vms(s)->marks || !s->mark_state) return true;
  return vm_reachable(s, object);
}

static uintptr_t vm_forwarded(const struct space *s, uintptr_t object) {
  return vm_reachable(s, object) ? object : 0;
}

/* Under NoGC nothing traces, so the trace operations (and the mark bitmap they use, not
 * allocated then) are never reached: the space only answers queries. */
static const struct space_ops vm_space_ops = {
    .policy = "vm",
    .is_live = vm_live,
    .is_movable = space_never,
    .pin = space_no_change,
    .unpin = space_no_change,
    .is_pinned = space_always,
    .post_alloc = space_no_metadata,
    .trace_object = vm_trace,
    .is_reachable = vm_reachable,
    .get_forwarded = vm_forwarded,
};

bool vm_space_set(mmtk_t *mmtk, uintptr_t start, size_t size, const char *who) {
  struct space *s = &mmtk->vm_space;
  if (s->extent) {
    mmtk_error(mmtk, "%s: the VM space is already set (%p, %zu bytes); there is one per "
               "instance", who, (void *)s->start, (size_t)s->extent);
    return false;
  }
  if (size == 0 || start % BYTES_IN_PAGE || size % BYTES_IN_PAGE) {
    mmtk_error(mmtk, "%s: the VM space (%p, %zu bytes) must be a non-empty run of whole "
               "pages: start and size multiples of %zu", who, (void *)start, size, (size_t)BYTES_IN_PAGE);
    return false;
  }
  if (start == 0 || start + size < start || start + size > ((uintptr_t)1 << 47)) {
    mmtk_error(mmtk, "%s: the VM space (%p, %zu bytes) is not within the user address "
               "space", who, (void *)start, size);
    return false;
  }
  /* The whole range, not only this instance's room: other instances own the rest. */
  if (start < MMTK_HEAP_END && MMTK_HEAP_START < start + size) {
    mmtk_error(mmtk, "%s: the VM space (%p-%p) overlaps the heap range (%p-%p)", who,
               (void *)start, (void *)(start + size), (void *)MMTK_HEAP_START,
               (void *)MMTK_HEAP_END);
    return false;
  }
  struct vm_space *v = calloc(1, sizeof *v);
  size_t words = size >> LOG_BYTES_IN_WORD;
  size_t bytes = align_up((words + 63) / 64 * sizeof(uint64_t), BYTES_IN_PAGE);
  void *marks = MAP_FAILED;
  if (v && mmtk->plan->collects_garbage)
    marks = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (!v || (mmtk->plan->collects_garbage && marks == MAP_FAILED)) {
    free(v);
    mmtk_error(mmtk, "%s: out of memory for the VM space's mark bits (%zu bytes)", who, bytes);
    return false;
  }
  if (marks != MAP_FAILED) {
    v->marks = marks;
    v->mark_bytes = bytes;
  }
  memset(s, 0, sizeof *s);
  s->ops = &vm_space_ops;
  s->name = "vm";
  s->mmtk = mmtk;
  s->index = MAX_SPACES; /* in no extent of the heap */
  s->start = start;
  s->pr.kind = PR_FREELIST; /* never bump-allocated (for the sanity verifier) */
  s->policy_data = v;
  s->collected = true; /* a generational plan's nursery GC says otherwise */
  s->extent = size; /* last: space_of() looks at it */
  return true;
}

void vm_space_prepare(mmtk_t *mmtk) {
  struct space *s = &mmtk->vm_space;
  if (!s->extent) return;
  /* A bit per word: 32 KiB of bitmap for each 2 MiB of image, cheaper to clear than to
   * give back and fault in again. */
  struct vm_space *v = vms(s);
  memset((void *)v->marks, 0, v->mark_bytes);
  s->mark_state = 1; /* the marks are a GC's from now on (vm_live) */
}

void vm_space_destroy(mmtk_t *mmtk) {
  struct space *s = &mmtk->vm_space;
  if (!s->extent) return;
  struct vm_space *v = vms(s);
  if (v->marks) munmap((void *)v->marks, v->mark_bytes);
  free(v);
  memset(s, 0, sizeof *s);
}

/* ---- Public ------------------------------------------------------------------------- */

bool mmtk_set_vm_space(mmtk_t *mmtk, void *start, size_t size) {
  if (!instance_check(mmtk, "mmtk_set_vm_space")) return false;
  if (mmtk->collection_initialized) {
    mmtk_error(mmtk, "mmtk_set_vm_space: call it before mmtk_initialize_collection (a GC "
               "could be tracing the heap)");
    return false;
  }
  return vm_space_set(mmtk, (uintptr_t)start, size, "mmtk_set_vm_space");
}
