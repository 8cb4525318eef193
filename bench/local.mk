# bench area: benchmark programs, built and run by `make bench` only (never by `make`,
# `make check` or `make install`).  bench/run runs every variant of every program
# alternately and writes bench/results.md.  Environment: BENCH_QUICK=1 (one round),
# BENCH_REPS=N (N rounds, default 5).
BENCH_BINS = bench/alloc-micro-mmtk$(EXEEXT) bench/alloc-micro-malloc$(EXEEXT)

# Shared by every benchmark program.
BENCH_CC_FLAGS = -O2 $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
BENCH_LD_FLAGS = $(PTHREAD_LIBS) $(SANITIZER_FLAGS)

# alloc-micro: one source, three allocators.
bench_alloc_micro_mmtk_SOURCES = bench/alloc-micro.c
bench_alloc_micro_mmtk_CPPFLAGS = $(MMTK_CPPFLAGS) -DALLOC_MICRO_MMTK
bench_alloc_micro_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_mmtk_LDFLAGS = -no-install $(BENCH_LD_FLAGS)
bench_alloc_micro_mmtk_LDADD = lib/libmmtk.la

bench_alloc_micro_malloc_SOURCES = bench/alloc-micro.c
bench_alloc_micro_malloc_CPPFLAGS = -DALLOC_MICRO_MALLOC
bench_alloc_micro_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_malloc_LDFLAGS = $(BENCH_LD_FLAGS)

if HAVE_BDWGC
BENCH_BINS += bench/alloc-micro-bdw$(EXEEXT)
endif
bench_alloc_micro_bdw_SOURCES = bench/alloc-micro.c
bench_alloc_micro_bdw_CPPFLAGS = -DALLOC_MICRO_BDW $(BDWGC_CFLAGS)
bench_alloc_micro_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_bdw_LDFLAGS = $(BENCH_LD_FLAGS)
bench_alloc_micro_bdw_LDADD = $(BDWGC_LIBS)

EXTRA_PROGRAMS = bench/alloc-micro-mmtk bench/alloc-micro-malloc bench/alloc-micro-bdw
CLEANFILES += $(EXTRA_PROGRAMS) bench/results.md bench/results.raw
dist_noinst_SCRIPTS += bench/run

.PHONY: bench
bench: $(BENCH_BINS)
	BENCH_QUICK='$(BENCH_QUICK)' BENCH_REPS='$(BENCH_REPS)' \
	  $(SHELL) $(srcdir)/bench/run $(BENCH_BINS)
