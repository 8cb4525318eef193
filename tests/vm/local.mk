# The test VM (tests/vm/tvm.h: objects, threads with a stop-the-world handshake, precise
# shadow-stack roots, weak references, finalizers, a graph checker) and the GC suites
# that run on it.
#
#   tests/vm/test-tvm              the VM itself, on NoGC (object model, roots, checker,
#                                  handshake, model)
#   tests/vm/refs-PLAN, refs-PLAN-header-1worker
#                                  reference processing, finalizer queries, the GC trigger
#                                  (DynamicHeapSize, gc_poll, vm_live_bytes,
#                                  ignore_system_gc) and imprecise stress (test-refs.c)
#   tests/vm/gc-PLAN[-header][-1worker]
#                                  the GC suites for PLAN (semispace, marksweep, immix): binding
#                                  metadata on the side or in the header (-header), with
#                                  4 GC workers or one (-1worker); sanity verifier on in
#                                  --enable-sanity builds.  Paths: /SemiSpace/..., /MarkSweep/...
#                                  The 10-million-element list runs in gc-PLAN only.
#   tests/vm/gc-immix-defrag, binding-immix-defrag, refs-immix-defrag-header-1worker
#                                  the same suites on Immix with every GC evacuating every
#                                  block it can (TVM_DEFRAG in suite.h)
#   tests/vm/binding-PLAN          the binding interface callback by callback (test-binding.c:
#                                  VM copy, GC threads, ActivePlan, weak tables,
#                                  post_forwarding, ...), 4 GC workers, sanity as above.
#                                  Paths: /SemiSpace/binding/..., /MarkSweep/binding/...
#   tests/vm/spaces-PLAN           regression tests of the large object and immortal spaces
#                                  and the GC trigger (test-spaces.c), side metadata,
#                                  4 GC workers.  Paths: /SemiSpace/..., /MarkSweep/...
#
# Every program is a GLib test program run under the TAP driver.

if HAVE_GLIB
check_LTLIBRARIES = tests/vm/libtvm.la
tests_vm_libtvm_la_SOURCES = \
	tests/vm/tvm.h \
	tests/vm/tvm.c \
	tests/vm/tvm_check.c \
	tests/vm/model.h \
	tests/vm/suite.h \
	tests/vm/model.c
tests_vm_libtvm_la_CPPFLAGS = $(MMTK_CPPFLAGS) -I$(top_srcdir)/tests/vm
tests_vm_libtvm_la_CFLAGS = $(PTHREAD_CFLAGS) $(GLIB_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)

TVM_CPP = $(MMTK_CPPFLAGS) -I$(top_srcdir)/tests/vm
TVM_CC = $(PTHREAD_CFLAGS) $(GLIB_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
# -no-install: real executables (no libtool wrapper) that find the uninstalled library.
TVM_LINK = -no-install $(PTHREAD_LIBS) $(SANITIZER_FLAGS)
TVM_DEPLIBS = tests/vm/libtvm.la lib/libmmtk.la $(GLIB_LIBS)

TVM_GC_TESTS = \
	tests/vm/gc-semispace \
	tests/vm/gc-semispace-1worker \
	tests/vm/gc-semispace-header \
	tests/vm/gc-semispace-header-1worker \
	tests/vm/gc-marksweep \
	tests/vm/gc-marksweep-1worker \
	tests/vm/gc-marksweep-header \
	tests/vm/gc-marksweep-header-1worker \
	tests/vm/gc-immix \
	tests/vm/gc-immix-1worker \
	tests/vm/gc-immix-header \
	tests/vm/gc-immix-header-1worker \
	tests/vm/gc-immix-defrag

TVM_BINDING_TESTS = \
	tests/vm/binding-semispace \
	tests/vm/binding-marksweep \
	tests/vm/binding-immix \
	tests/vm/binding-immix-defrag

TVM_REFS_TESTS = \
	tests/vm/refs-semispace \
	tests/vm/refs-semispace-header-1worker \
	tests/vm/refs-marksweep \
	tests/vm/refs-marksweep-header-1worker \
	tests/vm/refs-immix \
	tests/vm/refs-immix-header-1worker \
	tests/vm/refs-immix-defrag-header-1worker

TVM_SPACES_TESTS = \
	tests/vm/spaces-semispace \
	tests/vm/spaces-marksweep \
	tests/vm/spaces-immix \
	tests/vm/region-immix \
	tests/vm/region-immix-header

check_PROGRAMS += tests/vm/test-tvm $(TVM_GC_TESTS) $(TVM_BINDING_TESTS) $(TVM_REFS_TESTS) \
	$(TVM_SPACES_TESTS)
TESTS += tests/vm/test-tvm $(TVM_GC_TESTS) $(TVM_BINDING_TESTS) $(TVM_REFS_TESTS) \
	$(TVM_SPACES_TESTS)

tests_vm_test_tvm_SOURCES = tests/vm/test-tvm.c
tests_vm_test_tvm_CPPFLAGS = $(TVM_CPP)
tests_vm_test_tvm_CFLAGS = $(TVM_CC)
tests_vm_test_tvm_LDFLAGS = $(TVM_LINK)
tests_vm_test_tvm_LDADD = $(TVM_DEPLIBS)

# One source, one program per configuration: TVM_PLAN_ID 1 = SemiSpace, 2 = MarkSweep.
tests_vm_gc_semispace_SOURCES = tests/vm/test-gc.c
tests_vm_gc_semispace_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=1
tests_vm_gc_semispace_CFLAGS = $(TVM_CC)
tests_vm_gc_semispace_LDFLAGS = $(TVM_LINK)
tests_vm_gc_semispace_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_semispace_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_semispace_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=0 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_semispace_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_semispace_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_semispace_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_semispace_header_SOURCES = tests/vm/test-gc.c
tests_vm_gc_semispace_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=1 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_semispace_header_CFLAGS = $(TVM_CC)
tests_vm_gc_semispace_header_LDFLAGS = $(TVM_LINK)
tests_vm_gc_semispace_header_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_semispace_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_semispace_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_semispace_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_semispace_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_semispace_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_marksweep_SOURCES = tests/vm/test-gc.c
tests_vm_gc_marksweep_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=1
tests_vm_gc_marksweep_CFLAGS = $(TVM_CC)
tests_vm_gc_marksweep_LDFLAGS = $(TVM_LINK)
tests_vm_gc_marksweep_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_marksweep_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_marksweep_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=0 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_marksweep_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_marksweep_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_marksweep_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_marksweep_header_SOURCES = tests/vm/test-gc.c
tests_vm_gc_marksweep_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=1 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_marksweep_header_CFLAGS = $(TVM_CC)
tests_vm_gc_marksweep_header_LDFLAGS = $(TVM_LINK)
tests_vm_gc_marksweep_header_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_marksweep_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_marksweep_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_marksweep_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_marksweep_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_marksweep_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_semispace_SOURCES = tests/vm/test-binding.c
tests_vm_binding_semispace_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_WORKERS=4
tests_vm_binding_semispace_CFLAGS = $(TVM_CC)
tests_vm_binding_semispace_LDFLAGS = $(TVM_LINK)
tests_vm_binding_semispace_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_marksweep_SOURCES = tests/vm/test-binding.c
tests_vm_binding_marksweep_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_WORKERS=4
tests_vm_binding_marksweep_CFLAGS = $(TVM_CC)
tests_vm_binding_marksweep_LDFLAGS = $(TVM_LINK)
tests_vm_binding_marksweep_LDADD = $(TVM_DEPLIBS)

# The reference, finalizer and trigger suites: one source, four configurations.
tests_vm_refs_semispace_SOURCES = tests/vm/test-refs.c
tests_vm_refs_semispace_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_semispace_CFLAGS = $(TVM_CC)
tests_vm_refs_semispace_LDFLAGS = $(TVM_LINK)
tests_vm_refs_semispace_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_semispace_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_semispace_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_semispace_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_semispace_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_semispace_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_marksweep_SOURCES = tests/vm/test-refs.c
tests_vm_refs_marksweep_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_marksweep_CFLAGS = $(TVM_CC)
tests_vm_refs_marksweep_LDFLAGS = $(TVM_LINK)
tests_vm_refs_marksweep_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_marksweep_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_marksweep_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_marksweep_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_marksweep_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_marksweep_header_1worker_LDADD = $(TVM_DEPLIBS)

# The large object and immortal spaces, the GC trigger: one source, two plans.
tests_vm_spaces_semispace_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_semispace_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1
tests_vm_spaces_semispace_CFLAGS = $(TVM_CC)
tests_vm_spaces_semispace_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_semispace_LDADD = $(TVM_DEPLIBS)

tests_vm_spaces_marksweep_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_marksweep_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2
tests_vm_spaces_marksweep_CFLAGS = $(TVM_CC)
tests_vm_spaces_marksweep_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_marksweep_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_immix_SOURCES = tests/vm/test-gc.c
tests_vm_gc_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=1
tests_vm_gc_immix_CFLAGS = $(TVM_CC)
tests_vm_gc_immix_LDFLAGS = $(TVM_LINK)
tests_vm_gc_immix_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_immix_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_immix_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_immix_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_immix_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_immix_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_immix_header_SOURCES = tests/vm/test-gc.c
tests_vm_gc_immix_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_immix_header_CFLAGS = $(TVM_CC)
tests_vm_gc_immix_header_LDFLAGS = $(TVM_LINK)
tests_vm_gc_immix_header_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_immix_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_immix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_immix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_immix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_immix_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_immix_SOURCES = tests/vm/test-binding.c
tests_vm_binding_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_WORKERS=4
tests_vm_binding_immix_CFLAGS = $(TVM_CC)
tests_vm_binding_immix_LDFLAGS = $(TVM_LINK)
tests_vm_binding_immix_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_immix_SOURCES = tests/vm/test-refs.c
tests_vm_refs_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_immix_CFLAGS = $(TVM_CC)
tests_vm_refs_immix_LDFLAGS = $(TVM_LINK)
tests_vm_refs_immix_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_immix_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_immix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_immix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_immix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_immix_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_spaces_immix_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3
tests_vm_spaces_immix_CFLAGS = $(TVM_CC)
tests_vm_spaces_immix_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_immix_LDADD = $(TVM_DEPLIBS)


# Immix with every GC evacuating every block it can (TVM_DEFRAG, suite.h).
tests_vm_gc_immix_defrag_SOURCES = tests/vm/test-gc.c
tests_vm_gc_immix_defrag_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0 -DTVM_DEFRAG=1
tests_vm_gc_immix_defrag_CFLAGS = $(TVM_CC)
tests_vm_gc_immix_defrag_LDFLAGS = $(TVM_LINK)
tests_vm_gc_immix_defrag_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_immix_defrag_SOURCES = tests/vm/test-binding.c
tests_vm_binding_immix_defrag_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_WORKERS=4 -DTVM_DEFRAG=1
tests_vm_binding_immix_defrag_CFLAGS = $(TVM_CC)
tests_vm_binding_immix_defrag_LDFLAGS = $(TVM_LINK)
tests_vm_binding_immix_defrag_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_immix_defrag_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_immix_defrag_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_DEFRAG=1
tests_vm_refs_immix_defrag_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_immix_defrag_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_immix_defrag_header_1worker_LDADD = $(TVM_DEPLIBS)

# The Immix space itself (test-region.c, mark-region: no "immix" in the source's name,
# nor before the program's, so that .ci/run's grep of the Makefile for Immix programs
# finds only programs): holes, overflow, defrag, pinning, liveness; side metadata or
# header metadata, 4 GC workers.  Paths: /Immix/...

tests_vm_region_immix_SOURCES = tests/vm/test-region.c
tests_vm_region_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_region_immix_CFLAGS = $(TVM_CC)
tests_vm_region_immix_LDFLAGS = $(TVM_LINK)
tests_vm_region_immix_LDADD = $(TVM_DEPLIBS)

tests_vm_region_immix_header_SOURCES = tests/vm/test-region.c
tests_vm_region_immix_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=4
tests_vm_region_immix_header_CFLAGS = $(TVM_CC)
tests_vm_region_immix_header_LDFLAGS = $(TVM_LINK)
tests_vm_region_immix_header_LDADD = $(TVM_DEPLIBS)
endif

# Whole-heap operations (test-heap.c): mmtk_enumerate_objects against the model (R4) and
# fork() with mutators and GC workers (R17), per plan and metadata layout.
#   tests/vm/heap-PLAN[-header]    Paths: /SemiSpace/enumerate/..., /MarkSweep/fork/...
if HAVE_GLIB
TVM_HEAP_TESTS = \
	tests/vm/heap-semispace \
	tests/vm/heap-semispace-header \
	tests/vm/heap-marksweep \
	tests/vm/heap-marksweep-header \
	tests/vm/heap-immix \
	tests/vm/heap-immix-header

check_PROGRAMS += $(TVM_HEAP_TESTS)
TESTS += $(TVM_HEAP_TESTS)

tests_vm_heap_semispace_SOURCES = tests/vm/test-heap.c
tests_vm_heap_semispace_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_semispace_CFLAGS = $(TVM_CC)
tests_vm_heap_semispace_LDFLAGS = $(TVM_LINK)
tests_vm_heap_semispace_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_semispace_header_SOURCES = tests/vm/test-heap.c
tests_vm_heap_semispace_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=1 -DTVM_HEADER=1 -DTVM_WORKERS=2
tests_vm_heap_semispace_header_CFLAGS = $(TVM_CC)
tests_vm_heap_semispace_header_LDFLAGS = $(TVM_LINK)
tests_vm_heap_semispace_header_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_marksweep_SOURCES = tests/vm/test-heap.c
tests_vm_heap_marksweep_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_marksweep_CFLAGS = $(TVM_CC)
tests_vm_heap_marksweep_LDFLAGS = $(TVM_LINK)
tests_vm_heap_marksweep_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_marksweep_header_SOURCES = tests/vm/test-heap.c
tests_vm_heap_marksweep_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=2 -DTVM_HEADER=1 -DTVM_WORKERS=2
tests_vm_heap_marksweep_header_CFLAGS = $(TVM_CC)
tests_vm_heap_marksweep_header_LDFLAGS = $(TVM_LINK)
tests_vm_heap_marksweep_header_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_immix_SOURCES = tests/vm/test-heap.c
tests_vm_heap_immix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_immix_CFLAGS = $(TVM_CC)
tests_vm_heap_immix_LDFLAGS = $(TVM_LINK)
tests_vm_heap_immix_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_immix_header_SOURCES = tests/vm/test-heap.c
tests_vm_heap_immix_header_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=3 -DTVM_HEADER=1 -DTVM_WORKERS=2
tests_vm_heap_immix_header_CFLAGS = $(TVM_CC)
tests_vm_heap_immix_header_LDFLAGS = $(TVM_LINK)
tests_vm_heap_immix_header_LDADD = $(TVM_DEPLIBS)
endif
