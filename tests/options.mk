# Run-time options: every option in its good and bad forms, bulk strings, the
# environment, and the checks mmtk_init() makes (tests/test-options.c).
if HAVE_GLIB
check_PROGRAMS += tests/test-options
TESTS += tests/test-options
tests_test_options_SOURCES = tests/test-options.c tests/test-util.h
tests_test_options_CPPFLAGS = $(MMTK_CPPFLAGS)
tests_test_options_CFLAGS = $(GLIB_CFLAGS) $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
tests_test_options_LDFLAGS = -no-install $(PTHREAD_LIBS) $(SANITIZER_FLAGS)
tests_test_options_LDADD = lib/libmmtk.la $(GLIB_LIBS)
endif
