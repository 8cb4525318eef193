/* Logging and the per-thread last error (design.memory_manager.err). */
#include "mmtk_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAST_ERROR_SIZE 512
static _Thread_local char last_error[LAST_ERROR_SIZE];

const char *mmtk_last_error(void) { return last_error; }

void mmtk_clear_last_error(void) { last_error[0] = '\0'; }

void mmtk_set_last_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
}

static void emit(const mmtk_t *mmtk, int level, const char *line) {
  if (mmtk && mmtk->vm.log) {
    mmtk->vm.log(mmtk->vm_ctx, level, line);
    return;
  }
  /* One fprintf per line keeps lines from different threads whole.  With several
   * instances alive, the prefix says whose line it is (design.heap.rooms). */
  if (mmtk && mmtk->room.number && heap_range_instances() > 1)
    fprintf(stderr, "[mmtk %u] %s\n", mmtk->room.number, line);
  else
    fprintf(stderr, "[mmtk] %s\n", line);
}

void mmtk_logv(const mmtk_t *mmtk, int level, const char *fmt, va_list ap) {
  char line[LAST_ERROR_SIZE];
  vsnprintf(line, sizeof line, fmt, ap);
  emit(mmtk, level, line);
}

void mmtk_log(const mmtk_t *mmtk, int level, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mmtk_logv(mmtk, level, fmt, ap);
  va_end(ap);
}

void mmtk_error(const mmtk_t *mmtk, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  emit(mmtk, MMTK_LOG_ERROR, last_error);
}

void mmtk_panic(const char *file, int line, const char *fmt, ...) {
  char msg[LAST_ERROR_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[mmtk] fatal: %s (%s:%d)\n", msg, file, line);
  abort();
}
