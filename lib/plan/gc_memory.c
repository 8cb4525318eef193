/* Memory a GC needs while it runs (design.gc.memory): work packets, root packets, the
 * mark stack.  A GC cannot stop halfway: the heap is half marked or half copied and the
 * mutators are stopped.  So when malloc fails on a GC worker, libmmtk reports it through
 * the binding's out_of_memory(MMTK_OOM_MMAP) (MMTk's handle_mmap_oom expects the VM to
 * exit there), and if the binding returns, waits a little and tries again: memory freed
 * elsewhere in the process lets the GC finish.  What the GC can do without (sharing work
 * with idle workers, a worker's own deque) does not come here: it falls back instead.
 * The reference and finalizer lists do the same on any thread, for the registrations
 * (mmtk_add_weak_candidate() and the others) that have no way to fail
 * (design.refs.lists.memory); there the tls is the GC worker's if the caller is one,
 * else NULL. */
#include "mmtk_internal.h"

#include <time.h>

void gc_wait_for_memory(mmtk_t *mmtk, const char *what, size_t bytes, unsigned attempt) {
  mmtk_gc_worker_t *w = scheduler_current_worker(); /* for the tls out_of_memory gets */
  if (!mmtk && !w) /* not on a GC worker: no binding to tell */
    mmtk_panic(__FILE__, __LINE__, "out of memory for %s (%zu bytes)", what, bytes);
  if (!mmtk) mmtk = w->mmtk;
  if (w && w->mmtk != mmtk) w = NULL;
  /* What a binding without out_of_memory gets logged (binding_out_of_memory()). */
  mmtk_set_last_error("out of memory for %s (%zu bytes)", what, bytes);
  if (attempt == 0)
    mmtk_log(mmtk, MMTK_LOG_WARN, "%sout of memory for %s (%zu bytes); calling "
             "out_of_memory and retrying until it succeeds", w ? "GC: " : "", what, bytes);
  binding_out_of_memory(mmtk, w ? w->tls : NULL, MMTK_OOM_MMAP);
  /* 1 ms, doubling up to 128 ms: a retry costs little, a busy loop would not. */
  unsigned shift = attempt < 7 ? attempt : 7;
  struct timespec pause = {0, 1000000L << shift};
  nanosleep(&pause, NULL);
}

void *gc_malloc(mmtk_t *mmtk, size_t bytes, const char *what) {
  for (unsigned attempt = 0;; attempt++) {
    void *p = malloc(bytes);
    if (p) return p;
    gc_wait_for_memory(mmtk, what, bytes, attempt);
  }
}

void *gc_realloc(mmtk_t *mmtk, void *old, size_t bytes, const char *what) {
  for (unsigned attempt = 0;; attempt++) {
    void *p = realloc(old, bytes);
    if (p) return p;
    gc_wait_for_memory(mmtk, what, bytes, attempt);
  }
}
