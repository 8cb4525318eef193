# The foundation's tests (NoGC, the public API, packaging).  Each GLib program runs every
# test case in a child process of its own (tests/test-util.h) and prints TAP through
# tests/tap-run; the shell tests print TAP themselves.
#
#   tests/test-features    version, build info, the configure features and their effects
#   tests/test-alloc       allocation: sizes, alignments, semantics, argument checks
#   tests/test-threads     8 mutator threads allocating 10^6 objects each
#   tests/test-exhaustion  a full heap: out_of_memory, allocation options, limits
#   tests/test-malloc      the malloc family and the counted variants
#   tests/test-queries     heap queries, the VO bit, pinning, barriers, GC control
#   tests/test-lifecycle   instances, bindings, mutators, errors, the harness
#   tests/test-freelist    unit tests of the page resource's free list of page runs, built
#                          from the library's own source
#   tests/test-metadata    unit tests of the side-metadata layout and its check, built from
#                          the library's own source (not linked with libmmtk)
#   tests/test-deque       the GC workers' work-stealing deque, alone and with 1 to 3
#                          thieves, built from the library's own source
#   tests/test-symbols.sh  the exported symbols, their version node and the soname
#   tests/test-install.sh  make install DESTDIR=..., then a client built with pkg-config
#   tests/test-configure.sh  configure --help and the refusal of bad heap ranges
#   tests/design-tags.sh   every design.* tag cited in lib/ and include/ has a section or
#                          bullet in doc/design/*.md, and every note is distributed
# (tests/test-options is in tests/options.mk.)

if HAVE_GLIB
FOUNDATION_TESTS = \
	tests/test-features \
	tests/test-alloc \
	tests/test-threads \
	tests/test-exhaustion \
	tests/test-malloc \
	tests/test-queries \
	tests/test-lifecycle
check_PROGRAMS += $(FOUNDATION_TESTS)
TESTS += $(FOUNDATION_TESTS)

# Shared by every foundation test program.
FOUNDATION_CPP = $(MMTK_CPPFLAGS)
FOUNDATION_CC = $(GLIB_CFLAGS) $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
# -no-install: real executables (no libtool wrapper) that find the uninstalled library,
# so that g_test_trap_subprocess() re-runs the program itself.
FOUNDATION_LINK = -no-install $(PTHREAD_LIBS) $(SANITIZER_FLAGS)
FOUNDATION_DEPLIBS = lib/libmmtk.la $(GLIB_LIBS)

check_PROGRAMS += tests/test-metadata tests/test-freelist tests/test-deque
TESTS += tests/test-metadata tests/test-freelist tests/test-deque
tests_test_deque_SOURCES = tests/test-deque.c
tests_test_deque_CPPFLAGS = $(MMTK_CPPFLAGS) -DMMTK_BUILDING_LIBRARY -D_GNU_SOURCE
tests_test_deque_CFLAGS = $(FOUNDATION_CC)
tests_test_deque_LDFLAGS = $(FOUNDATION_LINK)
tests_test_deque_LDADD = $(GLIB_LIBS)
tests_test_freelist_SOURCES = tests/test-freelist.c
tests_test_freelist_CPPFLAGS = $(MMTK_CPPFLAGS) -DMMTK_BUILDING_LIBRARY -D_GNU_SOURCE
tests_test_freelist_CFLAGS = $(FOUNDATION_CC)
tests_test_freelist_LDFLAGS = $(FOUNDATION_LINK)
tests_test_freelist_LDADD = $(GLIB_LIBS)
tests_test_metadata_SOURCES = tests/test-metadata.c
tests_test_metadata_CPPFLAGS = $(MMTK_CPPFLAGS) -DMMTK_BUILDING_LIBRARY -D_GNU_SOURCE
tests_test_metadata_CFLAGS = $(FOUNDATION_CC)
tests_test_metadata_LDFLAGS = $(FOUNDATION_LINK)
tests_test_metadata_LDADD = $(GLIB_LIBS)

tests_test_features_SOURCES = tests/test-features.c tests/test-util.h tests/capture.h
tests_test_features_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_features_CFLAGS = $(FOUNDATION_CC)
tests_test_features_LDFLAGS = $(FOUNDATION_LINK)
tests_test_features_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_alloc_SOURCES = tests/test-alloc.c tests/test-util.h
tests_test_alloc_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_alloc_CFLAGS = $(FOUNDATION_CC)
tests_test_alloc_LDFLAGS = $(FOUNDATION_LINK)
tests_test_alloc_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_threads_SOURCES = tests/test-threads.c tests/test-util.h
tests_test_threads_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_threads_CFLAGS = $(FOUNDATION_CC)
tests_test_threads_LDFLAGS = $(FOUNDATION_LINK)
tests_test_threads_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_exhaustion_SOURCES = tests/test-exhaustion.c tests/test-util.h
tests_test_exhaustion_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_exhaustion_CFLAGS = $(FOUNDATION_CC)
tests_test_exhaustion_LDFLAGS = $(FOUNDATION_LINK)
tests_test_exhaustion_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_malloc_SOURCES = tests/test-malloc.c tests/test-util.h
tests_test_malloc_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_malloc_CFLAGS = $(FOUNDATION_CC)
tests_test_malloc_LDFLAGS = $(FOUNDATION_LINK)
tests_test_malloc_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_queries_SOURCES = tests/test-queries.c tests/test-util.h
tests_test_queries_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_queries_CFLAGS = $(FOUNDATION_CC)
tests_test_queries_LDFLAGS = $(FOUNDATION_LINK)
tests_test_queries_LDADD = $(FOUNDATION_DEPLIBS)

tests_test_lifecycle_SOURCES = tests/test-lifecycle.c tests/test-util.h
tests_test_lifecycle_CPPFLAGS = $(FOUNDATION_CPP)
tests_test_lifecycle_CFLAGS = $(FOUNDATION_CC)
tests_test_lifecycle_LDFLAGS = $(FOUNDATION_LINK)
tests_test_lifecycle_LDADD = $(FOUNDATION_DEPLIBS)
endif

# Shell tests: they need only the built library and the tools configure found.
FOUNDATION_SHELL_TESTS = tests/test-symbols.sh tests/test-install.sh tests/test-configure.sh \
	tests/design-tags.sh
TESTS += $(FOUNDATION_SHELL_TESTS)
dist_noinst_SCRIPTS += $(FOUNDATION_SHELL_TESTS)
