/* The instance (MMTk's MMTK struct, design.memory_manager.init): create it from a builder
 * and a binding, tear it down, describe the build. */
#include "mmtk_internal.h"

#include <errno.h>
#include <stdio.h>

/* Instances are retired, never freed, so that a shut-down one is still refused
 * (design.memory_manager.handles). */
static struct handle_pool instances = HANDLE_POOL_INIT(mmtk_t);

const char *mmtk_version(void) { return MMTK_VERSION_STRING; }

static char build_info_text[512];

static void build_info_fill(void) {
  char plans[128];
  plan_available_names(plans, sizeof plans);
  snprintf(build_info_text, sizeof build_info_text,
           "libmmtk %s (features: %s; heap 0x%llx-0x%llx; plans: %s)", MMTK_VERSION_STRING,
           MMTK_FEATURES[0] ? MMTK_FEATURES : "none", (unsigned long long)MMTK_HEAP_START,
           (unsigned long long)MMTK_HEAP_END, plans);
}

const char *mmtk_build_info(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, build_info_fill);
  return build_info_text;
}

bool instance_check(const mmtk_t *mmtk, const char *who) {
  if (MMTK_UNLIKELY(mmtk == NULL)) {
    mmtk_error(NULL, "%s: the instance is NULL", who);
    return false;
  }
  if (MMTK_UNLIKELY(handle_sig(&mmtk->sig) != MMTK_SIG)) {
    mmtk_error(NULL, "%s: %p is not a live instance (shut down, or not from mmtk_init)", who,
               (const void *)mmtk);
    return false;
  }
  return true;
}

/* The largest heap the instance may grow to, which sizes its room. */
static size_t max_heap_bytes(const struct mmtk_options *o) {
  return o->gc_trigger.kind == MMTK_TRIGGER_DELEGATED ? (size_t)(MMTK_HEAP_END - MMTK_HEAP_START)
                                                      : o->gc_trigger.max;
}

/* Take this instance's room of the shared heap range (design.heap.rooms). */
static bool take_room(mmtk_t *mmtk) {
  size_t heap = max_heap_bytes(&mmtk->options), want = heap_room_bytes(heap), largest = 0;
  int e = heap_range_take(want, &mmtk->room, &largest);
  if (e == 0) return true;
  memset(&mmtk->room, 0, sizeof mmtk->room);
  if (e == ENOSPC)
    mmtk_error(mmtk, "mmtk_init: no room left in the heap range 0x%llx-0x%llx: this instance "
               "asked for %zu bytes (for a heap of up to %zu bytes) and the largest room left "
               "is %zu bytes (%u instances hold the rest); give it a smaller heap (option "
               "gc_trigger) or shut another instance down",
               (unsigned long long)MMTK_HEAP_START, (unsigned long long)MMTK_HEAP_END, want,
               heap, largest, heap_range_instances());
  else
    mmtk_error(mmtk, "mmtk_init: cannot reserve the heap range 0x%llx-0x%llx: %s%s",
               (unsigned long long)MMTK_HEAP_START, (unsigned long long)MMTK_HEAP_END,
               strerror(e), e == EEXIST ? " (another mapping occupies it; configure a different "
                                          "range with --with-heap-start/--with-heap-end)" : "");
  return false;
}

/* Undo a partly built instance (every step tolerates not having happened). */
static void teardown(mmtk_t *mmtk) {
  if (mmtk->sched.workers) scheduler_destroy(mmtk);
  perf_counters_close(mmtk);
  if (mmtk->plan && mmtk->plan_data) mmtk->plan->destroy(mmtk);
  vm_space_destroy(mmtk);
  if (mmtk->plan) {
    references_destroy(&mmtk->refs);
    remset_destroy(&mmtk->remset);
  }
  side_metadata_destroy(&mmtk->meta);
  layout_destroy(&mmtk->layout);
  pthread_mutex_destroy(&mmtk->map_lock);
  pthread_mutex_destroy(&mmtk->mutators_lock);
  if (mmtk->room.bytes) heap_range_give(&mmtk->room);
  handle_set_sig(&mmtk->sig, 0);
  handle_retire(&instances, mmtk);
}

static bool check_builder(const mmtk_builder_t *builder) {
  if (!builder) {
    mmtk_error(NULL, "mmtk_init: the builder is NULL (make one with mmtk_builder_new)");
    return false;
  }
  if (handle_sig(&builder->sig) != MMTK_BUILDER_SIG) {
    mmtk_error(NULL, "mmtk_init: %p is not a live builder", (const void *)builder);
    return false;
  }
  if (!builder->env_ok) {
    mmtk_error(NULL, "mmtk_init: the environment variable %s has an invalid value (reported "
               "when the builder was made); fix or unset it", builder->env_bad);
    return false;
  }
  return mmtk_options_validate(&builder->options);
}

mmtk_t *mmtk_init(const mmtk_builder_t *builder, const mmtk_vm_binding_t *binding,
                  void *vm_context) {
  if (!check_builder(builder)) return NULL;
  const struct plan_ops *plan = plan_lookup(builder->options.plan);
  if (!plan) {
    char plans[128];
    plan_available_names(plans, sizeof plans);
    mmtk_error(NULL, "mmtk_init: plan %s is not available in libmmtk %s (available: %s)",
               mmtk_plan_name(builder->options.plan), MMTK_VERSION_STRING, plans);
    return NULL;
  }
  mmtk_vm_binding_t vm;
  if (!binding_install(&vm, binding, plan, &builder->options)) return NULL;
  mmtk_t *mmtk = handle_alloc(&instances);
  if (!mmtk) {
    mmtk_error(NULL, "mmtk_init: out of memory for the instance");
    return NULL;
  }
  mmtk->options = builder->options;
  mmtk->vm = vm;
  mmtk->vm_ctx = vm_context;
  mmtk->plan = plan;
  references_init(&mmtk->refs);
  remset_init(&mmtk->remset);
  pthread_mutex_init(&mmtk->map_lock, NULL);
  pthread_mutex_init(&mmtk->mutators_lock, NULL);

  if (!take_room(mmtk)) {
    teardown(mmtk);
    return NULL;
  }
  if (!layout_init(&mmtk->layout, mmtk->room.start, mmtk->room.start + mmtk->room.bytes)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the chunk map: %s", strerror(errno));
    teardown(mmtk);
    return NULL;
  }
  side_metadata_init(&mmtk->meta, mmtk->layout.start, mmtk->layout.end);
#if MMTK_HAVE_VO_BIT
  side_metadata_spec_init(&mmtk->vo_bit, "vo_bit", VO_BIT_LOG_BITS, VO_BIT_LOG_REGION);
  if (!side_metadata_add(&mmtk->meta, &mmtk->vo_bit)) {
    mmtk_error(mmtk, "mmtk_init: out of memory for the side metadata specs");
    teardown(mmtk);
    return NULL;
  }
#endif
  if (plan->collects_garbage) {
    if (!object_metadata_init(mmtk) ||
        !scheduler_init(mmtk, (unsigned)mmtk->options.threads)) {
      teardown(mmtk);
      return NULL;
    }
    mmtk->stress_precise = mmtk->options.stress_factor != SIZE_MAX && mmtk->options.precise_stress;
  }
  gc_trigger_init(mmtk);
  perf_counters_open(mmtk);
  /* The plan registers its spaces' side-metadata specs as it creates them; nothing is
   * mapped before the tables are reserved. */
  if (!plan->create(mmtk)) {
    teardown(mmtk);
    return NULL;
  }
  if (!side_metadata_reserve(&mmtk->meta)) {
    const char *bad = mmtk->meta.reservation ? side_metadata_verify(&mmtk->meta) : NULL;
    if (bad) mmtk_error(mmtk, "mmtk_init: the side metadata layout check failed: %s", bad);
    else mmtk_error(mmtk, "mmtk_init: cannot reserve the side metadata tables: %s", strerror(errno));
    teardown(mmtk);
    return NULL;
  }
#if MMTK_HAVE_VO_BIT
  mmtk->vo_bit_base = mmtk->vo_bit.base;
#endif
  if (mmtk->options.vm_space_start &&
      !vm_space_set(mmtk, mmtk->options.vm_space_start, mmtk->options.vm_space_size,
                    "mmtk_init (options vm_space_start, vm_space_size)")) {
    teardown(mmtk);
    return NULL;
  }
  handle_set_sig(&mmtk->sig, MMTK_SIG); /* last: now it is an instance */
  return mmtk;
}

bool mmtk_initialize_collection(mmtk_t *mmtk, void *tls) {
  if (!instance_check(mmtk, "mmtk_initialize_collection")) return false;
  if (mmtk->collection_initialized) {
    mmtk_error(mmtk, "mmtk_initialize_collection: collection is already initialized");
    return false;
  }
  /* NoGC starts no GC threads; collecting plans start their workers here. */
  if (mmtk->plan->collects_garbage && !scheduler_start(mmtk, tls, "mmtk_initialize_collection"))
    return false;
  mmtk->collection_initialized = true;
  return true;
}

size_t mmtk_num_of_workers(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_num_of_workers")) return 0;
  return MMTK_HAVE_SINGLE_WORKER ? 1 : mmtk->options.threads;
}

void mmtk_shutdown(mmtk_t *mmtk) {
  if (mmtk == NULL) return;
  if (!instance_check(mmtk, "mmtk_shutdown")) return;
  /* First: from here every entry point refuses the instance (a second mmtk_shutdown
   * too), except mmtk_start_worker for GC threads still on their way in, which must be
   * let in to return (design.scheduler.threads.shutdown). */
  handle_set_sig(&mmtk->sig, MMTK_SIG_CLOSING);
  if (mmtk->nmutators)
    mmtk_log(mmtk, MMTK_LOG_WARN, "mmtk_shutdown: destroying %zu mutator(s) still bound",
             mmtk->nmutators);
  while (mmtk->mutators) mutator_free(mmtk->mutators);
  teardown(mmtk);
}
