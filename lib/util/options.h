/* Run-time options (MMTk's spellings), their parsing and validation.
 *
 * Every option can be set by name through mmtk_options_set() (what mmtk_process() calls),
 * in bulk, or from the environment variable MMTK_<NAME IN UPPER CASE>.  A rejected value
 * leaves the option unchanged and reports, through mmtk_error(), the option's name, the
 * value given and the accepted form.
 */
#ifndef MMTK_UTIL_OPTIONS_H
#define MMTK_UTIL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Plans, in MMTk's PlanSelector spelling order. */
enum mmtk_plan_kind {
  MMTK_PLAN_NOGC,
  MMTK_PLAN_SEMISPACE,
  MMTK_PLAN_GENCOPY,
  MMTK_PLAN_GENIMMIX,
  MMTK_PLAN_MARKSWEEP,
  MMTK_PLAN_PAGEPROTECT,
  MMTK_PLAN_IMMIX,
  MMTK_PLAN_MARKCOMPACT,
  MMTK_PLAN_STICKYIMMIX,
  MMTK_PLAN_COMPRESSOR,
  MMTK_PLAN_COUNT
};

enum mmtk_trigger_kind {
  MMTK_TRIGGER_FIXED,     /* FixedHeapSize:SIZE */
  MMTK_TRIGGER_DYNAMIC,   /* DynamicHeapSize:MIN,MAX */
  MMTK_TRIGGER_DELEGATED, /* Delegated */
};

enum mmtk_nursery_kind {
  MMTK_NURSERY_BOUNDED,      /* Bounded:MIN,MAX (bytes) */
  MMTK_NURSERY_PROPORTIONAL, /* ProportionalBounded:MIN,MAX (fractions of the heap) */
  MMTK_NURSERY_FIXED,        /* Fixed:SIZE */
};

enum mmtk_nursery_zeroing {
  MMTK_NURSERY_ZEROING_TEMPORAL,
  MMTK_NURSERY_ZEROING_NONTEMPORAL,
  MMTK_NURSERY_ZEROING_CONCURRENT,
  MMTK_NURSERY_ZEROING_ADAPTIVE,
};

enum mmtk_affinity_kind {
  MMTK_AFFINITY_OS_DEFAULT,  /* "" or "OsDefault" */
  MMTK_AFFINITY_ROUND_ROBIN, /* "0,5,8-11" or "RoundRobin:0,5,8-11" */
  MMTK_AFFINITY_ALL_IN_SET,  /* "AllInSet:0,5,8-11" */
  MMTK_AFFINITY_SPREAD,      /* "Spread" (the default): one allowed CPU per worker */
};

#define MMTK_MAX_AFFINITY_CPUS 1024
#define MMTK_MAX_WORKERS 1024 /* the largest accepted `threads` */

struct mmtk_options {
  enum mmtk_plan_kind plan;
  size_t threads; /* > 0 */
  struct {
    enum mmtk_trigger_kind kind;
    size_t min, max; /* FIXED: min == max == the size */
  } gc_trigger;
  size_t stress_factor;   /* SIZE_MAX = off */
  size_t analysis_factor; /* SIZE_MAX = off */
  bool precise_stress;    /* default true */
  struct {
    enum mmtk_nursery_kind kind;
    size_t min, max;           /* BOUNDED and FIXED (FIXED: min == max) */
    double min_frac, max_frac; /* PROPORTIONAL, 0 < min <= max <= 1 */
  } nursery;
  enum mmtk_nursery_zeroing nursery_zeroing;
  bool full_heap_system_gc;
  bool ignore_system_gc;
  bool eager_complete_sweep;
  bool no_finalizer;
  bool no_reference_types;
  uintptr_t vm_space_start; /* 0 = no VM space at start-up */
  size_t vm_space_size;     /* > 0 */
  struct {
    enum mmtk_affinity_kind kind;
    size_t ncpus;
    uint16_t cpus[MMTK_MAX_AFFINITY_CPUS]; /* the CPU list, expanded, in order */
  } thread_affinity;
  bool immix_always_defrag;
  bool immix_defrag_every_block;
  size_t immix_defrag_headroom_percent; /* <= 50 */
  bool transparent_hugepages;
  bool count_live_bytes_in_gc;
  unsigned verbose; /* 0 = quiet; 1 = a line per GC; 2 and more: more detail */
  bool sanity;      /* needs --enable-sanity */
  /* needs --enable-perf-counter: "EVENT[,PID,CPU];..." as given (checked when set) */
  char phase_perf_events[256];
  bool perf_exclude_kernel;
};

#define MMTK_MAX_PERF_EVENTS 16 /* events in phase_perf_events */
/* Split phase_perf_events: calls `each` with every event's name (NUL-terminated, at most
 * 127 bytes); false, having called nothing, if the text is not of the accepted form
 * "EVENT[,PID,CPU]" separated by semicolons (PID and CPU whole numbers, as MMTk writes
 * them; libmmtk counts the whole process on every CPU whatever they say). */
bool mmtk_perf_events_parse(const char *text, void (*each)(const char *name, void *arg),
                            void *arg);

/* Defaults: plan MarkSweep until GenImmix exists (MMTk's default), threads =
 * online CPUs, FixedHeapSize of half the physical memory, MMTk's other defaults. */
void mmtk_options_init(struct mmtk_options *o);
/* Set one option; false (options unchanged) with a message on an unknown name or a bad
 * value. */
bool mmtk_options_set(struct mmtk_options *o, const char *name, const char *value);
/* "name=value name=value" (separated by spaces, tabs or commas); all-or-nothing. */
bool mmtk_options_set_bulk(struct mmtk_options *o, const char *options);
/* Apply every MMTK_<NAME> environment variable that names an option; false if any has a
 * bad value (the valid ones are applied).  Other MMTK_* variables get a warning. */
bool mmtk_options_read_env(struct mmtk_options *o, char *bad, size_t bad_size);
/* Checks across options (e.g. sanity without --enable-sanity); false with a message. */
bool mmtk_options_validate(const struct mmtk_options *o);

/* "64M", "1g", "4096", "2t": powers of 1024, case-insensitive; false on overflow or
 * junk. */
bool mmtk_parse_size(const char *text, size_t *out);
/* MMTk's spelling of a plan ("NoGC", "SemiSpace", ...). */
const char *mmtk_plan_name(enum mmtk_plan_kind plan);

/* The public mmtk_builder_t (lib/builder.c). */
#define MMTK_BUILDER_SIG 0x424c4452u /* "BLDR" */
struct mmtk_builder {
  uint32_t sig;   /* MMTK_BUILDER_SIG while valid, wiped by mmtk_builder_free() */
  bool env_ok;    /* false: an MMTK_* variable had a bad value; mmtk_init() refuses */
  char env_bad[72]; /* the first such variable's name, for mmtk_init()'s message */
  struct mmtk_options options;
};

#endif /* MMTK_UTIL_OPTIONS_H */
