# PageProtect on the test VM (TVM_PLAN_ID 9): the suites that fit its memory cost (every
# object takes at least a page), in both metadata layouts, and the plan's own tests
# (test-pageprotect.c: a freed object's pages fault, a live object's never do, reused
# pages read as zero).
#   tests/vm/gc-pageprotect, binding-pageprotect,
#   refs-pageprotect[-header-1worker], heap-pageprotect (enumeration and fork: nothing
#   of libmmtk reads a freed object's pages), test-pageprotect (the spaces suite counts
#   heap capacity and GC triggers for small objects: it does not fit)
#                                                          Paths: /PageProtect/...
if HAVE_GLIB
TVM_PAGEPROTECT_TESTS = \
	tests/vm/gc-pageprotect \
	tests/vm/binding-pageprotect \
	tests/vm/refs-pageprotect \
	tests/vm/refs-pageprotect-header-1worker \
	tests/vm/heap-pageprotect \
	tests/vm/test-pageprotect
check_PROGRAMS += $(TVM_PAGEPROTECT_TESTS)
TESTS += $(TVM_PAGEPROTECT_TESTS)

tests_vm_gc_pageprotect_SOURCES = tests/vm/test-gc.c
tests_vm_gc_pageprotect_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_pageprotect_CFLAGS = $(TVM_CC)
tests_vm_gc_pageprotect_LDFLAGS = $(TVM_LINK)
tests_vm_gc_pageprotect_LDADD = $(TVM_DEPLIBS)
tests_vm_binding_pageprotect_SOURCES = tests/vm/test-binding.c
tests_vm_binding_pageprotect_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9 -DTVM_WORKERS=4
tests_vm_binding_pageprotect_CFLAGS = $(TVM_CC)
tests_vm_binding_pageprotect_LDFLAGS = $(TVM_LINK)
tests_vm_binding_pageprotect_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_pageprotect_SOURCES = tests/vm/test-refs.c
tests_vm_refs_pageprotect_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_pageprotect_CFLAGS = $(TVM_CC)
tests_vm_refs_pageprotect_LDFLAGS = $(TVM_LINK)
tests_vm_refs_pageprotect_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_pageprotect_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_pageprotect_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_pageprotect_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_pageprotect_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_pageprotect_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_heap_pageprotect_SOURCES = tests/vm/test-heap.c
tests_vm_heap_pageprotect_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_pageprotect_CFLAGS = $(TVM_CC)
tests_vm_heap_pageprotect_LDFLAGS = $(TVM_LINK)
tests_vm_heap_pageprotect_LDADD = $(TVM_DEPLIBS)
tests_vm_test_pageprotect_SOURCES = tests/vm/test-pageprotect.c
tests_vm_test_pageprotect_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=9
tests_vm_test_pageprotect_CFLAGS = $(TVM_CC)
tests_vm_test_pageprotect_LDFLAGS = $(TVM_LINK)
tests_vm_test_pageprotect_LDADD = $(TVM_DEPLIBS)
endif

# Their share of the sanitizer builds' samples (Makefile.am, print-ci-sample and
# print-tsan-sample).
# The death test only: a suite at a page per object takes 17 s in the plain build (which
# runs them all) and several times that under the sanitizers, with nothing in it that
# the other plans' suites do not check there; its threads are those of every plan.
CI_SAMPLE_TVM += tests/vm/test-pageprotect
