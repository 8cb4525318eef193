/* --enable-work-packet-stats (MMTk's work_packet_stats feature, design.scheduler.stats):
 * each GC worker counts the packets it runs and their time, per kind (WORK_KIND), and
 * mmtk_harness_end() prints the sums of the harness window, one row per kind.  Without
 * the switch none of this is compiled. */
#ifndef MMTK_SCHEDULER_PACKET_STATS_H
#define MMTK_SCHEDULER_PACKET_STATS_H

#include <mmtk/config.h>

#if MMTK_HAVE_WORK_PACKET_STATS
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

struct mmtk;

/* Kinds a worker tells apart; any more share the last row, "(other)". */
#define PACKET_KINDS 64

struct packet_kind_stats {
  /* Written by the worker alone (plain atomic stores, no read-modify-write), read by the
   * thread that calls mmtk_harness_end(); `kind` is stored last, with release. */
  _Atomic(const char *) kind;
  _Atomic uint64_t count, ns;
  /* The harness thread's own: the counts at mmtk_harness_begin(). */
  uint64_t begin_count, begin_ns;
};

struct packet_stats {
  struct packet_kind_stats kinds[PACKET_KINDS];
};

/* The worker that owns `t` ran a packet of `kind` (NULL: unnamed) for `ns`. */
void packet_stats_record(struct packet_stats *t, const char *kind, uint64_t ns);
/* mmtk_harness_begin(): the window starts. */
void packet_stats_begin(struct mmtk *mmtk);
/* mmtk_harness_end(): the rows of the kinds run in the window, if any ran. */
void packet_stats_print(struct mmtk *mmtk, FILE *out);
#else
#define packet_stats_begin(mmtk) ((void)(mmtk))
#define packet_stats_print(mmtk, out) ((void)(mmtk), (void)(out))
#endif

#endif /* MMTK_SCHEDULER_PACKET_STATS_H */
