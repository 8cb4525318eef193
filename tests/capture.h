/* Capturing a test's standard output, to read the harness table
 * (mmtk_harness_end(3) prints it there). */
#ifndef MMTK_TESTS_CAPTURE_H
#define MMTK_TESTS_CAPTURE_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/perf_event.h>
#include <sys/syscall.h>
#endif

/* Send standard output to a temporary file until tu_stdout_end(), which restores it and
 * returns what was written (to g_free).  The table is printed with stdio: flushed here. */
typedef struct {
  int saved;
  int fd;
  char *path;
} tu_capture_t;

static inline tu_capture_t tu_stdout_begin(void) {
  tu_capture_t c;
  fflush(stdout);
  c.fd = g_file_open_tmp("tu-stdout-XXXXXX", &c.path, NULL);
  g_assert_cmpint(c.fd, >=, 0);
  c.saved = dup(STDOUT_FILENO);
  g_assert_cmpint(c.saved, >=, 0);
  g_assert_cmpint(dup2(c.fd, STDOUT_FILENO), ==, STDOUT_FILENO);
  return c;
}

static inline char *tu_stdout_end(tu_capture_t *c) {
  fflush(stdout);
  g_assert_cmpint(dup2(c->saved, STDOUT_FILENO), ==, STDOUT_FILENO);
  close(c->saved);
  close(c->fd);
  char *text = NULL;
  g_assert_true(g_file_get_contents(c->path, &text, NULL, NULL));
  unlink(c->path);
  g_free(c->path);
  return text;
}

/* In the harness table `text`, the value of the column named `column` (-1 if there is no
 * such column). */
static inline long long tu_table_value(const char *text, const char *column) {
  long long value = -1;
  char **lines = g_strsplit(text, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1]; i++) {
    if (!g_str_has_prefix(lines[i], "GC\t")) continue;
    char **names = g_strsplit(lines[i], "\t", -1), **values = g_strsplit(lines[i + 1], "\t", -1);
    for (guint j = 0; names[j] && values[j]; j++)
      if (!strcmp(names[j], column)) value = g_ascii_strtoll(values[j], NULL, 10);
    g_strfreev(names);
    g_strfreev(values);
    break;
  }
  g_strfreev(lines);
  return value;
}

/* Whether this process may count a software perf event at all: a container's seccomp
 * filter or perf_event_paranoid may refuse perf_event_open(2) whatever libmmtk does.
 * (above 1, it refuses counting kernel time to a user without CAP_PERFMON).  Then
 * --enable-perf-counter must leave the event out with a warning naming it, which is
 * what the tests check instead of a count. */
static inline bool tu_perf_sw_countable(void) {
#ifdef __linux__
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.type = PERF_TYPE_SOFTWARE;
  a.config = PERF_COUNT_SW_TASK_CLOCK;
  a.disabled = 1;
  a.inherit = 1; /* as libmmtk opens it (perf_exclude_kernel=false: kernel time too) */
  long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
  if (fd < 0) return false;
  close((int)fd);
  return true;
#else
  return false;
#endif
}

#endif /* MMTK_TESTS_CAPTURE_H */
