/* libmmtk: the MMTk memory-management toolkit, in C.
 *
 * This umbrella header is what users include.  Every function is documented by its own
 * manual page, mmtk_NAME(3); mmtk(3) is the overview and mmtk-options(7) lists the
 * run-time options.
 *
 * Error convention: a function that can fail returns false, NULL or 0 as its page says,
 * sends a message naming the problem through the binding's log callback (standard error
 * before there is an instance) and leaves the same message in mmtk_last_error().  Bad
 * input never corrupts the heap.
 */
#ifndef MMTK_H
#define MMTK_H

#include <mmtk/config.h>
#include <mmtk/version.h>
#include <mmtk/types.h>
#include <mmtk/vm.h>
#include <mmtk/inline.h>
#include <mmtk/scanning.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Library information --------------------------------------------------------------- */

MMTK_EXTERN const char *mmtk_version(void);
MMTK_EXTERN const char *mmtk_build_info(void);
MMTK_EXTERN const char *mmtk_last_error(void);

/* ---- Builder, options and instance ------------------------------------------------------ */

MMTK_EXTERN mmtk_builder_t *mmtk_builder_new(void);
MMTK_EXTERN void mmtk_builder_free(mmtk_builder_t *builder);
MMTK_EXTERN bool mmtk_process(mmtk_builder_t *builder, const char *name, const char *value);
MMTK_EXTERN bool mmtk_process_bulk(mmtk_builder_t *builder, const char *options);

MMTK_EXTERN mmtk_t *mmtk_init(const mmtk_builder_t *builder, const mmtk_vm_binding_t *binding,
                              void *vm_context);
MMTK_EXTERN bool mmtk_initialize_collection(mmtk_t *mmtk, void *tls);
MMTK_EXTERN void mmtk_shutdown(mmtk_t *mmtk);
MMTK_EXTERN bool mmtk_set_vm_space(mmtk_t *mmtk, void *start, size_t size);
MMTK_EXTERN size_t mmtk_num_of_workers(const mmtk_t *mmtk);
MMTK_EXTERN void mmtk_start_worker(mmtk_t *mmtk, void *tls, mmtk_gc_worker_t *worker);
MMTK_EXTERN bool mmtk_prepare_to_fork(mmtk_t *mmtk);
MMTK_EXTERN bool mmtk_after_fork(mmtk_t *mmtk, void *tls);

/* ---- Mutators and allocation ----------------------------------------------------------- */

MMTK_EXTERN mmtk_mutator_t *mmtk_bind_mutator(mmtk_t *mmtk, void *tls);
MMTK_EXTERN void mmtk_destroy_mutator(mmtk_mutator_t *mutator);
MMTK_EXTERN void mmtk_flush_mutator(mmtk_mutator_t *mutator);

MMTK_EXTERN void *mmtk_alloc(mmtk_mutator_t *mutator, size_t size, size_t align, size_t offset,
                             mmtk_alloc_semantics_t semantics);
MMTK_EXTERN void *mmtk_alloc_with_options(mmtk_mutator_t *mutator, size_t size, size_t align,
                                          size_t offset, mmtk_alloc_semantics_t semantics,
                                          uint32_t options);
MMTK_EXTERN void *mmtk_alloc_slow_with_options(mmtk_mutator_t *mutator, size_t size,
                                               size_t align, size_t offset,
                                               mmtk_alloc_semantics_t semantics,
                                               uint32_t options);
/* mmtk_alloc_slow() and mmtk_post_alloc() are declared in <mmtk/inline.h>. */
MMTK_EXTERN mmtk_allocator_selector_t mmtk_get_allocator_mapping(const mmtk_t *mmtk,
                                                                 mmtk_alloc_semantics_t semantics);

/* ---- Barriers ------------------------------------------------------------------------- */

MMTK_EXTERN void mmtk_object_reference_write_pre(mmtk_mutator_t *mutator, mmtk_object_t src,
                                                 mmtk_slot_t slot, mmtk_object_t target);
MMTK_EXTERN void mmtk_object_reference_write_post(mmtk_mutator_t *mutator, mmtk_object_t src,
                                                  mmtk_slot_t slot, mmtk_object_t target);
MMTK_EXTERN void mmtk_object_reference_write(mmtk_mutator_t *mutator, mmtk_object_t src,
                                             mmtk_slot_t slot, mmtk_object_t target);
MMTK_EXTERN void mmtk_memory_region_copy_pre(mmtk_mutator_t *mutator, const void *src,
                                             void *dst, size_t bytes);
MMTK_EXTERN void mmtk_memory_region_copy_post(mmtk_mutator_t *mutator, const void *src,
                                              void *dst, size_t bytes);
MMTK_EXTERN void mmtk_memory_region_copy(mmtk_mutator_t *mutator, const void *src, void *dst,
                                         size_t bytes);

/* ---- Collection control ------------------------------------------------------------------ */

MMTK_EXTERN bool mmtk_handle_user_collection_request(mmtk_mutator_t *mutator);
MMTK_EXTERN void mmtk_gc_poll(mmtk_mutator_t *mutator);
MMTK_EXTERN void mmtk_harness_begin(mmtk_mutator_t *mutator);
MMTK_EXTERN void mmtk_harness_end(mmtk_t *mmtk);

/* ---- Heap queries ----------------------------------------------------------------------- */

MMTK_EXTERN bool mmtk_is_live_object(const mmtk_t *mmtk, mmtk_object_t object);
MMTK_EXTERN bool mmtk_is_in_mmtk_spaces(const mmtk_t *mmtk, const void *address);
MMTK_EXTERN bool mmtk_is_mapped_address(const mmtk_t *mmtk, const void *address);
MMTK_EXTERN mmtk_object_t mmtk_is_mmtk_object(const mmtk_t *mmtk, const void *address);
MMTK_EXTERN mmtk_object_t mmtk_find_object_from_internal_pointer(const mmtk_t *mmtk,
                                                                 const void *pointer,
                                                                 size_t max_search_bytes);
MMTK_EXTERN bool mmtk_pin_object(mmtk_t *mmtk, mmtk_object_t object);
MMTK_EXTERN bool mmtk_unpin_object(mmtk_t *mmtk, mmtk_object_t object);
MMTK_EXTERN bool mmtk_is_pinned(const mmtk_t *mmtk, mmtk_object_t object);
MMTK_EXTERN void *mmtk_starting_heap_address(const mmtk_t *mmtk);
MMTK_EXTERN void *mmtk_last_heap_address(const mmtk_t *mmtk);
MMTK_EXTERN size_t mmtk_total_bytes(const mmtk_t *mmtk);
MMTK_EXTERN size_t mmtk_used_bytes(const mmtk_t *mmtk);
MMTK_EXTERN size_t mmtk_free_bytes(const mmtk_t *mmtk);
MMTK_EXTERN bool mmtk_enumerate_objects(mmtk_t *mmtk, mmtk_object_visitor_fn visit, void *data);

/* ---- Statistics -------------------------------------------------------------------------- */

MMTK_EXTERN size_t mmtk_live_bytes_in_last_gc(const mmtk_t *mmtk);
MMTK_EXTERN bool mmtk_get_stats(const mmtk_t *mmtk, mmtk_stats_t *stats);

/* ---- Work packets ------------------------------------------------------------------------ */

MMTK_EXTERN bool mmtk_add_work_packet(mmtk_t *mmtk, int stage, mmtk_work_fn fn, void *data);
MMTK_EXTERN bool mmtk_add_work_packets(mmtk_t *mmtk, int stage, mmtk_work_fn fn,
                                       void *const *data, size_t count);

/* ---- References and finalization --------------------------------------------------------- */

MMTK_EXTERN void mmtk_add_weak_candidate(mmtk_t *mmtk, mmtk_object_t reference);
MMTK_EXTERN void mmtk_add_soft_candidate(mmtk_t *mmtk, mmtk_object_t reference);
MMTK_EXTERN void mmtk_add_phantom_candidate(mmtk_t *mmtk, mmtk_object_t reference);
MMTK_EXTERN void mmtk_add_finalizer(mmtk_t *mmtk, mmtk_object_t object);
MMTK_EXTERN mmtk_object_t mmtk_get_finalized_object(mmtk_t *mmtk);
MMTK_EXTERN size_t mmtk_get_all_finalizers(mmtk_t *mmtk, mmtk_object_t *out, size_t capacity);
MMTK_EXTERN size_t mmtk_get_finalizers_for(mmtk_t *mmtk, mmtk_object_t object, mmtk_object_t *out,
                                           size_t capacity);

/* ---- Malloc family ----------------------------------------------------------------------- */

MMTK_EXTERN void *mmtk_malloc(size_t size);
MMTK_EXTERN void *mmtk_calloc(size_t count, size_t size);
MMTK_EXTERN void *mmtk_realloc(void *pointer, size_t size);
MMTK_EXTERN void mmtk_free(void *pointer);
MMTK_EXTERN void *mmtk_counted_malloc(mmtk_t *mmtk, size_t size);
MMTK_EXTERN void *mmtk_counted_calloc(mmtk_t *mmtk, size_t count, size_t size);
MMTK_EXTERN void *mmtk_realloc_with_old_size(mmtk_t *mmtk, void *pointer, size_t size,
                                             size_t old_size);
MMTK_EXTERN void mmtk_free_with_size(mmtk_t *mmtk, void *pointer, size_t old_size);
MMTK_EXTERN size_t mmtk_get_malloc_bytes(const mmtk_t *mmtk);

#ifdef __cplusplus
}
#endif

#endif /* MMTK_H */
