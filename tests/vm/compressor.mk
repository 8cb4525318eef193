# Compressor on the test VM (TVM_PLAN_ID 8): the gc suite with side metadata and four
# GC workers and with header metadata and one, the binding, refs, spaces and heap suites, and the
# plan's own tests (test-compressor.c: sliding order, regions over two workers, weak
# references and finalizers across compaction, pinning roots).
#   tests/vm/gc-compressor, gc-compressor-header-1worker, binding-compressor,
#   refs-compressor, spaces-compressor, heap-compressor, compressor
#                                                             Paths: /Compressor/...
if HAVE_GLIB
TVM_COMPRESSOR_TESTS = \
	tests/vm/gc-compressor \
	tests/vm/gc-compressor-header-1worker \
	tests/vm/binding-compressor \
	tests/vm/refs-compressor \
	tests/vm/spaces-compressor \
	tests/vm/heap-compressor \
	tests/vm/compressor
check_PROGRAMS += $(TVM_COMPRESSOR_TESTS)
TESTS += $(TVM_COMPRESSOR_TESTS)

tests_vm_gc_compressor_SOURCES = tests/vm/test-gc.c
tests_vm_gc_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_compressor_CFLAGS = $(TVM_CC)
tests_vm_gc_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_gc_compressor_LDADD = $(TVM_DEPLIBS)
tests_vm_gc_compressor_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_compressor_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_compressor_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_compressor_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_compressor_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_binding_compressor_SOURCES = tests/vm/test-binding.c
tests_vm_binding_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_WORKERS=4
tests_vm_binding_compressor_CFLAGS = $(TVM_CC)
tests_vm_binding_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_binding_compressor_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_compressor_SOURCES = tests/vm/test-refs.c
tests_vm_refs_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_compressor_CFLAGS = $(TVM_CC)
tests_vm_refs_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_refs_compressor_LDADD = $(TVM_DEPLIBS)
tests_vm_spaces_compressor_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8
tests_vm_spaces_compressor_CFLAGS = $(TVM_CC)
tests_vm_spaces_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_compressor_LDADD = $(TVM_DEPLIBS)
tests_vm_heap_compressor_SOURCES = tests/vm/test-heap.c
tests_vm_heap_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_compressor_CFLAGS = $(TVM_CC)
tests_vm_heap_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_heap_compressor_LDADD = $(TVM_DEPLIBS)
tests_vm_compressor_SOURCES = tests/vm/test-compressor.c
tests_vm_compressor_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=8 -DTVM_HEADER=0 -DTVM_WORKERS=2
tests_vm_compressor_CFLAGS = $(TVM_CC)
tests_vm_compressor_LDFLAGS = $(TVM_LINK)
tests_vm_compressor_LDADD = $(TVM_DEPLIBS)
endif

# Their share of the sanitizer builds' samples (Makefile.am, print-ci-sample and
# print-tsan-sample).
# Both metadata layouts, one and several workers, and the plan's own tests.
CI_SAMPLE_TVM += tests/vm/gc-compressor tests/vm/gc-compressor-header-1worker \
	tests/vm/compressor
CI_TSAN_TESTS += tests/vm/gc-compressor
