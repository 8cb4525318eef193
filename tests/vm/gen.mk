# The generational plans on the test VM (TVM_PLAN_ID 4 = GenCopy, 5 = GenImmix): every
# test-VM suite (gc, binding, refs, spaces, heap) and the generational suite test-gen.c
# (nursery GCs, the object barrier, the remembered set, promotion, the nursery size;
# references and finalizers across generations; the sanity verifier's report of a
# missing barrier; the nursery and full-heap statistics; on GenImmix also promotion into
# the Immix space and its defragmenting full-heap GCs).
#   tests/vm/gc-gencopy[-header-1worker], binding-gencopy, refs-gencopy[-header-1worker],
#   spaces-gencopy, heap-gencopy, gen-gencopy[-header-1worker]     Paths: /GenCopy/...
#   tests/vm/gc-genimmix[-header-1worker], binding-genimmix,
#   refs-genimmix[-header-1worker], spaces-genimmix, heap-genimmix,
#   gen-genimmix[-header-1worker]                                  Paths: /GenImmix/...

if HAVE_GLIB
# The suites the stress build runs too (.ci/run), and the others (exact heap checks,
# fork), which it leaves out as it does for the other plans.
TVM_GEN_TESTS = \
	tests/vm/gc-gencopy \
	tests/vm/gc-gencopy-header-1worker \
	tests/vm/binding-gencopy \
	tests/vm/refs-gencopy \
	tests/vm/refs-gencopy-header-1worker \
	tests/vm/gen-gencopy \
	tests/vm/gen-gencopy-header-1worker \
	tests/vm/gc-genimmix \
	tests/vm/gc-genimmix-header-1worker \
	tests/vm/binding-genimmix \
	tests/vm/refs-genimmix \
	tests/vm/refs-genimmix-header-1worker \
	tests/vm/gen-genimmix \
	tests/vm/gen-genimmix-header-1worker
TVM_GEN_OTHER_TESTS = \
	tests/vm/spaces-gencopy \
	tests/vm/heap-gencopy \
	tests/vm/spaces-genimmix \
	tests/vm/heap-genimmix

check_PROGRAMS += $(TVM_GEN_TESTS) $(TVM_GEN_OTHER_TESTS)
TESTS += $(TVM_GEN_TESTS) $(TVM_GEN_OTHER_TESTS)

tests_vm_gc_gencopy_SOURCES = tests/vm/test-gc.c
tests_vm_gc_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_gencopy_CFLAGS = $(TVM_CC)
tests_vm_gc_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_gc_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_gencopy_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_gencopy_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_gencopy_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_gencopy_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_gencopy_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_gencopy_SOURCES = tests/vm/test-binding.c
tests_vm_binding_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_WORKERS=4
tests_vm_binding_gencopy_CFLAGS = $(TVM_CC)
tests_vm_binding_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_binding_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_gencopy_SOURCES = tests/vm/test-refs.c
tests_vm_refs_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_gencopy_CFLAGS = $(TVM_CC)
tests_vm_refs_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_refs_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_gencopy_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_gencopy_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_gencopy_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_gencopy_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_gencopy_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_spaces_gencopy_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4
tests_vm_spaces_gencopy_CFLAGS = $(TVM_CC)
tests_vm_spaces_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_gencopy_SOURCES = tests/vm/test-heap.c
tests_vm_heap_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_gencopy_CFLAGS = $(TVM_CC)
tests_vm_heap_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_heap_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_gen_gencopy_SOURCES = tests/vm/test-gen.c
tests_vm_gen_gencopy_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_gen_gencopy_CFLAGS = $(TVM_CC)
tests_vm_gen_gencopy_LDFLAGS = $(TVM_LINK)
tests_vm_gen_gencopy_LDADD = $(TVM_DEPLIBS)

tests_vm_gen_gencopy_header_1worker_SOURCES = tests/vm/test-gen.c
tests_vm_gen_gencopy_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=4 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_gen_gencopy_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gen_gencopy_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gen_gencopy_header_1worker_LDADD = $(TVM_DEPLIBS)

# GenImmix (TVM_PLAN_ID 5): the same programs.
tests_vm_gc_genimmix_SOURCES = tests/vm/test-gc.c
tests_vm_gc_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=0 -DTVM_WORKERS=4 -DTVM_PRIMARY=0
tests_vm_gc_genimmix_CFLAGS = $(TVM_CC)
tests_vm_gc_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_gc_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_gc_genimmix_header_1worker_SOURCES = tests/vm/test-gc.c
tests_vm_gc_genimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=1 -DTVM_WORKERS=1 -DTVM_PRIMARY=0
tests_vm_gc_genimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gc_genimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gc_genimmix_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_binding_genimmix_SOURCES = tests/vm/test-binding.c
tests_vm_binding_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_WORKERS=4
tests_vm_binding_genimmix_CFLAGS = $(TVM_CC)
tests_vm_binding_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_binding_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_genimmix_SOURCES = tests/vm/test-refs.c
tests_vm_refs_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_refs_genimmix_CFLAGS = $(TVM_CC)
tests_vm_refs_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_refs_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_refs_genimmix_header_1worker_SOURCES = tests/vm/test-refs.c
tests_vm_refs_genimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_refs_genimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_refs_genimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_refs_genimmix_header_1worker_LDADD = $(TVM_DEPLIBS)

tests_vm_spaces_genimmix_SOURCES = tests/vm/test-spaces.c
tests_vm_spaces_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5
tests_vm_spaces_genimmix_CFLAGS = $(TVM_CC)
tests_vm_spaces_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_spaces_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_heap_genimmix_SOURCES = tests/vm/test-heap.c
tests_vm_heap_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_heap_genimmix_CFLAGS = $(TVM_CC)
tests_vm_heap_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_heap_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_gen_genimmix_SOURCES = tests/vm/test-gen.c
tests_vm_gen_genimmix_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=0 -DTVM_WORKERS=4
tests_vm_gen_genimmix_CFLAGS = $(TVM_CC)
tests_vm_gen_genimmix_LDFLAGS = $(TVM_LINK)
tests_vm_gen_genimmix_LDADD = $(TVM_DEPLIBS)

tests_vm_gen_genimmix_header_1worker_SOURCES = tests/vm/test-gen.c
tests_vm_gen_genimmix_header_1worker_CPPFLAGS = $(TVM_CPP) -DTVM_PLAN_ID=5 -DTVM_HEADER=1 -DTVM_WORKERS=1
tests_vm_gen_genimmix_header_1worker_CFLAGS = $(TVM_CC)
tests_vm_gen_genimmix_header_1worker_LDFLAGS = $(TVM_LINK)
tests_vm_gen_genimmix_header_1worker_LDADD = $(TVM_DEPLIBS)
endif
