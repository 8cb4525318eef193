# Collection basics on a minimal binding (tests/test-collect.c).
check_PROGRAMS += tests/test-collect
TESTS += tests/test-collect
tests_test_collect_CPPFLAGS = $(MMTK_CPPFLAGS)
tests_test_collect_CFLAGS = $(GLIB_CFLAGS) $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS)
tests_test_collect_LDADD = lib/libmmtk.la $(GLIB_LIBS) $(PTHREAD_LIBS)
