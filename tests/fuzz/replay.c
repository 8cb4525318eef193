/* replay: feed files to a fuzz harness's LLVMFuzzerTestOneInput() without libFuzzer, so
 * that `make check` runs the committed corpus (tests/fuzz/<harness>/) with any compiler.
 *
 *   replay [FILE-OR-DIRECTORY...]
 *
 * Every regular file found (directories one level deep, in name order) is one input;
 * without arguments, the harness's corpus directory compiled in as FUZZ_CORPUS.
 * Arguments that start with '-' are ignored: the test runner (tests/tap-run) adds GLib's
 * --tap -k, and this program speaks TAP anyway.
 * Prints TAP: one "ok N - FILE" per input; an input that crashes or fails a check aborts
 * the program, which the TAP driver reports as the failure (after the last "ok").
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned ran;

static void replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    printf("Bail out! %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  if (!buf || ferror(f)) {
    printf("Bail out! %s: cannot read it\n", path);
    exit(1);
  }
  fclose(f);
  printf("# %s: %zu bytes\n", path, n);
  fflush(stdout);
  /* A copy of exactly n bytes, as libFuzzer gives: ASan sees a read past the end. */
  unsigned char *data = malloc(n ? n : 1);
  if (n) memcpy(data, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(data, n);
  free(data);
  printf("ok %u - %s\n", ++ran, path);
  fflush(stdout);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    printf("Bail out! %s: %s\n", dir, strerror(errno));
    exit(1);
  }
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
    sprintf(names[n++], "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) replay_file(names[i]);
    free(names[i]);
  }
  free(names);
}

static void replay_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    printf("Bail out! %s: %s\n", path, strerror(errno));
    exit(1);
  }
  if (S_ISDIR(st.st_mode)) replay_dir(path);
  else replay_file(path);
}

int main(int argc, char **argv) {
  bool given = false;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    given = true;
    replay_path(argv[i]);
  }
#ifdef FUZZ_CORPUS
  if (!given) replay_path(FUZZ_CORPUS);
#else
  (void)given;
#endif
  if (!ran) {
    printf("Bail out! no input given or found\n");
    return 1;
  }
  printf("1..%u\n", ran);
  return 0;
}
