/* Statistics for the benchmark harness (design.stats).  The table has MMTk's shape: a
 * header line, tab-separated names, tab-separated values, a closing line. */
#include "mmtk_internal.h"

#include <stdio.h>
#include <time.h>

uint64_t stats_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void stats_harness_begin(mmtk_t *mmtk) {
  struct statistics *s = &mmtk->stats;
  s->active = true;
  s->begin_ns = stats_now_ns();
  s->begin_gc_count = s->gc_count;
  s->begin_gc_ns = s->gc_ns;
  s->begin_nursery_gc_count = s->nursery_gc_count;
  s->begin_nursery_gc_ns = s->nursery_gc_ns;
  memcpy(s->begin_stage_ns, s->stage_ns, sizeof s->stage_ns);
  s->begin_acquired_pages = atomic_load(&mmtk->trigger.acquired_pages);
  perf_counters_begin(mmtk);
  packet_stats_begin(mmtk);
}

/* The column names of the per-stage times (MMTk's WorkBucketStage, in its order). */
static const char *const stage_column[MMTK_STAGE_COUNT] = {
    "unconstrained",  "prepare",     "closure",  "soft_closure", "weak_closure",
    "final_closure",  "phantom_closure", "vm_ref_closure", "calculate_forwarding",
    "second_roots",   "ref_forwarding",  "finalizable_forwarding", "compact", "release", "final",
};

bool stats_harness_end(mmtk_t *mmtk) {
  struct statistics *s = &mmtk->stats;
  if (!s->active) return false;
  s->active = false;
  perf_counters_end(mmtk);
  double total_ms = (double)(stats_now_ns() - s->begin_ns) / 1e6;
  double gc_ms = (double)(s->gc_ns - s->begin_gc_ns) / 1e6;
  size_t alloc_bytes =
      (atomic_load(&mmtk->trigger.acquired_pages) - s->begin_acquired_pages) << LOG_BYTES_IN_PAGE;
  printf("============================ libmmtk Statistics Totals ============================\n");
  /* Stages that took no time in the window (a plan's unused ones) get no column. */
  printf("GC\ttime.mu\ttime.gc\ttime.total\tbytes.alloc\tbytes.used\tplan");
  /* A generational plan's GCs, nursery and full-heap apart (their sums are GC, time.gc). */
  if (s->generational) printf("\tGC.nursery\tGC.full\ttime.gc.nursery\ttime.gc.full");
  for (int i = 0; i < MMTK_STAGE_COUNT; i++)
    if (s->stage_ns[i] != s->begin_stage_ns[i]) printf("\ttime.stage.%s", stage_column[i]);
  perf_counters_print_names(mmtk, stdout);
  printf("\n%llu\t%.2f\t%.2f\t%.2f\t%zu\t%zu\t%s",
         (unsigned long long)(s->gc_count - s->begin_gc_count), total_ms - gc_ms, gc_ms, total_ms,
         alloc_bytes, gc_trigger_used_bytes(mmtk), mmtk_plan_name(mmtk->plan->kind));
  if (s->generational) {
    uint64_t gcs = s->gc_count - s->begin_gc_count;
    uint64_t nursery = s->nursery_gc_count - s->begin_nursery_gc_count;
    double nursery_ms = (double)(s->nursery_gc_ns - s->begin_nursery_gc_ns) / 1e6;
    printf("\t%llu\t%llu\t%.2f\t%.2f", (unsigned long long)nursery,
           (unsigned long long)(gcs - nursery), nursery_ms, gc_ms - nursery_ms);
  }
  for (int i = 0; i < MMTK_STAGE_COUNT; i++)
    if (s->stage_ns[i] != s->begin_stage_ns[i])
      printf("\t%.3f", (double)(s->stage_ns[i] - s->begin_stage_ns[i]) / 1e6);
  perf_counters_print_values(mmtk, stdout);
  printf("\n");
  printf("Total time: %.2f ms\n", total_ms);
  packet_stats_print(mmtk, stdout); /* --enable-work-packet-stats */
  printf("------------------------------ End libmmtk Statistics -----------------------------\n");
  fflush(stdout);
  return true;
}

size_t mmtk_live_bytes_in_last_gc(const mmtk_t *mmtk) {
  if (!instance_check(mmtk, "mmtk_live_bytes_in_last_gc")) return 0;
  return mmtk->gc.live_bytes;
}

/* A caller's struct may end at any field from heap_bytes on: the struct of 0.1.0 ended
 * there, and fields are only appended, so whatever size the caller was compiled with,
 * the fields it knows are copied and nothing past them. */
bool mmtk_get_stats(const mmtk_t *mmtk, mmtk_stats_t *stats) {
  if (!instance_check(mmtk, "mmtk_get_stats")) return false;
  if (!stats || stats->size < offsetof(mmtk_stats_t, heap_bytes) + sizeof stats->heap_bytes) {
    mmtk_error(mmtk, "mmtk_get_stats: %s", stats ? "stats->size is too small (set it to "
               "sizeof(mmtk_stats_t))" : "stats is NULL");
    return false;
  }
  mmtk_stats_t s = {.size = sizeof s};
  s.gc_count = mmtk->stats.gc_count;
  s.gc_time_ns = mmtk->stats.gc_ns;
  s.max_pause_ns = mmtk->stats.max_pause_ns;
  s.bytes_allocated = (uint64_t)atomic_load(&mmtk->trigger.acquired_pages) << LOG_BYTES_IN_PAGE;
  s.live_bytes = mmtk->gc.live_bytes;
  s.heap_bytes = mmtk->trigger.limit_bytes;
  s.defrag_gc_count = mmtk->stats.defrag_gc_count;
  s.nursery_gc_count = mmtk->stats.nursery_gc_count;
  s.nursery_gc_time_ns = mmtk->stats.nursery_gc_ns;
  /* The size the caller gave, read before the copy overwrites it with ours. */
  size_t n = sizeof s < stats->size ? sizeof s : stats->size;
  memcpy(stats, &s, n);
  stats->size = n;
  return true;
}
