# bench area: benchmark programs, built and run by `make bench` only (never by `make`,
# `make check` or `make install`).  bench/run measures each -mmtk program's minimum heap
# per plan, runs every configuration alternately (each plan at 1.5, 2, 3 and 6 times
# that heap, Boehm GC, malloc; alloc-micro also jemalloc and mimalloc when found) and
# writes bench/results.md and, with gnuplot, bench/results.svg and .png (time against heap
# size) and bench/results-rss.svg and .png (time against peak RSS).  Environment:
# BENCH_QUICK=1 (one round, 2x only, smaller programs: a smoke test), BENCH_REPS=N (N
# rounds, default 5), BENCH_THREADS=N (GC threads of libmmtk and Boehm GC alike),
# BENCH_PLANS, BENCH_MULTIPLES (see bench/run).  barrier-micro runs on GenCopy (and on the
# other generational plans BENCH_PLANS names) in its own fixed heap.
BENCH_BINS = bench/alloc-micro-mmtk$(EXEEXT) bench/alloc-micro-malloc$(EXEEXT)
# The allocators configure did not find: bench/run notes that their rows are missing.
BENCH_SKIPPED =

# Shared by every benchmark program.
BENCH_CC_FLAGS = -O2 -DNDEBUG $(PTHREAD_CFLAGS) $(MMTK_WARN_CFLAGS) $(SANITIZER_FLAGS)
BENCH_LD_FLAGS = $(PTHREAD_LIBS) $(SANITIZER_FLAGS)

# minivm, the reference binding, is compiled into every -mmtk program.
MINIVM_SOURCES = examples/minivm.c examples/minivm.h
BENCH_MMTK_CPP = $(MMTK_CPPFLAGS) -I$(top_srcdir)/examples -DBENCH_MMTK
BENCH_MMTK_LD = -no-install $(BENCH_LD_FLAGS)

# alloc-micro: one source, five allocators (libmmtk on minivm, Boehm GC, glibc malloc,
# jemalloc, mimalloc).
bench_alloc_micro_mmtk_SOURCES = bench/alloc-micro.c bench/bench-bdw.h $(MINIVM_SOURCES)
bench_alloc_micro_mmtk_CPPFLAGS = $(MMTK_CPPFLAGS) -I$(top_srcdir)/examples -DALLOC_MICRO_MMTK
bench_alloc_micro_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_alloc_micro_mmtk_LDADD = lib/libmmtk.la

bench_alloc_micro_malloc_SOURCES = bench/alloc-micro.c bench/bench-bdw.h
bench_alloc_micro_malloc_CPPFLAGS = -DALLOC_MICRO_MALLOC
bench_alloc_micro_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_malloc_LDFLAGS = $(BENCH_LD_FLAGS)

if HAVE_BDWGC
BENCH_BINS += bench/alloc-micro-bdw$(EXEEXT)
else
BENCH_SKIPPED += Boehm-GC(libgc-dev)
endif
bench_alloc_micro_bdw_SOURCES = bench/alloc-micro.c bench/bench-bdw.h
bench_alloc_micro_bdw_CPPFLAGS = -DALLOC_MICRO_BDW $(BDWGC_CFLAGS)
bench_alloc_micro_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_bdw_LDFLAGS = $(BENCH_LD_FLAGS)
bench_alloc_micro_bdw_LDADD = $(BDWGC_LIBS)

if HAVE_JEMALLOC
BENCH_BINS += bench/alloc-micro-jemalloc$(EXEEXT)
else
BENCH_SKIPPED += jemalloc(libjemalloc-dev)
endif
bench_alloc_micro_jemalloc_SOURCES = bench/alloc-micro.c bench/bench-bdw.h
bench_alloc_micro_jemalloc_CPPFLAGS = -DALLOC_MICRO_JEMALLOC $(JEMALLOC_CFLAGS)
bench_alloc_micro_jemalloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_jemalloc_LDFLAGS = $(BENCH_LD_FLAGS)
bench_alloc_micro_jemalloc_LDADD = $(JEMALLOC_LIBS)

if HAVE_MIMALLOC
BENCH_BINS += bench/alloc-micro-mimalloc$(EXEEXT)
else
BENCH_SKIPPED += mimalloc(libmimalloc-dev)
endif
bench_alloc_micro_mimalloc_SOURCES = bench/alloc-micro.c bench/bench-bdw.h
bench_alloc_micro_mimalloc_CPPFLAGS = -DALLOC_MICRO_MIMALLOC
bench_alloc_micro_mimalloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_alloc_micro_mimalloc_LDFLAGS = $(BENCH_LD_FLAGS)
bench_alloc_micro_mimalloc_LDADD = $(MIMALLOC_LIBS)

EXTRA_PROGRAMS = bench/alloc-micro-mmtk bench/alloc-micro-malloc bench/alloc-micro-bdw \
	bench/alloc-micro-jemalloc bench/alloc-micro-mimalloc

# barrier-micro: the object barrier's stores (no logging, logging) against plain stores,
# on a generational plan (GenCopy unless MMTK_PLAN says otherwise).
BENCH_BINS += bench/barrier-micro-mmtk$(EXEEXT)
EXTRA_PROGRAMS += bench/barrier-micro-mmtk
bench_barrier_micro_mmtk_SOURCES = bench/barrier-micro.c $(MINIVM_SOURCES)
bench_barrier_micro_mmtk_CPPFLAGS = $(MMTK_CPPFLAGS) -I$(top_srcdir)/examples
bench_barrier_micro_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_barrier_micro_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_barrier_micro_mmtk_LDADD = lib/libmmtk.la

# ---- The GC benchmarks: gcbench, binarytrees, mt-gcbench --------------------------------
# Each is one source built three ways (bench/bench-util.h): -mmtk through the reference
# binding examples/minivm, -bdw with Boehm GC, -malloc with explicit frees.
BENCH_BINS += bench/gcbench-mmtk$(EXEEXT) bench/gcbench-malloc$(EXEEXT) \
	bench/binarytrees-mmtk$(EXEEXT) bench/binarytrees-malloc$(EXEEXT) \
	bench/mt-gcbench-mmtk$(EXEEXT) bench/mt-gcbench-malloc$(EXEEXT)
if HAVE_BDWGC
BENCH_BINS += bench/gcbench-bdw$(EXEEXT) bench/binarytrees-bdw$(EXEEXT) \
	bench/mt-gcbench-bdw$(EXEEXT)
endif
EXTRA_PROGRAMS += \
	bench/gcbench-mmtk bench/gcbench-malloc bench/gcbench-bdw \
	bench/binarytrees-mmtk bench/binarytrees-malloc bench/binarytrees-bdw \
	bench/mt-gcbench-mmtk bench/mt-gcbench-malloc bench/mt-gcbench-bdw

BENCH_BDW_CPP = -DBENCH_BDW $(BDWGC_CFLAGS)
BENCH_BDW_LD = $(BENCH_LD_FLAGS)
BENCH_MALLOC_CPP = -DBENCH_MALLOC
BENCH_MALLOC_LD = $(BENCH_LD_FLAGS)

bench_gcbench_mmtk_SOURCES = bench/gcbench.c bench/bench-util.h bench/bench-bdw.h $(MINIVM_SOURCES)
bench_gcbench_mmtk_CPPFLAGS = $(BENCH_MMTK_CPP)
bench_gcbench_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_gcbench_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_gcbench_mmtk_LDADD = lib/libmmtk.la
bench_gcbench_bdw_SOURCES = bench/gcbench.c bench/bench-util.h bench/bench-bdw.h
bench_gcbench_bdw_CPPFLAGS = $(BENCH_BDW_CPP)
bench_gcbench_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_gcbench_bdw_LDFLAGS = $(BENCH_BDW_LD)
bench_gcbench_bdw_LDADD = $(BDWGC_LIBS)
bench_gcbench_malloc_SOURCES = bench/gcbench.c bench/bench-util.h bench/bench-bdw.h
bench_gcbench_malloc_CPPFLAGS = $(BENCH_MALLOC_CPP)
bench_gcbench_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_gcbench_malloc_LDFLAGS = $(BENCH_MALLOC_LD)

bench_binarytrees_mmtk_SOURCES = bench/binarytrees.c bench/bench-util.h bench/bench-bdw.h $(MINIVM_SOURCES)
bench_binarytrees_mmtk_CPPFLAGS = $(BENCH_MMTK_CPP)
bench_binarytrees_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_binarytrees_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_binarytrees_mmtk_LDADD = lib/libmmtk.la
bench_binarytrees_bdw_SOURCES = bench/binarytrees.c bench/bench-util.h bench/bench-bdw.h
bench_binarytrees_bdw_CPPFLAGS = $(BENCH_BDW_CPP)
bench_binarytrees_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_binarytrees_bdw_LDFLAGS = $(BENCH_BDW_LD)
bench_binarytrees_bdw_LDADD = $(BDWGC_LIBS)
bench_binarytrees_malloc_SOURCES = bench/binarytrees.c bench/bench-util.h bench/bench-bdw.h
bench_binarytrees_malloc_CPPFLAGS = $(BENCH_MALLOC_CPP)
bench_binarytrees_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_binarytrees_malloc_LDFLAGS = $(BENCH_MALLOC_LD)

# mt-gcbench includes gcbench.c for the benchmark itself.
bench_mt_gcbench_mmtk_SOURCES = bench/mt-gcbench.c bench/bench-util.h bench/bench-bdw.h $(MINIVM_SOURCES)
bench_mt_gcbench_mmtk_CPPFLAGS = $(BENCH_MMTK_CPP)
bench_mt_gcbench_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_mt_gcbench_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_mt_gcbench_mmtk_LDADD = lib/libmmtk.la
bench_mt_gcbench_bdw_SOURCES = bench/mt-gcbench.c bench/bench-util.h bench/bench-bdw.h
bench_mt_gcbench_bdw_CPPFLAGS = $(BENCH_BDW_CPP)
bench_mt_gcbench_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_mt_gcbench_bdw_LDFLAGS = $(BENCH_BDW_LD)
bench_mt_gcbench_bdw_LDADD = $(BDWGC_LIBS)
bench_mt_gcbench_malloc_SOURCES = bench/mt-gcbench.c bench/bench-util.h bench/bench-bdw.h
bench_mt_gcbench_malloc_CPPFLAGS = $(BENCH_MALLOC_CPP)
bench_mt_gcbench_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_mt_gcbench_malloc_LDFLAGS = $(BENCH_MALLOC_LD)

# mixed: objects of many sizes (a parser's syntax trees, a cache with random lifetimes).
BENCH_BINS += bench/mixed-mmtk$(EXEEXT) bench/mixed-malloc$(EXEEXT)
if HAVE_BDWGC
BENCH_BINS += bench/mixed-bdw$(EXEEXT)
endif
EXTRA_PROGRAMS += bench/mixed-mmtk bench/mixed-malloc bench/mixed-bdw
bench_mixed_mmtk_SOURCES = bench/mixed.c bench/bench-util.h bench/bench-bdw.h $(MINIVM_SOURCES)
bench_mixed_mmtk_CPPFLAGS = $(BENCH_MMTK_CPP)
bench_mixed_mmtk_CFLAGS = $(BENCH_CC_FLAGS)
bench_mixed_mmtk_LDFLAGS = $(BENCH_MMTK_LD)
bench_mixed_mmtk_LDADD = lib/libmmtk.la
bench_mixed_bdw_SOURCES = bench/mixed.c bench/bench-util.h bench/bench-bdw.h
bench_mixed_bdw_CPPFLAGS = $(BENCH_BDW_CPP)
bench_mixed_bdw_CFLAGS = $(BENCH_CC_FLAGS)
bench_mixed_bdw_LDFLAGS = $(BENCH_BDW_LD)
bench_mixed_bdw_LDADD = $(BDWGC_LIBS)
bench_mixed_malloc_SOURCES = bench/mixed.c bench/bench-util.h bench/bench-bdw.h
bench_mixed_malloc_CPPFLAGS = $(BENCH_MALLOC_CPP)
bench_mixed_malloc_CFLAGS = $(BENCH_CC_FLAGS)
bench_mixed_malloc_LDFLAGS = $(BENCH_MALLOC_LD)

CLEANFILES += $(EXTRA_PROGRAMS) bench/results.md bench/results.raw bench/results.svg \
	bench/results.png bench/results-rss.svg bench/results-rss.png bench/results.gp \
	bench/results.md.gp bench/results-*.dat bench/results.md.medians bench/results.md.units \
	bench/results.md.minheap bench/results.md.raw
dist_noinst_SCRIPTS += bench/run

.PHONY: bench
bench: $(BENCH_BINS)
	BENCH_QUICK='$(BENCH_QUICK)' BENCH_REPS='$(BENCH_REPS)' BENCH_THREADS='$(BENCH_THREADS)' \
	  BENCH_SKIPPED='$(BENCH_SKIPPED)' \
	  $(SHELL) $(srcdir)/bench/run $(BENCH_BINS)
