/* Perf-event counters for the harness (design.stats.perf; --enable-perf-counter).
 *
 * Each event of the phase_perf_events option is encoded by libpfm4 (which knows the
 * PMU's event names and the generic PERF_COUNT_* ones) and opened with perf_event_open(2)
 * for the thread that calls mmtk_init() and, inherited, every thread it or its threads
 * start afterwards (the GC workers, most mutators), on any CPU: MMTk's process-wide phase
 * counters.  Threads that already run at mmtk_init() are not counted; a warning says so.
 * The harness splits the counts at each GC's start and end, as it splits the time. */
#include "mmtk_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct perf_counter {
  char name[128];
  int fd;
  uint64_t last;          /* the value at the last phase change */
  uint64_t mu, gc;        /* counted outside and inside GCs in the harness window */
};

struct perf_counters {
  size_t n;
  struct perf_counter c[MMTK_MAX_PERF_EVENTS];
};

static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;
static int pfm_status;
static void pfm_init_once(void) { pfm_status = pfm_initialize(); }

/* The count so far, scaled up if the kernel multiplexed the counter (ran it only part
 * of the time it was enabled); false if it cannot be read. */
static bool counter_read(const struct perf_counter *c, uint64_t *value) {
  uint64_t v[3]; /* value, time enabled, time running (the read_format below) */
  if (read(c->fd, v, sizeof v) != (ssize_t)sizeof v) return false;
  if (v[2] && v[2] < v[1]) v[0] = (uint64_t)((double)v[0] * ((double)v[1] / (double)v[2]));
  *value = v[0];
  return true;
}

/* MMTk warns too: inherited counters miss the threads that exist already. */
static void warn_other_threads(mmtk_t *mmtk) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return;
  char line[256];
  long threads = 1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Threads:", 8)) threads = strtol(line + 8, NULL, 10);
  fclose(f);
  if (threads > 1)
    mmtk_log(mmtk, MMTK_LOG_WARN, "phase_perf_events: the process has %ld threads at "
             "mmtk_init; the counters include only this thread and the threads started "
             "after it", threads);
}

struct open_args {
  mmtk_t *mmtk;
  struct perf_counters *pc;
};

static void open_one(const char *name, void *arg) {
  struct open_args *a = arg;
  mmtk_t *mmtk = a->mmtk;
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  pfm_perf_encode_arg_t enc;
  memset(&enc, 0, sizeof enc);
  enc.attr = &attr;
  enc.size = sizeof enc;
  int plm = mmtk->options.perf_exclude_kernel ? PFM_PLM3 : PFM_PLM0 | PFM_PLM3;
  int ret = pfm_get_os_event_encoding(name, plm, PFM_OS_PERF_EVENT, &enc);
  if (ret != PFM_SUCCESS) {
    mmtk_log(mmtk, MMTK_LOG_WARN, "phase_perf_events: event '%s' left out: libpfm4 does not "
             "know it (%s)", name, pfm_strerror(ret));
    return;
  }
  attr.size = sizeof attr;
  attr.disabled = 1; /* until mmtk_harness_begin */
  attr.inherit = 1;
  attr.exclude_kernel = mmtk->options.perf_exclude_kernel;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    mmtk_log(mmtk, MMTK_LOG_WARN, "phase_perf_events: event '%s' left out: perf_event_open "
             "failed: %s%s", name, strerror(err),
             err == ENOENT || err == EOPNOTSUPP ? " (no such counter on this machine: a "
             "virtual machine often has no hardware ones; PERF_COUNT_SW_* events work)"
             : err == EACCES || err == EPERM ? " (see /proc/sys/kernel/perf_event_paranoid)"
             : "");
    return;
  }
  struct perf_counter *c = &a->pc->c[a->pc->n++];
  snprintf(c->name, sizeof c->name, "%s", name);
  c->fd = (int)fd;
}

void perf_counters_open(mmtk_t *mmtk) {
  if (!mmtk->options.phase_perf_events[0]) return;
  pthread_once(&pfm_once, pfm_init_once);
  if (pfm_status != PFM_SUCCESS) {
    mmtk_log(mmtk, MMTK_LOG_WARN, "phase_perf_events: libpfm4 cannot start (%s): no event "
             "is counted", pfm_strerror(pfm_status));
    return;
  }
  struct perf_counters *pc = calloc(1, sizeof *pc);
  if (!pc) {
    mmtk_log(mmtk, MMTK_LOG_WARN, "phase_perf_events: out of memory: no event is counted");
    return;
  }
  struct open_args a = {mmtk, pc};
  /* The option was checked when it was set. */
  mmtk_perf_events_parse(mmtk->options.phase_perf_events, open_one, &a);
  if (!pc->n) {
    free(pc);
    return;
  }
  warn_other_threads(mmtk);
  mmtk->stats.perf = pc;
}

void perf_counters_close(mmtk_t *mmtk) {
  struct perf_counters *pc = mmtk->stats.perf;
  if (!pc) return;
  for (size_t i = 0; i < pc->n; i++) close(pc->c[i].fd);
  free(pc);
  mmtk->stats.perf = NULL;
}

void perf_counters_begin(mmtk_t *mmtk) {
  struct perf_counters *pc = mmtk->stats.perf;
  if (!pc) return;
  for (size_t i = 0; i < pc->n; i++) {
    struct perf_counter *c = &pc->c[i];
    c->mu = c->gc = 0;
    /* The ioctl reaches the inherited copies in the other threads too. */
    ioctl(c->fd, PERF_EVENT_IOC_ENABLE, 0);
    if (!counter_read(c, &c->last)) c->last = 0;
  }
}

/* What each counter counted since the last change, to the phase that ends. */
static void account(struct perf_counters *pc, bool was_gc) {
  for (size_t i = 0; i < pc->n; i++) {
    struct perf_counter *c = &pc->c[i];
    uint64_t now;
    if (!counter_read(c, &now)) continue;
    uint64_t delta = now >= c->last ? now - c->last : 0;
    if (was_gc) c->gc += delta;
    else c->mu += delta;
    c->last = now;
  }
}

void perf_counters_phase(mmtk_t *mmtk, bool in_gc) {
  struct perf_counters *pc = mmtk->stats.perf;
  if (pc && mmtk->stats.active) account(pc, !in_gc);
}

void perf_counters_end(mmtk_t *mmtk) {
  struct perf_counters *pc = mmtk->stats.perf;
  if (!pc) return;
  account(pc, false); /* the harness ends outside a GC */
  for (size_t i = 0; i < pc->n; i++) ioctl(pc->c[i].fd, PERF_EVENT_IOC_DISABLE, 0);
}

void perf_counters_print_names(const mmtk_t *mmtk, FILE *out) {
  const struct perf_counters *pc = mmtk->stats.perf;
  for (size_t i = 0; pc && i < pc->n; i++)
    fprintf(out, "\t%s.mu\t%s.gc", pc->c[i].name, pc->c[i].name);
}

void perf_counters_print_values(const mmtk_t *mmtk, FILE *out) {
  const struct perf_counters *pc = mmtk->stats.perf;
  for (size_t i = 0; pc && i < pc->n; i++)
    fprintf(out, "\t%" PRIu64 "\t%" PRIu64, pc->c[i].mu, pc->c[i].gc);
}
