/* Logging and the per-thread last-error message (mmtk_last_error()).
 *
 * mmtk_error() is what every public entry point uses to reject bad input: it formats one
 * line, stores it as this thread's last error and sends it to the instance's log callback
 * (standard error, prefixed "[mmtk] ", when there is no instance or no callback).
 */
#ifndef MMTK_UTIL_LOG_H
#define MMTK_UTIL_LOG_H

#include <stdarg.h>

#include <mmtk.h>

#if defined(__GNUC__)
#define MMTK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MMTK_PRINTF(f, a)
#endif

/* Log one line at `level` (MMTK_LOG_*); `mmtk` may be NULL. */
void mmtk_log(const mmtk_t *mmtk, int level, const char *fmt, ...) MMTK_PRINTF(3, 4);
void mmtk_logv(const mmtk_t *mmtk, int level, const char *fmt, va_list ap);
/* Record `fmt` as this thread's last error and log it at MMTK_LOG_ERROR. */
void mmtk_error(const mmtk_t *mmtk, const char *fmt, ...) MMTK_PRINTF(2, 3);
/* Record a last error without logging it. */
void mmtk_set_last_error(const char *fmt, ...) MMTK_PRINTF(1, 2);
/* Forget this thread's last error (mmtk_last_error() then returns ""). */
void mmtk_clear_last_error(void);

/* Abort with a message naming the failed check: for internal invariants only. */
_Noreturn void mmtk_panic(const char *file, int line, const char *fmt, ...) MMTK_PRINTF(3, 4);
#define MMTK_ASSERT(cond)                                                                   \
  do {                                                                                      \
    if (MMTK_UNLIKELY(!(cond))) mmtk_panic(__FILE__, __LINE__, "assertion failed: %s", #cond); \
  } while (0)
#if MMTK_HAVE_EXTREME_ASSERTIONS
#define MMTK_XASSERT(cond) MMTK_ASSERT(cond)
#else
#define MMTK_XASSERT(cond) ((void)0)
#endif

#endif /* MMTK_UTIL_LOG_H */
