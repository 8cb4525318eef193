# MarkCompact on the test VM (TVM_PLAN_ID 7): the GC suite in both metadata layouts (side
# metadata with 4 workers, header metadata with 1), the binding, reference, spaces and
# heap suites, and the plan's own tests (test-markcompact.c: sliding order, pinning
# roots, references and finalizers across a compaction, a heap too small for SemiSpace).
#   tests/vm/gc-markcompact[-header-1worker], binding-markcompact,
#   refs-markcompact[-header-1worker], spaces-markcompact, heap-markcompact,
#   markcompact                                    Paths: /MarkCompact/...
if HAVE_GLIB
TVM_MARKCOMPACT_TESTS = \
	tests/vm/gc-markcompact \
	tests/vm/gc-markcompact-header-1worker \
	tests/vm/binding-markcompact \
	tests/vm/refs-markcompact \
	tests/vm/refs-markcompact-header-1worker \
	tests/vm/spaces-markcompact \
	tests/vm/heap-markcompact \
	tests/vm/markcompact
check_PROGRAMS += $(TVM_MARKCOMPACT_TESTS)
TESTS += $(TVM_MARKCOMPACT_TESTS)

tests_vm_gc_markcompact_SOURCES = tests/vm/test-gc.c
tests_vm_gc_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_markcompact_CFLAGS = $(TVM_CC)
tests_vm_gc_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_gc_markcompact_LDADD = $(TVM_DEPLIBS)
tests_vm_gc_markcompact_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_markcompact_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_markcompact_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_markcompact_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_markcompact_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_binding_markcompact_SOURCES = tests/vm/test-binding.c
tests_vm_binding_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_WORKERS=4
tests_vm_binding_markcompact_CFLAGS = $(TVM_CC)
tests_vm_binding_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_binding_markcompact_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_markcompact_SOURCES = tests/vm/test-refs.c
tests_vm_refs_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_markcompact_CFLAGS = $(TVM_CC)
tests_vm_refs_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_refs_markcompact_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_markcompact_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_markcompact_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_markcompact_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_markcompact_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_markcompact_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_spaces_markcompact_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7
tests_vm_spaces_markcompact_CFLAGS = $(TVM_CC)
tests_vm_spaces_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_markcompact_LDADD = $(TVM_DEPLIBS)
tests_vm_heap_markcompact_SOURCES = tests/vm/test-heap.c
tests_vm_heap_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_markcompact_CFLAGS = $(TVM_CC)
tests_vm_heap_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_heap_markcompact_LDADD = $(TVM_DEPLIBS)
tests_vm_markcompact_SOURCES = tests/vm/test-markcompact.c
tests_vm_markcompact_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=7 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_markcompact_CFLAGS = $(TVM_CC)
tests_vm_markcompact_LDFLAGS = $(TVM_LINK)
tests_vm_markcompact_LDADD = $(TVM_DEPLIBS)
endif

# Their share of the sanitizer builds' samples (Makefile.am, print-ci-sample and
# print-tsan-sample).
# Both metadata layouts, one and several workers, and the plan's own tests.
CI_SAMPLE_TVM += tests/vm/gc-markcompact tests/vm/refs-markcompact-header-1worker \
	tests/vm/markcompact
CI_TSAN_TESTS += tests/vm/gc-markcompact
