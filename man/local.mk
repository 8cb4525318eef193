# man area: the manual pages, installed and distributed, and their test.
#
#   man/mmtk.3           the overview: lifecycle, plans, errors, threads, features
#   man/mmtk_NAME.3      one page per function of the public headers
#   man/mmtk-options.7   the run-time options (mmtk_process, MMTK_<NAME> variables)
#
# tests/man-pages.sh checks that every function of the public headers, and every
# function libmmtk.so exports, has a page; that every page is clean under
# `mandoc -T lint -W warning` (groff -ww without mandoc); that the function pages have
# their sections; that every page is listed here and in mmtk(3).

MMTK_MAN3_PAGES = \
	man/mmtk.3 \
	man/mmtk_add_finalizer.3 \
	man/mmtk_add_phantom_candidate.3 \
	man/mmtk_add_soft_candidate.3 \
	man/mmtk_add_weak_candidate.3 \
	man/mmtk_add_work_packet.3 \
	man/mmtk_add_work_packets.3 \
	man/mmtk_after_fork.3 \
	man/mmtk_alloc.3 \
	man/mmtk_alloc_fast.3 \
	man/mmtk_alloc_slow.3 \
	man/mmtk_alloc_slow_with_options.3 \
	man/mmtk_alloc_with_options.3 \
	man/mmtk_bind_mutator.3 \
	man/mmtk_build_info.3 \
	man/mmtk_builder_free.3 \
	man/mmtk_builder_new.3 \
	man/mmtk_calloc.3 \
	man/mmtk_copy_context_alloc.3 \
	man/mmtk_copy_context_post_copy.3 \
	man/mmtk_counted_calloc.3 \
	man/mmtk_counted_malloc.3 \
	man/mmtk_destroy_mutator.3 \
	man/mmtk_enumerate_objects.3 \
	man/mmtk_find_object_from_internal_pointer.3 \
	man/mmtk_flush_mutator.3 \
	man/mmtk_free.3 \
	man/mmtk_free_bytes.3 \
	man/mmtk_free_with_size.3 \
	man/mmtk_gc_poll.3 \
	man/mmtk_get_all_finalizers.3 \
	man/mmtk_get_allocator_mapping.3 \
	man/mmtk_get_finalized_object.3 \
	man/mmtk_get_finalizers_for.3 \
	man/mmtk_get_malloc_bytes.3 \
	man/mmtk_get_stats.3 \
	man/mmtk_handle_user_collection_request.3 \
	man/mmtk_harness_begin.3 \
	man/mmtk_harness_end.3 \
	man/mmtk_init.3 \
	man/mmtk_initialize_collection.3 \
	man/mmtk_is_in_mmtk_spaces.3 \
	man/mmtk_is_live_object.3 \
	man/mmtk_is_mapped_address.3 \
	man/mmtk_is_mmtk_object.3 \
	man/mmtk_is_pinned.3 \
	man/mmtk_last_error.3 \
	man/mmtk_last_heap_address.3 \
	man/mmtk_live_bytes_in_last_gc.3 \
	man/mmtk_malloc.3 \
	man/mmtk_memory_region_copy.3 \
	man/mmtk_memory_region_copy_post.3 \
	man/mmtk_memory_region_copy_pre.3 \
	man/mmtk_mutator_t.3 \
	man/mmtk_num_of_workers.3 \
	man/mmtk_object_t.3 \
	man/mmtk_object_reference_write.3 \
	man/mmtk_object_reference_write_fast.3 \
	man/mmtk_object_reference_write_pre_fast.3 \
	man/mmtk_object_reference_write_post_fast.3 \
	man/mmtk_object_reference_write_post.3 \
	man/mmtk_object_reference_write_pre.3 \
	man/mmtk_pin_object.3 \
	man/mmtk_post_alloc.3 \
	man/mmtk_post_alloc_fast.3 \
	man/mmtk_prepare_to_fork.3 \
	man/mmtk_process.3 \
	man/mmtk_process_bulk.3 \
	man/mmtk_realloc.3 \
	man/mmtk_realloc_with_old_size.3 \
	man/mmtk_roots_add_pinning.3 \
	man/mmtk_roots_add_slots.3 \
	man/mmtk_set_vm_space.3 \
	man/mmtk_shutdown.3 \
	man/mmtk_start_worker.3 \
	man/mmtk_starting_heap_address.3 \
	man/mmtk_total_bytes.3 \
	man/mmtk_trace_object.3 \
	man/mmtk_tracer_get_forwarded.3 \
	man/mmtk_tracer_is_reachable.3 \
	man/mmtk_tracer_retain.3 \
	man/mmtk_unpin_object.3 \
	man/mmtk_used_bytes.3 \
	man/mmtk_vm_binding_t.3 \
	man/mmtk_version.3 \
	man/mmtk_visit_slot.3

MMTK_MAN7_PAGES = \
	man/mmtk-options.7 \
	man/mmtk-porting.7

man3_MANS += $(MMTK_MAN3_PAGES)
man7_MANS += $(MMTK_MAN7_PAGES)
# Automake does not distribute man_MANS by itself.
EXTRA_DIST += $(MMTK_MAN3_PAGES) $(MMTK_MAN7_PAGES)

TESTS += tests/man-pages.sh
dist_noinst_SCRIPTS += tests/man-pages.sh
