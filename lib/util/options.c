/* Run-time options (MMTk's util::options, design.memory_manager.builder).
 *
 * One table describes every option: its name, its parser and the accepted form quoted
 * in error messages.  Parsers write into a struct mmtk_options only on success, so a
 * rejected value leaves the option as it was; bulk updates parse into a copy and commit
 * the copy only when every item parsed.
 */
#include "util/options.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>
#include <unistd.h>

#include "util/constants.h"
#include "util/log.h"

extern char **environ;

/* ---- Value parsers -------------------------------------------------------------------- */

bool mmtk_parse_size(const char *text, size_t *out) {
  const char *p = text;
  if (!p || !isdigit((unsigned char)*p)) return false;
  size_t v = 0;
  for (; isdigit((unsigned char)*p); p++) {
    size_t d = (size_t)(*p - '0');
    if (v > (SIZE_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  unsigned shift = 0;
  switch (toupper((unsigned char)*p)) {
  case 'K': shift = 10; break;
  case 'M': shift = 20; break;
  case 'G': shift = 30; break;
  case 'T': shift = 40; break;
  default: break;
  }
  if (shift) {
    p++;
    /* "64M", "64MB" and "64MiB" all mean 64 * 2^20. */
    if (toupper((unsigned char)p[0]) == 'I' && toupper((unsigned char)p[1]) == 'B') p += 2;
    else if (toupper((unsigned char)p[0]) == 'B') p++;
  }
  if (*p != '\0') return false;
  if (shift && v > (SIZE_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

/* A plain whole number (no suffix): decimal, or hexadecimal with 0x. */
static bool parse_uint(const char *text, uintmax_t *out) {
  if (!text || !isdigit((unsigned char)text[0])) return false;
  char *end;
  errno = 0;
  uintmax_t v = strtoumax(text, &end, 0);
  if (errno || *end != '\0') return false;
  *out = v;
  return true;
}

static bool parse_bool(const char *text, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (!strcasecmp(text, yes[i])) return *out = true, true;
    if (!strcasecmp(text, no[i])) return *out = false, true;
  }
  return false;
}

static bool parse_fraction(const char *text, double *out) {
  if (!text || !(isdigit((unsigned char)text[0]) || text[0] == '.')) return false;
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || *end != '\0' || !(v > 0.0 && v <= 1.0)) return false;
  *out = v;
  return true;
}

/* Split "A,B" at the first comma into two NUL-terminated strings in buf. */
static bool split_pair(const char *text, char *buf, size_t bufsize, char **a, char **b) {
  size_t n = strlen(text);
  if (n >= bufsize) return false;
  memcpy(buf, text, n + 1);
  char *comma = strchr(buf, ',');
  if (!comma) return false;
  *comma = '\0';
  *a = buf;
  *b = comma + 1;
  return true;
}

/* "Prefix:REST" (prefix compared case-insensitively) → REST, or NULL. */
static const char *after_prefix(const char *text, const char *prefix) {
  size_t n = strlen(prefix);
  if (strncasecmp(text, prefix, n) || text[n] != ':') return NULL;
  return text + n + 1;
}

/* ---- Option parsers: each returns false and leaves *o alone on a bad value ------------ */

typedef bool (*option_parser)(struct mmtk_options *o, const char *value);

static const char *const plan_names[MMTK_PLAN_COUNT] = {
    [MMTK_PLAN_NOGC] = "NoGC",
    [MMTK_PLAN_SEMISPACE] = "SemiSpace",
    [MMTK_PLAN_GENCOPY] = "GenCopy",
    [MMTK_PLAN_GENIMMIX] = "GenImmix",
    [MMTK_PLAN_MARKSWEEP] = "MarkSweep",
    [MMTK_PLAN_PAGEPROTECT] = "PageProtect",
    [MMTK_PLAN_IMMIX] = "Immix",
    [MMTK_PLAN_MARKCOMPACT] = "MarkCompact",
    [MMTK_PLAN_STICKYIMMIX] = "StickyImmix",
    [MMTK_PLAN_COMPRESSOR] = "Compressor",
};

const char *mmtk_plan_name(enum mmtk_plan_kind plan) {
  return (unsigned)plan < MMTK_PLAN_COUNT ? plan_names[plan] : "?";
}

static bool p_plan(struct mmtk_options *o, const char *v) {
  for (int i = 0; i < MMTK_PLAN_COUNT; i++)
    if (!strcasecmp(v, plan_names[i])) return o->plan = (enum mmtk_plan_kind)i, true;
  return false;
}

static bool p_threads(struct mmtk_options *o, const char *v) {
  uintmax_t n;
  if (!parse_uint(v, &n) || n == 0 || n > MMTK_MAX_WORKERS) return false;
  o->threads = (size_t)n;
  return true;
}

static bool p_gc_trigger(struct mmtk_options *o, const char *v) {
  const char *rest;
  size_t a, b;
  char buf[128], *sa, *sb;
  if ((rest = after_prefix(v, "FixedHeapSize"))) {
    if (!mmtk_parse_size(rest, &a) || a == 0) return false;
    o->gc_trigger.kind = MMTK_TRIGGER_FIXED;
    o->gc_trigger.min = o->gc_trigger.max = a;
    return true;
  }
  if ((rest = after_prefix(v, "DynamicHeapSize"))) {
    if (!split_pair(rest, buf, sizeof buf, &sa, &sb) || !mmtk_parse_size(sa, &a) ||
        !mmtk_parse_size(sb, &b) || a == 0 || a > b)
      return false;
    o->gc_trigger.kind = MMTK_TRIGGER_DYNAMIC;
    o->gc_trigger.min = a;
    o->gc_trigger.max = b;
    return true;
  }
  if (!strcasecmp(v, "Delegated")) {
    o->gc_trigger.kind = MMTK_TRIGGER_DELEGATED;
    o->gc_trigger.min = o->gc_trigger.max = 0;
    return true;
  }
  return false;
}

static bool p_factor(size_t *field, const char *v) {
  size_t n;
  if (!mmtk_parse_size(v, &n) || n == 0) return false;
  *field = n;
  return true;
}
static bool p_stress_factor(struct mmtk_options *o, const char *v) {
  return p_factor(&o->stress_factor, v);
}
static bool p_analysis_factor(struct mmtk_options *o, const char *v) {
  return p_factor(&o->analysis_factor, v);
}

static bool p_nursery(struct mmtk_options *o, const char *v) {
  const char *rest;
  char buf[128], *sa, *sb;
  size_t a, b;
  double fa, fb;
  if ((rest = after_prefix(v, "Bounded"))) {
    if (!split_pair(rest, buf, sizeof buf, &sa, &sb) || !mmtk_parse_size(sa, &a) ||
        !mmtk_parse_size(sb, &b) || a == 0 || a > b)
      return false;
    o->nursery.kind = MMTK_NURSERY_BOUNDED;
    o->nursery.min = a;
    o->nursery.max = b;
    return true;
  }
  if ((rest = after_prefix(v, "ProportionalBounded"))) {
    if (!split_pair(rest, buf, sizeof buf, &sa, &sb) || !parse_fraction(sa, &fa) ||
        !parse_fraction(sb, &fb) || fa > fb)
      return false;
    o->nursery.kind = MMTK_NURSERY_PROPORTIONAL;
    o->nursery.min_frac = fa;
    o->nursery.max_frac = fb;
    return true;
  }
  if ((rest = after_prefix(v, "Fixed"))) {
    if (!mmtk_parse_size(rest, &a) || a == 0) return false;
    o->nursery.kind = MMTK_NURSERY_FIXED;
    o->nursery.min = o->nursery.max = a;
    return true;
  }
  return false;
}

static bool p_nursery_zeroing(struct mmtk_options *o, const char *v) {
  static const char *const names[] = {"Temporal", "Nontemporal", "Concurrent", "Adaptive"};
  for (int i = 0; i < 4; i++)
    if (!strcasecmp(v, names[i])) return o->nursery_zeroing = (enum mmtk_nursery_zeroing)i, true;
  return false;
}

static bool p_vm_space_start(struct mmtk_options *o, const char *v) {
  uintmax_t a;
  if (!parse_uint(v, &a) || a > UINTPTR_MAX || a % BYTES_IN_PAGE) return false;
  o->vm_space_start = (uintptr_t)a;
  return true;
}

static bool p_vm_space_size(struct mmtk_options *o, const char *v) {
  size_t n;
  /* Whole pages: the VM space is a run of pages (mmtk_set_vm_space). */
  if (!mmtk_parse_size(v, &n) || n == 0 || n % BYTES_IN_PAGE) return false;
  o->vm_space_size = n;
  return true;
}

/* A CPU list "0,5,8-11" expanded in order into cpus[]. */
static bool parse_cpu_list(const char *v, uint16_t *cpus, size_t *ncpus) {
  size_t n = 0;
  const char *p = v;
  if (!*p) return false;
  for (;;) {
    char *end;
    if (!isdigit((unsigned char)*p)) return false;
    unsigned long lo = strtoul(p, &end, 10), hi = lo;
    p = end;
    if (*p == '-') {
      p++;
      if (!isdigit((unsigned char)*p)) return false;
      hi = strtoul(p, &end, 10);
      p = end;
    }
    if (lo > hi || hi >= MMTK_MAX_AFFINITY_CPUS) return false;
    for (unsigned long c = lo; c <= hi; c++) {
      if (n == MMTK_MAX_AFFINITY_CPUS) return false;
      cpus[n++] = (uint16_t)c;
    }
    if (*p == '\0') break;
    if (*p++ != ',') return false;
  }
  *ncpus = n;
  return true;
}

static bool p_thread_affinity(struct mmtk_options *o, const char *v) {
  uint16_t cpus[MMTK_MAX_AFFINITY_CPUS];
  size_t n;
  enum mmtk_affinity_kind kind;
  const char *rest;
  if (!*v || !strcasecmp(v, "OsDefault")) {
    o->thread_affinity.kind = MMTK_AFFINITY_OS_DEFAULT;
    o->thread_affinity.ncpus = 0;
    return true;
  }
  if (!strcasecmp(v, "Spread")) {
    o->thread_affinity.kind = MMTK_AFFINITY_SPREAD;
    o->thread_affinity.ncpus = 0;
    return true;
  }
  if ((rest = after_prefix(v, "RoundRobin"))) kind = MMTK_AFFINITY_ROUND_ROBIN;
  else if ((rest = after_prefix(v, "AllInSet"))) kind = MMTK_AFFINITY_ALL_IN_SET;
  else rest = v, kind = MMTK_AFFINITY_ROUND_ROBIN;
  if (!parse_cpu_list(rest, cpus, &n)) return false;
  o->thread_affinity.kind = kind;
  o->thread_affinity.ncpus = n;
  memcpy(o->thread_affinity.cpus, cpus, n * sizeof cpus[0]);
  return true;
}

static bool p_headroom(struct mmtk_options *o, const char *v) {
  uintmax_t n;
  if (!parse_uint(v, &n) || n > 50) return false;
  o->immix_defrag_headroom_percent = (size_t)n;
  return true;
}

static bool p_verbose(struct mmtk_options *o, const char *v) {
  uintmax_t n;
  bool b;
  if (parse_uint(v, &n) && n <= 9) return o->verbose = (unsigned)n, true;
  if (parse_bool(v, &b)) return o->verbose = b, true;
  return false;
}

#define BOOL_PARSER(field)                                                    \
  static bool p_##field(struct mmtk_options *o, const char *v) {               \
    return parse_bool(v, &o->field);                                           \
  }
BOOL_PARSER(precise_stress)
BOOL_PARSER(full_heap_system_gc)
BOOL_PARSER(ignore_system_gc)
BOOL_PARSER(eager_complete_sweep)
BOOL_PARSER(no_finalizer)
BOOL_PARSER(no_reference_types)
BOOL_PARSER(immix_always_defrag)
BOOL_PARSER(immix_defrag_every_block)
BOOL_PARSER(transparent_hugepages)
BOOL_PARSER(count_live_bytes_in_gc)
BOOL_PARSER(sanity)
BOOL_PARSER(perf_exclude_kernel)

/* "EVENT[,PID,CPU];...": MMTk's PerfEventOptions, whose PID and CPU the phase counters
 * ignore (they count the process); both forms are accepted, the names are checked by
 * libpfm4 only when mmtk_init() opens them. */
static bool perf_event_item(const char *item, size_t n, char *name) {
  size_t len = strcspn(item, ",");
  if (len > n) len = n;
  if (len == 0 || len > 127) return false;
  for (size_t i = 0; i < len; i++)
    if (isspace((unsigned char)item[i])) return false;
  memcpy(name, item, len);
  name[len] = '\0';
  if (len == n) return true;
  /* ",PID,CPU": two integers, possibly negative (-1: any). */
  char rest[64];
  if (n - len - 1 >= sizeof rest) return false;
  memcpy(rest, item + len + 1, n - len - 1);
  rest[n - len - 1] = '\0';
  char *comma = strchr(rest, ',');
  if (!comma) return false;
  *comma = '\0';
  for (char *part = rest; part; part = part == rest ? comma + 1 : NULL) {
    char *end;
    errno = 0;
    long v = strtol(part, &end, 10);
    if (errno || end == part || *end || v < -1 || v > INT32_MAX) return false;
  }
  return true;
}

bool mmtk_perf_events_parse(const char *text, void (*each)(const char *name, void *arg),
                            void *arg) {
  char names[MMTK_MAX_PERF_EVENTS][128];
  size_t count = 0;
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, ";");
    if (n) {
      if (count == MMTK_MAX_PERF_EVENTS || !perf_event_item(p, n, names[count])) return false;
      count++;
    }
    p += n;
    if (*p == ';') p++;
  }
  if (each)
    for (size_t i = 0; i < count; i++) each(names[i], arg);
  return true;
}

static bool p_phase_perf_events(struct mmtk_options *o, const char *v) {
  if (strlen(v) >= sizeof o->phase_perf_events || !mmtk_perf_events_parse(v, NULL, NULL))
    return false;
  strcpy(o->phase_perf_events, v);
  return true;
}

/* ---- The table ---------------------------------------------------------------------- */

#define BOOL_FORM "true or false (also yes/no, on/off, 1/0)"
#define SIZE_FORM "a size in bytes such as 4096, 64K, 16M or 2G (at least 1)"

static const struct option_desc {
  const char *name;
  option_parser parse;
  const char *form; /* the accepted form, for messages */
} options[] = {
    {"plan", p_plan,
     "one of NoGC, SemiSpace, GenCopy, GenImmix, MarkSweep, PageProtect, Immix, MarkCompact, "
     "StickyImmix, Compressor"},
    {"threads", p_threads, "a whole number from 1 to 1024"},
    {"gc_trigger", p_gc_trigger,
     "FixedHeapSize:SIZE, DynamicHeapSize:MIN,MAX (0 < MIN <= MAX) or Delegated, sizes like "
     "64M"},
    {"stress_factor", p_stress_factor, SIZE_FORM},
    {"analysis_factor", p_analysis_factor, SIZE_FORM},
    {"precise_stress", p_precise_stress, BOOL_FORM},
    {"nursery", p_nursery,
     "Bounded:MIN,MAX or Fixed:SIZE (sizes like 32M, 0 < MIN <= MAX) or "
     "ProportionalBounded:MIN,MAX (fractions of the heap, 0 < MIN <= MAX <= 1)"},
    {"nursery_zeroing", p_nursery_zeroing, "one of Temporal, Nontemporal, Concurrent, Adaptive"},
    {"full_heap_system_gc", p_full_heap_system_gc, BOOL_FORM},
    {"ignore_system_gc", p_ignore_system_gc, BOOL_FORM},
    {"eager_complete_sweep", p_eager_complete_sweep, BOOL_FORM},
    {"no_finalizer", p_no_finalizer, BOOL_FORM},
    {"no_reference_types", p_no_reference_types, BOOL_FORM},
    {"vm_space_start", p_vm_space_start,
     "an address, decimal or 0x-hexadecimal, a multiple of 4096 (0: no VM space)"},
    {"vm_space_size", p_vm_space_size,
     "a size in bytes such as 4096, 64K or 220M, a multiple of 4096 (at least 4096)"},
    {"thread_affinity", p_thread_affinity,
     "a CPU list such as 0,5,8-11 (CPUs below 1024), optionally prefixed RoundRobin: or "
     "AllInSet:, or Spread, or OsDefault (or empty)"},
    {"immix_always_defrag", p_immix_always_defrag, BOOL_FORM},
    {"immix_defrag_every_block", p_immix_defrag_every_block, BOOL_FORM},
    {"immix_defrag_headroom_percent", p_headroom, "a whole number from 0 to 50"},
    {"transparent_hugepages", p_transparent_hugepages, BOOL_FORM},
    {"count_live_bytes_in_gc", p_count_live_bytes_in_gc, BOOL_FORM},
    {"verbose", p_verbose, "a level from 0 (quiet) to 9, or true/false"},
    {"sanity", p_sanity, BOOL_FORM},
    {"phase_perf_events", p_phase_perf_events,
     "perf events separated by semicolons, each EVENT or EVENT,PID,CPU (at most 16, "
     "255 characters in all), e.g. PERF_COUNT_SW_TASK_CLOCK;PERF_COUNT_HW_CPU_CYCLES,0,-1"},
    {"perf_exclude_kernel", p_perf_exclude_kernel, BOOL_FORM},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static const struct option_desc *lookup(const char *name, size_t len) {
  for (size_t i = 0; i < NOPTIONS; i++)
    if (strlen(options[i].name) == len && !strncasecmp(options[i].name, name, len))
      return &options[i];
  return NULL;
}

/* ---- Defaults ----------------------------------------------------------------------- */

void mmtk_options_init(struct mmtk_options *o) {
  memset(o, 0, sizeof *o);
  /* API.md: MMTk's default, GenImmix.  It asks the binding for the write barrier on
   * every reference store (mmtk-options(7) says how to choose a plan that does not). */
  o->plan = MMTK_PLAN_GENIMMIX;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  o->threads = cpus < 1 ? 1 : cpus > MMTK_MAX_WORKERS ? MMTK_MAX_WORKERS : (size_t)cpus;

  /* FixedHeapSize of half the physical memory, within the reserved range. */
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t heap = pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 2 : (size_t)1 << 30;
  size_t range = MMTK_HEAP_END - MMTK_HEAP_START;
  if (heap > range) heap = range;
  heap &= ~(size_t)(BYTES_IN_PAGE - 1);
  o->gc_trigger.kind = MMTK_TRIGGER_FIXED;
  o->gc_trigger.min = o->gc_trigger.max = heap;

  o->stress_factor = SIZE_MAX;
  o->analysis_factor = SIZE_MAX;
  o->precise_stress = true;
  o->nursery.kind = MMTK_NURSERY_PROPORTIONAL;
  o->nursery.min_frac = 0.25;
  o->nursery.max_frac = 1.0;
  o->nursery_zeroing = MMTK_NURSERY_ZEROING_TEMPORAL;
  o->vm_space_size = 0xdc00000;
  /* Workers woken together at the start of a GC are otherwise often put on one CPU for
   * most of a short GC (design.scheduler.worker.spread). */
  o->thread_affinity.kind = MMTK_AFFINITY_SPREAD;
  o->immix_defrag_headroom_percent = 2;
}

/* ---- Setting options ---------------------------------------------------------------- */

static bool set_one(struct mmtk_options *o, const char *who, const char *name, size_t len,
                    const char *value) {
  const struct option_desc *d = lookup(name, len);
  if (!d) {
    mmtk_error(NULL, "%s: unknown option '%.*s' (see mmtk-options(7) for the list)", who,
               (int)len, name);
    return false;
  }
  if (!d->parse(o, value)) {
    mmtk_error(NULL, "%s: option '%s': bad value '%s' (accepted: %s)", who, d->name, value,
               d->form);
    return false;
  }
  return true;
}

bool mmtk_options_set(struct mmtk_options *o, const char *name, const char *value) {
  if (!name || !value) {
    mmtk_error(NULL, "mmtk_process: the option %s is NULL", name ? "value" : "name");
    return false;
  }
  return set_one(o, "mmtk_process", name, strlen(name), value);
}

static bool is_separator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\n'; }

bool mmtk_options_set_bulk(struct mmtk_options *o, const char *text) {
  if (!text) {
    mmtk_error(NULL, "mmtk_process_bulk: the option string is NULL");
    return false;
  }
  /* Items are separated by spaces, tabs or commas, but a comma inside a value
   * ("DynamicHeapSize:16M,64M", "0,2-3") belongs to the value: an item ends at a
   * separator that is followed (after more separators) by NAME= or the end. */
  struct mmtk_options copy = *o;
  const char *p = text;
  char value[512];
  for (;;) {
    while (is_separator(*p)) p++;
    if (!*p) break;
    const char *name = p;
    while (*p && *p != '=' && !is_separator(*p)) p++;
    if (*p != '=') {
      mmtk_error(NULL, "mmtk_process_bulk: '%.*s' is not of the form name=value", (int)(p - name),
                 name);
      return false;
    }
    size_t name_len = (size_t)(p - name);
    const char *v = ++p;
    for (;;) {
      while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ',') p++;
      if (*p != ',') break;
      /* A comma: part of the value unless what follows looks like the next NAME=. */
      const char *q = p + 1;
      while (is_separator(*q)) q++;
      const char *r = q;
      while (*r && (isalnum((unsigned char)*r) || *r == '_')) r++;
      if (!*q || (*r == '=' && r > q)) break;
      p = p + 1;
    }
    size_t vlen = (size_t)(p - v);
    if (vlen >= sizeof value) {
      mmtk_error(NULL, "mmtk_process_bulk: the value of '%.*s' is too long", (int)name_len, name);
      return false;
    }
    memcpy(value, v, vlen);
    value[vlen] = '\0';
    if (!set_one(&copy, "mmtk_process_bulk", name, name_len, value)) return false;
  }
  *o = copy;
  return true;
}

bool mmtk_options_read_env(struct mmtk_options *o, char *bad, size_t bad_size) {
  bool ok = true;
  if (bad_size) bad[0] = '\0';
  for (char **e = environ; e && *e; e++) {
    if (strncmp(*e, "MMTK_", 5)) continue;
    const char *name = *e + 5, *eq = strchr(name, '=');
    if (!eq) continue;
    size_t len = (size_t)(eq - name);
    char who[96];
    snprintf(who, sizeof who, "environment variable MMTK_%.*s", (int)(len < 64 ? len : 64), name);
    if (!lookup(name, len)) {
      mmtk_log(NULL, MMTK_LOG_WARN, "%s names no option; ignored (see mmtk-options(7))", who);
      continue;
    }
    if (!set_one(o, who, name, len, eq + 1)) {
      if (ok && bad_size) snprintf(bad, bad_size, "MMTK_%.*s", (int)(len < 64 ? len : 64), name);
      ok = false;
    }
  }
  return ok;
}

bool mmtk_options_validate(const struct mmtk_options *o) {
  size_t range = MMTK_HEAP_END - MMTK_HEAP_START;
  if (o->gc_trigger.kind != MMTK_TRIGGER_DELEGATED && o->gc_trigger.max > range) {
    mmtk_error(NULL,
               "mmtk_init: option 'gc_trigger': a heap of %zu bytes does not fit the %zu-byte "
               "range this library reserves (configure --with-heap-start/--with-heap-end)",
               o->gc_trigger.max, range);
    return false;
  }
  if (o->sanity && !MMTK_HAVE_SANITY) {
    mmtk_error(NULL, "mmtk_init: option 'sanity' needs a libmmtk configured with "
                     "--enable-sanity (this one was not)");
    return false;
  }
  if ((o->phase_perf_events[0] || o->perf_exclude_kernel) && !MMTK_HAVE_PERF_COUNTER) {
    mmtk_error(NULL, "mmtk_init: option '%s' needs a libmmtk configured with "
                     "--enable-perf-counter (this one was not)",
               o->phase_perf_events[0] ? "phase_perf_events" : "perf_exclude_kernel");
    return false;
  }
  if (o->thread_affinity.kind != MMTK_AFFINITY_OS_DEFAULT) {
    long online = sysconf(_SC_NPROCESSORS_CONF);
    for (size_t i = 0; i < o->thread_affinity.ncpus; i++)
      if (online > 0 && o->thread_affinity.cpus[i] >= online) {
        mmtk_error(NULL, "mmtk_init: option 'thread_affinity': CPU %u does not exist (this "
                         "machine has %ld)", (unsigned)o->thread_affinity.cpus[i], online);
        return false;
      }
  }
  return true;
}
