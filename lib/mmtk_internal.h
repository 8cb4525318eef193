/* libmmtk internals: the instance, and the one header every library source includes.
 * Everything declared here is hidden (-fvisibility=hidden); only <mmtk.h> is public. */
#ifndef MMTK_INTERNAL_H
#define MMTK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mmtk.h>

#include "plan/common.h"
#include "plan/gc.h"
#include "plan/generational.h"
#include "plan/mutator.h"
#include "plan/plan.h"
#include "policy/immix/immix.h"
#include "policy/marksweepspace.h"
#include "policy/space.h"
#include "util/alloc/allocator.h"
#include "util/constants.h"
#include "util/handle.h"
#include "util/heap/gc_trigger.h"
#include "util/heap/heap_range.h"
#include "util/heap/layout.h"
#include "util/heap/mmapper.h"
#include "util/heap/page_resource.h"
#include "util/log.h"
#include "util/metadata/side_metadata.h"
#include "util/metadata/object_metadata.h"
#include "util/metadata/vo_bit.h"
#include "util/object_forwarding.h"
#include "util/references.h"
#include "plan/tracing.h"
#include "scheduler/scheduler.h"
#include "util/options.h"
#include "util/statistics.h"
#include "util/perf_counter.h"
#include "vm/active_plan.h"
#include "vm/binding.h"

#define MMTK_SIG 0x4d4d544bu         /* "MMTK" */
#define MMTK_SIG_CLOSING 0x434c4f53u /* "CLOS": mmtk_shutdown() under way */

struct mmtk {
  /* MMTK_SIG while the instance lives (set last by mmtk_init); MMTK_SIG_CLOSING from the
   * start of mmtk_shutdown, when only GC threads still arriving are let in; 0 once it is
   * retired (util/handle.h).  Read and written with handle_sig()/handle_set_sig(). */
  uint32_t sig;
  struct mmtk_options options;
  mmtk_vm_binding_t vm;
  void *vm_ctx;
  const struct plan_ops *plan;
  void *plan_data;

  struct heap_room room;     /* this instance's part of the shared heap range */
  struct heap_layout layout; /* over the room */
  pthread_mutex_t map_lock; /* mapping chunks */
  struct space *spaces[MAX_SPACES];
  struct space vm_space; /* extent 0 until the VM registers its region */
  struct side_metadata meta;
  struct side_metadata_spec vo_bit; /* registered with --enable-vo-bit */
  uintptr_t vo_bit_base;            /* for mutator heads; 0 without the VO bit */
  struct gc_trigger trigger;
  _Atomic size_t malloc_bytes; /* the counted malloc family */

  pthread_mutex_t mutators_lock;
  struct mmtk_mutator *mutators;
  size_t nmutators;
  bool collection_initialized;
  atomic_bool warned_uninitialized; /* the hint below was logged (mutator.c report_failure) */
  struct statistics stats;

  /* Collecting plans. */
  struct object_metadata om;
  struct scheduler sched;
  struct gc_state gc;
  struct references refs;
  struct remset remset; /* the object barrier's remembered set (design.barrier.remset) */
  bool stress_precise; /* stress_factor with precise_stress: no inline allocation */
  struct sanity *sanity_active; /* the check under way (util/sanity.c), NULL otherwise */
};

#include "util/metadata/object_metadata_inline.h"

/* Check a public instance handle; false with a message naming `who`.  It never reads
 * freed memory: instances are retired, not freed (util/handle.h). */
bool instance_check(const mmtk_t *mmtk, const char *who);

/* The space of a heap address (NULL outside the heap's mapped chunks): MMTk's SFT
 * lookup, a subtraction, a shift and a load. */
static inline struct space *heap_space_of(const mmtk_t *mmtk, uintptr_t a) {
  if (!layout_chunk_owner(&mmtk->layout, a)) return NULL;
  return mmtk->spaces[layout_space_index(&mmtk->layout, a)];
}

/* The space of any address: the heap's, or the VM space, which lies outside the heap
 * range (NULL: memory libmmtk does not manage). */
static inline struct space *space_of(const mmtk_t *mmtk, uintptr_t a) {
  struct space *s = heap_space_of(mmtk, a);
  if (MMTK_LIKELY(s != NULL)) return s;
  const struct space *v = &mmtk->vm_space;
  return a - v->start < v->extent ? (struct space *)v : NULL;
}

/* Unlink and free a mutator (mmtk_destroy_mutator without the flush). */
void mutator_free(struct mmtk_mutator *m);

#endif /* MMTK_INTERNAL_H */
