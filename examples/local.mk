# examples area: the reference binding (examples/minivm.[ch]: the file a runtime author
# copies) and the demo program the README runs, built on it (by plain `make`, not
# installed).
noinst_PROGRAMS += examples/mmtk-demo
examples_mmtk_demo_SOURCES = examples/mmtk-demo.c examples/demo-gc.c examples/demo-gc.h \
	examples/minivm.c examples/minivm.h
examples_mmtk_demo_CPPFLAGS = $(MMTK_CPPFLAGS)
examples_mmtk_demo_CFLAGS = $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
# -no-install: a real executable (no libtool wrapper) that finds the uninstalled library.
examples_mmtk_demo_LDFLAGS = -no-install $(PTHREAD_LIBS) $(SANITIZER_FLAGS)
examples_mmtk_demo_LDADD = lib/libmmtk.la

# The smallest program (NoGC, no callback), built with the others and run by make check.
noinst_PROGRAMS += examples/minimal
examples_minimal_SOURCES = examples/minimal.c
examples_minimal_CPPFLAGS = $(MMTK_CPPFLAGS)
examples_minimal_CFLAGS = $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
examples_minimal_LDFLAGS = -no-install $(SANITIZER_FLAGS)
examples_minimal_LDADD = lib/libmmtk.la

# Installed in source form, for a runtime author to read and copy:
# share/doc/libmmtk/examples.  tests/test-install.sh builds them from the installed copy
# with pkg-config alone.
examplesdir = $(docdir)/examples
dist_examples_DATA = examples/minimal.c examples/minivm.c examples/minivm.h \
	examples/mmtk-demo.c examples/demo-gc.c examples/demo-gc.h
