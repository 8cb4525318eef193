# StickyImmix on the test VM (TVM_PLAN_ID 6): every suite GenCopy runs, in both metadata
# layouts and with one and several GC workers, plus the generational suite with its
# StickyImmix cases (test-gen.c, sticky/...).
#   tests/vm/gc-stickyimmix[-1worker][-header[-1worker]], binding-stickyimmix,
#   refs-stickyimmix[-header-1worker], spaces-stickyimmix, heap-stickyimmix,
#   gen-stickyimmix[-header-1worker]                 Paths: /StickyImmix/...
if HAVE_GLIB
TVM_STICKY_TESTS = \
	tests/vm/gc-stickyimmix \
	tests/vm/gc-stickyimmix-1worker \
	tests/vm/gc-stickyimmix-header \
	tests/vm/gc-stickyimmix-header-1worker \
	tests/vm/binding-stickyimmix \
	tests/vm/refs-stickyimmix \
	tests/vm/refs-stickyimmix-header-1worker \
	tests/vm/gen-stickyimmix \
	tests/vm/gen-stickyimmix-header-1worker \
	tests/vm/spaces-stickyimmix \
	tests/vm/heap-stickyimmix
check_PROGRAMS += $(TVM_STICKY_TESTS)
TESTS += $(TVM_STICKY_TESTS)

tests_vm_gc_stickyimmix_SOURCES = tests/vm/test-gc.c
tests_vm_gc_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_gc_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_gc_stickyimmix_LDADD = $(TVM_DEPLIBS)
tests_vm_gc_stickyimmix_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_stickyimmix_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=0 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_stickyimmix_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_stickyimmix_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_stickyimmix_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_gc_stickyimmix_header_SOURCES = tests/vm/test-gc.c
tests_vm_gc_stickyimmix_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=1 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_stickyimmix_header_CFLAGS = $(TVM_CC)
tests_vm_gc_stickyimmix_header_LDFLAGS = $(TVM_LINK)
tests_vm_gc_stickyimmix_header_LDADD = $(TVM_DEPLIBS)
tests_vm_gc_stickyimmix_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_stickyimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_stickyimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_stickyimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_stickyimmix_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_binding_stickyimmix_SOURCES = tests/vm/test-binding.c
tests_vm_binding_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_WORKERS=4
tests_vm_binding_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_binding_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_binding_stickyimmix_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_stickyimmix_SOURCES = tests/vm/test-refs.c
tests_vm_refs_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_refs_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_refs_stickyimmix_LDADD = $(TVM_DEPLIBS)
tests_vm_refs_stickyimmix_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_stickyimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_stickyimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_stickyimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_stickyimmix_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_gen_stickyimmix_SOURCES = tests/vm/test-gen.c
tests_vm_gen_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_gen_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_gen_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_gen_stickyimmix_LDADD = $(TVM_DEPLIBS)
tests_vm_gen_stickyimmix_header_1worker_SOURCES = tests/vm/test-gen.c
tests_vm_gen_stickyimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_gen_stickyimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gen_stickyimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gen_stickyimmix_header_1worker_LDADD = $(TVM_DEPLIBS)
tests_vm_spaces_stickyimmix_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6
tests_vm_spaces_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_spaces_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_stickyimmix_LDADD = $(TVM_DEPLIBS)
tests_vm_heap_stickyimmix_SOURCES = tests/vm/test-heap.c
tests_vm_heap_stickyimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=6 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_stickyimmix_CFLAGS = $(TVM_CC)
tests_vm_heap_stickyimmix_LDFLAGS = $(TVM_LINK)
tests_vm_heap_stickyimmix_LDADD = $(TVM_DEPLIBS)
endif

# Their share of the sanitizer builds' samples (Makefile.am, print-ci-sample and
# print-tsan-sample).
CI_SAMPLE_TVM += tests/vm/gc-stickyimmix tests/vm/gc-stickyimmix-header-1worker \
	tests/vm/refs-stickyimmix-header-1worker tests/vm/binding-stickyimmix \
	tests/vm/gen-stickyimmix tests/vm/gen-stickyimmix-header-1worker
CI_TSAN_TESTS += tests/vm/gc-stickyimmix tests/vm/gen-stickyimmix
