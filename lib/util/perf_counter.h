/* Perf-event counters for the benchmark harness (MMTk's perf_counter feature and its
 * phase_perf_events option; design.stats.perf).  With --enable-perf-counter each event
 * the option names is opened at mmtk_init() through libpfm4 and perf_event_open(2), and
 * mmtk_harness_end() prints, per event, what it counted outside and inside GCs since
 * mmtk_harness_begin().  Without the feature these are empty. */
#ifndef MMTK_UTIL_PERF_COUNTER_H
#define MMTK_UTIL_PERF_COUNTER_H

#include <stdbool.h>
#include <stdio.h>

#include "mmtk/config.h"

struct mmtk;

#if MMTK_HAVE_PERF_COUNTER
/* Open the events of the phase_perf_events option; one that cannot be opened (an unknown
 * name, a hardware event without a PMU, no permission) is left out with a warning. */
void perf_counters_open(struct mmtk *mmtk);
void perf_counters_close(struct mmtk *mmtk);
/* The harness window: begin enables the counters, end stops them. */
void perf_counters_begin(struct mmtk *mmtk);
void perf_counters_end(struct mmtk *mmtk);
/* A GC starts (in_gc true) or ends: what was counted since the last change goes to the
 * phase that ends. */
void perf_counters_phase(struct mmtk *mmtk, bool in_gc);
/* The table's columns: "\tNAME.mu\tNAME.gc" per event, and their values. */
void perf_counters_print_names(const struct mmtk *mmtk, FILE *out);
void perf_counters_print_values(const struct mmtk *mmtk, FILE *out);
#else
static inline void perf_counters_open(struct mmtk *mmtk) { (void)mmtk; }
static inline void perf_counters_close(struct mmtk *mmtk) { (void)mmtk; }
static inline void perf_counters_begin(struct mmtk *mmtk) { (void)mmtk; }
static inline void perf_counters_end(struct mmtk *mmtk) { (void)mmtk; }
static inline void perf_counters_phase(struct mmtk *mmtk, bool in_gc) { (void)mmtk, (void)in_gc; }
static inline void perf_counters_print_names(const struct mmtk *mmtk, FILE *out) {
  (void)mmtk, (void)out;
}
static inline void perf_counters_print_values(const struct mmtk *mmtk, FILE *out) {
  (void)mmtk, (void)out;
}
#endif

#endif /* MMTK_UTIL_PERF_COUNTER_H */
