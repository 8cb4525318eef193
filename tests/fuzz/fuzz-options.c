/* fuzz-options: the option parser (mmtk_process, mmtk_process_bulk and the MMTK_*
 * environment variables read by mmtk_builder_new) on random names and values.
 *
 * The input is a list of records separated by '\n'.  The first byte of a record says
 * what the rest is:
 *   byte % 4 == 0   NAME=VALUE for mmtk_process() (no '=': the whole text as the name,
 *                   and a NULL value)
 *   byte % 4 == 1   a string for mmtk_process_bulk()
 *   byte % 4 == 2   NAME=VALUE set as the environment variable MMTK_NAME before the
 *                   builder is made (the environment is restored afterwards)
 *   byte % 4 == 3   the next byte picks one of the real option names, the rest is its
 *                   value for mmtk_process() (reaches the value parsers quickly)
 * Each text is copied into a buffer of exactly its length plus the NUL, so that
 * AddressSanitizer sees any read past the end.
 *
 * Checked besides memory safety: a call that fails leaves a last error that names the
 * function (STYLE.md: checks name the function, the bad value and what is accepted).
 */
#include "fuzz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmtk.h>

static const char *const option_names[] = {
    "plan", "threads", "gc_trigger", "stress_factor", "analysis_factor", "precise_stress",
    "nursery", "nursery_zeroing", "full_heap_system_gc", "ignore_system_gc",
    "eager_complete_sweep", "no_finalizer", "no_reference_types", "vm_space_start",
    "vm_space_size", "thread_affinity", "immix_always_defrag", "immix_defrag_every_block",
    "immix_defrag_headroom_percent", "transparent_hugepages", "count_live_bytes_in_gc",
    "verbose", "sanity",
};
#define NNAMES (sizeof option_names / sizeof option_names[0])

/* Abort (a crash for libFuzzer, a failure for the replay driver) with a message. */
static _Noreturn void fail(const char *what, const char *text) {
  fprintf(stderr, "fuzz-options: %s (input text '%s'; last error '%s')\n", what, text,
          mmtk_last_error() ? mmtk_last_error() : "(null)");
  abort();
}

static void expect_error(const char *fn, const char *text) {
  const char *e = mmtk_last_error();
  if (!e || !strstr(e, fn)) fail("a failed call left a last error that does not name it", text);
}

static char *dup_n(const uint8_t *p, size_t n) {
  char *s = malloc(n + 1);
  if (!s) abort();
  memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

/* Environment variables set by this input, unset at the end. */
#define MAX_ENV 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *env_names[MAX_ENV];
  size_t nenv = 0;

  /* Pass 1: the environment records (read by mmtk_builder_new). */
  for (size_t pos = 0; pos < size;) {
    const uint8_t *nl = memchr(data + pos, '\n', size - pos);
    size_t end = nl ? (size_t)(nl - data) : size;
    if (end > pos && data[pos] % 4 == 2 && nenv < MAX_ENV) {
      char *text = dup_n(data + pos + 1, end - pos - 1);
      char *eq = strchr(text, '=');
      /* setenv() refuses names with '=' and empty names; the library must cope with
       * anything else, NULs excepted (a C string ends there). */
      if (eq && eq != text) {
        *eq = '\0';
        char *name = malloc(strlen(text) + 6);
        if (!name) abort();
        sprintf(name, "MMTK_%s", text);
        if (setenv(name, eq + 1, 1) == 0) env_names[nenv++] = name;
        else free(name);
      }
      free(text);
    }
    pos = end + 1;
  }

  mmtk_builder_t *b = mmtk_builder_new();
  if (!b) fail("mmtk_builder_new returned NULL", "");

  /* Pass 2: the calls, in input order. */
  for (size_t pos = 0; pos < size;) {
    const uint8_t *nl = memchr(data + pos, '\n', size - pos);
    size_t end = nl ? (size_t)(nl - data) : size;
    if (end > pos) {
      unsigned kind = data[pos] % 4;
      char *text = dup_n(data + pos + 1, end - pos - 1);
      if (kind == 0) {
        char *eq = strchr(text, '=');
        char *value = NULL;
        if (eq) {
          *eq = '\0';
          value = dup_n((const uint8_t *)eq + 1, strlen(eq + 1));
        }
        char *name = dup_n((const uint8_t *)text, strlen(text));
        if (!mmtk_process(b, name, value)) expect_error("mmtk_process", text);
        free(name);
        free(value);
      } else if (kind == 1) {
        if (!mmtk_process_bulk(b, text)) expect_error("mmtk_process_bulk", text);
      } else if (kind == 3 && text[0]) {
        const char *name = option_names[(unsigned char)text[0] % NNAMES];
        char *value = dup_n((const uint8_t *)text + 1, strlen(text + 1));
        if (!mmtk_process(b, name, value)) expect_error("mmtk_process", value);
        free(value);
      }
      free(text);
    }
    pos = end + 1;
  }

  mmtk_builder_free(b);
  for (size_t i = 0; i < nenv; i++) {
    unsetenv(env_names[i]);
    free(env_names[i]);
  }
  return 0;
}
