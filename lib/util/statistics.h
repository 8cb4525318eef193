/* Statistics for the benchmark harness (MMTk's util::statistics, design.stats):
 * mmtk_harness_begin() starts the counters, mmtk_harness_end() prints them. */
#ifndef MMTK_UTIL_STATISTICS_H
#define MMTK_UTIL_STATISTICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mmtk;

struct statistics {
  /* Totals since mmtk_init(), kept by the collector. */
  uint64_t gc_count;
  /* Of those, the Immix collections that defragmented (design.immix.defrag.count): the
   * GC code counts one when a GC it ran as a defrag GC finishes. */
  uint64_t defrag_gc_count;
  uint64_t nursery_gc_count; /* and the generational plans' nursery GCs */
  uint64_t gc_ns;
  uint64_t nursery_gc_ns; /* the part of gc_ns spent in nursery GCs */
  /* A generational plan (gen_create): the table counts and times nursery and full-heap
   * GCs apart. */
  bool generational;
  uint64_t max_pause_ns;
  uint64_t stage_ns[15]; /* MMTK_STAGE_COUNT */
  /* The harness window. */
  bool active;
  uint64_t begin_ns;
  uint64_t begin_gc_count, begin_gc_ns, begin_stage_ns[15];
  uint64_t begin_nursery_gc_count, begin_nursery_gc_ns;
  size_t begin_acquired_pages;
  /* --enable-perf-counter: the phase_perf_events counters (util/perf_counter.c), NULL
   * when the option names none. */
  struct perf_counters *perf;
};

uint64_t stats_now_ns(void);
void stats_harness_begin(struct mmtk *mmtk);
/* Prints the table on standard output; false if the harness was not begun. */
bool stats_harness_end(struct mmtk *mmtk);

#endif /* MMTK_UTIL_STATISTICS_H */
