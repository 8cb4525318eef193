# Collection basics on a minimal binding (tests/test-collect.c).
if HAVE_GLIB
check_PROGRAMS += tests/test-collect
TESTS += tests/test-collect
tests_test_collect_SOURCES = tests/test-collect.c tests/capture.h
tests_test_collect_CPPFLAGS = $(MMTK_CPPFLAGS)
tests_test_collect_CFLAGS = $(GLIB_CFLAGS) $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
tests_test_collect_LDFLAGS = -no-install $(PTHREAD_LIBS) $(SANITIZER_FLAGS)
tests_test_collect_LDADD = lib/libmmtk.la $(GLIB_LIBS)
endif
