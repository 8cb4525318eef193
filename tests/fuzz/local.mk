# Fuzzing (RELIABILITY R32): libFuzzer harnesses and their corpus.
#
#   tests/fuzz/fuzz-options.c   the option parser: mmtk_process, mmtk_process_bulk, the
#                               MMTK_* environment variables
#   tests/fuzz/fuzz-tvm.c       API sequences on the test VM with a model, on SemiSpace,
#                               MarkSweep and NoGC
#   tests/fuzz/options/, tvm/   the seed corpus (small; reproducers of fixed bugs go here)
#   tests/fuzz/replay.c         a main() that feeds files to a harness
#
# make check builds each harness with the ordinary compiler and replay.c, and runs the
# corpus as a regression test (tests/fuzz/replay-options, replay-tvm).
#
# make fuzz builds the libFuzzer binaries tests/fuzz/fuzz-options and fuzz-tvm with
# $(FUZZ_CC) (clang): -fsanitize=fuzzer with AddressSanitizer and UBSan, the library
# compiled again from its sources with coverage instrumentation and the sanity verifier
# (whatever this build's configure said), in the heap range the sanitizer builds use.
# Run them as
#   tests/fuzz/fuzz-tvm -max_total_time=300 tests/fuzz/tvm-work tests/fuzz/tvm
# (new inputs go into the first directory; make fuzz-run does this for both, for
# FUZZ_SECONDS seconds each, default 60).

EXTRA_DIST += tests/fuzz/options tests/fuzz/tvm tests/fuzz/options.dict \
	tests/fuzz/fuzz.h

if HAVE_GLIB
check_PROGRAMS += tests/fuzz/replay-options tests/fuzz/replay-tvm
TESTS += tests/fuzz/replay-options tests/fuzz/replay-tvm

tests_fuzz_replay_options_SOURCES = tests/fuzz/fuzz-options.c tests/fuzz/replay.c
tests_fuzz_replay_options_CPPFLAGS = $(MMTK_CPPFLAGS) \
	-DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/options"'
tests_fuzz_replay_options_CFLAGS = $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
tests_fuzz_replay_options_LDFLAGS = -no-install $(SANITIZER_FLAGS)
tests_fuzz_replay_options_LDADD = lib/libmmtk.la

tests_fuzz_replay_tvm_SOURCES = tests/fuzz/fuzz-tvm.c tests/fuzz/replay.c
tests_fuzz_replay_tvm_CPPFLAGS = $(TVM_CPP) -DFUZZ_CORPUS='"$(abs_top_srcdir)/tests/fuzz/tvm"'
tests_fuzz_replay_tvm_CFLAGS = $(TVM_CC)
tests_fuzz_replay_tvm_LDFLAGS = $(TVM_LINK)
tests_fuzz_replay_tvm_LDADD = $(TVM_DEPLIBS)
endif

# ---- make fuzz ----------------------------------------------------------------------
FUZZ_BIN = tests/fuzz/fuzz-options tests/fuzz/fuzz-tvm
FUZZ_DIR = tests/fuzz/build
FUZZ_CFLAGS = -g -O1 -std=gnu11 -pthread -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = -I$(FUZZ_DIR)/include -I$(top_builddir)/include -I$(top_srcdir)/include \
	-I$(top_srcdir)/lib -I$(top_srcdir)/tests/vm -I$(top_srcdir)/tests/fuzz
FUZZ_LIB_C = $(filter %.c,$(lib_libmmtk_la_SOURCES))
FUZZ_TVM_C = tests/vm/tvm.c tests/vm/tvm_check.c tests/vm/model.c
FUZZ_SECONDS = 60
CLEANFILES += $(FUZZ_BIN)

.PHONY: fuzz fuzz-run
if HAVE_FUZZER
fuzz: $(FUZZ_BIN)

# The library's configuration with the sanity verifier on and the AddressSanitizer heap
# range (configure's --enable-sanitizers default), for every fuzz build.
$(FUZZ_DIR)/include/mmtk/config.h: include/mmtk/config.h
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's/^#define MMTK_HAVE_SANITY .*/#define MMTK_HAVE_SANITY 1/' \
	    -e 's/^#define MMTK_HEAP_START .*/#define MMTK_HEAP_START ((uintptr_t)0x500000000000ull)/' \
	    -e 's/^#define MMTK_HEAP_END .*/#define MMTK_HEAP_END ((uintptr_t)0x540000000000ull)/' \
	    include/mmtk/config.h > $@

# The library and the test VM, instrumented for coverage (fuzzer-no-link).
$(FUZZ_DIR)/libfuzz.a: $(FUZZ_DIR)/include/mmtk/config.h $(FUZZ_LIB_C:%=$(top_srcdir)/%) \
		$(FUZZ_TVM_C:%=$(top_srcdir)/%) $(top_srcdir)/lib/libmmtk.map
	$(AM_V_GEN)rm -f $@ && for f in $(FUZZ_LIB_C) $(FUZZ_TVM_C); do \
	  o=$(FUZZ_DIR)/obj/$$(echo $$f | tr / _ | sed 's/\.c$$/.o/'); $(MKDIR_P) $(FUZZ_DIR)/obj; \
	  case $$f in lib/*) def="-DMMTK_BUILDING_LIBRARY -D_GNU_SOURCE";; *) def="$(GLIB_CFLAGS)";; esac; \
	  $(FUZZ_CC) $(FUZZ_CPPFLAGS) $$def $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -c $(top_srcdir)/$$f -o $$o || exit 1; \
	  $(AR) cr $@ $$o || exit 1; \
	done

tests/fuzz/fuzz-options: $(top_srcdir)/tests/fuzz/fuzz-options.c $(FUZZ_DIR)/libfuzz.a
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	  $(top_srcdir)/tests/fuzz/fuzz-options.c $(FUZZ_DIR)/libfuzz.a $(GLIB_LIBS) -o $@

tests/fuzz/fuzz-tvm: $(top_srcdir)/tests/fuzz/fuzz-tvm.c $(FUZZ_DIR)/libfuzz.a
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(GLIB_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	  $(top_srcdir)/tests/fuzz/fuzz-tvm.c $(FUZZ_DIR)/libfuzz.a $(GLIB_LIBS) -o $@

# Each harness for FUZZ_SECONDS, new inputs and crashes into tests/fuzz/*-work/ (not
# committed: add the ones worth keeping to the corpus by hand).  The harnesses' output
# (libmmtk's messages about bad options: millions of lines) goes to
# tests/fuzz/fuzz-*.out; shown here are libFuzzer's final figures, or the end of
# the log (without libmmtk's messages) when an input failed.
fuzz-run: fuzz
	@for h in options tvm; do \
	  $(MKDIR_P) tests/fuzz/$$h-work; \
	  dict=; test $$h = options && dict=-dict=$(top_srcdir)/tests/fuzz/options.dict; \
	  echo "fuzz-run: tests/fuzz/fuzz-$$h for $(FUZZ_SECONDS) s"; \
	  if ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
	     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	     tests/fuzz/fuzz-$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$dict \
	       -artifact_prefix=tests/fuzz/$$h-work/ \
	       tests/fuzz/$$h-work $(top_srcdir)/tests/fuzz/$$h > tests/fuzz/fuzz-$$h.out 2>&1; then \
	    grep -E '^(Done|stat::)' tests/fuzz/fuzz-$$h.out; \
	  else \
	    grep -v '^\[mmtk' tests/fuzz/fuzz-$$h.out | tail -60; \
	    echo "fuzz-run: tests/fuzz/fuzz-$$h failed; the input is tests/fuzz/$$h-work/crash-* (or leak-, timeout-)"; \
	    exit 1; \
	  fi; \
	done
else
fuzz fuzz-run:
	@echo "make fuzz: cannot build the libFuzzer harnesses: $(FUZZER_MISSING)." >&2; \
	echo "make fuzz: then run ./configure again (make check replays the corpus without them)." >&2; \
	exit 1
endif

clean-local: clean-fuzz
clean-fuzz:
	-rm -rf $(FUZZ_DIR) tests/fuzz/*-work tests/fuzz/fuzz-*.out
.PHONY: clean-fuzz
