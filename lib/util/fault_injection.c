/* Failure injection (design.memory_manager.faults), compiled only with
 * ./configure --enable-fault-injection, a test build.
 *
 * That build links libmmtk with -Wl,--wrap=malloc,... (Makefile.am): the linker sends
 * every reference libmmtk's own objects make to malloc, calloc, realloc, mmap, mprotect
 * and pthread_create to the __wrap_ functions here, and __real_ names the C library's
 * (or a sanitizer's interceptor, which the wrapping does not bypass).  Nothing changes at
 * the call sites and no symbol is exported: the test chooses the failure through the
 * environment,
 *
 *     LIBMMTK_FAULT_INJECT=KIND:N      KIND is malloc (malloc, calloc and realloc
 *                                      together), mmap, mprotect, pthread_create, or any
 *                                      (all of them counted together); N >= 1
 *
 * read once, at the first intercepted call.  The Nth call of that kind fails as the
 * operating system would say it (ENOMEM; EAGAIN for pthread_create), once; every other
 * call goes through.  A line on stderr says the failure fired, so that a test knows the
 * path it drove reached call N.  The name is not MMTK_*: those are options. */
#include "mmtk_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

enum fault_kind { FAULT_MALLOC, FAULT_MMAP, FAULT_MPROTECT, FAULT_THREAD, FAULT_ANY, FAULT_NONE };

static const char *const kind_names[] = {"malloc", "mmap", "mprotect", "pthread_create", "any"};

static enum fault_kind chosen_kind = FAULT_NONE;
static unsigned long chosen_call;
static atomic_ulong calls[FAULT_ANY + 1]; /* per kind, and all kinds together */

static void note(const char *text) {
  ssize_t r = write(STDERR_FILENO, text, strlen(text));
  (void)r; /* nothing to do if stderr is gone */
}

/* No allocation here: it runs inside the first intercepted malloc. */
static void read_choice(void) {
  const char *spec = getenv("LIBMMTK_FAULT_INJECT");
  if (!spec || !*spec) return;
  for (int k = 0; k <= FAULT_ANY; k++) {
    size_t len = strlen(kind_names[k]);
    if (strncmp(spec, kind_names[k], len) || spec[len] != ':') continue;
    char *end;
    errno = 0;
    unsigned long n = strtoul(spec + len + 1, &end, 10);
    if (errno || *end || end == spec + len + 1 || n == 0) break;
    chosen_kind = (enum fault_kind)k;
    chosen_call = n;
    return;
  }
  note("libmmtk fault injection: LIBMMTK_FAULT_INJECT is not KIND:N with KIND malloc, mmap, "
       "mprotect, pthread_create or any, and N >= 1; nothing will fail\n");
}

/* Count one call of `kind`; true if it is the one to fail. */
static bool should_fail(enum fault_kind kind, const char *fn) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, read_choice);
  unsigned long own = atomic_fetch_add(&calls[kind], 1) + 1;
  unsigned long any = atomic_fetch_add(&calls[FAULT_ANY], 1) + 1;
  if (chosen_kind == FAULT_NONE) return false;
  unsigned long n = chosen_kind == FAULT_ANY ? any : chosen_kind == kind ? own : 0;
  if (n != chosen_call) return false;
  char line[160];
  snprintf(line, sizeof line, "libmmtk fault injection: %s call %lu (%s) fails\n",
           kind_names[chosen_kind], chosen_call, fn);
  note(line);
  return true;
}

/* Declared here only: the linker supplies them (--wrap). */
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *pointer, size_t size);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
int __real_mprotect(void *addr, size_t len, int prot);
int __real_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg);

/* Prototypes for -Wmissing-prototypes; hidden (-fvisibility=hidden) like every internal symbol. */
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *pointer, size_t size);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset);
int __wrap_mprotect(void *addr, size_t len, int prot);
int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg);

void *__wrap_malloc(size_t size) {
  if (should_fail(FAULT_MALLOC, "malloc")) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size) {
  if (should_fail(FAULT_MALLOC, "calloc")) {
    errno = ENOMEM;
    return NULL;
  }
  return __real_calloc(count, size);
}

void *__wrap_realloc(void *pointer, size_t size) {
  if (should_fail(FAULT_MALLOC, "realloc")) {
    errno = ENOMEM;
    return NULL; /* the old block stays allocated, as with a real failure */
  }
  return __real_realloc(pointer, size);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset) {
  if (should_fail(FAULT_MMAP, "mmap")) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return __real_mmap(addr, len, prot, flags, fd, offset);
}

int __wrap_mprotect(void *addr, size_t len, int prot) {
  if (should_fail(FAULT_MPROTECT, "mprotect")) {
    errno = ENOMEM;
    return -1;
  }
  return __real_mprotect(addr, len, prot);
}

int __wrap_pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                          void *(*start)(void *), void *arg) {
  if (should_fail(FAULT_THREAD, "pthread_create")) return EAGAIN;
  return __real_pthread_create(thread, attr, start, arg);
}
