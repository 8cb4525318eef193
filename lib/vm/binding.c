/* How libmmtk calls the binding (design.vm). */
#include "mmtk_internal.h"

/* Callbacks a collecting plan cannot do without. */
static const struct {
  size_t offset;
  const char *name;
} collector_required[] = {
#define REQUIRED(field) {offsetof(mmtk_vm_binding_t, field), #field}
    REQUIRED(get_current_size),  REQUIRED(scan_object),     REQUIRED(stop_all_mutators),
    REQUIRED(resume_mutators),   REQUIRED(block_for_gc),
#undef REQUIRED
};

static bool callback_set(const mmtk_vm_binding_t *b, size_t offset) {
  void (*fn)(void);
  memcpy(&fn, (const char *)b + offset, sizeof fn);
  return fn != NULL;
}

/* What a collecting plan calls: the required callbacks, and those that other settings
 * make required (checked here so that a GC never calls through NULL). */
static bool collector_callbacks_ok(const mmtk_vm_binding_t *b, const struct plan_ops *plan,
                                   const struct mmtk_options *options) {
  const char *name = mmtk_plan_name(plan->kind);
  for (size_t i = 0; i < sizeof collector_required / sizeof collector_required[0]; i++)
    if (!callback_set(b, collector_required[i].offset)) {
      mmtk_error(NULL, "mmtk_init: plan %s needs the binding callback %s, which is NULL", name,
                 collector_required[i].name);
      return false;
    }
  if (options->gc_trigger.kind == MMTK_TRIGGER_DELEGATED && !b->is_gc_required) {
    mmtk_error(NULL, "mmtk_init: option gc_trigger=Delegated needs the binding callback "
               "is_gc_required, which is NULL");
    return false;
  }
  if (b->support_slot_enqueuing && !b->scan_object_and_trace_edges) {
    mmtk_error(NULL, "mmtk_init: the binding sets support_slot_enqueuing but not "
               "scan_object_and_trace_edges, which scans the objects it refuses");
    return false;
  }
  return true;
}

/* ActivePlan: the count and the walk of the mutators must come from one list. */
static bool active_plan_ok(const mmtk_vm_binding_t *b) {
  if (!b->iterate_mutators == !b->number_of_mutators) return true;
  mmtk_error(NULL, "mmtk_init: the binding sets %s but not %s (give both or neither)",
             b->iterate_mutators ? "iterate_mutators" : "number_of_mutators",
             b->iterate_mutators ? "number_of_mutators" : "iterate_mutators");
  return false;
}

bool binding_install(mmtk_vm_binding_t *out, const mmtk_vm_binding_t *b,
                     const struct plan_ops *plan, const struct mmtk_options *options) {
  if (!b) {
    mmtk_error(NULL, "mmtk_init: the binding is NULL");
    return false;
  }
  if (b->version != MMTK_VM_BINDING_VERSION) {
    mmtk_error(NULL, "mmtk_init: binding version %u is not supported (this libmmtk takes %d: "
               "set .version = MMTK_VM_BINDING_VERSION)", (unsigned)b->version,
               MMTK_VM_BINDING_VERSION);
    return false;
  }
  if (b->size < BINDING_V1_SIZE) {
    mmtk_error(NULL, "mmtk_init: binding size %u is smaller than a version-%d binding (%zu "
               "bytes: set .size = sizeof(mmtk_vm_binding_t))", (unsigned)b->size,
               MMTK_VM_BINDING_VERSION, BINDING_V1_SIZE);
    return false;
  }
  if (b->flags & ~(uint32_t)(MMTK_VM_UNIFIED_OBJECT_REFERENCE_ADDRESS |
                             MMTK_VM_UNIQUE_OBJECT_ENQUEUING | MMTK_VM_NEED_VO_BITS_DURING_TRACING)) {
    mmtk_error(NULL, "mmtk_init: unknown binding flags 0x%x", (unsigned)b->flags);
    return false;
  }
  const mmtk_metadata_spec_t *specs[] = {&b->global_log_bit, &b->local_forwarding_pointer,
                                         &b->local_forwarding_bits, &b->local_mark_bit,
                                         &b->local_los_mark_nursery, &b->local_pinning_bit};
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
    if (specs[i]->location > MMTK_METADATA_IN_HEADER) {
      mmtk_error(NULL, "mmtk_init: metadata spec %zu has an unknown location %u", i,
                 specs[i]->location);
      return false;
    }
  if (plan->collects_garbage && !collector_callbacks_ok(b, plan, options)) return false;
  if (!active_plan_ok(b)) return false;
  /* A newer binding may be bigger; the fields this version knows are what it copies. */
  memcpy(out, b, BINDING_V1_SIZE);
  out->size = (uint32_t)BINDING_V1_SIZE;
  return true;
}

void binding_out_of_memory(mmtk_t *mmtk, void *tls, int kind) {
  if (mmtk->vm.out_of_memory) {
    mmtk->vm.out_of_memory(mmtk->vm_ctx, tls, kind);
    return;
  }
  mmtk_log(mmtk, MMTK_LOG_ERROR, "%s", mmtk_last_error());
}

size_t binding_current_size(const mmtk_t *mmtk, mmtk_object_t object) {
  return mmtk->vm.get_current_size ? mmtk->vm.get_current_size(mmtk->vm_ctx, object) : 0;
}
