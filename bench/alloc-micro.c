/* alloc-micro: the allocation micro-benchmark, one source built three ways.
 *
 *   bench/alloc-micro-mmtk    libmmtk (NoGC), the inline fast path of <mmtk/inline.h>
 *   bench/alloc-micro-malloc  the C library's malloc, everything freed at the end
 *   bench/alloc-micro-bdw     the Boehm-Demers-Weiser collector, GC_MALLOC with its
 *                             thread-local free lists (when configure found bdw-gc)
 *
 *   alloc-micro-VARIANT [-b BYTES] [SIZE...]
 *
 * For each object size (default: 32, 64 and 256 bytes) it allocates BYTES worth of
 * objects (default 256M), links every object to the previous one so that all stay alive,
 * and writes a value into each.  Only that loop is timed.  Each size runs in a child
 * process of its own, so every variant allocates fresh memory from the kernel.  Then it walks the list,
 * checks the number of objects and the sum of the values, and releases everything (free()
 * for malloc, mmtk_shutdown() for libmmtk, dropping the root for Boehm).
 *
 * Output: a line for people and, for bench/run, a line
 *   @bench PROGRAM VARIANT CASE METRIC=VALUE...
 * whose first metric is the one to compare (lower is better).  Exit status 1 when an
 * answer is wrong or an allocation fails, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(ALLOC_MICRO_MMTK)
#include <mmtk.h>
#define VARIANT "mmtk"
#elif defined(ALLOC_MICRO_BDW)
#ifndef GC_THREADS
#define GC_THREADS
#endif
#include <gc.h>
#define VARIANT "bdw"
#elif defined(ALLOC_MICRO_MALLOC)
#define VARIANT "malloc"
#else
#error "define one of ALLOC_MICRO_MMTK, ALLOC_MICRO_BDW, ALLOC_MICRO_MALLOC"
#endif

#define MIB ((uint64_t)1 << 20)
#define MIN_SIZE sizeof(struct obj)
#define MAX_SIZE 4096

struct obj {
  struct obj *next;
  uint64_t value;
};

/* ---- The variants: begin (per size), allocate, end --------------------------------- */

#if defined(ALLOC_MICRO_MMTK)

static mmtk_t *instance;
static mmtk_mutator_t *mutator;

static bool env_sets(const char *name) {
  extern char **environ;
  size_t len = strlen(name);
  for (char **e = environ; e && *e; e++)
    if (!strncmp(*e, "MMTK_", 5) && !strncasecmp(*e + 5, name, len) && (*e)[5 + len] == '=')
      return true;
  return false;
}

/* A fresh NoGC instance for each size, with a heap that holds the volume (unless the
 * environment chooses the plan or the heap). */
static bool variant_begin(uint64_t volume, size_t size) {
  mmtk_builder_t *b = mmtk_builder_new();
  if (!b) return false;
  bool ok = true;
  if (!env_sets("PLAN")) ok = ok && mmtk_process(b, "plan", "NoGC");
  if (!env_sets("GC_TRIGGER")) {
    char value[64];
    snprintf(value, sizeof value, "FixedHeapSize:%" PRIu64 "M", (volume + volume / 4) / MIB + 64);
    ok = ok && mmtk_process(b, "gc_trigger", value);
  }
  mmtk_vm_binding_t binding;
  memset(&binding, 0, sizeof binding);
  binding.size = sizeof binding;
  binding.version = MMTK_VM_BINDING_VERSION;
  if (ok) instance = mmtk_init(b, &binding, NULL);
  mmtk_builder_free(b);
  if (!instance) return false;
  if (!mmtk_initialize_collection(instance, NULL) ||
      !(mutator = mmtk_bind_mutator(instance, NULL))) {
    mmtk_shutdown(instance);
    instance = NULL;
    return false;
  }
  return true;
}

static inline struct obj *variant_alloc(size_t size) {
  return mmtk_alloc_fast(mutator, size, 8, 0, MMTK_ALLOC_DEFAULT);
}

static inline void variant_post_alloc(struct obj *o, size_t size) {
  mmtk_post_alloc_fast(mutator, o, size, MMTK_ALLOC_DEFAULT);
}

static void variant_end(struct obj *list) {
  (void)list; /* NoGC: the whole heap goes at once */
  mmtk_destroy_mutator(mutator);
  mmtk_shutdown(instance);
  mutator = NULL;
  instance = NULL;
}

#elif defined(ALLOC_MICRO_BDW)

static struct obj *volatile root;

static bool variant_begin(uint64_t volume, size_t size) {
  (void)volume;
  (void)size;
  return true;
}

static inline struct obj *variant_alloc(size_t size) { return GC_MALLOC(size); }

static inline void variant_post_alloc(struct obj *o, size_t size) {
  (void)o;
  (void)size;
}

static void variant_end(struct obj *list) {
  (void)list;
  root = NULL; /* everything becomes garbage for the next size */
  GC_gcollect();
}

#else /* malloc */

static bool variant_begin(uint64_t volume, size_t size) {
  (void)volume;
  (void)size;
  return true;
}

static inline struct obj *variant_alloc(size_t size) { return malloc(size); }

static inline void variant_post_alloc(struct obj *o, size_t size) {
  (void)o;
  (void)size;
}

static void variant_end(struct obj *list) {
  while (list) {
    struct obj *next = list->next;
    free(list);
    list = next;
  }
}

#endif

/* ---- The benchmark -------------------------------------------------------------------- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One size: false if an allocation failed or the answer is wrong. */
static bool run(uint64_t volume, size_t size) {
  uint64_t n = volume / size;
  if (!variant_begin(volume, size)) {
    fprintf(stderr, "alloc-micro-%s: setting up for %zu-byte objects failed\n", VARIANT, size);
    return false;
  }
  struct obj *head = NULL;
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    struct obj *o = variant_alloc(size);
    if (!o) {
      fprintf(stderr, "alloc-micro-%s: allocation %" PRIu64 " of %zu bytes failed\n", VARIANT, i,
              size);
      variant_end(head);
      return false;
    }
    o->next = head;
    o->value = i * 3 + 1;
    variant_post_alloc(o, size);
    head = o;
  }
  double seconds = now() - t0;
#if defined(ALLOC_MICRO_BDW)
  root = head;
#endif

  /* The answer: n objects whose values are 3i + 1 for i < n. */
  uint64_t count = 0, sum = 0;
  for (const struct obj *o = head; o; o = o->next) {
    count++;
    sum += o->value;
  }
  uint64_t want = 3 * (n * (n - 1) / 2) + n;
  variant_end(head);
  if (count != n || sum != want) {
    fprintf(stderr,
            "alloc-micro-%s: WRONG ANSWER for %zu-byte objects: %" PRIu64 " objects (expected %" PRIu64
            "), sum %" PRIu64 " (expected %" PRIu64 ")\n",
            VARIANT, size, count, n, sum, want);
    return false;
  }
  if (seconds <= 0) seconds = 1e-9;
  double ns = seconds * 1e9 / (double)n, gbs = (double)n * (double)size / seconds / 1e9;
  printf("alloc-micro-%s: %" PRIu64 " objects of %zu bytes in %.3f s: %.2f ns/object, %.2f GB/s; "
         "answer checked\n",
         VARIANT, n, size, seconds, ns, gbs);
  printf("@bench alloc-micro %s %zuB ns/object=%.3f GB/s=%.3f\n", VARIANT, size, ns, gbs);
  fflush(stdout);
  return true;
}

static bool parse_size(const char *s, uint64_t *out) {
  char *end;
  if (*s < '0' || *s > '9') return false;
  unsigned long long v = strtoull(s, &end, 10);
  unsigned shift = 0;
  if (*end == 'K' || *end == 'k') shift = 10, end++;
  else if (*end == 'M' || *end == 'm') shift = 20, end++;
  else if (*end == 'G' || *end == 'g') shift = 30, end++;
  if (*end || v == 0 || v > (UINT64_MAX >> (shift + 2))) return false;
  *out = (uint64_t)v << shift;
  return true;
}

static int usage(void) {
  fprintf(stderr, "usage: alloc-micro-%s [-b BYTES] [SIZE...]\n"
                  "  -b BYTES  bytes to allocate per object size (default 256M)\n"
                  "  SIZE      object sizes, %zu..%d bytes (default: 32 64 256)\n",
          VARIANT, MIN_SIZE, MAX_SIZE);
  return 2;
}

int main(int argc, char **argv) {
  uint64_t volume = 256 * MIB;
  size_t sizes[64];
  size_t nsizes = 0;
  for (int i = 1; i < argc; i++) {
    uint64_t v;
    if (!strcmp(argv[i], "-b") && i + 1 < argc) {
      if (!parse_size(argv[++i], &volume)) return usage();
    } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (parse_size(argv[i], &v) && v >= MIN_SIZE && v <= MAX_SIZE &&
               nsizes < sizeof sizes / sizeof sizes[0]) {
      sizes[nsizes++] = (size_t)v;
    } else {
      return usage();
    }
  }
  if (nsizes == 0) {
    sizes[0] = 32;
    sizes[1] = 64;
    sizes[2] = 256;
    nsizes = 3;
  }
  /* Each size in a process of its own, so that every variant starts from the same state:
   * fresh memory from the kernel, nothing left over for malloc or Boehm to reuse. */
  int status = 0;
  for (size_t i = 0; i < nsizes; i++) {
    if (volume / sizes[i] == 0) return usage();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
      perror("alloc-micro: fork");
      return 1;
    }
    if (pid == 0) {
#if defined(ALLOC_MICRO_BDW)
      GC_INIT();
#endif
      bool ok = run(volume, sizes[i]);
      fflush(stdout);
      _exit(ok ? 0 : 1);
    }
    int wstatus;
    while (waitpid(pid, &wstatus, 0) < 0) {
      if (errno != EINTR) {
        perror("alloc-micro: waitpid");
        return 1;
      }
    }
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
      if (WIFSIGNALED(wstatus))
        fprintf(stderr, "alloc-micro-%s: %zu-byte objects: killed by signal %d\n", VARIANT,
                sizes[i], WTERMSIG(wstatus));
      status = 1;
    }
  }
  return status;
}
